"""What dues adds to other apps' pages through the core registry (orglife never imports dues)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string


def party_day_dues_panel(request: Any, meeting: Any) -> str:
    """本月党费 on a party-day record: who is due and who has paid this month, linking to the sheet."""
    if not meeting.is_party_day:
        return ""
    return render_to_string(
        "dues/_meeting_panel.html", {"org": meeting.org, "on_date": meeting.meeting_date}, request=request
    )

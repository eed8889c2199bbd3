"""Small text helpers for Chinese UI strings (no Django, no domain)."""

from __future__ import annotations


def quote(text: str) -> str:
    """Wrap a title in Chinese double quotes, turning quotes inside it into single ones (‘’), so a
    title that already holds quotes (学习贯彻全国“两会”精神) never shows doubled quotes (““…””)."""
    inner = str(text).strip()
    if len(inner) >= 2 and inner[0] == "“" and inner[-1] == "”" and inner.count("“") == 1:
        inner = inner[1:-1]
    inner = inner.replace("“", "‘").replace("”", "’").replace('"', "'")
    return f"“{inner}”"

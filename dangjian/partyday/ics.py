"""A minimal RFC 5545 writer for the party-day feed (no dependency needed for a handful of events)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core import signing

_SALT = "partyday.ics"
TZID = "Asia/Shanghai"


def feed_token(org_id: int, version: int = 1) -> str:
    """A token for the org's subscription URL; phones subscribe without a session. Raising the
    org's `partyday.feed_version` setting invalidates every token issued before (a leaked URL)."""
    return signing.Signer(salt=f"{_SALT}.v{version}").sign(str(org_id)).split(":", 1)[1]


def org_for_token(org_id: int, token: str, version: int = 1) -> bool:
    try:
        signing.Signer(salt=f"{_SALT}.v{version}").unsign(f"{org_id}:{token}")
    except signing.BadSignature:
        return False
    return True


@dataclass(frozen=True)
class IcsEvent:
    uid: str
    start: dt.datetime  # naive local time in Asia/Shanghai
    end: dt.datetime
    summary: str
    location: str = ""
    description: str = ""


def escape(text: str) -> str:
    """TEXT escaping (RFC 5545 §3.3.11): backslash, semicolon and comma escaped; every line break
    (CRLF, a lone LF or a lone CR) becomes \\n, so no raw CR or LF can start a new property."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold lines longer than 75 octets (§3.1), never splitting a UTF-8 character."""
    out: list[str] = []
    cur = ""
    size = 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append(cur)
            cur, size, limit = " ", 1, 75
        cur += ch
        size += n
    out.append(cur)
    return "\r\n".join(out)


def _local(d: dt.datetime) -> str:
    return d.strftime("%Y%m%dT%H%M%S")


def render(name: str, events: Iterable[IcsEvent], now: dt.datetime) -> str:
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//dangjian//partyday//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
        f"X-WR-TIMEZONE:{TZID}",
        "BEGIN:VTIMEZONE",
        f"TZID:{TZID}",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        "TZOFFSETFROM:+0800",
        "TZOFFSETTO:+0800",
        "TZNAME:CST",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]
    for e in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{e.uid}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;TZID={TZID}:{_local(e.start)}",
            f"DTEND;TZID={TZID}:{_local(e.end)}",
            f"SUMMARY:{escape(e.summary)}",
        ]
        if e.location:
            lines.append(f"LOCATION:{escape(e.location)}")
        if e.description:
            lines.append(f"DESCRIPTION:{escape(e.description)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(line) for line in lines) + "\r\n"

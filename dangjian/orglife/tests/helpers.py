"""Test helpers: meetings and JPEGs built through the real services and Pillow."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone
from PIL import Image, ImageDraw

from dangjian.core.scoping import SYSTEM
from dangjian.orglife.services import MeetingData, meeting_create


def at(days_ago: int, hour: int = 14) -> dt.datetime:
    """An aware datetime `days_ago` days before today at `hour`:00 local time."""
    d = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime(d.year, d.month, d.day, hour, 0))


def data(**overrides: Any) -> MeetingData:
    start = overrides.pop("started_at", at(1))
    values: dict[str, Any] = {
        "kinds": ["party_day"],
        "theme": "学习贯彻全国两会精神",
        "started_at": start,
        "ended_at": overrides.pop("ended_at", start + dt.timedelta(hours=2)),
        "place": "党员活动室",
        "required_actions": ["佩戴党徽", "交纳党费", "重温入党誓词", "诵读党章", "研学党规党情"],
        "study_items": "全国两会精神\n党章第一章",
    }
    values.update(overrides)
    return MeetingData(**values)


def make_meeting(org: Any, actor: Any = SYSTEM, **overrides: Any) -> Any:
    return meeting_create(actor=actor, org=org, data=data(**overrides))


def jpeg(
    exif_time: dt.datetime | None = None, seed: int = 1, size: tuple[int, int] = (320, 240), quality: int = 85
) -> io.BytesIO:
    """A photo-like JPEG (a gradient pattern that depends on `seed`), with EXIF DateTimeOriginal if given."""
    w, h = 320, 240
    img = Image.new("RGB", (w, h), (200, 30, 30))
    draw = ImageDraw.Draw(img)
    for i in range(12):
        x = (seed * 37 + i * 53) % w
        y = (seed * 91 + i * 29) % h
        shade = (seed * 17 + i * 40) % 256
        draw.rectangle(
            [x, y, min(x + w // 4, w - 1), min(y + h // 5, h - 1)], fill=(shade, 255 - shade, (shade * 3) % 256)
        )
    if size != (w, h):
        img = img.resize(size)
    buf = io.BytesIO()
    kwargs: dict[str, Any] = {"format": "JPEG", "quality": quality}
    if exif_time is not None:
        exif = Image.Exif()
        local = timezone.localtime(exif_time)
        exif.get_ifd(0x8769)[0x9003] = local.strftime("%Y:%m:%d %H:%M:%S")
        kwargs["exif"] = exif.tobytes()
    img.save(buf, **kwargs)
    buf.seek(0)
    buf.name = "photo.jpg"
    return buf

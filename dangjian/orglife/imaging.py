"""Photo helpers: EXIF capture time and a 64-bit difference hash (dHash), with Pillow only."""

from __future__ import annotations

import datetime as dt
from typing import IO
from zoneinfo import ZoneInfo

from django.conf import settings
from PIL import Image, ImageOps

EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 0x9003
DATETIME_DIGITIZED = 0x9004
DATETIME = 0x0132
OFFSET_TIME_ORIGINAL = 0x9011


def exif_taken_at(f: IO[bytes]) -> dt.datetime | None:
    """DateTimeOriginal (else DateTimeDigitized / DateTime) as an aware datetime, or None.

    Cameras write local wall time without a zone; we read it as the site's zone (Asia/Shanghai)
    unless OffsetTimeOriginal says otherwise.
    """
    f.seek(0)
    try:
        with Image.open(f) as img:
            exif = img.getexif()
            sub = exif.get_ifd(EXIF_IFD)
            raw = sub.get(DATETIME_ORIGINAL) or sub.get(DATETIME_DIGITIZED) or exif.get(DATETIME)
            offset = sub.get(OFFSET_TIME_ORIGINAL)
    except Exception:
        return None
    finally:
        f.seek(0)
    if not raw:
        return None
    text = raw.decode(errors="ignore") if isinstance(raw, bytes) else str(raw)
    try:
        naive = dt.datetime.strptime(text.strip().rstrip("\x00")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if offset:
        try:
            off = dt.datetime.strptime(str(offset).strip(), "%z").tzinfo
            if off is not None:
                return naive.replace(tzinfo=off)
        except ValueError:
            pass
    return naive.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


def dhash(f: IO[bytes]) -> int:
    """64-bit difference hash: grey 9×8 thumbnail, one bit per horizontal neighbour comparison.

    Robust to re-compression, resizing and small colour changes, so a photo re-used for another
    meeting (even re-saved or shrunk by a chat app) lands within a few bits of the original.
    """
    f.seek(0)
    try:
        with Image.open(f) as img:
            img.draft("L", (64, 64))  # JPEG: decode at reduced scale, fast and memory-light
            small = ImageOps.exif_transpose(img).convert("L").resize((9, 8), Image.Resampling.LANCZOS)
            px = small.tobytes()  # mode L: one byte per pixel, row-major
    finally:
        f.seek(0)
    value = 0
    for row in range(8):
        for col in range(8):
            left = px[row * 9 + col]
            right = px[row * 9 + col + 1]
            value = (value << 1) | (1 if left > right else 0)
    return value


def hash_hex(value: int) -> str:
    return f"{value:016x}"


def bands(value: int) -> tuple[int, int, int, int]:
    """The four 16-bit quarters of a 64-bit hash, most significant first."""
    return ((value >> 48) & 0xFFFF, (value >> 32) & 0xFFFF, (value >> 16) & 0xFFFF, value & 0xFFFF)


def image_size(f: IO[bytes]) -> tuple[int, int]:
    f.seek(0)
    try:
        with Image.open(f) as img:
            return img.size
    finally:
        f.seek(0)

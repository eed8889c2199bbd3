from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from PIL import Image

from dangjian.core import notify
from dangjian.core.models import Notification
from dangjian.core.services import notification_mark_read
from dangjian.core.uploads import MAX_IMAGE_PIXELS, MB, check_image, check_xlsx


def _xlsx_bytes() -> bytes:
    wb = Workbook()
    wb.active.append(["姓名"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_accepted() -> None:
    check_xlsx(SimpleUploadedFile("a.xlsx", _xlsx_bytes()), 1024 * 1024)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,phone\n", "不是有效的 Excel"),
        (b"", "空文件"),
    ],
)
def test_xlsx_rejects_non_excel(content: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        check_xlsx(SimpleUploadedFile("renamed.xlsx", content), 1024 * 1024)
    assert message in exc.value.messages[0]


def test_xlsx_rejects_other_zip() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "x")
    with pytest.raises(ValidationError, match="不是有效的 Excel"):
        check_xlsx(SimpleUploadedFile("a.xlsx", buf.getvalue()), 1024 * 1024)


def test_xlsx_rejects_truncated() -> None:
    data = _xlsx_bytes()
    with pytest.raises(ValidationError):
        check_xlsx(SimpleUploadedFile("a.xlsx", data[: len(data) // 2]), 1024 * 1024)


def test_xlsx_size_limit_is_inclusive() -> None:
    data = _xlsx_bytes()
    check_xlsx(SimpleUploadedFile("a.xlsx", data), len(data))
    with pytest.raises(ValidationError, match="过大"):
        check_xlsx(SimpleUploadedFile("a.xlsx", data), len(data) - 1)


def _png(size: tuple[int, int] = (8, 8)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, "red").save(buf, "PNG")
    return buf.getvalue()


def test_image_accepted_by_content_not_name() -> None:
    assert check_image(SimpleUploadedFile("photo.txt", _png()), 1024 * 1024) == "PNG"


def test_image_rejects_text_named_jpg() -> None:
    with pytest.raises(ValidationError, match="不是有效的图片"):
        check_image(SimpleUploadedFile("photo.jpg", b"not an image at all"), 1024 * 1024)


def test_image_bomb_refused_before_decoding() -> None:
    side = int(MAX_IMAGE_PIXELS**0.5) + 10
    # A 1-bit PNG of huge dimensions compresses to a few KB but would decode to gigabytes.
    buf = io.BytesIO()
    Image.new("1", (side, side)).save(buf, "PNG")
    with pytest.raises(ValidationError, match="尺寸过大"):
        check_image(SimpleUploadedFile("bomb.png", buf.getvalue()), 10 * 1024 * 1024)


def test_image_unsupported_format() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, "BMP")
    with pytest.raises(ValidationError, match="不支持"):
        check_image(SimpleUploadedFile("a.bmp", buf.getvalue()), 1024 * 1024)


def test_notify_is_idempotent(world) -> None:
    assert notify.send([world.member_user], key="k1", title="提醒") == 1
    assert notify.send([world.member_user], key="k1", title="提醒（重复）") == 0
    assert Notification.objects.filter(user=world.member_user).get().title == "提醒"
    assert notification_mark_read(actor=world.member_user) == 1
    assert notification_mark_read(actor=world.member_user) == 0


def test_notifications_page_scoped_to_owner(world, as_member, as_outsider) -> None:
    notify.send([world.member_user], key="k2", title="本支部主题党日通知")
    assert "本支部主题党日通知" in as_member.get("/notifications/").content.decode()
    assert "本支部主题党日通知" not in as_outsider.get("/notifications/").content.decode()


def test_notifications_anonymous_redirects(client, db) -> None:
    r = client.get("/notifications/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


# --- zip bombs: sizes checked while streaming, stopping at the limit ----------------------------


def _bomb(inflated: int, declare: int | None = None) -> bytes:
    """A real workbook plus one part of `inflated` zero bytes (deflates to ~1/1000); with
    `declare`, the part's headers claim that size instead (a forged zip)."""
    buf = io.BytesIO(_xlsx_bytes())
    with zipfile.ZipFile(buf, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/padding.bin", b"\0" * inflated)
    data = bytearray(buf.getvalue())
    if declare is not None:
        name = b"xl/media/padding.bin"
        central = data.rfind(b"PK\x01\x02", 0, data.rfind(name))  # its central directory entry
        while data[central + 46 : central + 46 + len(name)] != name:
            central = data.rfind(b"PK\x01\x02", 0, central)
        data[central + 24 : central + 28] = declare.to_bytes(4, "little")
        local = int.from_bytes(data[central + 42 : central + 46], "little")
        data[local + 22 : local + 26] = declare.to_bytes(4, "little")
    return bytes(data)


@pytest.fixture
def inflated_bytes(monkeypatch: Any) -> list[int]:
    """Counts every byte zipfile hands out (what a check actually inflated)."""
    seen = [0]
    original = zipfile.ZipExtFile.read

    def counting(self: Any, n: int = -1) -> bytes:
        data = original(self, n)
        seen[0] += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting)
    return seen


def test_zip_bomb_refused_by_declared_size_without_inflating(inflated_bytes: list[int]) -> None:
    data = _bomb(60 * MB)
    assert len(data) < MB
    with pytest.raises(ValidationError, match="解压后过大"):
        check_xlsx(SimpleUploadedFile("bomb.xlsx", data), MB)  # may inflate to 12 MB
    assert inflated_bytes[0] == 0


def test_zip_bomb_with_forged_small_sizes_stops_at_the_declared_size(inflated_bytes: list[int]) -> None:
    data = _bomb(60 * MB, declare=1000)
    with pytest.raises(ValidationError):
        check_xlsx(SimpleUploadedFile("bomb.xlsx", data), MB)
    assert inflated_bytes[0] < 2 * MB  # the workbook parts and at most the declared 1000 bytes


def test_zip_within_the_inflate_limit_is_accepted() -> None:
    check_xlsx(SimpleUploadedFile("ok.xlsx", _bomb(5 * MB)), MB)
    with pytest.raises(ValidationError, match="解压后过大"):
        check_xlsx(SimpleUploadedFile("ok.xlsx", _bomb(5 * MB)), MB, max_inflated=4 * MB)

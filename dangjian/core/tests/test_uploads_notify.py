from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from PIL import Image

from dangjian.core import notify
from dangjian.core.models import Notification
from dangjian.core.services import notification_mark_read
from dangjian.core.uploads import MAX_IMAGE_PIXELS, check_image, check_xlsx


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

"""Meeting photos and attachments: parsed on upload, served only through the meeting's scope."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from conftest import login_client
from dangjian.orglife import services
from dangjian.orglife.models import MeetingAttachment
from dangjian.site.testing.factories import World, make_pdf

from .helpers import jpeg, make_meeting

pytestmark = pytest.mark.django_db


def test_attachment_must_parse_as_a_document(world: World) -> None:
    m = make_meeting(world.branch, world.liaison)
    for content in (b"<html><script>alert(1)</script></html>", b"%PDF-1.4\n<script>alert(1)</script>"):
        with pytest.raises(ValidationError):
            services.attachment_add(actor=world.liaison, meeting=m, file=io.BytesIO(content), name="签到表.pdf")
    assert not MeetingAttachment.objects.exists()


def test_photo_and_attachment_served_only_in_scope_and_never_sniffed(world: World) -> None:
    m = make_meeting(world.branch, world.liaison)
    photo = services.photo_add(actor=world.liaison, meeting=m, file=jpeg())
    att = services.attachment_add(actor=world.liaison, meeting=m, file=io.BytesIO(make_pdf()), name="签到表.pdf")
    urls = [reverse("orglife:photo", args=[photo.pk]), reverse("orglife:attachment", args=[att.pk])]
    for url, ctype in zip(urls, ["image/jpeg", "application/pdf"], strict=True):
        r = login_client(world.liaison).get(url)
        assert r.status_code == 200 and r["Content-Type"] == ctype and r["X-Content-Type-Options"] == "nosniff"
        assert login_client(world.outsider).get(url).status_code == 404
        anon = Client().get(url)
        assert anon.status_code == 302 and "/accounts/login/" in anon["Location"]
    assert "签到表" not in att.file.name

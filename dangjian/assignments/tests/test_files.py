"""Files behind the scope: every stored file is served by a view that checks its record's scope,
never under /media/; uploads are checked by parsing; names are random; nothing is sniffed."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, get_resolver, resolve, reverse

from conftest import login_client
from dangjian.assignments import services
from dangjian.assignments.models import TargetItem
from dangjian.core.files import sniff_type
from dangjian.core.uploads import check_document

from .conftest import Published, pdf_bytes
from .test_views import _submitted

pytestmark = pytest.mark.django_db

FAKE_PDF = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"


def attach(published: Published, name: str, content: bytes) -> TargetItem:
    t = services.target_claim(actor=published.world.secretary, target=published.target)
    return services.target_attach_file(
        actor=published.world.secretary,
        target=t,
        deliverable_id=published.dlv("document").pk,
        upload=SimpleUploadedFile(name, content),
    )


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    return buf.getvalue()


def test_a_file_that_merely_starts_with_pdf_is_refused(published: Published) -> None:
    with pytest.raises(ValidationError) as exc:
        attach(published, "承诺书.pdf", FAKE_PDF)
    assert "PDF" in str(exc.value)
    with pytest.raises(ValidationError):
        check_document(io.BytesIO(b"<html><script>alert(1)</script></html>"), 1024 * 1024)
    with pytest.raises(ValidationError):  # a zip that is no Office document
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("index.html", "<script>alert(1)</script>")
        check_document(buf, 1024 * 1024)
    assert not TargetItem.objects.filter(target=published.target, generated=False).exclude(file="").exists()


def test_upload_view_refuses_the_fake_pdf(published: Published) -> None:
    c = login_client(published.world.secretary)
    c.post(reverse("assignments:claim", args=[published.target.pk]))
    upload = SimpleUploadedFile("承诺书.pdf", FAKE_PDF, content_type="application/pdf")
    c.post(
        reverse("assignments:upload", args=[published.target.pk]),
        {"deliverable": published.dlv("document").pk, "file": upload},
    )
    assert not TargetItem.objects.filter(target=published.target).exclude(file="").exists()


def test_real_pdf_is_stored_under_a_random_name_and_served_inline_without_sniffing(published: Published) -> None:
    item = attach(published, "承诺书（王建国）.pdf", pdf_bytes())
    assert "承诺书" not in item.file.name and "王建国" not in item.file.name
    assert item.original_name == "承诺书（王建国）.pdf"
    r = login_client(published.world.secretary).get(reverse("assignments:item_file", args=[item.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["X-Content-Type-Options"] == "nosniff" and "sandbox" in r["Content-Security-Policy"]
    assert r["Content-Disposition"].startswith("inline")


def test_other_documents_are_attachments(published: Published) -> None:
    item = attach(published, "说明.docx", docx_bytes())
    r = login_client(published.world.secretary).get(reverse("assignments:item_file", args=[item.pk]))
    assert r["Content-Disposition"].startswith("attachment")
    assert r["X-Content-Type-Options"] == "nosniff"
    assert sniff_type(b"<html>") == "application/octet-stream"
    # nosniff on every response, pages included (SECURE_CONTENT_TYPE_NOSNIFF).
    assert Client().get(reverse("accounts:login"))["X-Content-Type-Options"] == "nosniff"


def test_generated_summary_is_scoped_random_and_an_attachment(published: Published) -> None:
    sub = _submitted(published)
    assert sub.summary_file and published.world.branch.name not in sub.summary_file.name
    url = reverse("assignments:submission_file", args=[sub.pk])
    r = login_client(published.world.secretary).get(url)
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")
    assert login_client(published.world.outsider).get(url).status_code == 404
    anon = Client().get(url)
    assert anon.status_code == 302 and "/accounts/login/" in anon["Location"]


def test_outsider_and_anonymous_get_no_document(published: Published) -> None:
    item = attach(published, "承诺书.pdf", pdf_bytes())
    url = reverse("assignments:item_file", args=[item.pk])
    assert login_client(published.world.outsider).get(url).status_code == 404
    anon = Client().get(url)
    assert anon.status_code == 302 and "/accounts/login/" in anon["Location"]
    # The stored name is never a route, whatever DEBUG says.
    for path in ("/media/" + item.file.name, "/media/"):
        with pytest.raises(Resolver404):
            resolve(path)
        assert Client().get(path).status_code == 404
    assert not any("media" in str(p.pattern) for p in get_resolver().url_patterns)


@pytest.mark.parametrize("mode", ["x-accel", "x-sendfile"])
def test_web_server_hand_off_keeps_the_check_in_django(published: Published, settings: Any, mode: str) -> None:
    settings.DANGJIAN_FILE_SERVE = mode
    item = attach(published, "承诺书.pdf", pdf_bytes())
    url = reverse("assignments:item_file", args=[item.pk])
    r = login_client(published.world.secretary).get(url)
    assert r.status_code == 200 and r.content == b"" and r["Content-Type"] == "application/pdf"
    if mode == "x-accel":
        assert r["X-Accel-Redirect"] == "/protected-media/" + item.file.name
    else:
        assert r["X-Sendfile"] == item.file.path
    r = login_client(published.world.outsider).get(url)
    assert r.status_code == 404 and "X-Accel-Redirect" not in r and "X-Sendfile" not in r

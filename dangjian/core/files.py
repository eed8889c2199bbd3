"""Serving stored files — only through views that first check the scope of the record they belong to.

`/media/` is never served directly. Each download view fetches its record with the record's own
selector (photos → meeting VIEW, assignment documents → the target org, import files → the importer,
generated summaries → their org) and then returns `file_response(...)`, which

- sends the bytes itself (`DANGJIAN_FILE_SERVE=django`, the default), or hands them to the web
  server in front (`x-accel`: nginx `X-Accel-Redirect` to an `internal` location mapped to
  MEDIA_ROOT; `x-sendfile`: Apache/lighttpd `X-Sendfile` with the absolute path) — the permission
  check stays in Django either way;
- takes the content type from the file's bytes, never from its name, and shows inline only images
  and PDFs; everything else is `Content-Disposition: attachment`;
- always sends `X-Content-Type-Options: nosniff` and a sandboxing Content-Security-Policy, so a file
  can never run as a page of the site.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.utils.encoding import iri_to_uri
from django.utils.http import content_disposition_header

INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png", "image/webp"})
OCTET = "application/octet-stream"
_BY_SUFFIX = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def sniff_type(head: bytes, filename: str = "") -> str:
    """The content type of a stored file from its first bytes (the name only picks among zips)."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04"):
        suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        return _BY_SUFFIX.get(suffix, OCTET)
    return OCTET


def file_response(field_file: Any, *, filename: str, content_type: str | None = None) -> HttpResponseBase:
    """The response for a stored file the caller has already checked the user may see."""
    with field_file.open("rb") as f:
        head = f.read(16)
    ctype = content_type or sniff_type(head, filename)
    inline = ctype in INLINE_TYPES
    mode = getattr(settings, "DANGJIAN_FILE_SERVE", "django")
    response: HttpResponseBase
    if mode == "django":
        response = FileResponse(field_file.open("rb"), content_type=ctype, as_attachment=not inline, filename=filename)
    else:
        response = HttpResponse(content_type=ctype)
        if mode == "x-accel":
            prefix = getattr(settings, "DANGJIAN_FILE_ACCEL_PREFIX", "/protected-media/").rstrip("/")
            response["X-Accel-Redirect"] = iri_to_uri(f"{prefix}/{field_file.name}")
        elif mode == "x-sendfile":
            response["X-Sendfile"] = field_file.path
        else:
            raise ValueError(f"DANGJIAN_FILE_SERVE: unknown mode {mode!r}")
        disposition = content_disposition_header(not inline, filename)
        if disposition:
            response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response

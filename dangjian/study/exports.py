"""The committee's collection of featured 学习心得 as a PDF (WeasyPrint, as the meeting record)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from dangjian.orgs.models import Organization

from . import selectors


def featured_pdf(request: HttpRequest, org: Organization, year: int) -> HttpResponse:
    from weasyprint import HTML  # heavy import: only when a PDF is asked for

    html = render_to_string(
        "study/featured_print.html",
        {"org": org, "year": year, "rows": selectors.featured_in(org, year), "printed_at": timezone.localtime()},
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    resp = HttpResponse(pdf, content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="featured-{org.pk}-{year}.pdf"'
    return resp

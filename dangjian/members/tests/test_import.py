"""The Excel importer: every bad input, all-or-nothing, good-only, re-import, background runs."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from dangjian.core.models import AuditEvent
from dangjian.core.scoping import SYSTEM
from dangjian.members import views
from dangjian.members.excel import ERROR_HEADER
from dangjian.members.importer import validate_workbook
from dangjian.members.models import ImportJob, ImportMode, ImportStatus, Member
from dangjian.members.services import import_job_create, import_job_rerun
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import World, make_id_number, make_member

from .helpers import HEADERS, body_bytes, read_sheet, row_for, upload, workbook_bytes

pytestmark = pytest.mark.django_db


def run(world: World, rows: list[dict[str, Any]], user: Any = None, mode: str = ImportMode.COMMIT) -> ImportJob:
    return import_job_create(
        actor=user or world.liaison, org=world.branch, upload=upload(workbook_bytes(rows)), mode=mode
    )


def errors_of(job: ImportJob) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["message"]) for e in job.errors]


def test_good_file_creates_members_with_audit(world: World) -> None:
    rows = [row_for(world.branch.name, name=f"导入{i}") for i in range(3)]
    job = run(world, rows)
    assert job.status == ImportStatus.COMPLETED
    assert (job.created_count, job.updated_count, job.error_rows) == (3, 0, 0)
    created = Member.objects.filter(name__startswith="导入", org=world.branch)
    assert created.count() == 3
    ids = {str(pk) for pk in created.values_list("pk", flat=True)}
    events = AuditEvent.objects.filter(action="member.create", object_id__in=ids)
    assert events.count() == 3
    assert AuditEvent.objects.filter(action="member.import", object_id=str(job.pk)).exists()


def test_org_column_may_be_blank_when_importing_into_a_branch(world: World) -> None:
    job = run(world, [row_for("", name="无组织列")])
    assert job.status == ImportStatus.COMPLETED
    assert Member.objects.get(name="无组织列").org == world.branch


def test_bad_check_digit_is_a_row_error_and_nothing_is_written(world: World) -> None:
    good = row_for(world.branch.name, name="好行")
    bad = row_for(world.branch.name, name="坏行")
    idn = bad["身份证号"]
    bad["身份证号"] = idn[:17] + ("0" if idn[17] != "0" else "1")
    job = run(world, [good, bad])
    assert job.status == ImportStatus.REJECTED
    assert (3, "身份证号", "身份证号校验位错误，请核对") in errors_of(job)
    assert not Member.objects.filter(name__in=["好行", "坏行"]).exists()


def test_malformed_id_number(world: World) -> None:
    bad = row_for(world.branch.name, name="短号")
    bad["身份证号"] = "12345"
    job = run(world, [bad])
    assert errors_of(job) == [(2, "身份证号", "身份证号应为18位（前17位数字，末位为数字或X）")]


def test_duplicate_id_number_in_file_blames_the_later_row(world: World) -> None:
    a = row_for(world.branch.name, name="甲")
    b = row_for(world.branch.name, name="乙", birth_date=a["出生日期"], id_number=a["身份证号"])
    job = run(world, [a, b])
    assert errors_of(job) == [(3, "身份证号", "身份证号与第 2 行重复")]
    assert not Member.objects.filter(name__in=["甲", "乙"]).exists()


def test_unknown_org_and_org_outside_scope_are_row_errors(world: World) -> None:
    unknown = row_for("不存在的党支部", name="未知组织")
    outside = row_for(world.other_branch.name, name="越权组织")
    job = run(world, [unknown, outside])
    assert errors_of(job) == [
        (2, "所在党组织", "所在党组织“不存在的党支部”不存在或不在您的管理范围内"),
        (3, "所在党组织", f"所在党组织“{world.other_branch.name}”不存在或不在您的管理范围内"),
    ]
    assert not world.other_branch.members.filter(name="越权组织").exists()


def test_formulas_are_refused(world: World) -> None:
    r = row_for(world.branch.name, name="公式行")
    r["工作单位"] = '=HYPERLINK("http://evil","x")'
    job = run(world, [r])
    assert (2, "工作单位", "不允许使用公式，请填写数值本身") in errors_of(job)
    assert not Member.objects.filter(name="公式行").exists()


def test_future_dates_and_joining_before_eighteen(world: World) -> None:
    today = timezone.localdate()
    future = row_for(world.branch.name, name="未来", status="probationary", converted_on=None)
    future["入党日期"] = today + dt.timedelta(days=3)
    young = row_for(world.branch.name, name="未成年", birth_date=dt.date(2000, 5, 20))
    young["入党日期"] = dt.date(2018, 5, 19)
    young["转正日期"] = dt.date(2019, 5, 19)
    job = run(world, [future, young])
    errs = errors_of(job)
    assert (2, "入党日期", "日期不能晚于今天") in errs
    assert (3, "入党日期", "入党日期早于年满18周岁之日") in errs
    assert not Member.objects.filter(name__in=["未来", "未成年"]).exists()


def test_bad_choice_and_yes_no_values_name_the_column(world: World) -> None:
    r = row_for(world.branch.name, name="选项错")
    r["党员状态"] = "积极分子"
    r["流动党员"] = "也许"
    errs = errors_of(run(world, [r]))
    assert (2, "党员状态", "“积极分子”不是有效选项，应为：正式党员、预备党员") in errs
    assert (2, "流动党员", "应填写“是”或“否”") in errs


def test_group_by_name_and_unknown_group(world: World) -> None:
    group = org_create(actor=SYSTEM, parent=world.branch, name="第一党小组", kind="group")
    ok = row_for(world.branch.name, name="有小组")
    ok["党小组"] = "第一党小组"
    bad = row_for(world.branch.name, name="错小组")
    bad["党小组"] = "第九党小组"
    job = run(world, [ok, bad])
    assert errors_of(job) == [(3, "党小组", "党小组“第九党小组”不属于该党支部")]
    job = import_job_rerun(actor=world.liaison, job=job, mode=ImportMode.GOOD_ONLY)
    assert Member.objects.get(name="有小组").group == group


def test_corrupted_file_is_refused_with_chinese_message(world: World) -> None:
    content = workbook_bytes([row_for(world.branch.name)])
    with pytest.raises(ValidationError) as exc:
        import_job_create(actor=world.liaison, org=world.branch, upload=upload(content[: len(content) // 2]))
    assert "损坏" in exc.value.messages[0] or "不是有效的 Excel" in exc.value.messages[0]
    assert not ImportJob.objects.exists()


def test_non_xlsx_renamed_is_refused(world: World) -> None:
    for content in (b"%PDF-1.4 fake pdf", "姓名,身份证号\n张三,1\n".encode()):
        with pytest.raises(ValidationError) as exc:
            import_job_create(actor=world.liaison, org=world.branch, upload=upload(content, "名册.xlsx"))
        assert exc.value.messages == ["文件不是有效的 Excel（.xlsx）文件，请使用下载的模板另存为 .xlsx 后上传"]
    # A zip that is not a workbook (e.g. a renamed .docx-like archive).
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<x/>")
    with pytest.raises(ValidationError):
        import_job_create(actor=world.liaison, org=world.branch, upload=upload(buf.getvalue()))
    assert not ImportJob.objects.exists()


def test_oversized_file_is_refused(world: World, settings: Any) -> None:
    settings.DANGJIAN_MAX_IMPORT_BYTES = 2048
    content = workbook_bytes([row_for(world.branch.name) for _ in range(30)])
    assert len(content) > 2048
    with pytest.raises(ValidationError) as exc:
        import_job_create(actor=world.liaison, org=world.branch, upload=upload(content))
    assert "过大" in exc.value.messages[0]


def test_too_many_rows_is_refused(world: World, settings: Any) -> None:
    settings.DANGJIAN_MAX_IMPORT_ROWS = 2
    job = run(world, [row_for(world.branch.name) for _ in range(3)])
    assert job.status == ImportStatus.FAILED
    assert "行数过多" in job.message
    assert job.created_count == 0


def test_missing_required_columns(world: World) -> None:
    headers = [h for h in HEADERS if h != "身份证号"]
    content = workbook_bytes([row_for(world.branch.name)], headers=headers)
    job = import_job_create(actor=world.liaison, org=world.branch, upload=upload(content))
    assert job.status == ImportStatus.FAILED
    assert "缺少必需的列：身份证号" in job.message


def test_good_only_writes_only_good_rows_after_explicit_choice(world: World) -> None:
    rows = [row_for(world.branch.name, name=f"部分{i}") for i in range(3)]
    rows[1]["身份证号"] = "bad"
    job = run(world, rows)
    assert job.status == ImportStatus.REJECTED
    assert not Member.objects.filter(name__startswith="部分").exists()
    job = import_job_rerun(actor=world.liaison, job=job, mode=ImportMode.GOOD_ONLY)
    assert job.status == ImportStatus.COMPLETED
    assert sorted(Member.objects.filter(name__startswith="部分").values_list("name", flat=True)) == ["部分0", "部分2"]
    assert job.error_rows == 1 and job.created_count == 2
    with pytest.raises(ValidationError):
        import_job_rerun(actor=world.liaison, job=job, mode=ImportMode.GOOD_ONLY)


def test_validate_mode_writes_nothing_then_commit(world: World) -> None:
    rows = [row_for(world.branch.name, name="先校验")]
    job = run(world, rows, mode=ImportMode.VALIDATE)
    assert job.status == ImportStatus.VALIDATED
    assert not Member.objects.filter(name="先校验").exists()
    job = import_job_rerun(actor=world.liaison, job=job, mode=ImportMode.COMMIT)
    assert job.status == ImportStatus.COMPLETED
    assert Member.objects.filter(name="先校验").count() == 1


def test_reimport_updates_by_id_number_and_never_duplicates(world: World) -> None:
    rows = [row_for(world.branch.name, name=f"重导{i}") for i in range(2)]
    run(world, rows)
    before = {m.id_number: m.version for m in Member.objects.filter(name__startswith="重导")}
    rows[0]["工作单位"] = "新单位"
    job = run(world, rows)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 1)
    members = Member.objects.filter(name__startswith="重导")
    assert members.count() == 2
    changed = members.get(id_number=rows[0]["身份证号"])
    assert changed.unit == "新单位"
    assert changed.version == before[changed.id_number] + 1
    ev = AuditEvent.objects.get(action="member.update", object_id=str(changed.pk))
    assert ev.before == {"unit": "示范单位"} and ev.after == {"unit": "新单位"}


def test_existing_member_elsewhere_is_not_touched(world: World) -> None:
    theirs = make_member(world.other_branch, name="别支部的人")
    # The row is built around their birth date, so its dates are consistent whatever the factory's sequence.
    r = row_for(world.branch.name, name="冒名", birth_date=theirs.birth_date, id_number=theirs.id_number)
    job = run(world, [r])
    assert errors_of(job) == [(2, "身份证号", "该身份证号无法在本组织登记，如需转入请办理组织关系转接")]
    theirs.refresh_from_db()
    assert theirs.name == "别支部的人" and theirs.org == world.other_branch


def test_large_import_runs_as_background_task(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.DANGJIAN_IMPORT_INLINE_ROWS = 2
    rows = [row_for(world.branch.name, name=f"后台{i}") for i in range(4)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = run(world, rows)
    # Not run inline: queued until the transaction commits and the task is enqueued.
    assert job.status == ImportStatus.QUEUED
    assert len(callbacks) == 1
    callbacks[0]()  # enqueue; the test backend runs the task at once
    job.refresh_from_db()
    assert job.status == ImportStatus.COMPLETED
    assert (job.processed, job.total, job.created_count) == (4, 4, 4)


def test_validation_queries_do_not_grow_with_rows(world: World) -> None:
    def count(n: int) -> int:
        content = workbook_bytes([row_for(world.branch.name) for _ in range(n)])
        with CaptureQueriesContext(connection) as ctx:
            out = validate_workbook(io.BytesIO(content), user=world.liaison, org=world.branch)
        assert len(out.good) == n
        return len(ctx.captured_queries)

    count(1)  # the user's scope is looked up once and cached on the user object
    assert count(3) == count(40) <= 3


def test_upload_view_shows_row_errors_in_chinese(world: World, as_liaison: Any) -> None:
    bad = row_for(world.branch.name, name="视图坏行")
    bad["身份证号"] = make_id_number(dt.date(1990, 1, 1))[:17] + "Y"
    url = reverse("members:import_upload", args=[world.branch.pk])
    resp = as_liaison.post(url, {"file": upload(workbook_bytes([bad])), "mode": "commit"}, follow=True)
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "第 2 行" in body and "身份证号应为18位" in body and "未写入任何数据" in body
    job = ImportJob.objects.get()
    errs = as_liaison.get(reverse("members:import_errors", args=[job.pk]))
    sheet = read_sheet(body_bytes(errs))
    assert sheet[0][-1] == ERROR_HEADER
    assert "身份证号" in sheet[1][-1]


def test_upload_view_bad_file(world: World, as_liaison: Any) -> None:
    url = reverse("members:import_upload", args=[world.branch.pk])
    resp = as_liaison.post(url, {"file": upload(b"not a workbook at all"), "mode": "commit"})
    assert resp.status_code == 200
    assert "不是有效的 Excel" in resp.content.decode()
    assert not ImportJob.objects.exists()


def test_good_only_needs_confirmation_in_view(world: World, as_liaison: Any) -> None:
    rows = [row_for(world.branch.name, name="确认0"), row_for(world.branch.name, name="确认1")]
    rows[1]["性别"] = "未知"
    job = run(world, rows)
    url = reverse("members:import_run", args=[job.pk])
    resp = as_liaison.post(url, {"mode": "good_only"})
    assert resp.status_code == 400
    assert "须勾选确认" in resp.content.decode()
    assert not Member.objects.filter(name__startswith="确认").exists()
    as_liaison.post(url, {"mode": "good_only", "confirm_partial": "on"})
    assert list(Member.objects.filter(name__startswith="确认").values_list("name", flat=True)) == ["确认0"]


def test_import_pages_refuse_anonymous_and_outsider(world: World, client: Any, as_outsider: Any) -> None:
    job = run(world, [row_for(world.branch.name, name="秘密姓名")])
    urls = [
        reverse("members:import_upload", args=[world.branch.pk]),
        reverse("members:template", args=[world.branch.pk]),
        reverse("members:import_detail", args=[job.pk]),
        reverse("members:import_progress", args=[job.pk]),
        reverse("members:import_errors", args=[job.pk]),
    ]
    for url in urls:
        resp = client.get(url)
        assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
        resp = as_outsider.get(url)
        assert resp.status_code == 404
        assert "秘密姓名" not in resp.content.decode()
    resp = as_outsider.post(reverse("members:import_run", args=[job.pk]), {"mode": "commit"})
    assert resp.status_code == 404


def test_member_role_cannot_import(world: World, as_member: Any) -> None:
    resp = as_member.get(reverse("members:import_upload", args=[world.branch.pk]))
    assert resp.status_code == 403


def test_template_has_headers_instructions_and_lists(world: World, as_liaison: Any) -> None:
    org_create(actor=SYSTEM, parent=world.branch, name="第二党小组", kind="group")
    resp = as_liaison.get(reverse("members:template", args=[world.branch.pk]))
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(body_bytes(resp)))
    assert wb.sheetnames[0] == "党员名册"
    assert "填写说明" in wb.sheetnames
    ws = wb["党员名册"]
    assert [c.value for c in ws[1]] == HEADERS
    formulas = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert any("选项" in (f or "") for f in formulas)
    options = [r for r in wb["选项"].iter_rows(values_only=True)]
    assert options[1][0] == world.branch.name
    assert any("第二党小组" in r for r in options)


def test_progress_partial_polls_while_running(world: World, as_liaison: Any) -> None:
    job = run(world, [row_for(world.branch.name)], mode=ImportMode.VALIDATE)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, processed=1, total=4)
    resp = as_liaison.get(reverse("members:import_progress", args=[job.pk]))
    body = resp.content.decode()
    assert 'hx-trigger="every 1s"' in body and "25%" in body
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.VALIDATED)
    resp = as_liaison.get(reverse("members:import_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert resp["HX-Refresh"] == "true"


def test_large_import_through_the_database_worker(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    """The real queue: the upload enqueues a task row; the worker command picks it up and runs it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.DANGJIAN_IMPORT_INLINE_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        job = run(world, [row_for(world.branch.name, name=f"队列{i}") for i in range(3)])
    assert job.status == ImportStatus.QUEUED
    assert DBTaskResult.objects.count() == 1
    # The worker closes idle connections between tasks; here that would close the test's transaction.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    job.refresh_from_db()
    assert job.status == ImportStatus.COMPLETED and job.created_count == 3
    assert Member.objects.filter(name__startswith="队列").count() == 3


def test_every_bad_row_is_listed_page_by_page(world: World, as_liaison: Any, monkeypatch: Any) -> None:
    rows = [row_for(world.branch.name, name=f"多错{i}") for i in range(5)]
    for r in rows:
        r["身份证号"] = "x"
    job = run(world, rows)
    assert job.error_rows == 5
    url = reverse("members:import_detail", args=[job.pk])
    monkeypatch.setattr(views, "ERRORS_PER_PAGE", 2)
    seen = set()
    for page in (1, 2, 3):
        body = as_liaison.get(url, {"page": page}).content.decode()
        seen |= {n for n in range(2, 7) if f"第 {n} 行" in body}
    assert seen == {2, 3, 4, 5, 6}

import datetime as dt
import shutil
import subprocess
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from conftest import login_client
from dangjian.accounts.models import RoleAssignment
from dangjian.assignments import selectors, services
from dangjian.assignments.models import Assignment, AssignmentTarget, Submission, TargetItem, TargetStatus
from dangjian.core.scoping import FOUR_EYES_MESSAGE

from .conftest import make_meeting, pdf_bytes, png_bytes

BRANCH_A = "市教育局机关党支部"


def _submitted(published, actor=None):
    w = published.world
    actor = actor or w.secretary
    t = services.target_claim(actor=actor, target=published.target)
    m = make_meeting(w.branch, published.today, members=[w.member])
    services.target_link_meeting(
        actor=actor, target=t, deliverable_id=published.dlv("meeting_record").pk, meeting_id=m.pk
    )
    services.target_attach_file(
        actor=actor,
        target=t,
        deliverable_id=published.dlv("photos").pk,
        upload=SimpleUploadedFile("p.png", png_bytes()),
    )
    services.target_attach_file(
        actor=actor,
        target=t,
        deliverable_id=published.dlv("document").pk,
        upload=SimpleUploadedFile("c.pdf", pdf_bytes()),
    )
    return services.target_submit(actor=actor, target=t)


def _urls(published, sub=None, item=None):
    a, t = published.assignment, published.target
    urls = [
        ("get", reverse("assignments:index")),
        ("get", reverse("assignments:publish")),
        ("get", reverse("assignments:detail", args=[a.pk])),
        ("get", reverse("assignments:board", args=[a.pk])),
        ("get", reverse("assignments:board_export", args=[a.pk])),
        ("get", reverse("assignments:committee_summary", args=[a.pk])),
        ("get", reverse("assignments:target", args=[t.pk])),
        ("post", reverse("assignments:claim", args=[t.pk])),
        ("post", reverse("assignments:link_meeting", args=[t.pk])),
        ("post", reverse("assignments:upload", args=[t.pk])),
        ("post", reverse("assignments:submit", args=[t.pk])),
        ("post", reverse("assignments:review", args=[t.pk])),
        ("get", reverse("assignments:target_summary", args=[t.pk, "xlsx"])),
        ("get", reverse("assignments:target_summary", args=[t.pk, "pdf"])),
        ("get", reverse("assignments:study", args=[t.pk])),
        ("get", reverse("assignments:branch_summary", args=[published.world.branch.pk, 2026, 3, "xlsx"])),
    ]
    if sub is not None:
        urls.append(("get", reverse("assignments:submission_file", args=[sub.pk])))
    if item is not None:
        urls.append(("get", reverse("assignments:item_file", args=[item.pk])))
        urls.append(("post", reverse("assignments:remove_item", args=[item.pk])))
    return urls


def test_anonymous_is_sent_to_login(published):
    sub = _submitted(published)
    item = TargetItem.objects.filter(target=published.target, file__gt="").first()
    c = Client()
    for method, url in _urls(published, sub, item):
        r = getattr(c, method)(url)
        assert r.status_code == 302 and "/accounts/login/" in r["Location"], url
    assert Submission.objects.get(pk=sub.pk).decision == "pending"


def test_outsider_sees_nothing_of_branch_a(published, as_outsider):
    sub = _submitted(published)
    item = TargetItem.objects.filter(target=published.target, file__gt="").first()
    assert item is not None
    for method, url in _urls(published, sub, item):
        if url == reverse("assignments:index"):
            continue
        r = getattr(as_outsider, method)(url)
        assert r.status_code in (403, 404), url
        assert BRANCH_A not in r.content.decode("utf-8", "ignore"), url
    t = AssignmentTarget.objects.get(pk=published.target.pk)
    assert t.status == TargetStatus.SUBMITTED and TargetItem.objects.filter(pk=item.pk).exists()


def test_index_lists_per_role(published, as_admin, as_secretary, as_member, as_outsider):
    body = as_admin.get(reverse("assignments:index")).content.decode()
    assert "3月份主题党日" in body and "发布任务" in body
    body = as_secretary.get(reverse("assignments:index")).content.decode()
    assert reverse("assignments:target", args=[published.target.pk]) in body and "发布任务" not in body
    body = as_member.get(reverse("assignments:index")).content.decode()
    assert reverse("assignments:study", args=[published.target.pk]) in body
    body = as_outsider.get(reverse("assignments:index")).content.decode()
    assert reverse("assignments:target", args=[published.other.pk]) in body
    assert reverse("assignments:target", args=[published.target.pk]) not in body


def _publish_post(world, **over):
    today = dt.date.today()
    data = {
        "publisher_org": world.city.pk,
        "title": "4月份主题党日",
        "theme": "学习党章",
        "notice": "通知正文",
        "window_start": today.isoformat(),
        "window_end": (today + dt.timedelta(days=10)).isoformat(),
        "min_hours": "4",
        "required_actions": "1.佩戴党徽\n2.重温誓词",
        "collective_study": "党章",
        "self_study": "",
        "practical_deeds": "",
        "target_mode": "subtree",
        "dlv-TOTAL_FORMS": "4",
        "dlv-INITIAL_FORMS": "0",
        "dlv-MIN_NUM_FORMS": "0",
        "dlv-MAX_NUM_FORMS": "10",
        "dlv-0-title": "活动总结表",
        "dlv-0-kind": "summary_table",
        "dlv-0-due_on": (today + dt.timedelta(days=10)).isoformat(),
    }
    data.update(over)
    return data


def test_publish_view_success(world, as_admin):
    assert as_admin.get(reverse("assignments:publish")).status_code == 200
    r = as_admin.post(reverse("assignments:publish"), _publish_post(world))
    a = Assignment.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("assignments:board", args=[a.pk])
    assert a.required_actions == ["佩戴党徽", "重温誓词"] and a.target_count == 2


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"window_end": "2000-01-01"}, "早于开始日期"),
        ({"dlv-0-due_on": "2099-01-01"}, "晚于活动结束后 60 天"),
        ({"dlv-0-title": "", "dlv-0-due_on": ""}, "请至少设置一项报送材料"),
        ({"dlv-0-due_on": ""}, "请填写截止日期"),
        ({"window_start": "不是日期"}, "活动开始日期"),
    ],
)
def test_publish_view_bad_input(world, as_admin, over, message):
    r = as_admin.post(reverse("assignments:publish"), _publish_post(world, **over))
    assert r.status_code == 400
    assert message in r.content.decode()
    assert Assignment.objects.count() == 0


def test_publish_view_refused_for_non_admins(world, as_secretary, as_outsider):
    assert as_secretary.get(reverse("assignments:publish")).status_code == 403
    r = as_outsider.post(reverse("assignments:publish"), _publish_post(world))
    assert r.status_code == 403 and Assignment.objects.count() == 0


def test_admin_cannot_publish_from_an_org_outside_scope(world):
    RoleAssignment.objects.create(user=world.outsider, org=world.other_branch, role="org_admin")
    c = login_client(world.outsider)
    # other_branch is a branch: not a publishing org → no choices → 403.
    assert c.post(reverse("assignments:publish"), _publish_post(world)).status_code == 403


def test_detail_and_board(published, as_admin, as_secretary, django_assert_max_num_queries):
    a = published.assignment
    r = as_admin.get(reverse("assignments:detail", args=[a.pk]))
    assert r.status_code == 200 and "承诺书" in r.content.decode()
    with django_assert_max_num_queries(12):
        r = as_admin.get(reverse("assignments:board", args=[a.pk]))
    body = r.content.decode()
    assert r.status_code == 200 and BRANCH_A in body and "未领取 2" in body
    r = as_admin.get(reverse("assignments:board", args=[a.pk]), {"status": "claimed"})
    assert BRANCH_A not in r.content.decode()
    r = as_admin.get(reverse("assignments:board", args=[a.pk]), {"parent": published.world.unit.path})
    assert BRANCH_A in r.content.decode() and "市直机关工委" in r.content.decode()
    r = as_admin.get(reverse("assignments:board", args=[a.pk]), {"parent": published.world.unit.path + "ZZZZ"})
    assert BRANCH_A not in r.content.decode()
    r = as_admin.get(reverse("assignments:board", args=[a.pk]), {"status": "nonsense", "page": "x", "parent": "'; --"})
    assert r.status_code == 200 and BRANCH_A in r.content.decode()
    # A branch secretary is not the publisher.
    assert as_secretary.get(reverse("assignments:board", args=[a.pk])).status_code == 403


def test_board_export_and_committee_summary(published, as_admin):
    _submitted(published)
    a = published.assignment
    r = as_admin.get(reverse("assignments:board_export", args=[a.pk]), {"status": "submitted"})
    assert r.status_code == 200
    rows = list(load_workbook(BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[2][0] == BRANCH_A and rows[2][2] == "已提交" and len(rows) == 3
    r = as_admin.get(reverse("assignments:committee_summary", args=[a.pk]))
    rows = list(load_workbook(BytesIO(r.content)).active.iter_rows(values_only=True))
    by_branch = {row[2]: row for row in rows[3:]}
    assert by_branch[BRANCH_A][6] == "学习贯彻全国两会精神"
    assert by_branch[BRANCH_A][9] == 1 and by_branch[BRANCH_A][10] == 1  # expected 1, present 1
    assert by_branch["市财政局机关党支部"][6] == "无记录"


def test_target_flow_through_views(published, as_secretary, as_admin, as_liaison):
    w = published.world
    t = published.target
    url = reverse("assignments:target", args=[t.pk])
    assert "领取任务" in as_secretary.get(url).content.decode()
    # Submit before claiming: refused with a message, nothing changes.
    r = as_secretary.post(reverse("assignments:submit", args=[t.pk]), follow=True)
    assert "请先领取" in r.content.decode()
    assert Submission.objects.count() == 0
    as_secretary.post(reverse("assignments:claim", args=[t.pk]), {"version": t.version})
    meeting = make_meeting(w.branch, published.today, members=[w.member])
    assert meeting.theme in as_secretary.get(url).content.decode()
    r = as_secretary.post(
        reverse("assignments:link_meeting", args=[t.pk]),
        {"deliverable": published.dlv("meeting_record").pk, "meeting": meeting.pk},
        follow=True,
    )
    assert "已关联会议记录" in r.content.decode()
    # Wrong type upload via the view.
    r = as_secretary.post(
        reverse("assignments:upload", args=[t.pk]),
        {"deliverable": published.dlv("photos").pk, "file": SimpleUploadedFile("x.jpg", b"plain text")},
        follow=True,
    )
    assert "不是有效的图片" in r.content.decode()
    r = as_secretary.post(reverse("assignments:upload", args=[t.pk]), {"deliverable": "x"}, follow=True)
    assert "请选择要上传的文件" in r.content.decode()
    for dlv, f in (
        ("photos", SimpleUploadedFile("p.png", png_bytes())),
        ("document", SimpleUploadedFile("c.pdf", pdf_bytes())),
    ):
        as_secretary.post(reverse("assignments:upload", args=[t.pk]), {"deliverable": published.dlv(dlv).pk, "file": f})
    # Generated summary table downloads.
    r = as_secretary.get(reverse("assignments:target_summary", args=[t.pk, "xlsx"]))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    r = as_secretary.get(reverse("assignments:target_summary", args=[t.pk, "pdf"]))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    t.refresh_from_db()
    as_secretary.post(reverse("assignments:submit", args=[t.pk]), {"version": t.version, "note": "请审核"})
    t.refresh_from_db()
    assert t.status == TargetStatus.SUBMITTED
    sub = Submission.objects.get(target=t)
    r = as_secretary.get(reverse("assignments:submission_file", args=[sub.pk]))
    assert r.status_code == 200
    # The branch cannot review; returning without a comment is refused.
    assert as_secretary.post(reverse("assignments:review", args=[t.pk]), {"decision": "approve"}).status_code == 403
    r = as_admin.post(reverse("assignments:review", args=[t.pk]), {"decision": "return", "comment": ""}, follow=True)
    assert "请填写退回意见" in r.content.decode()
    r = as_admin.post(reverse("assignments:review", args=[t.pk]), {"decision": "maybe"}, follow=True)
    assert "请选择审核结果" in r.content.decode()
    as_admin.post(reverse("assignments:review", args=[t.pk]), {"decision": "return", "comment": "请补充照片"})
    t.refresh_from_db()
    assert t.status == TargetStatus.RETURNED
    assert "请补充照片" in as_liaison.get(url).content.decode()
    as_liaison.post(reverse("assignments:submit", args=[t.pk]), {"version": t.version})
    t.refresh_from_db()
    # A stale version from an old page is a conflict.
    r = as_admin.post(
        reverse("assignments:review", args=[t.pk]), {"decision": "approve", "version": t.version - 1}, follow=True
    )
    assert "已被他人修改" in r.content.decode()
    as_admin.post(reverse("assignments:review", args=[t.pk]), {"decision": "approve", "version": t.version})
    t.refresh_from_db()
    assert t.status == TargetStatus.APPROVED and t.rounds == 2


def test_own_submission_review_refused_via_view(published, as_admin):
    _submitted(published, actor=published.world.admin)
    r = as_admin.post(reverse("assignments:review", args=[published.target.pk]), {"decision": "approve"}, follow=True)
    assert FOUR_EYES_MESSAGE in r.content.decode()
    assert AssignmentTarget.objects.get(pk=published.target.pk).status == TargetStatus.SUBMITTED


def test_member_sees_study_list_but_cannot_act(published, as_member):
    t = published.target
    r = as_member.get(reverse("assignments:study", args=[t.pk]))
    body = r.content.decode()
    assert r.status_code == 200 and "《当前经济工作的几个重大问题》" in body and "开展植绿护绿活动" in body
    assert as_member.post(reverse("assignments:claim", args=[t.pk])).status_code == 403
    assert AssignmentTarget.objects.get(pk=t.pk).status == TargetStatus.UNCLAIMED


def test_item_file_and_remove(published, as_secretary):
    w = published.world
    t = services.target_claim(actor=w.secretary, target=published.target)
    item = services.target_attach_file(
        actor=w.secretary,
        target=t,
        deliverable_id=published.dlv("document").pk,
        upload=SimpleUploadedFile("c.pdf", pdf_bytes()),
    )
    r = as_secretary.get(reverse("assignments:item_file", args=[item.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    assert as_secretary.get(reverse("assignments:item_file", args=[999999])).status_code == 404
    as_secretary.post(reverse("assignments:remove_item", args=[item.pk]))
    assert not TargetItem.objects.filter(pk=item.pk).exists()


def test_branch_summary_any_month(published, as_secretary):
    w = published.world
    make_meeting(w.branch, dt.date(2026, 3, 16), theme="三月主题党日", members=[w.member], present=0, leave=1)
    r = as_secretary.get(reverse("assignments:branch_summary", args=[w.branch.pk, 2026, 3, "xlsx"]))
    text = [c for row in load_workbook(BytesIO(r.content)).active.iter_rows(values_only=True) for c in row]
    assert "三月主题党日" in text
    i = text.index("请假人数")
    assert text[i + 1] == 1
    r = as_secretary.get(reverse("assignments:branch_summary", args=[w.branch.pk, 2026, 3, "pdf"]))
    assert r.content.startswith(b"%PDF")
    _assert_pdf_text(r.content, ["市教育局机关党支部 2026年3月主题党日活动总结表", "三月主题党日", "请假人数"])
    assert (
        as_secretary.get(reverse("assignments:branch_summary", args=[w.branch.pk, 2026, 13, "xlsx"])).status_code == 404
    )


def _assert_pdf_text(content: bytes, needles: list[str]) -> None:
    """The PDF's Chinese text is real text in an embedded CJK font (checked with poppler when present)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    text = subprocess.run([tool, "-", "-"], input=content, capture_output=True, check=True).stdout.decode()  # noqa: S603
    for needle in needles:
        assert needle in text


@pytest.mark.parametrize("status", ["", "unclaimed", "claimed", "submitted", "overdue"])
def test_board_pages_on_the_counts_it_already_has(published, as_admin, django_assert_max_num_queries, status):
    """The paginator reuses `board_counts` (no second COUNT), and its total is the true one."""
    _submitted(published)
    a = published.assignment
    url = reverse("assignments:board", args=[a.pk])
    with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(8):
        r = as_admin.get(url, {"status": status} if status else {})
    assert r.status_code == 200
    assert sum("COUNT(" in q["sql"] and "board_status" not in q["sql"] for q in ctx.captured_queries) <= 2
    want = selectors.board_queryset(a, status=status).count()
    assert r.context["page"].paginator.count == want
    assert r.context["counts"][status or "total"] == want
    # A name filter is not in the counts: the paginator counts those rows itself.
    r = as_admin.get(url, {"status": status, "q": "教育"})
    assert r.context["page"].paginator.count == selectors.board_queryset(a, status=status, q="教育").count()


def test_board_rows_markup_dates_and_escaping(db):
    """The board's rows, joined in Python: local times, labels and tag classes as the template had
    them, the target link per row, the organisation's name escaped, the empty state."""
    import datetime as dt

    from django.utils import timezone

    from dangjian.assignments import views

    submitted = dt.datetime(2026, 11, 30, 16, 5, tzinfo=dt.UTC)  # 2026-12-01 00:05 in Shanghai
    rows = [
        {
            "pk": 7,
            "org__name": "<b>甲</b>支部",
            "board_status": "overdue",
            "rounds": 2,
            "submitted_at": submitted,
            "last_reminded": submitted,
        },
        {
            "pk": 8,
            "org__name": "乙支部",
            "board_status": "claimed",
            "rounds": 0,
            "submitted_at": None,
            "last_reminded": None,
        },
    ]
    html = str(views._board_rows(rows))
    local = timezone.localtime(submitted)
    assert f'href="{reverse("assignments:target", args=[7])}"' in html
    assert "&lt;b&gt;甲&lt;/b&gt;支部" in html and "<b>" not in html
    assert '<span class="tag err" data-status="overdue">逾期</span>' in html
    assert '<span class="tag " data-status="claimed">已领取</span>' in html
    assert f"{local:%m-%d %H:%M}" in html and local.day == 1  # the local day, not UTC's
    assert html.count("—") == 2  # not submitted, never reminded
    assert "没有符合条件的组织" in str(views._board_rows([]))

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from dangjian.accounts.models import RoleAssignment
from dangjian.assignments import services
from dangjian.assignments.models import (
    Assignment,
    AssignmentTarget,
    DeliverableKind,
    Submission,
    TargetItem,
    TargetMode,
    TargetStatus,
)
from dangjian.assignments.rules import DeliverableSpec
from dangjian.core.models import AuditEvent
from dangjian.core.scoping import FOUR_EYES_MESSAGE, SYSTEM
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import make_user

from .conftest import make_meeting, pdf_bytes, png_bytes


def _publish(world, **kw):
    today = dt.date.today()
    args = dict(
        actor=world.admin,
        publisher_org=world.city,
        title="任务",
        theme="主题",
        window_start=today,
        window_end=today + dt.timedelta(days=10),
        deliverables=[DeliverableSpec("总结表", DeliverableKind.SUMMARY_TABLE, today + dt.timedelta(days=10))],
    )
    args.update(kw)
    return services.assignment_publish(**args)


def test_publish_creates_one_target_per_branch_with_org_path(published):
    a = published.assignment
    targets = AssignmentTarget.objects.filter(assignment=a)
    assert a.target_count == 2 == targets.count()
    for t in targets:
        assert t.org_path == t.org.path and t.status == TargetStatus.UNCLAIMED
    assert AuditEvent.objects.filter(action="assignment.publish", object_id=str(a.pk)).exists()
    assert a.deliverables.count() == 4


def test_publish_to_chosen_orgs_expands_committees(world):
    a = _publish(world, target_mode=TargetMode.CHOSEN, chosen_orgs=[world.branch])
    assert list(a.targets.values_list("org", flat=True)) == [world.branch.pk]
    b = _publish(world, target_mode=TargetMode.CHOSEN, chosen_orgs=[world.unit])
    assert set(b.targets.values_list("org", flat=True)) == {world.branch.pk, world.other_branch.pk}


def test_publish_bad_input_changes_nothing(world):
    today = dt.date.today()
    with pytest.raises(ValidationError) as exc:
        _publish(world, window_start=today + dt.timedelta(days=5), window_end=today)
    assert "早于开始日期" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        _publish(world, deliverables=[DeliverableSpec("x", "document", today + dt.timedelta(days=200))])
    assert "晚于活动结束后 60 天" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        _publish(world, deliverables=[DeliverableSpec("x", "document", today - dt.timedelta(days=1))])
    assert "早于发布日期" in str(exc.value)
    with pytest.raises(ValidationError):
        _publish(world, deliverables=[])
    assert Assignment.objects.count() == 0 and AssignmentTarget.objects.count() == 0


def test_publish_without_targets_is_refused(world):
    lonely = org_create(actor=SYSTEM, parent=world.city, name="空党委", kind="committee")
    with pytest.raises(ValidationError) as exc:
        _publish(world, publisher_org=lonely)
    assert "没有党支部" in str(exc.value)
    with pytest.raises(ValidationError):
        _publish(world, target_mode=TargetMode.CHOSEN, chosen_orgs=[])
    assert Assignment.objects.count() == 0


def test_publish_requires_admin(world):
    with pytest.raises(PermissionDenied):
        _publish(world, actor=world.secretary, publisher_org=world.branch)
    # A chosen org outside the publisher's subtree is refused.
    with pytest.raises(ValidationError):
        _publish(world, publisher_org=world.unit, target_mode=TargetMode.CHOSEN, chosen_orgs=[world.city])


def test_submitting_before_claiming_is_refused(published):
    with pytest.raises(ValidationError) as exc:
        services.target_submit(actor=published.world.secretary, target=published.target)
    assert "请先领取" in str(exc.value)
    assert Submission.objects.count() == 0


def test_attach_before_claim_is_refused(published):
    w = published.world
    with pytest.raises(ValidationError):
        services.target_attach_file(
            actor=w.secretary,
            target=published.target,
            deliverable_id=published.dlv("document").pk,
            upload=SimpleUploadedFile("a.pdf", pdf_bytes()),
        )


def test_claim_only_by_own_org(published):
    w = published.world
    with pytest.raises(PermissionDenied):
        services.target_claim(actor=w.outsider, target=published.target)
    with pytest.raises(PermissionDenied):
        services.target_claim(actor=w.member_user, target=published.target)
    t = services.target_claim(actor=w.liaison, target=published.target)
    assert t.status == TargetStatus.CLAIMED and t.claimed_by == w.liaison
    with pytest.raises(ValidationError):
        services.target_claim(actor=w.secretary, target=published.target)


def test_stale_version_is_a_conflict(published):
    w = published.world
    with pytest.raises(ValidationError) as exc:
        services.target_claim(actor=w.secretary, target=published.target, version=published.target.version + 1)
    assert "已被他人修改" in str(exc.value)
    assert AssignmentTarget.objects.get(pk=published.target.pk).status == TargetStatus.UNCLAIMED


def test_wrong_deliverable_types_are_refused(published):
    w = published.world
    t = services.target_claim(actor=w.secretary, target=published.target)
    # Text file to a photos deliverable.
    with pytest.raises(ValidationError) as exc:
        services.target_attach_file(
            actor=w.secretary,
            target=t,
            deliverable_id=published.dlv("photos").pk,
            upload=SimpleUploadedFile("x.jpg", b"not an image at all"),
        )
    assert "图片" in str(exc.value)
    # Any upload to the summary table: it is generated, never uploaded.
    with pytest.raises(ValidationError) as exc:
        services.target_attach_file(
            actor=w.secretary,
            target=t,
            deliverable_id=published.dlv("summary_table").pk,
            upload=SimpleUploadedFile("s.pdf", pdf_bytes()),
        )
    assert "自动生成" in str(exc.value)
    # A file to a meeting-record deliverable; a meeting to a document deliverable.
    with pytest.raises(ValidationError):
        services.target_attach_file(
            actor=w.secretary,
            target=t,
            deliverable_id=published.dlv("meeting_record").pk,
            upload=SimpleUploadedFile("m.pdf", pdf_bytes()),
        )
    meeting = make_meeting(w.branch, published.today)
    with pytest.raises(ValidationError) as exc:
        services.target_link_meeting(
            actor=w.secretary, target=t, deliverable_id=published.dlv("document").pk, meeting_id=meeting.pk
        )
    assert "不能关联会议记录" in str(exc.value)
    # Executable bytes named .pdf to a document deliverable.
    with pytest.raises(ValidationError):
        services.target_attach_file(
            actor=w.secretary,
            target=t,
            deliverable_id=published.dlv("document").pk,
            upload=SimpleUploadedFile("a.pdf", b"MZ\x90\x00binary"),
        )
    assert TargetItem.objects.count() == 0


def test_cannot_link_another_branchs_meeting(published):
    w = published.world
    t = services.target_claim(actor=w.secretary, target=published.target)
    theirs = make_meeting(w.other_branch, published.today)
    with pytest.raises(ValidationError) as exc:
        services.target_link_meeting(
            actor=w.secretary, target=t, deliverable_id=published.dlv("meeting_record").pk, meeting_id=theirs.pk
        )
    assert "不属于本组织" in str(exc.value)


def _complete(published, actor):
    w = published.world
    t = AssignmentTarget.objects.get(pk=published.target.pk)
    if t.status == TargetStatus.UNCLAIMED:
        t = services.target_claim(actor=actor, target=t)
    meeting = make_meeting(w.branch, published.today, members=[w.member])
    services.target_link_meeting(
        actor=actor, target=t, deliverable_id=published.dlv("meeting_record").pk, meeting_id=meeting.pk
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
    return t


def test_submit_requires_every_deliverable(published):
    w = published.world
    t = services.target_claim(actor=w.secretary, target=published.target)
    with pytest.raises(ValidationError) as exc:
        services.target_submit(actor=w.secretary, target=t)
    msg = str(exc.value)
    assert "承诺书" in msg and "主题党日会议记录" in msg and "活动照片" in msg
    assert "活动总结表" not in msg  # generated on submit


def test_full_flow_return_resubmit_approve_keeps_history(published):
    w = published.world
    t = _complete(published, w.secretary)
    sub1 = services.target_submit(actor=w.secretary, target=t, note="请审核")
    t.refresh_from_db()
    assert t.status == TargetStatus.SUBMITTED and t.rounds == 1
    # The submitted summary table is the generated one, stored as a snapshot.
    wb = load_workbook(sub1.summary_file.open("rb"))
    text = "\n".join(str(c) for row in wb.active.iter_rows(values_only=True) for c in row if c is not None)
    assert "学习贯彻全国两会精神" in text and "党员活动室" in text
    generated = TargetItem.objects.get(target=t, deliverable=published.dlv("summary_table"))
    assert generated.generated and generated.file.name == sub1.summary_file.name
    # Cannot edit while under review.
    with pytest.raises(ValidationError):
        services.target_attach_file(
            actor=w.secretary,
            target=t,
            deliverable_id=published.dlv("photos").pk,
            upload=SimpleUploadedFile("p.png", png_bytes()),
        )
    # Returning needs a comment.
    with pytest.raises(ValidationError):
        services.target_review(actor=w.admin, target=t, approve=False, comment=" ")
    services.target_review(actor=w.admin, target=t, approve=False, comment="照片不清晰，请补充")
    t.refresh_from_db()
    assert t.status == TargetStatus.RETURNED
    services.target_submit(actor=w.liaison, target=t, note="已补充")
    services.target_review(actor=w.admin, target=t, approve=True)
    t.refresh_from_db()
    assert t.status == TargetStatus.APPROVED and t.rounds == 2
    rounds = list(Submission.objects.filter(target=t).order_by("round").values_list("round", "decision", "comment"))
    assert rounds == [(1, "returned", "照片不清晰，请补充"), (2, "approved", "")]
    # The submitter got the review results in the inbox.
    assert w.secretary.notifications.filter(key=f"asg{t.assignment_id}.t{t.pk}.review1").exists()
    with pytest.raises(ValidationError):
        services.target_submit(actor=w.secretary, target=t)


def test_approving_ones_own_submission_is_refused(published):
    w = published.world
    # The org admin may also act for the branch (MANAGE); they may not then review it.
    t = _complete(published, w.admin)
    services.target_submit(actor=w.admin, target=t)
    with pytest.raises(PermissionDenied) as exc:
        services.target_review(actor=w.admin, target=t, approve=True)
    assert str(exc.value) == FOUR_EYES_MESSAGE
    t.refresh_from_db()
    assert t.status == TargetStatus.SUBMITTED
    second = make_user("第二审核人", "13800000099")
    RoleAssignment.objects.create(user=second, org=w.city, role="org_admin")
    services.target_review(actor=second, target=t, approve=True)
    t.refresh_from_db()
    assert t.status == TargetStatus.APPROVED


def test_only_the_publisher_reviews(published):
    w = published.world
    t = _complete(published, w.liaison)
    services.target_submit(actor=w.liaison, target=t)
    with pytest.raises(PermissionDenied):
        services.target_review(actor=w.secretary, target=t, approve=True)
    with pytest.raises(PermissionDenied):
        services.target_review(actor=w.outsider, target=t, approve=True)


def test_remove_item_and_not_generated(published):
    w = published.world
    t = services.target_claim(actor=w.secretary, target=published.target)
    item = services.target_attach_file(
        actor=w.secretary,
        target=t,
        deliverable_id=published.dlv("document").pk,
        upload=SimpleUploadedFile("c.pdf", pdf_bytes()),
    )
    with pytest.raises(PermissionDenied):
        services.target_remove_item(actor=w.outsider, item=item)
    services.target_remove_item(actor=w.secretary, item=item)
    assert not TargetItem.objects.filter(pk=item.pk).exists()

"""Points services: derived from records, idempotent, four eyes, the committee's manual; outsiders refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.core.models import AuditEvent, Notification
from dangjian.core.scoping import SYSTEM, FourEyesRefused, forget_scope
from dangjian.dues import services as dues
from dangjian.dues.models import DuesExpected
from dangjian.dues.rules import DuesCategory, month_start
from dangjian.orglife import services as orglife
from dangjian.orglife.tests.helpers import at, make_meeting
from dangjian.points import rules as R
from dangjian.points import services as S
from dangjian.points.models import ManualPoint, MemberYear, Objection, PointEntry, PublicNotice, ScoringManual
from dangjian.points.selectors import manual_for, member_points
from dangjian.site.testing.factories import World, make_member

from .helpers import filed_meeting

pytestmark = pytest.mark.django_db


def year_of(meeting: Any) -> int:
    return int(meeting.meeting_date.year)


def entries(member: Any, year: int) -> list[tuple[str, Decimal]]:
    return list(PointEntry.objects.filter(member=member, year=year).values_list("item_code", "points"))


def test_points_derive_from_filed_meetings_only(world: World) -> None:
    other = make_member(world.branch, name="请假者")
    m = filed_meeting(world.branch, {world.member.pk: "present", other.pk: "leave"})
    year = year_of(m)
    make_meeting(world.branch, SYSTEM, started_at=at(2))  # a draft (its attendance "absent") counts for nothing
    result = S.points_recompute(actor=world.liaison, org=world.branch, year=year)
    assert result["changed"] >= 2
    assert ("party_day", Decimal(2)) in entries(world.member, year)
    assert not [c for c, _ in entries(other, year) if c in ("party_day", "absence")]  # excused: loses nothing
    y = MemberYear.objects.get(member=world.member, year=year)
    assert y.total == Decimal(62) and y.star_label == "一星"


def test_unexcused_absence_is_deducted_and_explained(world: World) -> None:
    m = filed_meeting(world.branch, {world.member.pk: "absent"})
    S.points_recompute(actor=world.liaison, org=world.branch, year=year_of(m))
    line = PointEntry.objects.get(member=world.member, year=year_of(m), item_code="absence")
    assert line.points == -2 and line.ref == f"meeting:{m.pk}" and "无故缺席" in line.ref_label


def test_recompute_twice_changes_nothing(world: World) -> None:
    m = filed_meeting(world.branch, {world.member.pk: "present"})
    year = year_of(m)
    S.points_recompute(actor=world.liaison, org=world.branch, year=year)
    ids = list(PointEntry.objects.order_by("pk").values_list("pk", flat=True))
    audit = AuditEvent.objects.count()
    again = S.points_recompute(actor=SYSTEM, org=world.branch, year=year)
    assert again["changed"] == 0
    assert list(PointEntry.objects.order_by("pk").values_list("pk", flat=True)) == ids
    assert AuditEvent.objects.count() == audit


def test_a_corrected_meeting_corrects_the_points(world: World) -> None:
    m = filed_meeting(world.branch, {world.member.pk: "absent"})
    year = year_of(m)
    S.points_recompute(actor=world.liaison, org=world.branch, year=year)
    assert MemberYear.objects.get(member=world.member, year=year).total == 58
    orglife.attendance_mark(
        actor=world.liaison,
        meeting=m,
        version=m.version,
        marks=[orglife.Mark(world.member.pk, "present")],
        amendment_reason="记录有误，本人实际出席",
    )
    S.points_recompute(actor=world.liaison, org=world.branch, year=year)
    assert MemberYear.objects.get(member=world.member, year=year).total == 62
    assert ("absence", Decimal(-2)) not in entries(world.member, year)


def test_dues_paid_in_the_month_due_score(world: World) -> None:
    today = timezone.localdate()
    month = month_start(today)
    dues.dues_base_set(
        actor=world.liaison, member=world.member, year=today.year, category=DuesCategory.IN_SERVICE,
        monthly_base_fen=500_000,
    )  # fmt: skip
    dues.dues_month_compute(actor=world.liaison, org=world.branch, month=month)
    owed = DuesExpected.objects.get(member=world.member, month=month).amount_fen
    dues.dues_payment_record(actor=world.liaison, member=world.member, months=[month], amount_fen=owed, paid_on=today)
    S.points_recompute_member(actor=world.liaison, member=world.member, year=today.year)
    line = PointEntry.objects.get(member=world.member, item_code="dues")
    assert line.points == 1 and line.ref == f"dues:{month:%Y-%m}"


def test_exempt_member_is_out_of_the_rating(world: World) -> None:
    exempt = make_member(
        world.branch, name="免参者", exempt=True, exempt_reason="年老体弱", exempt_application="本人书面申请",
        exempt_approved_by="支部委员会", exempt_on=at(200).date(),
    )  # fmt: skip
    year = timezone.localdate().year
    S.points_recompute(actor=world.liaison, org=world.branch, year=year)
    y = MemberYear.objects.get(member=exempt, year=year)
    assert y.exempt and y.stars == 0 and y.star_label == "不参与评星" and y.suggestion == ""


def test_outsider_and_member_cannot_recompute(world: World) -> None:
    for actor in (None, world.outsider, world.member_user):
        with pytest.raises(PermissionDenied):
            S.points_recompute(actor=actor, org=world.branch, year=2026)
    assert MemberYear.objects.count() == 0
    with pytest.raises(ValidationError) as exc:
        S.points_recompute(actor=world.liaison, org=world.branch, year=1999)
    assert "年度应在" in str(exc.value)


# ---------------------------------------------------------------------------------------------
# Manual items, four eyes


def enter(world: World, actor: object, **kw: object) -> ManualPoint:
    args: dict[str, object] = {
        "member": world.member, "item_code": "volunteer", "on": timezone.localdate(), "reason": "社区防汛志愿服务",
        "document": "社区志愿服务记录 2026-18",
    }  # fmt: skip
    args.update(kw)
    return S.manual_point_enter(actor=actor, **args)  # type: ignore[arg-type]


def test_manual_item_counts_only_after_a_second_person_approves(world: World) -> None:
    year = timezone.localdate().year
    p = enter(world, world.liaison)
    S.points_recompute(actor=world.liaison, org=world.branch, year=year)
    assert "volunteer" not in dict(entries(world.member, year))
    with pytest.raises(FourEyesRefused):
        S.manual_point_decide(actor=world.liaison, point=p, approve=True, version=p.version)
    S.manual_point_decide(actor=world.secretary, point=p, approve=True, version=p.version)
    assert ("volunteer", Decimal(2)) in entries(world.member, year)
    line = PointEntry.objects.get(member=world.member, item_code="volunteer")
    assert "社区防汛志愿服务" in line.ref_label and "2026-18" in line.ref_label
    p.refresh_from_db()
    with pytest.raises(ValidationError, match="已审核"):
        S.manual_point_decide(actor=world.admin, point=p, approve=False, version=p.version, note="重复")


def test_rejection_needs_a_note_and_outsiders_are_refused(world: World) -> None:
    p = enter(world, world.liaison)
    with pytest.raises(ValidationError) as exc:
        S.manual_point_decide(actor=world.secretary, point=p, approve=False, version=p.version)
    assert exc.value.message_dict == {"note": ["不通过的，请填写审核意见"]}
    for actor in (None, world.outsider, world.member_user):
        with pytest.raises(PermissionDenied):
            S.manual_point_decide(actor=actor, point=p, approve=True, version=p.version)
    p.refresh_from_db()
    assert p.status == "pending"


@pytest.mark.parametrize(
    ("kw", "field", "message"),
    [
        ({"reason": " "}, "reason", "请填写事由"),
        ({"document": ""}, "document", "请填写依据"),
        ({"item_code": "party_day"}, "item_code", "没有该手工积分项目"),
        ({"on": dt.date(2100, 1, 1)}, "on", "日期不能晚于今天"),
    ],
)
def test_manual_item_bad_input(world: World, kw: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        enter(world, world.liaison, **kw)
    assert message in exc.value.message_dict[field][0]
    assert ManualPoint.objects.count() == 0


def test_manual_item_outsider_refused(world: World) -> None:
    for actor in (None, world.outsider, world.member_user):
        with pytest.raises(PermissionDenied):
            enter(world, actor)
    assert ManualPoint.objects.count() == 0


# ---------------------------------------------------------------------------------------------
# The committee's manual


def pd_item(data: dict[str, Any]) -> dict[str, Any]:
    return next(i for i in data["items"] if i["code"] == "party_day")


def test_committee_manual_applies_to_the_subtree_nearest_ancestor_wins(world: World) -> None:
    year = timezone.localdate().year
    data = R.manual_to_data(R.default_manual(year))
    pd_item(data)["points"] = "1.5"  # 主题党日
    S.points_manual_save(actor=world.admin, org=world.city, year=year, data=data, document="市委组织部〔2026〕5号")
    assert manual_for(world.branch.path, year).manual.item("party_day").points == Decimal("1.5")  # type: ignore[union-attr]
    pd_item(data)["points"] = "2.5"
    S.points_manual_save(actor=world.admin, org=world.unit, year=year, data=data)
    assert manual_for(world.branch.path, year).manual.item("party_day").points == Decimal("2.5")  # type: ignore[union-attr]
    assert manual_for(world.branch.path, year + 1).row is None  # another year: the shipped default
    m = filed_meeting(world.branch, {world.member.pk: "present"})
    if year_of(m) == year:
        S.points_recompute(actor=world.liaison, org=world.branch, year=year)
        assert ("party_day", Decimal("2.5")) in entries(world.member, year)
        assert any("2.5" in s.explanation for s in member_points(world.member, year).items)


def test_contradicting_manual_is_refused_and_nothing_saved(world: World) -> None:
    data = R.manual_to_data(R.default_manual(2026))
    data["category_caps"]["study"] = "10"
    with pytest.raises(ValidationError) as exc:
        S.points_manual_save(actor=world.admin, org=world.city, year=2026, data=data)
    assert "高于“学习”类上限 10" in str(exc.value)
    assert ScoringManual.objects.count() == 0


def test_manual_only_by_committee_admins_and_only_on_committees(world: World) -> None:
    data = R.manual_to_data(R.default_manual(2026))
    for actor in (None, world.outsider, world.secretary, world.liaison):
        with pytest.raises(PermissionDenied):
            S.points_manual_save(actor=actor, org=world.city, year=2026, data=data)
    with pytest.raises(ValidationError, match="党委或党总支"):
        S.points_manual_save(actor=world.admin, org=world.branch, year=2026, data=data)
    assert ScoringManual.objects.count() == 0


def test_stale_manual_edit_is_refused(world: World) -> None:
    data = R.manual_to_data(R.default_manual(2026))
    row = S.points_manual_save(actor=world.admin, org=world.city, year=2026, data=data)
    S.points_manual_save(actor=world.admin, org=world.city, year=2026, data=data, version=row.version)
    with pytest.raises(ValidationError, match="已被他人修改"):
        S.points_manual_save(actor=world.admin, org=world.city, year=2026, data=data, version=row.version)


# ---------------------------------------------------------------------------------------------
# 公示 and objections


def test_publish_freezes_stars_and_notifies_the_branch(world: World) -> None:
    year = timezone.localdate().year
    notice = S.points_notice_publish(actor=world.liaison, org=world.branch, year=year)
    assert [r["name"] for r in notice.rows] == [world.member.name]
    assert notice.rows[0]["star_label"] == "一星" and notice.ends_on >= notice.starts_on
    assert Notification.objects.filter(user=world.member_user, key=f"points.notice:{notice.pk}").exists()
    with pytest.raises(ValidationError, match="不能重复公示"):
        S.points_notice_publish(actor=world.liaison, org=world.branch, year=year)
    with pytest.raises(ValidationError, match="按党支部公示"):
        S.points_notice_publish(actor=world.admin, org=world.unit, year=year)
    for actor in (None, world.outsider, world.member_user):
        with pytest.raises(PermissionDenied):
            S.points_notice_publish(actor=actor, org=world.branch, year=year + 1)


def test_manual_cannot_change_once_the_notice_started(world: World) -> None:
    year = timezone.localdate().year
    S.points_notice_publish(actor=world.liaison, org=world.branch, year=year)
    data = R.manual_to_data(R.default_manual(year))
    with pytest.raises(ValidationError, match="开始公示，本年度细则不能再修改"):
        S.points_manual_save(actor=world.admin, org=world.city, year=year, data=data)
    S.points_manual_save(actor=world.admin, org=world.city, year=year + 1, data=data)  # next year is fine


def test_member_objects_within_the_window_and_the_committee_answers(world: World) -> None:
    year = timezone.localdate().year
    notice = S.points_notice_publish(actor=world.liaison, org=world.branch, year=year)
    with pytest.raises(ValidationError) as exc:
        S.points_objection_raise(actor=world.member_user, notice=notice, reason=" ")
    assert "请填写异议理由" in exc.value.message_dict["reason"][0]
    with pytest.raises(ValidationError, match="名单中的党员本人"):
        S.points_objection_raise(actor=world.liaison, notice=notice, reason="代人提出")
    with pytest.raises(PermissionDenied):
        S.points_objection_raise(actor=world.outsider, notice=notice, reason="x")
    obj = S.points_objection_raise(actor=world.member_user, notice=notice, reason="本人出席了本月主题党日")
    assert obj.star_before == "一星" and obj.answer_due > timezone.localdate()
    with pytest.raises(PermissionDenied):
        S.points_objection_decide(actor=world.member_user, objection=obj, upheld=True, answer="x", version=obj.version)
    # Even holding the branch's MANAGE right, the objector never answers their own objection.
    RoleAssignment.objects.create(user=world.member_user, org=world.branch, role="liaison")
    forget_scope(world.member_user)
    with pytest.raises(FourEyesRefused):
        S.points_objection_decide(actor=world.member_user, objection=obj, upheld=True, answer="x", version=obj.version)
    with pytest.raises(ValidationError) as exc:
        S.points_objection_decide(actor=world.secretary, objection=obj, upheld=False, answer="", version=obj.version)
    assert exc.value.message_dict == {"answer": ["请填写答复意见"]}
    # The branch corrects the record (the member was present), then upholds the objection.
    filed_meeting(world.branch, {world.member.pk: "present"})
    done = S.points_objection_decide(
        actor=world.secretary, objection=obj, upheld=True, answer="经核实已更正出勤记录", version=obj.version
    )
    assert done.status == "upheld" and done.star_after == "一星"
    assert MemberYear.objects.get(member=world.member, year=year).total == 62
    assert Notification.objects.filter(user=world.member_user, key=f"points.objection:{obj.pk}").exists()
    with pytest.raises(ValidationError, match="已答复"):
        S.points_objection_decide(actor=world.admin, objection=done, upheld=False, answer="x", version=done.version)


def test_objection_after_the_window_is_refused(world: World) -> None:
    notice = S.points_notice_publish(actor=world.liaison, org=world.branch, year=timezone.localdate().year)
    PublicNotice.objects.filter(pk=notice.pk).update(ends_on=timezone.localdate() - dt.timedelta(days=1))
    notice.refresh_from_db()
    with pytest.raises(ValidationError, match="公示期已于"):
        S.points_objection_raise(actor=world.member_user, notice=notice, reason="有误")
    assert not Objection.objects.exists()


def test_a_veto_item_sets_the_star_to_none_with_the_reason(world: World) -> None:
    year = timezone.localdate().year
    p = enter(world, world.liaison, item_code="sanction", reason="受到党内警告处分", document="纪委〔2026〕8号")
    S.manual_point_decide(actor=world.secretary, point=p, approve=True, version=p.version)
    y = MemberYear.objects.get(member=world.member, year=year)
    assert y.total == 50 and y.stars == 0 and y.star_label == "无星"
    assert y.veto_reason.startswith("一票否决：受到党纪处分") and "受到党内警告处分" in y.veto_reason


def test_the_sweeps_fingerprint_equals_the_stored_digest_definition() -> None:
    """The sweep fingerprints lines without building key tuples; the text must be the same as the
    digest every stored year carries, or the first sweep after an upgrade would rewrite everyone."""
    manual = R.default_manual(2026)
    events = [R.Event(dt.date(2026, 1, 1), "base", "base:2026", "2026 年度在册党员基础分")]
    events += [
        R.Event(dt.date(2026, 1 + i, 5), "party_day", f"meeting:{i}", f"2026-{1 + i:02d}-05 出席“主题党日”")
        for i in range(6)
    ]  # 6 × 2 = 12 against a cap of 8: cut lines carry a cap note
    events.append(R.Event(dt.date(2026, 3, 1), "dues", "dues:2026-03", "2026年03月党费，2026-03-10 交纳"))
    events.append(R.Event(dt.date(2026, 4, 2), "volunteer", "manual:1", "志愿服务（依据：记录 1）"))
    lines = R.score(manual, events)
    assert any(ln.cap_note for ln in lines) and any(ln.points != ln.raw for ln in lines)
    path = "/0001/0002/"
    expected = S._digest([S._line_key(path, ln) for ln in lines])
    assert S._digest_lines(path, lines, {}) == expected
    half = Decimal("0.5")  # fractional points print the same way in both
    item = R.Item("half", "半分项", "bonus", half, R.Source.MANUAL, yearly_cap=Decimal("1.5"))
    ln = R.Line(events[-1], item, half, half)
    assert S._digest_lines(path, [ln], {}) == S._digest([S._line_key(path, ln)])

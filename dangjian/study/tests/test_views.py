"""Pages: success, anonymous, outsider and bad input for each; a member's own hours; the branch
view's query budget; no ranking wording."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.core.scoping import SYSTEM
from dangjian.site.testing.factories import World, make_member
from dangjian.study import services as S
from dangjian.study.models import HomeVisit, Lecture, Lecturer, MobileContact, Reflection, TrainingRecord

from .helpers import exempt_member, filed_meeting, mobile_member

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def test_member_reads_their_own_hours(world: World, as_member: Client) -> None:
    filed_meeting(world.branch, {world.member.pk: "present"}, minutes=120)
    r = as_member.get(reverse("study:my"))
    body = r.content.decode()
    assert (
        r.status_code == 200 and "我的学时" in body and "data-total>2</b> / 32 学时" in body and "尚差 30 学时" in body
    )
    assert "排名" not in body and "在线时长" in body  # only in the sentence saying it is not counted


def test_member_cannot_read_another_members_hours(world: World, as_member: Client) -> None:
    other = make_member(world.branch)
    assert as_member.get(reverse("study:member", args=[other.pk])).status_code == 403
    assert as_member.get(reverse("study:member", args=[world.member.pk])).status_code == 200


def test_secretary_reads_a_members_hours(world: World, as_secretary: Client) -> None:
    assert as_secretary.get(reverse("study:member", args=[world.member.pk])).status_code == 200


def test_outsider_gets_nothing_of_branch_a(world: World, as_outsider: Client) -> None:
    m = mobile_member(world.branch)
    S.contact_log(actor=SYSTEM, member=m, on=today(), channel="phone", contacted_by="李", topic="近况")
    for name in ("study:branch", "study:mobile", "study:visits"):
        r = as_outsider.get(reverse(name, args=[world.branch.pk]))
        assert r.status_code in (403, 404) and m.name not in r.content.decode()
    assert as_outsider.get(reverse("study:member", args=[world.member.pk])).status_code == 404
    r = as_outsider.post(
        reverse("study:contact_add", args=[world.branch.pk]),
        {"member": m.pk, "on": today(), "channel": "phone", "contacted_by": "x", "topic": "y"},
    )
    assert r.status_code in (403, 404) and MobileContact.objects.count() == 1


def test_anonymous_goes_to_login(world: World, client: Client) -> None:
    r = client.get(reverse("study:branch", args=[world.branch.pk]))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_branch_view_lists_by_name_with_a_query_budget(
    world: World, as_secretary: Client, django_assert_max_num_queries: Any
) -> None:
    for _ in range(8):
        make_member(world.branch)
    exempt_member(world.branch)
    S.study_recompute(actor=SYSTEM, org=world.branch, year=today().year)
    url = reverse("study:branch", args=[world.branch.pk])
    as_secretary.get(url)
    with django_assert_max_num_queries(22):
        r = as_secretary.get(url)
    body = r.content.decode()
    assert r.status_code == 200 and "按姓名排列，不排名" in body and "免于参加集体活动" in body


def test_training_bad_input_names_the_field_and_writes_nothing(world: World, as_liaison: Client) -> None:
    url = reverse("study:training_add", args=[world.branch.pk])
    data = {
        "member": world.member.pk,
        "title": "轮训班",
        "organiser": "党校",
        "kind": "concentrated",
        "starts_on": today() - dt.timedelta(days=2),
        "ends_on": today() - dt.timedelta(days=2),
        "hours": "25",
    }
    r = as_liaison.post(url, data, follow=True)
    assert "学时：1 天的培训最多 24 学时" in r.content.decode() and not TrainingRecord.objects.exists()
    data["ends_on"] = today() - dt.timedelta(days=3)
    r = as_liaison.post(url, data, follow=True)
    assert "结束日期：结束日期不能早于开始日期" in r.content.decode()
    data.update(ends_on=today() - dt.timedelta(days=1), hours="12")
    as_liaison.post(url, data)
    assert TrainingRecord.objects.get().hours == D(12)


def test_liaison_logs_a_contact_by_phone(world: World, as_liaison: Client) -> None:
    m = mobile_member(world.branch)
    page = as_liaison.get(reverse("study:mobile", args=[world.branch.pk])).content.decode()
    assert m.name in page and "已超过一个月未联系" in page
    r = as_liaison.post(
        reverse("study:contact_add", args=[world.branch.pk]),
        {
            "member": m.pk,
            "on": today(),
            "channel": "phone",
            "contacted_by": "李联络员",
            "topic": "近况",
            "location": "深圳",
        },
        follow=True,
    )
    assert "已登记联系记录" in r.content.decode()
    assert MobileContact.objects.get().channel == "phone"


def test_contact_for_a_non_mobile_member_is_refused_on_the_page(world: World, as_liaison: Client) -> None:
    r = as_liaison.post(
        reverse("study:contact_add", args=[world.branch.pk]),
        {"member": world.member.pk, "on": today(), "channel": "phone", "contacted_by": "李", "topic": "近况"},
        follow=True,
    )
    assert "不是本支部在册的流动党员" in r.content.decode() and not MobileContact.objects.exists()


def test_home_visit_page_and_post(world: World, as_secretary: Client) -> None:
    e = exempt_member(world.branch)
    assert e.name in as_secretary.get(reverse("study:visits", args=[world.branch.pk])).content.decode()
    r = as_secretary.post(
        reverse("study:visit_add", args=[world.branch.pk]),
        {
            "member": e.pk,
            "on": today(),
            "visitors": "王书记",
            "study": "on",
            "study_content": "党章",
            "study_hours": "1",
        },
        follow=True,
    )
    assert "已登记上门服务" in r.content.decode() and HomeVisit.objects.count() == 1


def test_reflections_private_until_featured(world: World, as_member: Client, as_secretary: Client) -> None:
    other = make_member(world.branch)
    other_user = world.member_user.__class__.objects.create_user("13800000099", "孙党员", "Dangjian-2026")
    other.user = other_user
    other.save(update_fields=["user"])
    r = S.reflection_write(actor=other_user, title="孙的体会", body="内容")
    url = reverse("study:reflection", args=[r.pk])
    assert as_member.get(url).status_code == 403
    page = as_secretary.get(url).content.decode()
    assert "展示为优秀心得" in page
    as_secretary.post(reverse("study:reflection_feature", args=[r.pk]), {"version": r.version, "featured": "1"})
    assert Reflection.objects.get(pk=r.pk).featured
    assert as_member.get(url).status_code == 200
    assert "孙的体会" in as_member.get(reverse("study:my")).content.decode()


def test_member_writes_a_reflection_of_any_length(world: World, as_member: Client) -> None:
    as_member.post(reverse("study:reflection_new"), {"title": "一句话", "body": "好。"})
    assert Reflection.objects.get().member_id == world.member.pk
    r = as_member.post(reverse("study:reflection_new"), {"title": "", "body": ""}, follow=True)
    assert "题目" in r.content.decode() and Reflection.objects.count() == 1


def test_committee_share_and_pdf(world: World, as_admin: Client) -> None:
    S.study_recompute(actor=SYSTEM, org=world.city, year=today().year)
    r = as_admin.get(reverse("study:overview", args=[world.unit.pk]))
    assert r.status_code == 200 and "不对党员或支部排名" in r.content.decode()
    pdf = as_admin.get(reverse("study:featured_pdf", args=[world.unit.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_lecturers_page_schedule_and_record(world: World, as_admin: Client) -> None:
    url = reverse("study:lecturers", args=[world.unit.pk])
    as_admin.post(reverse("study:lecturer_add", args=[world.unit.pk]), {"name": "陈讲师", "team": "理论宣讲队"})
    lec = Lecturer.objects.get()
    start = timezone.localtime() - dt.timedelta(days=1)
    as_admin.post(
        reverse("study:lecture_add", args=[world.unit.pk]),
        {
            "lecturer": lec.pk,
            "audience": world.branch.pk,
            "topic": "党的创新理论",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    lecture = Lecture.objects.get()
    assert "党的创新理论" in as_admin.get(url).content.decode()
    r = as_admin.post(reverse("study:lecture_record", args=[lecture.pk]))
    lecture.refresh_from_db()
    assert r.status_code == 302 and lecture.meeting_id is not None


def test_index_sends_a_plain_member_to_their_hours(world: World, as_member: Client, as_liaison: Client) -> None:
    assert as_member.get(reverse("study:index"))["Location"] == reverse("study:my")
    assert world.branch.name in as_liaison.get(reverse("study:index")).content.decode()


def test_home_todo_for_overdue_contacts_and_due_visits(world: World, as_liaison: Client, as_member: Client) -> None:
    mobile_member(world.branch)
    exempt_member(world.branch)
    S.study_due_check(actor=SYSTEM, org=world.city, today=today())
    body = as_liaison.get("/").content.decode()
    assert "1 名流动党员超过一个月未联系" in body and reverse("study:mobile", args=[world.branch.pk]) in body
    assert "1 名免参党员的上门服务到期" in body and reverse("study:visits", args=[world.branch.pk]) in body
    assert "流动党员超过一个月未联系" not in as_member.get("/").content.decode()

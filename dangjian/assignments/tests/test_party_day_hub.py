"""The task page as the liaison's hub: 录入本次主题党日 creates the prefilled, linked record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.assignments import selectors, services
from dangjian.assignments.models import TargetItem, TargetStatus
from dangjian.orglife import services as orglife
from dangjian.orglife.models import AttendanceStatus, Meeting
from dangjian.orglife.tests.helpers import jpeg
from dangjian.partyday.tests.helpers import approved_change
from dangjian.site.testing.factories import make_member, make_pdf

from .conftest import Published, make_meeting

pytestmark = pytest.mark.django_db


def _approve_change(p: Published, day: dt.date, place: str = "") -> object:
    return approved_change(p.world.branch, day, decided_by=p.world.admin, place=place)


def test_record_party_day_prefills_and_links_and_claims(published: Published) -> None:
    p, w = published, published.world
    me = make_member(w.branch, name="李联络员")
    me.user = w.liaison
    me.save(update_fields=["user"])
    earlier = make_meeting(w.branch, p.today - dt.timedelta(days=40))
    Meeting.objects.filter(pk=earlier.pk).update(place="图书馆二楼会议室")
    day = p.today - dt.timedelta(days=1)
    _approve_change(p, day)

    m = services.target_record_party_day(actor=w.liaison, target=p.target)

    assert m.is_party_day and m.theme == p.assignment.theme
    start = timezone.localtime(m.started_at)
    assert (start.date(), start.time()) == (day, dt.time(9, 30))  # the approved change moved it
    assert m.ended_at - m.started_at == dt.timedelta(hours=4)  # the task's minimum hours
    assert m.place == "图书馆二楼会议室"  # from the branch's last party day
    assert m.recorder == me
    assert m.required_actions == p.assignment.required_actions
    assert "全国“两会”精神" in m.study_items and "《当前经济工作的几个重大问题》" in m.study_items
    p.target.refresh_from_db()
    assert p.target.status == TargetStatus.CLAIMED  # claimed on the way
    assert TargetItem.objects.get(target=p.target, meeting=m).deliverable.kind == "meeting_record"
    # Attendance by exception: the whole list starts as 出席.
    assert set(m.attendance.values_list("status", flat=True)) == {AttendanceStatus.PRESENT}
    # Pressing again opens the same record, never a second one.
    assert services.target_record_party_day(actor=w.liaison, target=p.target) == m
    assert Meeting.objects.filter(is_party_day=True, org=w.branch, theme=p.assignment.theme).count() == 1
    assert earlier.pk != m.pk


def test_change_request_place_wins_and_outsider_refused(published: Published) -> None:
    p, w = published, published.world
    _approve_change(p, p.today - dt.timedelta(days=2), place="红色教育基地")
    with pytest.raises(PermissionDenied):
        services.target_record_party_day(actor=w.outsider, target=p.target)
    with pytest.raises(PermissionDenied):
        services.target_record_party_day(actor=w.member_user, target=p.target)
    m = services.target_record_party_day(actor=w.secretary, target=p.target)
    assert m.place == "红色教育基地"


def test_meeting_photos_satisfy_the_photo_deliverable(published: Published) -> None:
    p, w = published, published.world
    _approve_change(p, p.today - dt.timedelta(days=1))
    m = services.target_record_party_day(actor=w.liaison, target=p.target)
    services.target_attach_file(
        actor=w.liaison,
        target=p.target,
        deliverable_id=p.dlv("document").pk,
        upload=_upload("承诺书.pdf", make_pdf("承诺书")),
    )
    missing = [d.kind for d in selectors.missing_deliverables(p.target)]
    assert missing == ["photos"]
    orglife.photo_add(actor=w.liaison, meeting=m, file=jpeg())
    assert selectors.missing_deliverables(p.target) == []
    sub = services.target_submit(actor=w.liaison, target=p.target)
    assert sub.summary_file  # the generated 总结表 is attached automatically
    assert len(sub.contents["meeting_photos"]) == 1


def test_filed_or_submitted_task_refuses_a_new_record(published: Published) -> None:
    p, w = published, published.world
    services.target_claim(actor=w.liaison, target=p.target)
    p.target.refresh_from_db()
    p.target.status = TargetStatus.SUBMITTED
    p.target.save(update_fields=["status"])
    with pytest.raises(ValidationError):
        services.target_record_party_day(actor=w.liaison, target=p.target)
    assert not Meeting.objects.filter(org=w.branch).exists()


def test_hub_page_and_button(published: Published) -> None:
    p, w = published, published.world
    _approve_change(p, p.today - dt.timedelta(days=1))
    c = Client()
    c.force_login(w.liaison)
    url = reverse("assignments:target", args=[p.target.pk])
    page = c.get(url).content.decode()
    assert "录入本次主题党日" in page and "重温誓词" in page and "开展植绿护绿活动" in page
    r = c.post(reverse("assignments:record_party_day", args=[p.target.pk]))
    m = Meeting.objects.get(org=w.branch, is_party_day=True)
    assert r.status_code == 302 and r["Location"] == reverse("orglife:detail", args=[m.pk])
    page = c.get(url).content.decode()
    assert "打开本次主题党日记录" in page
    outsider = Client()
    outsider.force_login(w.outsider)
    assert outsider.post(reverse("assignments:record_party_day", args=[p.target.pk])).status_code == 404
    assert Meeting.objects.filter(org=w.branch).count() == 1


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)

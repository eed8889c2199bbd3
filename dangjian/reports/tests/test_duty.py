"""书记述职: the statistics table from the records, anonymous ratings, grades entered by people."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.core.scoping import FourEyesRefused
from dangjian.reports import services
from dangjian.reports.models import DutyRater, DutyRating
from dangjian.site.testing.factories import World, make_user

from .helpers import party_day_last_month

pytestmark = pytest.mark.django_db


def test_duty_statistics_ratings_grade_and_rectification(world: World, as_admin: Client) -> None:
    party_day_last_month(world)
    year = timezone.localdate().year
    if (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).year != year:
        pytest.skip("last month is in another year")
    d = services.duty_submit(actor=world.secretary, org=world.branch, year=year, text="一年来抓基层党建的做法")
    table = {s["label"]: {row[0]: row[1] for row in s["lines"]} for s in d.stats}
    assert table["主题党日"]["主题党日（次）"] == 1
    with pytest.raises(ValidationError):
        services.duty_submit(actor=world.secretary, org=world.branch, year=year, text="")
    with pytest.raises(PermissionDenied):  # the committee above does not write the branch's 述职
        services.duty_submit(actor=world.admin, org=world.branch, year=year, text="代写")
    # Participants of the review (the committee above) rate anonymously, once; the branch's own people do not.
    services.duty_rate(actor=world.admin, duty=d, rating="good", comment="措施实")
    with pytest.raises(ValidationError):
        services.duty_rate(actor=world.admin, duty=d, rating="good")
    with pytest.raises(PermissionDenied):
        services.duty_rate(actor=world.member_user, duty=d, rating="poor")
    rating = DutyRating.objects.get()
    assert not hasattr(rating, "user_id") and DutyRater.objects.filter(user=world.admin).count() == 1
    # The grade is entered by the reviewing committee, never by the one who reported.
    with pytest.raises(PermissionDenied):
        services.duty_decide(actor=world.secretary, duty=d, grade="good")
    graded = services.duty_decide(actor=world.admin, duty=d, grade="fairly_good")
    assert graded.get_grade_display() == "较好"
    with pytest.raises(ValidationError):
        services.duty_submit(actor=world.secretary, org=world.branch, year=year, text="改")
    item = services.duty_rectification_add(
        actor=world.liaison,
        duty=d,
        problem="党日形式单一",
        measure="结合中心工作开展",
        deadline=dt.date(year + 1, 3, 31),
    )
    assert item.org_path == world.branch.path
    page = as_admin.get(reverse("reports:duty", args=[world.branch.pk, year])).content.decode()
    assert "好 1" in page and "较好" in page and "措施实" in page and "党日形式单一" in page


def test_the_reporter_never_grades_even_as_admin_above(world: World) -> None:
    boss = make_user("工委书记", "13800000079")
    RoleAssignment.objects.create(user=boss, org=world.unit, role="secretary")
    RoleAssignment.objects.create(user=boss, org=world.city, role="org_admin")
    d = services.duty_submit(actor=boss, org=world.unit, year=timezone.localdate().year, text="述职")
    with pytest.raises(FourEyesRefused):
        services.duty_decide(actor=boss, duty=d, grade="good")
    with pytest.raises(PermissionDenied):
        services.duty_rate(actor=boss, duty=d, rating="good")


def test_duty_pages_for_outsider_and_secretary(world: World, as_outsider: Client, as_secretary: Client) -> None:
    year = timezone.localdate().year
    url = reverse("reports:duty", args=[world.branch.pk, year])
    assert as_outsider.get(url).status_code == 404
    page = as_secretary.get(url).content.decode()
    assert "提交述职报告" in page and "重点指标完成情况统计表" in page
    r = as_secretary.post(reverse("reports:duty_submit", args=[world.branch.pk, year]), {"text": "述职"}, follow=True)
    assert "已提交述职报告" in r.content.decode()

import datetime as dt

from django.core import mail
from django.urls import reverse

from dangjian.assignments import rules, services
from dangjian.assignments.models import DeliverableKind
from dangjian.assignments.rules import DeliverableSpec
from dangjian.assignments.selectors import attention_items, deliverable_findings
from dangjian.assignments.sweep import run_sweep
from dangjian.core import calendar

from .conftest import make_meeting


def test_sweep_sends_email_after_commit_to_people_with_an_address(published, django_capture_on_commit_callbacks):
    w = published.world
    w.secretary.email = "wang@example.com"
    w.secretary.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        run_sweep(today=published.today)
    subjects = [m.subject for m in mail.outbox]
    assert any("新任务待领取" in s for s in subjects)
    assert all(m.to == ["wang@example.com"] for m in mail.outbox)  # nobody else has an address
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_sweep(today=published.today)
    assert mail.outbox == []


def test_due_date_on_a_holiday_is_noted():
    # 2026-10-05 lies in the National Day break (domain-rules §7.2); the next working day is 10-08.
    f = rules.due_date_findings(
        title="总结表",
        due_on=dt.date(2026, 10, 5),
        is_working=False,
        day_name="国庆节",
        next_working=dt.date(2026, 10, 8),
        provisional=False,
    )
    assert len(f) == 1 and "2026-10-08" in f[0].message_zh and f[0].severity == "advisory"
    assert (
        rules.due_date_findings(
            title="x",
            due_on=dt.date(2026, 10, 9),
            is_working=True,
            day_name="工作日",
            next_working=dt.date(2026, 10, 12),
            provisional=False,
        )
        == []
    )


def test_detail_page_shows_calendar_note(world, as_admin):
    today = dt.date.today()
    sunday = today + dt.timedelta(days=1)
    while calendar.is_working_day(sunday):  # the next rest day (a weekend or a holiday)
        sunday += dt.timedelta(days=1)
    a = services.assignment_publish(
        actor=world.admin,
        publisher_org=world.city,
        title="周日截止",
        theme="主题",
        window_start=today,
        window_end=sunday,
        deliverables=[DeliverableSpec("照片", DeliverableKind.PHOTOS, sunday)],
    )
    assert any(f.code == "assignments.due_on_rest_day" for f in deliverable_findings(a))
    assert "是休息日" in as_admin.get(reverse("assignments:detail", args=[a.pk])).content.decode()


def test_linked_meeting_outside_window_is_flagged_for_the_reviewer(published, as_admin):
    w = published.world
    t = services.target_claim(actor=w.secretary, target=published.target)
    early = make_meeting(w.branch, published.assignment.window_start - dt.timedelta(days=3), hours=2)
    services.target_link_meeting(
        actor=w.secretary, target=t, deliverable_id=published.dlv("meeting_record").pk, meeting_id=early.pk
    )
    body = as_admin.get(reverse("assignments:target", args=[t.pk])).content.decode()
    assert "不在活动时间" in body and "少于任务要求" in body


def test_home_attention_items(published, as_secretary, as_admin):
    w = published.world
    titles = [i.title for i in attention_items(w.secretary)]
    assert titles == ["任务待领取：3月份主题党日"]
    assert "任务待领取" in as_secretary.get(reverse("core:home")).content.decode()
    assert attention_items(w.outsider)[0].link == reverse("assignments:target", args=[published.other.pk])
    assert attention_items(w.admin) == []

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment
from dangjian.assignments import services
from dangjian.assignments.models import OVERDUE, DeliverableKind, Reminder, ReminderKind, TargetStatus
from dangjian.assignments.rules import DeliverableSpec
from dangjian.assignments.selectors import board_counts, board_queryset
from dangjian.assignments.sweep import run_sweep
from dangjian.assignments.tasks import reminder_sweep
from dangjian.core.models import Notification
from dangjian.orgs.models import OrgConfig
from dangjian.site.testing.factories import make_user

from .conftest import pdf_bytes


def _keys(user):
    return set(Notification.objects.filter(user=user).values_list("key", flat=True))


def test_sweep_announces_new_assignment_once(published):
    w = published.world
    first = run_sweep(today=published.today)
    assert first.by_kind[ReminderKind.NEW] == 2
    a = published.assignment
    assert f"asg{a.pk}.new.t{published.target.pk}" in _keys(w.secretary)
    assert f"asg{a.pk}.new.t{published.target.pk}" in _keys(w.liaison)
    assert f"asg{a.pk}.new.t{published.other.pk}" in _keys(w.outsider)
    # Members and the other branch's people get nothing about branch A.
    assert not _keys(w.member_user)
    assert f"asg{a.pk}.new.t{published.target.pk}" not in _keys(w.outsider)
    total = Notification.objects.count()
    second = run_sweep(today=published.today)
    assert second.reminders == 0 and second.notifications == 0
    assert Notification.objects.count() == total


def test_reminders_at_lead_times_skip_provided_deliverables(published):
    w = published.world
    a = published.assignment
    doc = published.dlv("document")  # due today + 2: the 3-day reminder is due today
    # Branch A provides the document; branch B does not.
    t = services.target_claim(actor=w.secretary, target=published.target)
    services.target_attach_file(
        actor=w.secretary, target=t, deliverable_id=doc.pk, upload=SimpleUploadedFile("c.pdf", pdf_bytes())
    )
    r = run_sweep(today=published.today)
    assert r.by_kind[ReminderKind.REMIND] == 1
    assert f"asg{a.pk}.d{doc.pk}.r3.t{published.other.pk}" in _keys(w.outsider)
    assert not any(".r3." in k for k in _keys(w.secretary))
    # The 1-day stage is a separate reminder; a second run that day sends nothing.
    r1 = run_sweep(today=doc.due_on - dt.timedelta(days=1))
    assert r1.by_kind[ReminderKind.REMIND] == 1
    assert run_sweep(today=doc.due_on - dt.timedelta(days=1)).notifications == 0


def test_lead_times_are_configurable(published):
    w = published.world
    OrgConfig.objects.create(org=w.city, key="assignments.remind_days_first", value=2)
    OrgConfig.objects.create(org=w.city, key="assignments.remind_days_second", value=2)
    doc = published.dlv("document")
    assert run_sweep(today=doc.due_on - dt.timedelta(days=3)).by_kind[ReminderKind.REMIND] == 0
    r = run_sweep(today=doc.due_on - dt.timedelta(days=2))
    assert {x.stage for x in Reminder.objects.filter(kind=ReminderKind.REMIND)} == {2}
    assert r.by_kind[ReminderKind.REMIND] == 2


def test_overdue_escalates_to_parent_secretary_and_publisher(published):
    w = published.world
    a = published.assignment
    unit_secretary = make_user("工委书记", "13800000077")
    RoleAssignment.objects.create(user=unit_secretary, org=w.unit, role="secretary")
    doc = published.dlv("document")
    after = doc.due_on + dt.timedelta(days=1)
    r = run_sweep(today=after)
    assert r.by_kind[ReminderKind.OVERDUE] == 2
    keys = _keys(unit_secretary)
    assert f"asg{a.pk}.d{doc.pk}.overdue.t{published.target.pk}" in keys
    assert f"asg{a.pk}.d{doc.pk}.overdue.t{published.other.pk}" in keys
    assert f"asg{a.pk}.d{doc.pk}.overdue.t{published.target.pk}" in _keys(w.secretary)
    # One digest for the publisher, not one per branch.
    digest = Notification.objects.get(user=w.admin, key=f"asg{a.pk}.d{doc.pk}.overdue.publisher")
    assert "2 个组织" in digest.title
    before = Notification.objects.count()
    again = run_sweep(today=after)
    assert again.reminders == 0 and again.notifications == 0
    assert Notification.objects.count() == before


def test_no_escalation_inside_grace(published):
    w = published.world
    OrgConfig.objects.create(org=w.city, key="assignments.escalate_grace_days", value=3)
    doc = published.dlv("document")
    r = run_sweep(today=doc.due_on + dt.timedelta(days=3))
    assert r.by_kind[ReminderKind.OVERDUE] == 0
    assert run_sweep(today=doc.due_on + dt.timedelta(days=4)).by_kind[ReminderKind.OVERDUE] == 2


def test_management_command_runs_the_sweep(published, capsys):
    call_command("periodic", only=["assignments"], date=published.today.isoformat())
    out = capsys.readouterr().out
    # New-task notices to both targets, plus the 3-day reminder of the document due in 2 days.
    assert "reminders=4" in out and "'new': 2" in out and "'remind': 2" in out
    call_command("periodic", only=["assignments"], date=published.today.isoformat())
    assert "reminders=0，notifications=0" in capsys.readouterr().out


def test_board_counts_and_filters(published, monkeypatch):
    w = published.world
    a = published.assignment
    counts = board_counts(a)
    assert counts["total"] == 2 and counts["unclaimed"] == 2 and counts["overdue"] == 0
    services.target_claim(actor=w.secretary, target=published.target)
    counts = board_counts(a)
    assert counts["claimed"] == 1 and counts["unclaimed"] == 1
    # Past the document's due date both are overdue (neither provided it).
    later = published.dlv("document").due_on + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kw: later)
    counts = board_counts(a)
    assert counts["overdue"] == 2
    rows = list(board_queryset(a, status=OVERDUE))
    assert {r.board_status for r in rows} == {OVERDUE} and len(rows) == 2  # type: ignore[attr-defined]
    assert list(board_queryset(a, status=TargetStatus.CLAIMED)) == [published.target]
    assert [t.org for t in board_queryset(a, q="财政")] == [w.other_branch]


def test_task_runs_the_sweep_and_publishing_enqueues_it(world, django_capture_on_commit_callbacks):
    today = dt.date.today()
    with django_capture_on_commit_callbacks(execute=True):
        a = services.assignment_publish(
            actor=world.admin,
            publisher_org=world.city,
            title="即时通知",
            theme="主题",
            window_start=today,
            window_end=today + dt.timedelta(days=20),
            deliverables=[DeliverableSpec("总结表", DeliverableKind.SUMMARY_TABLE, today + dt.timedelta(days=20))],
        )
    # Publishing announced the task to the branch's secretary through the enqueued sweep.
    assert f"asg{a.pk}.new.t{a.targets.get(org=world.branch).pk}" in _keys(world.secretary)
    result = reminder_sweep.enqueue(assignment_id=a.pk)
    assert result.return_value is not None and result.return_value["reminders"] == 0


def test_notices_never_show_doubled_quotes(published):
    from dangjian.assignments.models import Assignment, Deliverable
    from dangjian.core.models import Notification

    Assignment.objects.filter(pk=published.assignment.pk).update(title="学习贯彻全国“两会”精神主题党日")
    Deliverable.objects.filter(assignment=published.assignment).update(title="“三个一”承诺书")
    doc = published.dlv("document")
    run_sweep(today=published.today)
    run_sweep(today=doc.due_on - dt.timedelta(days=1))
    run_sweep(today=doc.due_on + dt.timedelta(days=1))
    texts = [t for pair in Notification.objects.values_list("title", "body") for t in pair]
    assert any("‘两会’" in t for t in texts)
    assert not any("““" in t or "””" in t or "”“" in t for t in texts), texts

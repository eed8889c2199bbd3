"""Hot queries (core/hotquery.py) give what the ORM gives, bind each call's values, and refuse what
they cannot bind; the session store built on one keeps the database store's semantics."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment, User
from dangjian.core.hotquery import HotQuery
from dangjian.core.models import Notification
from dangjian.core.notify import send
from dangjian.site.testing.factories import World


def _fields(obj: Any) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_objects_equal_the_orm_with_select_related(world: World) -> None:
    def build(user_id: int) -> Any:
        return RoleAssignment.objects.filter(user_id=user_id).select_related("org").order_by("org__path")

    hot = HotQuery(RoleAssignment, build, int)
    for user in (world.admin, world.secretary, world.outsider):
        got, want = hot.objects(user.pk), list(build(user.pk))
        assert [_fields(r) for r in got] == [_fields(r) for r in want]
        assert [_fields(r.org) for r in got] == [_fields(r.org) for r in want]
        assert all(not r._state.adding and r._state.db == "default" for r in got)
    assert hot.objects(10**9) == []
    assert len(hot._compiled) == 1  # compiled once, bound per call


def test_rows_convert_as_the_orm_does(world: World) -> None:
    send([world.secretary], key="t1", title="一", link="/a/")
    send([world.secretary], key="t2", title="二", link="/b/")

    def build(user_id: int) -> Any:
        return Notification.objects.filter(user_id=user_id).order_by("id").values_list("title", "created_at", "read_at")

    hot = HotQuery(Notification, build, int)
    got = hot.rows(world.secretary.pk)
    assert got == list(build(world.secretary.pk)) and len(got) == 2
    assert isinstance(got[0][1], dt.datetime) and got[0][1].tzinfo is not None
    counted = HotQuery(
        Notification,
        lambda user_id: (
            Notification.objects.filter(user_id=user_id).values("user_id").annotate(n=Count("id")).values_list("n")
        ),
        int,
    )
    assert counted.rows(world.secretary.pk) == [(2,)]
    assert counted.rows(world.member_user.pk) == []


def test_str_arguments_and_a_query_that_matches_nothing(world: World) -> None:
    hot = HotQuery(User, lambda phone: User.objects.filter(phone=phone), str)
    assert [u.pk for u in hot.objects(world.secretary.phone)] == [world.secretary.pk]
    assert hot.objects("13900000000") == []
    empty = HotQuery(User, lambda pk: User.objects.filter(pk=pk, id__in=[]), int)
    assert empty.rows(world.secretary.pk) == []


def test_refuses_arguments_it_cannot_bind(world: World) -> None:
    # The ORM turns a prefix into "x%": the argument is no longer a plain parameter.
    with pytest.raises(ValueError, match="not plain query parameters"):
        HotQuery(User, lambda phone: User.objects.filter(phone__startswith=phone), str).rows("138")
    with pytest.raises(TypeError):
        HotQuery(User, lambda pk: User.objects.filter(pk=pk), int).rows("1")
    with pytest.raises(TypeError):
        HotQuery(User, lambda day: User.objects.filter(date_joined__date=day), dt.date)


def _login(world: World) -> Client:
    c = Client()
    c.post(reverse("accounts:login"), {"phone": world.secretary.phone, "password": world.password})
    assert "sessionid" in c.cookies
    return c


def _second_browser_with_cookie_of(c: Client) -> Client:
    other = Client()
    other.cookies["sessionid"] = c.cookies["sessionid"].value
    return other


def test_logout_ends_the_session_for_every_holder_of_the_cookie(world: World) -> None:
    """Sessions are read from the database on every request (no per-process cache): a logout through
    one worker ends the session in all of them. Another client with the same cookie stands in for a
    request served by another worker."""
    c = _login(world)
    other = _second_browser_with_cookie_of(c)
    assert other.get(reverse("core:home")).status_code == 200
    c.post(reverse("accounts:logout"))
    r = other.get(reverse("core:home"))
    assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:login"))


def test_an_expired_session_row_is_not_loaded(world: World) -> None:
    c = _login(world)
    key = c.cookies["sessionid"].value
    assert c.get(reverse("core:home")).status_code == 200
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    r = c.get(reverse("core:home"))
    assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:login"))


def test_an_inactive_user_loses_the_session(world: World) -> None:
    c = _login(world)
    User.objects.filter(pk=world.secretary.pk).update(is_active=False)
    assert c.get(reverse("core:home")).status_code == 302


def test_dicts_equal_values_and_narrow_int_fields_are_refused(world: World) -> None:
    from dangjian.orglife.models import Meeting

    def build(user_id: int) -> Any:
        return RoleAssignment.objects.filter(user_id=user_id).order_by("id").values("role", "org__path", "org_id")

    hot = HotQuery(RoleAssignment, build, int)
    for user in (world.admin, world.secretary, world.outsider):
        assert hot.dicts(user.pk) == list(build(user.pk))
    assert hot.dicts(10**9) == []
    with pytest.raises(TypeError, match="values"):
        HotQuery(User, lambda pk: User.objects.filter(pk=pk), int).dicts(world.secretary.pk)
    assert HotQuery(User, lambda pk: User.objects.filter(pk=pk, id__in=[]).values("pk"), int).dicts(1) == []
    # A 32-bit field drops a comparison with the (64-bit) marker: refused, not "matches nothing".
    with pytest.raises(ValueError, match="64-bit"):
        HotQuery(Meeting, lambda month: Meeting.objects.filter(month=month).values("pk"), int).dicts(202601)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_on_postgresql_a_hot_query_is_planned_once_per_connection(world: World) -> None:
    unread = HotQuery(Notification, lambda uid: Notification.objects.filter(user_id=uid).values_list("title"), int)
    send([world.secretary], key="hq-prepared", title="甲")
    assert unread.rows(world.secretary.pk) == [("甲",)]
    assert unread.rows(world.admin.pk) == []  # another value: the same statement
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            [f'SELECT "{Notification._meta.db_table}"."title" AS "title" FROM %'],  # noqa: S608 (a LIKE pattern, bound)
        )
        assert cur.fetchone()[0] == 1

"""Walk every URL of the project with real rows, as an anonymous visitor, an outsider and a member.

The walk reads the real URL configuration, so a route added later is walked too. Each app supplies
`dangjian/<app>/tests/urlwalk.py` with `rows(world) -> {url name: {kwarg: row or value}}`: for every
route that takes an argument, a REAL row of branch A created through the app's services (a meeting,
a payment, a transfer...). A route whose argument has no row fails the walk with a message naming
it — a 404 for an id that does not exist proves nothing.

Then, with those ids:
- anonymous GET and POST are sent to the login page (or refused with 405);
- the outsider (liaison of branch B) gets 403/404 on every GET and POST of a branch-A row, sees
  none of branch A's names, 身份证号 or phones anywhere, and is handed no data file;
- a plain member of branch A cannot change anything by POST outside their own self-service;
- no request ends in 5xx, and after every request the database is unchanged: every row of every
  model (so row counts too) and the length of the audit chain.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django import forms
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from PIL import Image

from dangjian.accounts.models import User
from dangjian.core.models import AuditEvent, AuditHead
from dangjian.members.models import Member
from dangjian.openness.models import Disclosure
from dangjian.orgs.models import Organization
from dangjian.site.testing.factories import World

# Endpoints that are public by design or carry their own credential (tested on their own below).
PUBLIC = {
    "accounts:login": "the login page itself",
    "accounts:logout": "POST-only; logging out changes nothing but the session",
    "partyday:ics": "iCalendar feed authenticated by a per-organization token in the URL",
    "brands:public_notice": "the 公示 of brand projects is public by design; it shows only the notice (brands tests)",
    "openness:public": "党务公开 向社会: an org's published public disclosures only (see test_public_pages_...)",
    "openness:public_item": "one published 向社会 disclosure, summaries only (test_public_pages_show_only_published)",
    "openness:public_qr": "the QR code of an org's public page (its URL, nothing else)",
}

# Routes whose arguments name no organization's record: every signed-in user may open them.
CALENDAR = "the working-day calendar (holidays, 调休) is one for the whole platform; only its editors may change it"
OPEN_TO_ALL = {"core:calendar_year": CALENDAR, "core:calendar_day_save": CALENDAR, "core:calendar_day_remove": CALENDAR}

# Routes whose argument is itself the credential: (reason, statuses an outsider may get for GET, POST).
TOKEN_ROUTES = {
    "community:join": (
        "the report-in QR code a community prints: the community's id signed with the site key; its page"
        " shows the community's name only, and reporting in needs one's own roster row (403 without)",
        (200, 403, 404),
        (403, 404),
    ),
    "orglife:sign_in": (
        "the QR token shown at the meeting: its page shows the theme and time, never the people, and"
        " signing in someone who is not expected at the meeting is refused (400)",
        (200, 403, 404),
        (400, 403, 404),
    ),
}

# Reads that append to the audit chain and nothing else (every export of personal data is written
# to the audit log).
AUDITED_READS = {"members:export": "the roster export is audited"}

# POSTs by which a user changes their own records: (tables it may change, reason). Every row it adds
# or changes there must be the requester's own (its user_id or member_id); audit events aside.
AUDIT = {"core.AuditEvent", "core.AuditHead"}
EVERYONES_OWN = {"core:notifications_read": ({"core.Notification"}, "marks the requester's own notices read")}
SELF_SERVICE = {
    **EVERYONES_OWN,
    "points:objection_raise": (
        {"points.Objection", *AUDIT},
        "a member objects to their own entry in their branch's star 公示",
    ),
    "orglife:sign_in": (
        {"orglife.Attendance", "orglife.Meeting", "orglife.BranchMonth", *AUDIT},
        "the member signs in to their own branch's meeting with the QR token shown there",
    ),
    "community:join": (
        {"community.ServiceLink", *AUDIT},
        "the member reports in to the community whose QR code they scanned (their own service link)",
    ),
    "community:claim": (
        {"community.Deed", *AUDIT},
        "the member takes on a need of the community they reported to (their own claim)",
    ),
    "community:done": ({"community.Deed", *AUDIT}, "the member reports their own claimed task done"),
    "community:activity_report": (
        {"community.Deed", *AUDIT},
        "the member reports their own part in a community activity (counted once the community confirms)",
    ),
    "community:pledge": ({"community.Pledge", *AUDIT}, "the member files their own 承诺书"),
    "community:report": (
        {"community.ServiceLink", *AUDIT},
        "the member reports in to the community they chose (their own service link)",
    ),
    "community:leave": (
        {"community.ServiceLink", *AUDIT},
        "the member ends their own report-in (moved away)",
    ),
    "study:item_done": (
        {"study.SelfStudy", *AUDIT},
        "a member marks a self-study item of their own branch's list done",
    ),
    "study:reflection_new": (
        {"study.Reflection", *AUDIT},
        "a member writes their own 学习心得",
    ),
    "dues:exemption_apply": (
        {"dues.DuesExemption", *AUDIT},
        "a member applies for relief on their own dues record",
    ),
    "openness:request_file": (
        {"openness.DisclosureRequest", *AUDIT},
        "a member asks their own branch to disclose a matter (申请公开; their own request)",
    ),
}

# Files an outsider may download because they hold no organization's records (none today: even the
# import template is per organization).
DATA_FREE_FILES: set[str] = set()

# Arguments that every app may leave out: they resolve to branch A itself or to this year.
SHARED_KWARGS: dict[str, Callable[[World], Any]] = {
    "org_pk": lambda w: w.branch,
    "year": lambda w: timezone.localdate().year,
}

# Tables that requests legitimately write to without changing anyone's records.
UNTRACKED_APPS = {"sessions"}


def _patterns(resolver: URLResolver, prefix: str = "", ns: str = "") -> Iterator[tuple[str, str]]:
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith("admin/"):
                continue  # Django admin has its own login
            child_ns = f"{ns}{p.namespace}:" if p.namespace else ns
            yield from _patterns(p, prefix + str(p.pattern), child_ns)
        elif isinstance(p, URLPattern):
            yield f"{ns}{p.name or ''}", prefix + str(p.pattern)


ROUTES = sorted(_patterns(get_resolver()))
KWARG = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


# ---------------------------------------------------------------------------------------------
# The plan: every route with real ids and a plausible form body


@dataclass
class Route:
    name: str
    url: str
    rows: dict[str, Any]  # kwarg -> model instance or plain value

    @property
    def keyed(self) -> bool:
        """Its arguments name branch A's records (so anyone outside branch A must be refused)."""
        return bool(self.rows) and self.name not in OPEN_TO_ALL and self.name not in TOKEN_ROUTES


@dataclass
class Plan:
    world: World
    routes: list[Route]
    secrets: set[str]
    form_fields: dict[str, forms.Field] = field(default_factory=dict)
    harvested: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # form action URL -> fields


def _fixture_modules() -> Iterator[Any]:
    for cfg in apps.get_app_configs():
        if not cfg.name.startswith("dangjian."):
            continue
        name = f"{cfg.name}.tests.urlwalk"
        try:
            yield importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def _url(route: str, kwargs: dict[str, Any]) -> str:
    def sub(m: re.Match[str]) -> str:
        value = kwargs[m["name"]]
        return str(value.pk if isinstance(value, models.Model) else value)

    return "/" + KWARG.sub(sub, route)


def build_plan(world: World) -> Plan:
    """Every route filled with real rows; fails naming each route argument no app supplies a row for."""
    supplied: dict[str, dict[str, Any]] = {}
    for module in _fixture_modules():
        supplied.update(module.rows(world))
    names = {n for n, _ in ROUTES}
    problems = [f"{n}: urlwalk fixture names a route that does not exist" for n in sorted(set(supplied) - names)]
    routes = []
    for name, route in ROUTES:
        if name in PUBLIC or not name or name.endswith(":"):
            continue  # unnamed routes fail test_the_walk_finds_the_apps
        given = supplied.get(name, {})
        kwargs: dict[str, Any] = {}
        for m in KWARG.finditer(route):
            kw = m["name"]
            if kw in given:
                kwargs[kw] = given[kw]
            elif kw in SHARED_KWARGS:
                kwargs[kw] = SHARED_KWARGS[kw](world)
            else:
                app = name.split(":")[0]
                problems.append(
                    f"{name} ({route}): no real row for <{kw}> — add it to dangjian/{app}/tests/urlwalk.py rows()"
                )
        if extra := set(given) - set(kwargs) - {m["name"] for m in KWARG.finditer(route)}:
            problems.append(f"{name}: urlwalk fixture gives arguments the route does not take: {sorted(extra)}")
        if len(kwargs) == len(KWARG.findall(route)):
            routes.append(Route(name, _url(route, kwargs), kwargs))
    assert not problems, "URL walk fixtures are incomplete:\n" + "\n".join(problems)
    people = Member.objects.filter(org_path__startswith=world.branch.path)
    secrets = {s for p in people for s in (p.name, p.id_number, p.phone) if s}
    secrets |= {world.secretary.name, world.liaison.name}
    return Plan(world, routes, secrets, _form_fields())


class _Forms(HTMLParser):
    """The POST forms of a page: action URL -> field name -> values, as the browser would send them."""

    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: dict[str, dict[str, list[str]]] = {}
        self.current: dict[str, list[str]] | None = None
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                action = urlsplit(a.get("action") or self.page_url).path
                self.current = self.forms.setdefault(action, {})
            return
        if self.current is None or not name:
            return
        kind = a.get("type", "text").lower()
        if tag == "input" and kind in ("checkbox", "radio"):
            if "checked" in a or (kind == "radio" and name not in self.current):
                self.current[name] = [*self.current.get(name, [])[: int(kind == "checkbox") * 99], a.get("value", "on")]
        elif tag == "input" and kind not in ("submit", "button", "file"):
            self.current.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select and a.get("value"):
            if "selected" in a or self.select not in self.current:
                self.current[self.select] = [a["value"]]
        elif tag == "textarea":
            self.textarea = name
            self.current.setdefault(name, [""])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.current is not None and self.textarea and data.strip():
            self.current[self.textarea] = [data.strip()]


def harvest_forms(plan: Plan, client: Client) -> None:
    """Open every page as someone allowed to, and keep each POST form found (hidden version fields,
    the selected options, the current values): the walk sends these bodies to the form's URL."""
    for route in plan.routes:
        r = client.get(route.url)
        if r.status_code != 200 or not r.get("Content-Type", "").startswith("text/html"):
            continue
        parser = _Forms(route.url)
        parser.feed(r.content.decode(errors="replace"))
        for action, fields in parser.forms.items():
            merged = plan.harvested.setdefault(action, {})
            for name, values in fields.items():
                merged.setdefault(name, values)


def _form_fields() -> dict[str, forms.Field]:
    """Every field of every form in the project, by name: the union makes a plausible POST body."""
    found: dict[str, forms.Field] = {}
    for cfg in apps.get_app_configs():
        if not cfg.name.startswith("dangjian."):
            continue
        try:
            module = importlib.import_module(f"{cfg.name}.forms")
        except ModuleNotFoundError:
            continue
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, forms.BaseForm) and obj.__module__ == module.__name__:
                base_fields: dict[str, forms.Field] = getattr(obj, "base_fields", {})
                for fname, f in base_fields.items():
                    found.setdefault(fname, f)
    found.pop("month", None)  # "年-月" in most forms, a number in a few: the body gives the former
    return found


def _png(name: str) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buf, "PNG")
    return SimpleUploadedFile(f"{name}.png", buf.getvalue(), content_type="image/png")


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (str, int, Decimal)):
        return str(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, models.Model) for v in value):
        return [v.pk for v in value]
    return None  # files, JSON: left to the generic body


def _field_value(plan: Plan, route: Route, fname: str, f: forms.Field) -> Any:
    w, today = plan.world, timezone.localdate()
    if isinstance(f, forms.FileField):
        return _png(fname)
    if isinstance(f, forms.ModelChoiceField):
        model = f.queryset.model if f.queryset is not None else None
        mine = [v for v in route.rows.values() if model and isinstance(v, model)]
        defaults: dict[Any, models.Model] = {Organization: w.branch, Member: w.member}
        pick: Any = mine[0] if mine else defaults.get(model, w.member_user)
        if model is None or not isinstance(pick, model):
            return None
        return [pick.pk] if isinstance(f, forms.ModelMultipleChoiceField) else pick.pk
    if isinstance(f, forms.ChoiceField):
        choices: list[tuple[Any, Any]] = list(f.choices)  # type: ignore[arg-type]
        values = [str(k) for k, label in choices if k not in ("", None) and not isinstance(label, (list, tuple))]
        if not values:
            return None
        return values[:1] if isinstance(f, forms.MultipleChoiceField) else values[0]
    if isinstance(f, forms.BooleanField):
        return "on"
    if isinstance(f, forms.DateTimeField):
        return f"{today.isoformat()} 14:00"
    if isinstance(f, forms.DateField):
        return today.isoformat()
    if isinstance(f, forms.TimeField):
        return "14:00"
    if isinstance(f, (forms.IntegerField, forms.DecimalField, forms.FloatField)):
        return "1"
    return "党支部"


def post_body(plan: Plan, route: Route) -> dict[str, Any]:
    """Every form field of the project with a plausible value, then the fields of the route's own
    rows (their current version, their org...) and the route's ids, then — where a page offers a
    form for this URL — that form as the browser would send it."""
    body: dict[str, Any] = {}
    for fname, f in plan.form_fields.items():
        value = _field_value(plan, route, fname, f)
        if value is not None:
            body[fname] = value
    for kw, row in route.rows.items():
        if isinstance(row, models.Model):
            for fname, value in forms.model_to_dict(row).items():
                plain = _plain(value)
                if plain is not None and "password" not in fname:
                    body[fname] = plain
        body[kw] = _plain(row)
    body.update(decision="approve", approve="1", action="approve")
    body.setdefault("month", f"{timezone.localdate():%Y-%m}")
    for name, values in plan.harvested.get(route.url, {}).items():
        if any(values) and name != "csrfmiddlewaretoken":
            body[name] = values if len(values) > 1 else values[0]
    return body


# ---------------------------------------------------------------------------------------------
# The database must not change


def _tracked_models() -> list[type[models.Model]]:
    return [
        m
        for m in apps.get_models()
        if m._meta.app_label not in UNTRACKED_APPS and m._meta.managed and not m._meta.proxy
    ]


Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot() -> Snapshot:
    """Every row of every model: comparing two catches inserts, deletes and updates alike."""
    return {m._meta.label: list(m._base_manager.order_by("pk").values_list()) for m in _tracked_models()}


def changes(before: Snapshot, after: Snapshot) -> str:
    """'' if nothing changed, else which tables changed (with row counts) and the audit chain length."""
    changed = [
        f"{label} ({len(before[label])} → {len(after[label])} rows)"
        for label in before
        if before[label] != after[label]
    ]
    if not changed:
        return ""
    audit = AuditEvent._meta.label
    return f"changed {', '.join(changed)}; audit chain {len(before[audit])} → {len(after[audit])}"


WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY)\s+"?(\w+)"?', re.IGNORECASE)
UNTRACKED_TABLES = {"django_session"}
AUDIT_DB_TABLES = {AuditEvent._meta.db_table, AuditHead._meta.db_table}


def written_tables(queries: list[dict[str, Any]]) -> set[str]:
    """Tables a request wrote to (from the SQL it sent), sessions aside."""
    return {m[1].lower() for q in queries if (m := WRITE.match(q["sql"]))} - UNTRACKED_TABLES


# ---------------------------------------------------------------------------------------------
# The walker


def _body_text(r: Any) -> str:
    raw = b"".join(r.streaming_content) if r.streaming else r.content
    return raw.decode(errors="replace")


@dataclass
class Walk:
    plan: Plan
    client: Client
    failures: list[str] = field(default_factory=list)
    requests: int = 0
    got: dict[str, int] = field(default_factory=dict)  # route name -> status of its GET
    changed: list[str] = field(default_factory=list)  # "METHOD name" of each request that wrote to the DB

    def send(self, route: Route, method: str) -> Any:
        """One request; a 5xx or an exception is recorded as a failure and returns None."""
        self.requests += 1
        try:
            if method == "GET":
                r = self.client.get(route.url)
            else:
                r = self.client.post(route.url, post_body(self.plan, route))
        except Exception as exc:  # the test client re-raises a view's exception: that is a 500
            self.failures.append(f"{method} {route.url} ({route.name}) raised {exc!r}")
            return None
        if r.status_code >= 500:
            self.failures.append(f"{method} {route.url} ({route.name}) → {r.status_code}")
            return None
        return r

    def expect(self, ok: bool, route: Route, method: str, r: Any, what: str) -> None:
        if not ok:
            self.failures.append(f"{method} {route.url} ({route.name}) → {r.status_code}: {what}")

    def done(self) -> None:
        assert not self.failures, f"{len(self.failures)} of {self.requests} requests failed:\n" + "\n".join(
            self.failures
        )


def not_own(before: Snapshot, after: Snapshot, tables: set[str], user: Any) -> str:
    """'' if only `tables` changed and every added or changed row there is `user`'s own."""
    user_pk = getattr(user, "pk", None)
    member_pks = set(Member.objects.filter(user_id=user_pk or 0).values_list("pk", flat=True))
    for m in _tracked_models():
        label = m._meta.label
        if before[label] == after[label]:
            continue
        if label not in tables:
            return f"changed {label}"
        if label in AUDIT:
            continue
        columns = [f.attname for f in m._meta.concrete_fields]
        for row in [r for r in after[label] if r not in before[label]]:  # rows may hold JSON: no sets
            values = dict(zip(columns, row, strict=True))
            mine = values.get("user_id", user_pk) == user_pk and values.get("member_id", 0) in member_pks | {0}
            if user_pk is None or not mine:
                return f"changed someone else's {label} row {values.get('id')}"
    return ""


def walk_as(
    plan: Plan,
    client: Client,
    check: Callable[[Walk, Route, str, Any], None],
    own: dict[str, tuple[set[str], str]] = EVERYONES_OWN,
    compare_rows: bool = True,
) -> Walk:
    """GET and POST every route. No request may write to the database (seen in the SQL it sends, and
    in the audit chain length), and every row of every model is compared before and after the walk.
    Routes in `own` may change the requester's own rows in the tables named there; audited reads may
    append to the audit chain: the rows are compared up to them and afresh after them."""
    w = Walk(plan, client)
    user = client.session.get("_auth_user_id")
    requester = User._base_manager.filter(pk=user).first() if user else None
    skip = set(own)
    audit = AuditEvent._base_manager
    rebase = (skip | set(AUDITED_READS)) if compare_rows else set()
    start = snapshot() if compare_rows else {}
    for route in plan.routes:
        if route.name in rebase and (diff := changes(start, snapshot())):
            w.failures.append(f"the walk up to {route.name} {diff}")
        for method in ("GET", "POST"):
            chain = audit.count()
            own_before = snapshot() if route.name in skip and compare_rows else None
            with CaptureQueriesContext(connection) as queries:
                r = w.send(route, method)
            if own_before is not None and (wrong := not_own(own_before, snapshot(), own[route.name][0], requester)):
                w.failures.append(f"{method} {route.url} ({route.name}) {wrong}")
            if r is not None:
                if method == "GET":
                    w.got[route.name] = r.status_code
                check(w, route, method, r)
            tables = written_tables(queries.captured_queries)
            grown = audit.count() - chain
            if tables or grown:
                w.changed.append(f"{method} {route.name}")
                audit_only = route.name in AUDITED_READS and tables <= AUDIT_DB_TABLES
                if route.name not in skip and not audit_only:
                    w.failures.append(
                        f"{method} {route.url} ({route.name}) wrote to {sorted(tables)}; audit chain +{grown}"
                    )
        if route.name in rebase:
            start = snapshot()
    if compare_rows and (diff := changes(start, snapshot())):
        w.failures.append(f"the walk {diff}")
    return w


@pytest.fixture
def plan(world: World) -> Plan:
    return build_plan(world)


@pytest.fixture
def full_plan(plan: Plan) -> Plan:
    """The plan with the POST forms the committee admin is offered (they see every branch's forms)."""
    harvest_forms(plan, _login(plan.world.admin))
    return plan


def test_the_walk_finds_the_apps() -> None:
    unnamed = [route for name, route in ROUTES if (not name or name.endswith(":")) and route not in MEDIA]
    assert not unnamed, f"routes the walk cannot name (give each a name): {unnamed}"
    names = {n.split(":")[0] for n, _ in ROUTES}
    assert {"core", "accounts", "orgs", "members", "orglife", "partyday", "assignments", "dues"} <= names


MEDIA = [route for _, route in ROUTES if route.lstrip("^").startswith("media/")]


def test_no_route_serves_uploads_unchecked() -> None:
    """Every file is served by a scope-checked view (core.files); /media/ is never routed."""
    assert not MEDIA


def test_every_route_with_an_argument_gets_a_real_row(plan: Plan) -> None:
    """The fixtures fill every argument; the ids are of real rows, not the branch's pk reused."""
    keyed = [r for r in plan.routes if r.rows]
    assert len(keyed) >= 90
    for route in keyed:
        for kw, value in route.rows.items():
            if isinstance(value, models.Model):
                assert type(value)._base_manager.filter(pk=value.pk).exists(), f"{route.name} <{kw}>"


def test_anonymous_is_sent_to_login(plan: Plan) -> None:
    def check(w: Walk, route: Route, method: str, r: Any) -> None:
        if r.status_code == 302:
            w.expect(r["Location"].startswith("/accounts/login/"), route, method, r, r["Location"])
        else:
            w.expect(r.status_code == 405, route, method, r, "anonymous request not sent to the login page")

    walk_as(plan, Client(), check).done()


def test_outsider_is_refused_and_sees_nothing_of_another_branch(full_plan: Plan) -> None:
    """The liaison of branch B opens and posts to every route with branch A's real ids."""

    def check(w: Walk, route: Route, method: str, r: Any) -> None:
        # 405: a POST-only view refuses a GET before looking anything up, for any id alike.
        allowed: tuple[int, ...] = (403, 404, 405)
        if route.name in TOKEN_ROUTES:
            _, on_get, on_post = TOKEN_ROUTES[route.name]
            allowed = on_get if method == "GET" else on_post
        if route.keyed or route.name in TOKEN_ROUTES:
            w.expect(r.status_code in allowed, route, method, r, "branch A's record not refused")
        content_type = r.get("Content-Type", "")
        if r.status_code == 200 and not content_type.startswith(("text/html", "application/json")):
            # A file handed to an outsider may only be one that holds no organization's data.
            w.expect(route.name in DATA_FREE_FILES, route, method, r, f"gives the outsider a {content_type} file")
            return
        body = _body_text(r)
        for secret in full_plan.secrets:
            w.expect(secret not in body, route, method, r, f"shows {secret!r}")

    w = walk_as(full_plan, _login(full_plan.world.outsider), check)
    w.done()


def test_member_cannot_post_to_any_management_route(full_plan: Plan) -> None:
    """A plain member of branch A: no request fails, and no POST changes anything outside their own
    self-service (SELF_SERVICE, each with its reason). A POST to a page the member may read (its GET
    is 200) may answer 200 as long as nothing changed; every other POST is refused."""

    def check(w: Walk, route: Route, method: str, r: Any) -> None:
        if method == "POST" and route.keyed and route.name not in SELF_SERVICE:
            readable = w.got.get(route.name) == 200 and r.status_code == 200
            w.expect(r.status_code in (403, 404, 405) or readable, route, method, r, "management POST not refused")

    w = walk_as(full_plan, _login(full_plan.world.member_user), check, SELF_SERVICE)
    w.done()
    assert "POST orglife:sign_in" in w.changed, "the member's own sign-in should have gone through"


def test_the_same_posts_work_for_the_committee_admin(full_plan: Plan) -> None:
    """The control: the very same ids and bodies, sent by the city committee's admin, change records —
    so the outsider's and the member's refusals come from the access check, not from a bad body."""
    everything: dict[str, tuple[set[str], str]] = {r.name: (set(), "") for r in full_plan.routes}
    w = walk_as(full_plan, _login(full_plan.world.admin), lambda *_: None, everything, compare_rows=False)
    w.done()  # no 5xx for the people who may act either
    effective = {c.removeprefix("POST ") for c in w.changed if c.startswith("POST ")}
    expected = {
        "accounts:role_revoke",
        "assignments:remove_item",
        "assignments:upload",
        "community:decide",
        "community:need_close",
        "community:visit_log",
        "core:calendar_year_save",
        "dues:compute",
        "dues:disclosure_publish",
        "dues:exemption_decide",
        "dues:payment_void",
        "members:import_run",
        "members:leave",
        "members:transfer_accept",
        "orglife:attachment_upload",
        "orglife:file",
        "orglife:photo_review",
        "orgs:config",
        "orgs:edit",
        "orgs:move",
        "orgs:post_end",
        "partyday:change_decide",
        "partyday:setting",
        "partyday:setting_clear",
    }
    assert expected <= effective, f"no longer effective: {sorted(expected - effective)}"


def test_ics_feed_refuses_a_wrong_token(world: World) -> None:
    r = Client().get(f"/partyday/ics/{world.branch.pk}/not-the-token.ics")
    assert r.status_code == 404
    assert world.member.name not in r.content.decode()


def test_public_pages_show_only_published(plan: Plan) -> None:
    """The public 党务公开 pages, walked anonymously with every disclosure the fixtures made: only
    published 向社会 content is shown (never a draft, a 党内 item or a member's name); everything else
    is 404; and nothing is written."""
    w = plan.world
    anonymous = Client()
    before = snapshot()
    page = anonymous.get(f"/openness/public/{w.branch.pk}/")
    assert page.status_code == 200 and page["Cache-Control"].startswith("public")
    body = page.content.decode()
    for d in Disclosure.objects.all():
        shown = d.status == "published" and d.scope == "public"
        assert (d.title in body) is shown and (f"/openness/public/item/{d.pk}/" in body) is shown, d.title
        r = anonymous.get(f"/openness/public/item/{d.pk}/")
        assert r.status_code == (200 if shown else 404), d.title
        for secret in plan.secrets:
            assert secret not in body and secret not in r.content.decode(), secret
    assert anonymous.get(f"/openness/public/{w.branch.pk}/qr.svg")["Content-Type"] == "image/svg+xml"
    assert changes(before, snapshot()) == ""


def _login(user: Any) -> Client:
    c = Client()
    c.force_login(user, backend="dangjian.accounts.backends.PhoneBackend")
    return c

"""Extension points so each app can add to the shared layout without core knowing the app.

- `nav_item(...)`: a navigation link, shown when the user holds the action anywhere. With `tab`
  (a short label and an icon name) it may also sit in the phone's bottom tab bar.
- `attention_provider(fn)`: `fn(user) -> list[Attention]` items for the home page's 待办 list.
- `meeting_panel(fn)`: `fn(request, meeting) -> str` HTML shown on a meeting's page ("" for none),
  e.g. dues shows 本月党费 on a party-day record without orglife importing dues.
- `report_source(...)`: figures an app computes over a period for a set of branches, for the upward
  reports and dashboards (`reports`) -- "report once": an upward figure is a view over records.
- `point_event_source(...)`: member events an app derives from its records (a confirmed community
  deed, a completed training) that the points manual (`points`) may score, without points importing
  the app or the app importing points.
- `disclosable_kind(...)`: a record type the 党务公开 catalogue may list and the disclosure gate
  (`openness`) may publish (a monthly dues sheet, a resolution, a star board), frozen as published.
- `branch_score_source(...)`: a per-branch annual score an app records (the inspection score) that
  points' 星级党支部 formula may take as its 年终目标考核 input when a committee picks it.
- `record_link(kind, fn)`: the page of a higher app's record ("assignment:12") that a lower app's
  derived row names, so the lower app links back to it (study's list → the assignment).
- `record_change_listener(fn)` / `records_changed(...)`: a writer (orglife filing or correcting a
  meeting, dues recording a payment or changing what a member owes, a confirmed community deed, a
  training entered) tells the apps deriving figures from its records (`points`).
Apps register in their AppConfig.ready().
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

from .findings import Severity


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    action: str | None  # None: any logged-in user
    order: int = 100
    tab: str = ""  # short label in the phone's tab bar ("" = only in the side nav / 我的 page)
    icon: str = ""  # icon name in core/_icon.html
    tab_action: str | None = None  # the tab is this entry only for users holding this action

    @property
    def url(self) -> str:
        return nav_url(self.url_name)


@dataclass(frozen=True)
class Attention:
    title: str
    detail: str
    link: str
    severity: Severity = Severity.WARNING
    due: dt.date | None = None  # shown as a countdown ("还有 3 天" / "逾期 2 天")
    # A standing condition (a structure finding, a term running out) rather than a piece of work
    # with an end: listed under 检查提醒 below the 待办 list.
    standing: bool = False


class _NavUrls(dict[str, str]):
    """url name -> path, reversed on first use."""

    def __missing__(self, url_name: str) -> str:
        url = self[url_name] = reverse(url_name)
        return url


def nav_urls() -> dict[str, str]:
    """The navigation's URLs, each reversed once per process: every page shows the same ~20 links
    (issue 18). Kept per URLconf and script prefix (what `reverse` depends on besides the name), so a
    test overriding ROOT_URLCONF or a deployment under a prefix gets its own. Read it once per page."""
    key = reverse_key()
    urls = _NAV_URLS.get(key)
    if urls is None:
        urls = _NAV_URLS[key] = _NavUrls()
    return urls


def reverse_key() -> tuple[Any, ...]:
    """What `reverse` depends on besides the name: the URLconf and the script prefix (the key of
    every cache of reversed URLs)."""
    return (settings.ROOT_URLCONF, get_urlconf(), get_script_prefix())


def nav_url(url_name: str) -> str:
    return nav_urls()[url_name]


_NAV_URLS: dict[tuple[Any, ...], dict[str, str]] = {}
_NAV: list[NavItem] = []
_ATTENTION: list[Callable[[Any], list[Attention]]] = []
_MEETING_PANELS: list[Callable[[Any, Any], str]] = []


def nav_item(
    label: str,
    url_name: str,
    action: str | None = None,
    order: int = 100,
    *,
    tab: str = "",
    icon: str = "",
    tab_action: str | None = None,
) -> None:
    if not any(i.url_name == url_name for i in _NAV):
        _NAV.append(NavItem(label, url_name, action, order, tab, icon, tab_action))
        _NAV.sort(key=lambda i: i.order)


def nav_items() -> list[NavItem]:
    return list(_NAV)


def attention_provider(fn: Callable[[Any], list[Attention]]) -> Callable[[Any], list[Attention]]:
    if fn not in _ATTENTION:
        _ATTENTION.append(fn)
    return fn


def attention_for(user: Any) -> list[Attention]:
    items: list[Attention] = []
    for fn in _ATTENTION:
        items.extend(fn(user))
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.ADVISORY: 2}
    # Most urgent first; within a severity, the nearest due date first, undated items last.
    return sorted(items, key=lambda a: (order[a.severity], a.due or dt.date.max))


# The phone's bottom bar holds 首页, at most this many app tabs, and 我的.
MAX_APP_TABS = 3


def tabs_for(items: list[NavItem], holds: Callable[[str], bool]) -> list[NavItem]:
    """The app tabs among a user's visible nav items: one per tab label; an entry with a
    `tab_action` the user holds wins over the everyone-entry (a liaison's 党费 tab is 党费收缴,
    a member's is 我的党费); at most MAX_APP_TABS, in nav order."""
    chosen: dict[str, NavItem] = {}
    for item in items:
        if not item.tab or (item.tab_action is not None and not holds(item.tab_action)):
            continue
        have = chosen.get(item.tab)
        if have is None or (have.tab_action is None and item.tab_action is not None):
            chosen[item.tab] = item
    return sorted(chosen.values(), key=lambda i: i.order)[:MAX_APP_TABS]


def meeting_panel(fn: Callable[[Any, Any], str]) -> Callable[[Any, Any], str]:
    if fn not in _MEETING_PANELS:
        _MEETING_PANELS.append(fn)
    return fn


def meeting_panels(request: Any, meeting: Any) -> list[str]:
    """The other apps' panels for this meeting's page, in registration (INSTALLED_APPS) order."""
    return [html for fn in _MEETING_PANELS if (html := fn(request, meeting))]


# --- Upward report figures ------------------------------------------------------------------------

Figures = dict[str, dict[str, Any]]  # branch org path -> figure key -> value (int / Decimal / str)


@dataclass(frozen=True)
class ReportSource:
    """One app's section of a periodic report.

    `compute(paths, start, end)` returns, for each org path in `paths` (branches, usually), the
    app's figures over the closed period [start, end] -- computed in the database with a bounded
    number of queries whatever the number of paths; a path with nothing to report may be absent.
    `figures` orders and labels the keys (Chinese). `link(org_pk, start, end)` is the page listing
    the records the figures came from ("" when there is none). `summable` lists the keys a
    committee's roll-up may add up over its subtree (counts; never rates or dates).
    """

    key: str
    label: str
    figures: tuple[tuple[str, str], ...]
    compute: Callable[[list[str], dt.date, dt.date], Figures]
    link: Callable[[int, dt.date, dt.date], str] | None = None
    summable: tuple[str, ...] = ()
    order: int = 100


_REPORT_SOURCES: dict[str, ReportSource] = {}


def report_source(source: ReportSource) -> ReportSource:
    _REPORT_SOURCES[source.key] = source
    return source


def report_sources() -> list[ReportSource]:
    return sorted(_REPORT_SOURCES.values(), key=lambda s: (s.order, s.key))


# --- Member events for the points manual ----------------------------------------------------------


@dataclass(frozen=True)
class MemberEvent:
    member_id: int
    on: dt.date
    ref: str  # the source record, e.g. "deed:12" -- unique per event, so re-deriving is idempotent
    label: str  # what the ledger line says, in Chinese


@dataclass(frozen=True)
class PointEventSource:
    """Events an app derives from its own confirmed records. `events(member_ids, start, end)`
    returns them for the members over the closed period, with a bounded number of queries."""

    code: str  # the manual item's `source`, e.g. "community_deed"
    label: str  # shown when a committee picks the source for an item
    events: Callable[[list[int], dt.date, dt.date], list[MemberEvent]]


_POINT_EVENT_SOURCES: dict[str, PointEventSource] = {}


def point_event_source(source: PointEventSource) -> PointEventSource:
    _POINT_EVENT_SOURCES[source.code] = source
    return source


def point_event_sources() -> list[PointEventSource]:
    return sorted(_POINT_EVENT_SOURCES.values(), key=lambda s: s.code)


# --- Events that make a 谈心谈话 due (必谈) -------------------------------------------------------


@dataclass(frozen=True)
class TalkTriggerEvent:
    member_id: int
    org_id: int  # the member's branch, where the to-do is raised
    org_path: str
    on: dt.date  # when the event happened (the to-do is due a configured number of days later)


@dataclass(frozen=True)
class TalkTrigger:
    """An event an app records that makes a talk with the member due (必谈), e.g. dues' flag for 6
    months of arrears, so `appraisal` raises the to-do without importing the app (they are siblings
    in one layer). `events(since, until)` returns the events that happened in the closed period,
    across every branch, in a bounded number of queries. `code` must be one of appraisal's
    `TalkEvent` values (it is stored on the to-do and switched on per committee)."""

    code: str
    label: str
    events: Callable[[dt.date, dt.date], list[TalkTriggerEvent]]


_TALK_TRIGGERS: dict[str, TalkTrigger] = {}


def talk_trigger(trigger: TalkTrigger) -> TalkTrigger:
    _TALK_TRIGGERS[trigger.code] = trigger
    return trigger


def talk_triggers() -> list[TalkTrigger]:
    return sorted(_TALK_TRIGGERS.values(), key=lambda t: t.code)


# --- Suggestions shown beside the 民主评议 grades ----------------------------------------------------

AppraisalSuggestionFn = Callable[[list[int], int], dict[int, str]]
_APPRAISAL_SUGGESTIONS: list[AppraisalSuggestionFn] = []


def appraisal_suggestion_provider(fn: AppraisalSuggestionFn) -> AppraisalSuggestionFn:
    """Register `fn(member_ids, year) -> {member id: short Chinese suggestion}` (e.g. points' star
    rating for the year), shown on the 民主评议 page as a suggestion only: the branch decides the
    grade. A member absent from the answer gets no suggestion. One bounded query set per call."""
    if fn not in _APPRAISAL_SUGGESTIONS:
        _APPRAISAL_SUGGESTIONS.append(fn)
    return fn


def unregister_appraisal_suggestion_provider(fn: AppraisalSuggestionFn) -> None:
    """For tests that register a provider of their own."""
    if fn in _APPRAISAL_SUGGESTIONS:
        _APPRAISAL_SUGGESTIONS.remove(fn)


def appraisal_suggestions(member_ids: list[int], year: int) -> dict[int, str]:
    """Every provider's suggestion per member, joined with "；" (in registration order)."""
    out: dict[int, list[str]] = {}
    if not member_ids:
        return {}
    for fn in _APPRAISAL_SUGGESTIONS:
        for member_id, text in fn(member_ids, year).items():
            if text:
                out.setdefault(member_id, []).append(text)
    return {m: "；".join(texts) for m, texts in out.items()}


# --- Disclosable record types for the 党务公开 catalogue ------------------------------------------


@dataclass(frozen=True)
class SourceEvent:
    """A record that starts a 及时 (timely) disclosure's clock: a filed resolution, a decision taken."""

    org_path: str  # the organization that must disclose it
    on: dt.date
    ref: str  # unique per event, e.g. "resolution:12"
    title: str  # what the disclosure is about, in Chinese


@dataclass(frozen=True)
class DisclosableKind:
    """A record type an app lets the 党务公开 gate (`openness`) publish, without either app importing
    the other's models.

    `snapshot(org, start, end, ref)` returns the content to be disclosed, as JSON-ready data:
    ``{"title": str, "summary": [[label, value], ...], "text": str, "columns": [...],
    "people": [[...], ...]}`` -- `people` holds per-person lines (names with amounts, grades or
    stars): the gate shows them only inside the Party, never on a public page. `period` is the
    frequency of a 定期 kind ("month" / "quarter" / "year", "" otherwise). `events(prefixes, start,
    end)` lists the source events of a 及时 kind in the subtrees of `prefixes` (bounded queries).
    """

    code: str
    label: str
    snapshot: Callable[[Any, dt.date | None, dt.date | None, str], dict[str, Any]]
    period: str = ""
    events: Callable[[list[str], dt.date, dt.date], list[SourceEvent]] | None = None
    order: int = 100


_DISCLOSABLE_KINDS: dict[str, DisclosableKind] = {}


def disclosable_kind(kind: DisclosableKind) -> DisclosableKind:
    _DISCLOSABLE_KINDS[kind.code] = kind
    return kind


def disclosable_kinds() -> list[DisclosableKind]:
    return sorted(_DISCLOSABLE_KINDS.values(), key=lambda k: (k.order, k.code))


def get_disclosable_kind(code: str) -> DisclosableKind | None:
    return _DISCLOSABLE_KINDS.get(code)


# --- Branch assessment scores for the 星级党支部 formula ----------------------------------------


@dataclass(frozen=True)
class SourcedScore:
    """A branch's score for a year as another app recorded it, with where it came from."""

    value: Decimal
    ref: str  # the source record, e.g. "inspection:12" -- stored on the rating
    note: str  # what the page says about the record, in Chinese (e.g. "2026年度党建检查 · 11月3日评分")


@dataclass(frozen=True)
class BranchScoreSource:
    """An app's per-branch annual score (e.g. the inspection score of `inspections`) that the points
    app's 星级党支部 formula may take as its 年终目标考核 input, when a committee setting picks the
    source -- without points importing the app. `scores(paths, year)` answers for the branch paths
    in one bounded query set; a branch without a score is absent (the committee then enters one).
    `link(ref)` is the page of the record a `SourcedScore.ref` names ("" when there is none)."""

    code: str
    label: str
    scores: Callable[[list[str], int], dict[str, SourcedScore]]
    link: Callable[[str], str]


_BRANCH_SCORE_SOURCES: dict[str, BranchScoreSource] = {}


def branch_score_source(source: BranchScoreSource) -> BranchScoreSource:
    _BRANCH_SCORE_SOURCES[source.code] = source
    return source


def branch_score_sources() -> list[BranchScoreSource]:
    return sorted(_BRANCH_SCORE_SOURCES.values(), key=lambda s: s.code)


def get_branch_score_source(code: str) -> BranchScoreSource | None:
    return _BRANCH_SCORE_SOURCES.get(code)


# --- Links to the record a derived row came from --------------------------------------------------

RecordLinkFn = Callable[[int, Any], str]
_RECORD_LINKS: dict[str, RecordLinkFn] = {}


def record_link(kind: str, fn: RecordLinkFn) -> RecordLinkFn:
    """Register `fn(pk, org) -> url` for refs "<kind>:<pk>" that a lower app stores on a row it derived
    from a higher app's record (study's list from an assignment: "assignment:12"), so the lower app's
    page links back without importing the higher app. `org` is the organization whose page shows the
    link (the branch), so the link may open that branch's own view of the record; "" for none."""
    _RECORD_LINKS[kind] = fn
    return fn


def record_url(ref: str, org: Any = None) -> str:
    """The page of the record `ref` names ("" when no app links that kind, or the ref is malformed)."""
    kind, _, pk = ref.partition(":")
    fn = _RECORD_LINKS.get(kind)
    return fn(int(pk), org) if fn is not None and pk.isdigit() else ""


# --- Records that other apps derive figures from, changed -------------------------------------------


@dataclass(frozen=True)
class RecordChange:
    """A writer's note that records another app derives figures from have changed: orglife filed or
    corrected a meeting (`meeting_id`); dues recorded or voided a payment, or changed what a member
    owes (a relief approved, a base changed); community confirmed a deed; study entered a training
    (`member_ids`). `years`
    are the calendar years the change touches (a corrected date may touch two). Points recomputes
    the members' year at once, without orglife or dues importing points."""

    kind: str  # "meeting" | "dues" | "community" | "training"
    years: tuple[int, ...]
    member_ids: tuple[int, ...] = ()  # the members concerned; () with a meeting: everyone on its list
    meeting_id: int | None = None


_RECORD_LISTENERS: list[Callable[[RecordChange], None]] = []


def record_change_listener(fn: Callable[[RecordChange], None]) -> Callable[[RecordChange], None]:
    """Register `fn(change)`, called inside the writer's transaction: it must be cheap there and
    defer its work (e.g. `transaction.on_commit`), so a listener never fails the writer."""
    if fn not in _RECORD_LISTENERS:
        _RECORD_LISTENERS.append(fn)
    return fn


def records_changed(kind: str, years: Any, *, member_ids: Any = (), meeting_id: int | None = None) -> None:
    """Tell the listeners (one line at each writer): `years` and `member_ids` are any iterables."""
    change = RecordChange(kind, tuple(sorted({int(y) for y in years})), tuple(member_ids), meeting_id)
    for fn in _RECORD_LISTENERS:
        fn(change)

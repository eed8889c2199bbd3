"""Reads for talks, coverage and appraisals, scoped to the acting user.

Talk content is for the participants and the branch secretary only (`can_read_talk`): lists,
coverage pages and roll-ups carry dates and names, never topics, content or issues."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, FilteredRelation, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.urls import reverse

from dangjian.accounts.rules import Role
from dangjian.accounts.selectors import holders
from dangjian.core.paths import STEPLEN, ancestor_paths
from dangjian.core.registry import appraisal_suggestions
from dangjian.core.scoping import Action, SystemActor, get_for_user, scope_q
from dangjian.members.models import Member, MemberStatus
from dangjian.orgs import config
from dangjian.orgs.models import Organization, OrgKind, OrgPost, Post

from .models import (
    Appraisal,
    AppraisalEntry,
    AppraisalState,
    ContactShare,
    OrgLifeReview,
    Rectification,
    Talk,
    TalkCount,
    TalkFollowUp,
    TalkPart,
    TalkTodo,
)
from .rules import (
    DEFAULT_TOPICS,
    Gap,
    Grade,
    LowerCommittee,
    MemberRule,
    Pair,
    coverage_gaps,
    cross_gaps,
    excellent_cap,
    pairs_of,
)

CONTENT_DENIED = "谈话内容仅谈话双方和支部书记可以查看"
COMMITTEE_POSTS = tuple(p for p in Post.values if p != Post.GROUP_LEADER)


def topics_for(org: Organization) -> list[str]:
    """The committee's configured talk topics (one per line), defaulting to seed 002's six."""
    raw = str(config.effective(org.path, "appraisal.talk_topics") or "")
    topics = [t.strip() for t in raw.splitlines() if t.strip()]
    return topics or list(DEFAULT_TOPICS)


def branch_members(org: Organization) -> QuerySet[Member]:
    return Member.objects.filter(org=org, is_active=True).order_by("name", "pk")


def committee_of(org: Organization) -> tuple[list[int], int | None]:
    """(member ids of the current 支委 — secretary first —, the secretary's member id or None)."""
    rows = list(
        OrgPost.objects.filter(org=org, ended_on__isnull=True, post__in=COMMITTEE_POSTS, member__is_active=True)
        .order_by("post", "member_id")
        .values_list("member_id", "post")
    )
    secretary = next((m for m, p in rows if p == Post.SECRETARY), None)
    ids = list(dict.fromkeys([*([secretary] if secretary else []), *(m for m, _ in rows)]))
    return ids, secretary


def secretary_user_ids(org: Organization) -> set[int]:
    return set(holders(Role.SECRETARY, org_ids=[org.pk]).values_list("user_id", flat=True))


def participant_user_ids(talk: Talk) -> set[int]:
    ids = {talk.talker.user_id} | {m.user_id for m in talk.counterparts.all()}
    return {i for i in ids if i is not None}


def can_read_talk(user: Any, talk: Talk) -> bool:
    """Only the participants and the branch secretary read a talk's content (not the committee)."""
    if isinstance(user, SystemActor):
        return True
    pk = getattr(user, "pk", None)
    if pk is None or not getattr(user, "is_authenticated", False):
        return False
    return pk in participant_user_ids(talk) or pk in secretary_user_ids(talk.org)


def talk_recorder(user: Any, org: Organization) -> tuple[bool, int | None]:
    """(is `user` the org's secretary, `user`'s own member id): who may record a talk at `org` is
    its secretary or a participant (`services.talk_record`), so pages offer "记录谈话" only to them."""
    if isinstance(user, SystemActor):
        return True, None
    member = getattr(user, "member", None) if getattr(user, "is_authenticated", False) else None
    return getattr(user, "pk", None) in secretary_user_ids(org), getattr(member, "pk", None)


def may_record_gap(recorder: tuple[bool, int | None], gap: Gap) -> bool:
    secretary, own = recorder
    return secretary or (own is not None and own in (gap.a, gap.b))


def get_talk_for_user(user: Any, pk: int | str) -> Talk:
    """The talk with its content: 404 outside the scope, 403 for anyone but participants and secretary."""
    talk = get_for_user(
        Talk.objects.select_related("org", "talker"),
        pk,
        user,
        not_found="谈话记录不存在",
        also_visible=lambda t: getattr(user, "pk", None) in participant_user_ids(t),
    )
    if not can_read_talk(user, talk):
        raise PermissionDenied(CONTENT_DENIED)
    return talk


def get_follow_up_for_user(user: Any, pk: int | str) -> TalkFollowUp:
    """A talk's follow-up, for those who may read the talk (404 outside the scope, else 403)."""
    fu = get_for_user(
        TalkFollowUp.objects.select_related("talk", "talk__org", "talk__talker"),
        pk,
        user,
        not_found="落实事项不存在",
        path_field="talk__org_path",
        also_visible=lambda f: getattr(user, "pk", None) in participant_user_ids(f.talk),
    )
    if not can_read_talk(user, fu.talk):
        raise PermissionDenied(CONTENT_DENIED)
    return fu


def talks_in(org: Organization, year: int) -> QuerySet[Talk]:
    """The branch's talks of `year` for the list: no content columns are loaded."""
    return (
        Talk.objects.filter(org=org, year=year)
        .select_related("talker")
        .prefetch_related("counterparts")
        .only("pk", "org_id", "held_on", "mode", "occasion", "talker__name", "talker__user_id")
    )


def my_talks(user: Any, limit: int = 20) -> list[Talk]:
    member = getattr(user, "member", None) if getattr(user, "is_authenticated", False) else None
    if member is None:
        return []
    qs = Talk.objects.filter(Q(talker=member) | Q(counterparts=member)).distinct().select_related("talker")
    return list(qs.prefetch_related("counterparts")[:limit])


@dataclass
class Coverage:
    org: Organization
    year: int
    members: dict[int, str]
    committee: list[int]
    secretary: int | None
    gaps: list[Gap]
    talks: int
    by_kind: Counter[str] = field(default_factory=Counter)
    share_mode: bool = False

    def name(self, pk: int | None) -> str:
        return self.members.get(pk or 0, "")


def _year_pairs(org: Organization, year: int, group_counts: bool) -> tuple[set[Pair], set[Pair], int]:
    """The year's pairs from the talks recorded at `org` and at the committees above it (a talk
    across levels is recorded at the committee and counts wherever both people are); the count is
    of the talks recorded at `org` itself."""
    paths = ancestor_paths(org.path)
    talkers = dict(Talk.objects.filter(org_path__in=paths, year=year).values_list("pk", "talker_id"))
    through = Talk.counterparts.through.objects.filter(talk__org_path__in=paths, talk__year=year)
    counterparts: dict[int, list[int]] = {}
    for talk_id, member_id in through.values_list("talk_id", "member_id"):
        counterparts.setdefault(talk_id, []).append(member_id)
    pairs: set[Pair] = set()
    peer: set[Pair] = set()
    for talk_id, talker_id in talkers.items():
        others = counterparts.get(talk_id, [])
        pairs |= pairs_of(talker_id, others, group_counts=group_counts)
        peer |= pairs_of(talker_id, others, group_counts=True)
    own = Talk.objects.filter(org=org, year=year).count() if len(paths) > 1 else len(talkers)
    return pairs, peer, own


COVERAGE_KEYS = [
    "appraisal.talk_group_counts",
    "appraisal.talk_committee_pairs",
    "appraisal.talk_member_rule",
    "appraisal.talk_peer_rule",
]


def coverage_settings(org: Organization) -> dict[str, Any]:
    """The coverage rules in force for `org` (one query for all of them)."""
    values = config.effective_for_paths_keys([org.path], COVERAGE_KEYS)
    return {k: values[k][org.path] for k in COVERAGE_KEYS}


def shares_of(org: Organization) -> dict[int, int]:
    """分工联系 of the branch: {member id: the committee member responsible for them}."""
    return dict(ContactShare.objects.filter(org=org).values_list("member_id", "committee_member_id"))


def coverage(org: Organization, year: int) -> Coverage:
    """Who is still due a talk in `year` (第十九条, three pair kinds; the rules are per committee)."""
    rows = list(branch_members(org).values_list("pk", "name", "exempt"))
    members = {pk: name for pk, name, _ in rows}
    exempt = {pk for pk, _, ex in rows if ex}
    committee, secretary = committee_of(org)
    committee = [c for c in committee if c in members]
    rules = coverage_settings(org)
    share_mode = str(rules["appraisal.talk_member_rule"]) == MemberRule.SHARE
    pairs, peer, n = _year_pairs(org, year, bool(rules["appraisal.talk_group_counts"]))
    gaps = coverage_gaps(
        members=members,
        committee=committee,
        secretary=secretary if secretary in members else None,
        exempt=exempt,
        pairs=pairs,
        peer_pairs=peer,
        committee_pairs_rule=bool(rules["appraisal.talk_committee_pairs"]),
        member_rule=str(rules["appraisal.talk_member_rule"]),
        peer_rule=str(rules["appraisal.talk_peer_rule"]),
        shares=shares_of(org) if share_mode else None,
    )
    return Coverage(org, year, members, committee, secretary, gaps, n, Counter(g.kind for g in gaps), share_mode)


def children_of(org: Organization) -> QuerySet[Organization]:
    return Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1).order_by("path")


def lower_committees(org: Organization) -> list[LowerCommittee]:
    """The child organisations of `org` with their secretaries and committees (two queries)."""
    children = list(children_of(org).values_list("pk", "name"))
    posts = (
        OrgPost.objects.filter(
            org_id__in=[pk for pk, _ in children],
            ended_on__isnull=True,
            post__in=COMMITTEE_POSTS,
            member__is_active=True,
        )
        .order_by("org_id", "post", "member_id")
        .values_list("org_id", "member_id", "post")
    )
    by_org: dict[int, list[tuple[int, str]]] = {}
    for org_id, member_id, post in posts:
        by_org.setdefault(org_id, []).append((member_id, post))
    out = []
    for pk, name in children:
        rows = by_org.get(pk, [])
        sec = next((m for m, p in rows if p == Post.SECRETARY), None)
        out.append(LowerCommittee(pk, name, sec, tuple(dict.fromkeys(m for m, _ in rows))))
    return out


@dataclass
class CrossCoverage:
    """The talks across levels a committee still owes this year (its secretary and members with
    the child organisations' secretaries and committees)."""

    org: Organization
    year: int
    names: dict[int, str]
    committee: list[int]
    secretary: int | None
    children: int
    gaps: list[Gap]
    talks: int
    by_kind: Counter[str] = field(default_factory=Counter)

    def name(self, pk: int | None) -> str:
        return self.names.get(pk or 0, "")


CROSS_KEYS = ["appraisal.cross_secretary_rule", "appraisal.cross_committee_rule", "appraisal.talk_group_counts"]


def cross_coverage(org: Organization, year: int) -> CrossCoverage:
    """Coverage of the talks across levels for committee `org` (bounded: six queries)."""
    committee, secretary = committee_of(org)
    children = lower_committees(org)
    values = config.effective_for_paths_keys([org.path], CROSS_KEYS)
    rules = {k: values[k][org.path] for k in CROSS_KEYS}
    pairs, _, n = _year_pairs(org, year, bool(rules["appraisal.talk_group_counts"]))
    gaps = cross_gaps(
        committee=committee,
        secretary=secretary,
        children=children,
        pairs=pairs,
        secretary_rule=bool(rules["appraisal.cross_secretary_rule"]),
        committee_rule=bool(rules["appraisal.cross_committee_rule"]),
    )
    ids = set(committee) | {m for c in children for m in c.committee}
    names = dict(Member.objects.filter(pk__in=ids).values_list("pk", "name"))
    return CrossCoverage(org, year, names, committee, secretary, len(children), gaps, n, Counter(g.kind for g in gaps))


def cross_talk_people(org: Organization) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Who may take part in a talk recorded at committee `org`: (its committee members, the
    secretaries and committee members of its child organisations), as (member id, label) choices."""
    committee, _ = committee_of(org)
    children = lower_committees(org)
    ids = set(committee) | {m for c in children for m in c.committee}
    names = dict(Member.objects.filter(pk__in=ids).values_list("pk", "name"))
    talkers = [(m, names.get(m, "")) for m in committee if m in names]
    lower = [
        (m, f"{names.get(m, '')}（{c.name}{'书记' if m == c.secretary else '委员'}）")
        for c in children
        for m in c.committee
        if m in names and m not in committee
    ]
    return talkers, list(dict.fromkeys(lower))


def open_todos_for(user: Any) -> QuerySet[TalkTodo]:
    """Open 必谈 to-dos of the branches the user manages."""
    return (
        TalkTodo.objects.filter(talk__isnull=True)
        .filter(scope_q(user, Action.MANAGE))
        .select_related("member", "org")
        .order_by("due_on", "pk")
    )


def get_appraisal(org: Organization, year: int) -> Appraisal | None:
    return Appraisal.objects.filter(org=org, year=year).first()


def get_appraisal_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Appraisal:
    return get_for_user(Appraisal.objects.select_related("org"), pk, user, action, not_found="民主评议不存在")


def get_entry_for_user(user: Any, pk: int | str, action: str = Action.MANAGE) -> AppraisalEntry:
    return get_for_user(
        AppraisalEntry.objects.select_related("appraisal", "appraisal__org", "member"),
        pk,
        user,
        action,
        not_found="评议党员不存在",
        path_field="appraisal__org_path",
    )


def entries_of(appraisal: Appraisal) -> list[AppraisalEntry]:
    return list(appraisal.entries.select_related("member").order_by("-graded", "member__name", "pk"))


def grade_counts(appraisal: Appraisal) -> dict[str, int]:
    rows = appraisal.entries.filter(graded=True).values_list("grade").annotate(n=Count("pk"))
    counts = dict.fromkeys(Grade.values, 0)
    counts.update({g: n for g, n in rows if g})
    return counts


def quota_for(appraisal: Appraisal) -> tuple[int, int]:
    """(graded members, the 优秀 cap for them)."""
    graded = appraisal.entries.filter(graded=True).count()
    divisor = int(config.effective(appraisal.org_path, "appraisal.excellent_divisor"))
    return graded, excellent_cap(graded, divisor)


@dataclass(frozen=True)
class BranchResult:
    org_id: int
    name: str
    status: str
    counts: dict[str, int]
    not_graded: int


COUNT_COLUMNS = ("n_excellent", "n_qualified", "n_basically_qualified", "n_unqualified")


def _scoped_appraisals(user: Any, org: Organization, year: int) -> QuerySet[Appraisal]:
    return Appraisal.objects.filter(year=year).in_subtree(org.path).filter(scope_q(user, Action.VIEW))


def committee_summary(user: Any, org: Organization, year: int) -> list[BranchResult]:
    """Grade distribution per branch below `org`: one query over the appraisals (the services keep
    each one's counts), no member names."""
    rows = (
        _scoped_appraisals(user, org, year)
        .order_by("org_path")
        .values_list("org_id", "org__name", "status", *COUNT_COLUMNS, "n_not_graded")
    )
    labels = dict(AppraisalState.choices)
    return [
        BranchResult(org_id, name, labels.get(status, status), dict(zip(Grade.values, ns, strict=True)), not_graded)
        for org_id, name, status, *ns, not_graded in rows
    ]


SUMMARY_BRANCH_ROWS = 200  # beyond this many branches the page sums per child organisation


@dataclass(frozen=True)
class ChildResult:
    org_id: int
    name: str
    branches: int
    signed: int
    counts: dict[str, int]
    not_graded: int


def summary_by_child(user: Any, org: Organization, year: int) -> list[ChildResult]:
    """The distribution summed per direct child organisation of `org` (one grouped query and the
    children's names): the roll-up a city committee reads over thousands of branches."""
    child_len = len(org.path) + STEPLEN
    rows = (
        _scoped_appraisals(user, org, year)
        .exclude(org_path=org.path)
        .annotate(child=Substr("org_path", 1, child_len))
        .values("child")
        .annotate(
            branches=Count("pk"),
            signed=Count("pk", filter=Q(status=AppraisalState.SIGNED)),
            not_graded=Sum("n_not_graded"),
            **{c: Sum(c) for c in COUNT_COLUMNS},
        )
        .order_by("child")
    )
    data = list(rows)
    orgs = {
        path: (pk, name)
        for path, pk, name in Organization.objects.filter(path__in=[r["child"] for r in data]).values_list(
            "path", "pk", "name"
        )
    }
    return [
        ChildResult(
            orgs.get(r["child"], (0, ""))[0],
            orgs.get(r["child"], (0, ""))[1],
            r["branches"],
            r["signed"],
            {g: r[c] or 0 for g, c in zip(Grade.values, COUNT_COLUMNS, strict=True)},
            r["not_graded"] or 0,
        )
        for r in data
    ]


def suggestions_for(appraisal: Appraisal, entries: list[AppraisalEntry]) -> dict[int, str]:
    """{member id: suggestion} from the registered providers (points' rating), for display only."""
    return appraisal_suggestions([e.member_id for e in entries], appraisal.year)


def probationary_reason(member: Member) -> str:
    return "预备党员参加民主评议，但不评定等次" if member.status == MemberStatus.PROBATIONARY else ""


def branches_for(user: Any) -> QuerySet[Organization]:
    return Organization.objects.filter(kind=OrgKind.BRANCH).filter(scope_q(user, Action.VIEW, "path")).order_by("path")


def members_without_talk(year: int) -> QuerySet[Member]:
    """Active members (every branch) who took part in no talk in `year`: one anti-join on the
    derived `TalkPart` rows (kept by the talk services), no talk read."""
    talked = TalkPart.objects.filter(year=year, talks__gt=0).values("member_id")
    return Member.objects.filter(is_active=True).exclude(pk__in=talked)


def members_without_talk_from_talks(year: int) -> QuerySet[Member]:
    """The same set derived from the talks themselves (two anti-joins over the year's talks): what
    `TalkPart` must agree with; the tests and the bench compare both."""
    talked = Talk.objects.filter(year=year).values("talker_id")
    heard = Talk.counterparts.through.objects.filter(talk__year=year).values("member_id")
    return Member.objects.filter(is_active=True).exclude(pk__in=talked).exclude(pk__in=heard)


def talk_counts(years: Iterable[int], org_ids: Iterable[int] | None = None) -> dict[tuple[int, int], tuple[str, int]]:
    """{(org id, year): (org path, talks recorded there)} from the talks themselves -- the source
    `TalkCount` is derived from. `org_ids` None: every org."""
    qs = Talk.objects.filter(year__in=list(years))
    if org_ids is not None:
        qs = qs.filter(org_id__in=list(org_ids))
    rows = qs.order_by().values_list("org_id", "year", "org_path").annotate(n=Count("pk"))
    return {(o, y): (path, n) for o, y, path, n in rows}


def talk_part_counts(years: Iterable[int], member_ids: Iterable[int] | None = None) -> Counter[tuple[int, int]]:
    """{(member id, year): talks taken part in, as talker or counterpart} from the talks themselves
    (two grouped queries) -- the source `TalkPart` is derived from. `member_ids` None: everyone."""
    years = list(years)
    led = Talk.objects.filter(year__in=years)
    heard = Talk.counterparts.through.objects.filter(talk__year__in=years)
    if member_ids is not None:
        ids = list(member_ids)
        led, heard = led.filter(talker_id__in=ids), heard.filter(member_id__in=ids)
    counts: Counter[tuple[int, int]] = Counter()
    for m, y, n in led.order_by().values_list("talker_id", "year").annotate(n=Count("pk")):
        counts[(m, y)] += n
    for m, y, n in heard.order_by().values_list("member_id", "talk__year").annotate(n=Count("pk")):
        counts[(m, y)] += n
    return counts


def get_review(org: Organization, year: int) -> OrgLifeReview | None:
    return OrgLifeReview.objects.filter(org=org, year=year).first()


def rectifications_for(org: Organization, year: int) -> list[Rectification]:
    """The year's 整改清单 plus earlier years' items not yet verified (carried forward)."""
    qs = Rectification.objects.filter(org=org).filter(Q(year=year) | Q(year__lt=year, verified_at__isnull=True))
    return list(qs.select_related("owner").order_by("year", "deadline", "pk"))


def get_rectification_for_user(user: Any, pk: int | str, action: str = Action.MANAGE) -> Rectification:
    return get_for_user(Rectification.objects.select_related("org"), pk, user, action, not_found="整改事项不存在")


def parse_cutoff(raw: str) -> tuple[int, int]:
    """The attribution cutoff "MM-DD" as (month, day); an unreadable value falls back to 31 March."""
    try:
        month, day = (int(x) for x in raw.split("-"))
        dt.date(2000, month, day)
    except ValueError:
        return 3, 31
    return month, day


def cutoff_of(path: str) -> tuple[int, int]:
    """The attribution cutoff (month, day) in force for the org at `path`."""
    return parse_cutoff(str(config.effective(path, "appraisal.attribution_cutoff")))


@dataclass(frozen=True)
class TalkRollupRow:
    org_id: int
    name: str
    members: int
    talks: int
    without_talk: int


ROLLUP_ROWS = 200  # branches listed by name; the totals cover all


def count_by_org(qs: QuerySet[Any]) -> dict[int, int]:
    """{org id: rows} in one grouped query."""
    return dict(qs.order_by().values_list("org_id").annotate(n=Count("pk")).values_list("org_id", "n"))


def _member_talk_counts(where: Q, year: int) -> tuple[dict[int, int], dict[int, int]]:
    """({org id: active members}, {org id: those of them who took part in no talk in `year`}): one
    grouped query over the roster joined to the year's `TalkPart` rows (a member counts where they
    are now, whichever branch their talks were recorded in)."""
    rows = (
        Member.objects.filter(where, is_active=True)
        .annotate(part=FilteredRelation("talk_parts", condition=Q(talk_parts__year=year, talk_parts__talks__gt=0)))
        .order_by()
        .values_list("org_id")
        .annotate(n=Count("pk"), talked=Count("part__pk"))
        .values_list("org_id", "n", "talked")
    )
    members: dict[int, int] = {}
    without: dict[int, int] = {}
    for org_id, n, talked in rows:
        members[org_id] = n
        if n - talked:
            without[org_id] = n - talked
    return members, without


def talk_rollup(user: Any, org: Organization, year: int) -> tuple[list[TalkRollupRow], dict[str, int]]:
    """Talks per branch below `org` — counts only, never content: how many talks, how many members
    took part in none. Three queries whatever the number of branches, none of them over the talks
    (the derived `TalkCount` rows give the talks per org, `TalkPart` who took part); the rows
    listed are the branches with the most members still without a talk."""
    where = Q(org_path__startswith=org.path) & scope_q(user, Action.VIEW)
    members, without = _member_talk_counts(where, year)
    talks = dict(TalkCount.objects.filter(where, year=year, talks__gt=0).values_list("org_id", "talks"))
    return _rollup_result(members, talks, without)


def talk_rollup_from_talks(user: Any, org: Organization, year: int) -> tuple[list[TalkRollupRow], dict[str, int]]:
    """`talk_rollup` computed from the talks themselves (the anti-joins over every participant):
    the reference the derived path must equal (tests) and the "before" figure (bench)."""
    where = Q(org_path__startswith=org.path) & scope_q(user, Action.VIEW)
    members = count_by_org(Member.objects.filter(where, is_active=True))
    talks = count_by_org(Talk.objects.filter(where, year=year))
    without = count_by_org(members_without_talk_from_talks(year).filter(where))
    return _rollup_result(members, talks, without)


def _rollup_result(
    members: dict[int, int], talks: dict[int, int], without: dict[int, int]
) -> tuple[list[TalkRollupRow], dict[str, int]]:
    worst = sorted(members, key=lambda o: (-without.get(o, 0), o))[:ROLLUP_ROWS]
    names = dict(Organization.objects.filter(pk__in=worst).values_list("pk", "name"))
    rows = [TalkRollupRow(o, names.get(o, ""), members[o], talks.get(o, 0), without.get(o, 0)) for o in worst]
    totals = {
        "branches": len(members),
        "members": sum(members.values()),
        "talks": sum(talks.values()),
        "without_talk": sum(without.values()),
        "covered_branches": sum(1 for o in members if not without.get(o)),
    }
    return rows, totals


@dataclass(frozen=True)
class TalkExportRow:
    held_on: dt.date
    talker: str
    counterparts: str
    mode: str
    occasion: str
    place: str
    content: tuple[str, str, str] | None  # topics, content, issues — None for a reader not allowed


def talk_export_rows(user: Any, org: Organization, year: int) -> list[TalkExportRow]:
    """The branch's 谈心谈话记录 for `year`: every talk listed; its content only where `user` is a
    participant or the branch secretary (the same rule as `can_read_talk`, read once per export)."""
    uid = getattr(user, "pk", None)
    secretary = uid in secretary_user_ids(org)
    rows = []
    talks = Talk.objects.filter(org=org, year=year).select_related("talker").prefetch_related("counterparts")
    for t in talks.order_by("held_on", "pk"):
        others = list(t.counterparts.all())
        allowed = secretary or uid in {t.talker.user_id, *(m.user_id for m in others)} - {None}
        rows.append(
            TalkExportRow(
                t.held_on,
                t.talker.name,
                "、".join(m.name for m in others),
                t.get_mode_display(),
                t.get_occasion_display(),
                t.place,
                ("；".join(t.topics), t.content, t.issues) if allowed else None,
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------
# Upward report figures (reports)

REPORT_FIGURES: tuple[tuple[str, str], ...] = (
    ("talks", "谈心谈话（次）"),
    ("talk_people", "谈话覆盖党员（人）"),
    ("rect_opened", "新增整改事项"),
    ("rect_closed", "整改销号"),
    ("rect_open", "期末未销号整改事项"),
)


def report_figures(paths: list[str], start: dt.date, end: dt.date) -> dict[str, dict[str, Any]]:
    """Each branch's talks held in [start, end] (and the members they reached, talker or counterpart),
    and its 整改清单: items opened, verified (销号) in the period, still open at its end. Four queries."""
    if not paths:
        return {}
    out: dict[str, dict[str, Any]] = {}

    def row(path: str) -> dict[str, Any]:
        return out.setdefault(path, dict.fromkeys((k for k, _ in REPORT_FIGURES), 0))

    talks = Talk.objects.filter(org_path__in=paths, held_on__gte=start, held_on__lte=end)
    for path, n in talks.values("org_path").order_by().annotate(n=Count("id")).values_list("org_path", "n"):
        row(path)["talks"] = n
    people: dict[str, set[int]] = {}
    for path, talker, counterpart in talks.values_list("org_path", "talker_id", "counterparts"):
        people.setdefault(path, set()).update(x for x in (talker, counterpart) if x is not None)
    for path, ids in people.items():
        row(path)["talk_people"] = len(ids)
    day_after = end + dt.timedelta(days=1)
    rects = Rectification.objects.filter(org_path__in=paths)
    open_at_end = Q(verified_at__isnull=True) | Q(verified_at__date__gte=day_after)
    for r in (
        rects.values("org_path")
        .order_by()
        .annotate(
            opened=Count("id", filter=Q(created_at__date__gte=start, created_at__date__lte=end)),
            closed=Count("id", filter=Q(verified_at__date__gte=start, verified_at__date__lte=end)),
            still=Count("id", filter=Q(created_at__date__lte=end) & open_at_end),
        )
    ):
        if r["opened"] or r["closed"] or r["still"]:
            f = row(r["org_path"])
            f["rect_opened"], f["rect_closed"], f["rect_open"] = r["opened"], r["closed"], r["still"]
    return out


def report_link(org_pk: int, start: dt.date, end: dt.date) -> str:
    """The branch's talks of the period's year."""
    return reverse("appraisal:talks", args=[org_pk, end.year])

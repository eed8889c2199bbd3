"""系统核验: what the platform's own records say about each checklist source, for many branches at
once with a fixed number of queries (about ten, whatever the number of branches).

Each probe answers, per branch, (missing units, detail in Chinese, link to the records); the rules
turn missing units into a deduction. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse

from dangjian.appraisal.models import Appraisal, AppraisalState, OrgLifeReview, Talk
from dangjian.core.paths import parent_path, subtree_q
from dangjian.dues.models import DuesDisclosure
from dangjian.members.models import Member
from dangjian.orglife.models import BranchMonth
from dangjian.orgs.models import Organization, OrgKind
from dangjian.orgs.rules import OrgFacts, check_structure
from dangjian.orgs.selectors import thresholds_for_paths
from dangjian.partyday.models import AnnualPlan, PlanState
from dangjian.points.models import PublicNotice

from .rules import quarters_elapsed


class Links:
    """URLs of one route for many ids: reversed once with a placeholder, then filled in (reversing
    a thousand links one by one costs more than every query of the prefill)."""

    MARK = 987654321
    YEAR = 8765

    def __init__(self) -> None:
        self._templates: dict[str, str] = {}

    def __call__(self, name: str, pk: int, year: int | None = None) -> str:
        template = self._templates.get(name)
        if template is None:
            args = [self.MARK] if year is None else [self.MARK, self.YEAR]
            template = self._templates[name] = reverse(name, args=args)
        if year is not None:  # the year first: a pk may contain its digits, never the other way round
            template = template.replace(f"/{self.YEAR}/", f"/{year}/", 1)
        return template.replace(str(self.MARK), str(pk), 1)


@dataclass(frozen=True)
class Probe:
    missing: int
    detail: str
    link: str = ""
    applicable: bool = True


Probes = dict[int, dict[str, Probe]]  # org id -> source -> probe


def months_elapsed(year: int, today: dt.date) -> int:
    """Whole months of `year` already over on `today` (a month still running is not yet judged)."""
    if year < today.year:
        return 12
    if year > today.year:
        return 0
    return today.month - 1


def probe_branches(orgs: Sequence[Organization], year: int, today: dt.date) -> Probes:
    """Every source's probe for each branch in `orgs` (about ten queries in all)."""
    if not orgs:
        return {}
    ids = [o.pk for o in orgs]
    paths = [o.path for o in orgs]
    months = months_elapsed(year, today)
    quarters = quarters_elapsed(months) if months == 12 else months // 3
    out: Probes = {o.pk: {} for o in orgs}

    # 党小组 per branch (one query): path prefixes of the branches.
    path_q = Q(pk__in=[])
    for p in paths:
        path_q |= subtree_q("path", p)
    by_path = {o.path: o.pk for o in orgs}
    group_sizes: dict[int, list[int]] = defaultdict(list)
    groups = list(Organization.objects.filter(path_q, kind=OrgKind.GROUP).values_list("pk", "path"))
    group_ids = [g for g, _ in groups]
    sizes = (
        dict(
            Member.objects.filter(group_id__in=group_ids, is_active=True)
            .values("group_id")
            .annotate(n=Count("id"))
            .values_list("group_id", "n")
        )
        if group_ids
        else {}
    )
    for gid, gpath in groups:
        owner = by_path.get(parent_path(gpath))
        if owner is not None:
            group_sizes[owner].append(sizes.get(gid, 0))

    # Meetings from the compliance engine's monthly roll-up (one query).
    held: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    lo, hi = year * 100 + 1, year * 100 + 12
    rows = BranchMonth.objects.filter(org_id__in=ids, month__gte=lo, month__lte=hi).values_list(
        "org_id",
        "month",
        "committee_meeting",
        "general_meeting",
        "group_meeting",
        "party_lecture",
        "party_day",
        "org_life_meeting",
    )
    kinds = ("committee_meetings", "general_meetings", "group_meetings", "party_lectures", "party_day", "org_life")
    for org_id, month, *levels in rows:
        m = month % 100
        for kind, level in zip(kinds, levels, strict=True):
            if level:
                held[org_id][kind].add(m)

    # Members and coverage by talks (three queries).
    active: dict[int, set[int]] = defaultdict(set)
    fulls: dict[int, int] = defaultdict(int)
    for org_id, mid, status in Member.objects.filter(org_id__in=ids, is_active=True).values_list(
        "org_id", "pk", "status"
    ):
        active[org_id].add(mid)
        fulls[org_id] += status == "full"
    talks = Talk.objects.filter(org_id__in=ids, year=year)
    covered: dict[int, set[int]] = defaultdict(set)
    for org_id, talker, counterpart in talks.values_list("org_id", "talker_id", "counterparts__id"):
        covered[org_id].add(talker)
        if counterpart is not None:
            covered[org_id].add(counterpart)

    disclosed: dict[int, int] = defaultdict(int)
    for org_id, on in DuesDisclosure.objects.filter(
        org_id__in=ids, month__gte=dt.date(year, 1, 1), month__lte=dt.date(year, 12, 31)
    ).values_list("org_id", "month"):
        if on.month <= months:
            disclosed[org_id] += 1
    plans = dict(AnnualPlan.objects.filter(org_id__in=ids, year=year).values_list("org_id", "status"))
    signed = set(
        Appraisal.objects.filter(org_id__in=ids, year=year, status=AppraisalState.SIGNED).values_list(
            "org_id", flat=True
        )
    )
    reviews = set(
        OrgLifeReview.objects.filter(org_id__in=ids, year=year, held_on__isnull=False).values_list("org_id", flat=True)
    )
    notices = set(PublicNotice.objects.filter(org_id__in=ids, year=year).values_list("org_id", flat=True))
    thresholds = thresholds_for_paths(paths)
    link = Links()

    for o in orgs:
        got = held.get(o.pk, {})
        p = out[o.pk]
        matrix = link("orglife:matrix", o.pk)

        def monthly(
            kind: str, label: str, applicable: bool = True, *, o_link: str = matrix, got: dict[str, set[int]] = got
        ) -> Probe:
            if not applicable:
                return Probe(0, f"{label}：不适用", o_link, applicable=False)
            n = len({m for m in got.get(kind, set()) if m <= months})
            return Probe(max(0, months - n), f"{label}：应开 {months} 个月，有记录 {n} 个月", o_link)

        def quarterly(kind: str, label: str, matrix: str = matrix, got: dict[str, set[int]] = got) -> Probe:
            qs = {(m - 1) // 3 for m in got.get(kind, set()) if m <= quarters * 3}
            return Probe(
                max(0, quarters - len(qs)), f"{label}：应开 {quarters} 个季度，有记录 {len(qs)} 个季度", matrix
            )

        p["committee_meetings"] = monthly("committee_meetings", "支委会", o.has_committee)
        p["group_meetings"] = monthly("group_meetings", "党小组会", bool(group_sizes.get(o.pk)))
        p["party_day"] = monthly("party_day", "主题党日")
        p["general_meetings"] = quarterly("general_meetings", "支部党员大会")
        p["party_lectures"] = quarterly("party_lectures", "党课")
        life = bool(got.get("org_life")) or o.pk in reviews
        p["org_life_meeting"] = Probe(
            0 if life else 1,
            "组织生活会：已召开" if life else f"组织生活会：{year}年度尚无记录",
            link("appraisal:review", o.pk, year),
        )
        plan_status = plans.get(o.pk)
        p["partyday_plan"] = Probe(
            0 if plan_status == PlanState.FILED else 1,
            f"年度主题党日计划：{PlanState(plan_status).label if plan_status else '未制定'}",
            link("partyday:plan", o.pk, year),
        )
        p["dues_disclosure"] = Probe(
            max(0, months - disclosed[o.pk]),
            f"党费公开：应公开 {months} 个月，已公开 {disclosed[o.pk]} 个月",
            link("dues:sheet", o.pk),
        )
        facts = OrgFacts(
            kind=o.kind,
            full_members=fulls.get(o.pk, 0),
            total_members=len(active[o.pk]),
            has_committee=o.has_committee,
            group_sizes=group_sizes.get(o.pk, []),
            term_started_on=o.term_started_on,
            term_years=o.term_years,
            joint=o.joint,
            temporary=o.temporary,
        )
        problems = [f for f in check_structure(facts, today, thresholds[o.path]) if f.severity != "advisory"]
        p["structure"] = Probe(
            len(problems),
            "组织设置：" + ("；".join(f.message_zh for f in problems[:3]) if problems else "未发现问题"),
            link("orgs:detail", o.pk),
        )
        uncovered = len(active[o.pk] - covered[o.pk])
        p["talks"] = Probe(
            uncovered,
            f"谈心谈话：在册党员 {len(active[o.pk])} 人，{uncovered} 人本年度尚无谈话记录",
            link("appraisal:coverage", o.pk, year),
        )
        p["appraisal"] = Probe(
            0 if o.pk in signed else 1,
            "民主评议党员：已签发" if o.pk in signed else f"民主评议党员：{year}年度尚未签发",
            link("appraisal:appraisal", o.pk, year),
        )
        p["points"] = Probe(
            0 if o.pk in notices else 1,
            "积分制：已公示" if o.pk in notices else f"积分制：{year}年度尚未公示",
            link("points:branch", o.pk),
        )
    return out

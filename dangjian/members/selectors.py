"""Reads on the roster, always scoped to the acting user."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import BooleanField, Func, Q, QuerySet, Value
from django.db.models.functions import Upper

from dangjian.core.hotquery import HotQuery
from dangjian.core.masking import mask_id_number, mask_phone, may_see_identity
from dangjian.core.memo import memoized
from dangjian.core.models import AuditEvent
from dangjian.core.paths import subtree_q, successor
from dangjian.core.scoping import Action, can, get_for_user, is_own, scope_q
from dangjian.orgs.models import Organization, OrgKind

from .excel import CODE_TO_LABEL, ERROR_HEADER, NO, YES, open_rows, write_rows
from .importer import build_org_index
from .models import ImportJob, ImportStatus, Member, MemberTransfer, TransferStatus

DIGITS_RE = re.compile(r"^[0-9Xx]{3,18}$")


def members_visible_to(user: Any, action: str = Action.VIEW) -> QuerySet[Member]:
    """Members in the user's subtrees; a member always sees their own record."""
    q = scope_q(user, action)
    if action == Action.VIEW and getattr(user, "is_authenticated", False):
        q |= Q(user_id=user.pk)
    return Member.objects.filter(q)


def own_member(user: Any) -> Member | None:
    """The signed-in user's own Member row (with its org), read once per page inside `request_memo`."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return None
    mine = Member.objects.select_related("org").filter(user_id=user.pk)
    return memoized(("own_member", user.pk), mine.first)


def get_member_for_user(user: Any, pk: int | str, action: str = Action.VIEW) -> Member:
    """A member the user may see: in their subtree, their own record, or a member who transferred
    out of one of their organizations (history stays visible to both sides). 404 otherwise."""
    viewing = action == Action.VIEW
    return get_for_user(
        Member.objects.select_related("org", "group", "user"),
        pk,
        user,
        action,
        not_found="党员不存在",
        own=(lambda m: is_own(user, m)) if viewing else None,
        also_visible=(lambda m: transferred_out_of_scope(user, m)) if viewing else None,
    )


def transferred_out_of_scope(user: Any, member: Member) -> bool:
    """Did `member` transfer out of an organization the user sees? (Both sides keep the history.)"""
    return (
        MemberTransfer.objects.filter(member_id=member.pk).filter(scope_q(user, Action.VIEW, "from_org_path")).exists()
    )


def can_see_sensitive(user: Any, member: Member) -> bool:
    """The full record (身份证号, phone, birth date, flags): the member themself, or roles that need
    them in the member's org. Everyone else sees names and posts only (`core.masking`)."""
    return may_see_identity(user, member.org_path, member.user_id)


def roster(
    user: Any,
    org_path: str,
    *,
    include_inactive: bool = False,
    filters: dict[str, Any] | None = None,
) -> QuerySet[Member]:
    """The roster of one org's subtree, as the user may see it, searched and filtered.

    Search by 身份证号 / phone digits only for users who may see those numbers in this subtree —
    otherwise the search box would let them guess the masked digits.
    """
    f = filters or {}
    qs = members_visible_to(user).filter(subtree_q("org_path", org_path))
    if not can(user, Action.VIEW_SENSITIVE, org_path):
        # A plain member sees names and posts only: filtering by status, category or the 免参 /
        # 失联 / 流动 flags would disclose what the page hides.
        f = {"q": f.get("q", ""), "group": f.get("group")}
    active = f.get("active", "all" if include_inactive else "")
    if active == "left":
        qs = qs.filter(is_active=False)
    elif active != "all":
        qs = qs.filter(is_active=True)
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if f.get("category"):
        qs = qs.filter(category=f["category"])
    if f.get("group"):
        qs = qs.filter(group_id=f["group"])
    flag = f.get("flag")
    if flag == "mobile":
        qs = qs.filter(is_mobile=True)
    elif flag == "exempt":
        qs = qs.filter(exempt=True)
    elif flag == "lost":
        qs = qs.filter(lost_contact=True)
    q = (f.get("q") or "").strip()
    if q:
        if DIGITS_RE.match(q) and can(user, Action.VIEW_SENSITIVE, org_path):
            digits = q.upper()
            qs = qs.filter(Q(id_number__endswith=digits) | Q(phone__endswith=digits) | Q(phone=digits))
        else:
            qs = qs.filter(name_contains(q, connections[qs.db].vendor))
    return qs.select_related("org", "group")


class _NamePiecesContain(Func):
    """The characters (a 1-character term) or 2-character pieces (longer terms) of `UPPER(name)`
    contain those of `UPPER(term)`, through members 0004's GIN indexes. The term's side is a
    constant the planner folds, and estimates from the indexed pieces' statistics."""

    output_field = BooleanField()

    def __init__(self, term: str) -> None:
        self.pieces = "string_to_array({}, NULL)" if len(term) == 1 else "member_name_bigrams({})"
        super().__init__(Upper("name"), Upper(Value(term)))

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, list[Any]]:
        name_sql, name_params = compiler.compile(self.source_expressions[0])
        term_sql, term_params = compiler.compile(self.source_expressions[1])
        return f"{self.pieces.format(name_sql)} @> {self.pieces.format(term_sql)}", [*name_params, *term_params]


def name_contains(term: str, vendor: str) -> Q:
    """Members whose name contains `term` (case-insensitive), as an index lookup on PostgreSQL.

    1–2 characters: the name's characters / 2-character pieces contain the term — exactly the rows
    `icontains` selects, which no trigram can serve. 3 or more: `icontains`, narrowed by the
    term's 2-character pieces. The LIKE alone could use the trigram index, but PostgreSQL estimates
    a LIKE's matches poorly (500 for a name held once among 5,000,000) and then reads a
    province's subtree in page order; the pieces' statistics tell it that the term is rare."""
    if vendor != "postgresql":
        return Q(name__icontains=term)
    if len(term) <= 2:
        return Q(_NamePiecesContain(term))
    return Q(name__icontains=term) & Q(_NamePiecesContain(term))


# The roster's two reads on every first view, compiled once per process (core/hotquery.py), over a
# subtree given as its path range [lo, hi) (`subtree_q`'s bounds).
_GROUPS_IN = HotQuery(
    Organization,
    lambda lo, hi: (
        Organization.objects.filter(path__gte=lo, path__lt=hi, kind=OrgKind.GROUP)
        .order_by("path")
        .values_list("pk", "name")
    ),
    str,
    str,
)


def groups_in(org: Organization) -> list[tuple[int, str]]:
    """党小组 of a branch for the roster filter (none above branch level: lists stay short)."""
    if org.kind != OrgKind.BRANCH:
        return []
    upper = successor(org.path)
    if upper is None:  # the last possible path: no upper bound (never met in practice)
        return list(
            Organization.objects.filter(subtree_q("path", org.path), kind=OrgKind.GROUP)
            .order_by("path")
            .values_list("pk", "name")
        )
    return _GROUPS_IN.rows(org.path, upper)


# What the roster lists, as values: no model instance per row.
ROSTER_VALUES = (
    "pk",
    "name",
    "org_id",
    "status",
    "category",
    "is_active",
    "is_mobile",
    "exempt",
    "lost_contact",
    "org__name",
    "group__name",
)
ROSTER_ORDER = ("org_path", "name", "pk")
ROSTER_FIRST = 51  # a page of 50 and one row more (core/paging.BoundedPaginator.get_page)
_ROSTER_FIRST = HotQuery(
    Member,
    lambda lo, hi: (
        Member.objects.filter(org_path__gte=lo, org_path__lt=hi, is_active=True)
        .order_by(*ROSTER_ORDER)
        .values(*ROSTER_VALUES)[:ROSTER_FIRST]
    ),
    str,
    str,
)


def roster_first_rows(user: Any, org: Organization) -> list[dict[str, Any]] | None:
    """The first `ROSTER_FIRST` rows of `roster(user, org.path)` unfiltered, in the roster's order; None
    when they must come from `roster` (the user may not VIEW `org`, or its subtree has no upper bound).

    No scope condition is needed: `members_visible_to` is the user's VIEW subtrees (or everything)
    plus their own record, and a user who may VIEW `org` holds a prefix of `org.path`, whose subtree
    contains `org`'s. So within `org`'s subtree the visible members are all of them.
    """
    upper = successor(org.path)
    if upper is None or not can(user, Action.VIEW, org.path):
        return None
    return _ROSTER_FIRST.dicts(org.path, upper)


def member_transfers(member: Member) -> QuerySet[MemberTransfer]:
    return member.transfers.select_related("from_org", "to_org", "created_by").order_by("-created_at", "-id")


def member_posts(member: Member) -> QuerySet[Any]:
    return member.posts.select_related("org").order_by("-started_on", "pk")


AUDIT_ACTION_LABELS = {
    "member.create": "登记",
    "member.update": "修改",
    "member.leave": "离册",
    "member.contact": "登记联系",
    "member.transfer_in": "组织关系转入",
}


def _field_label(attname: str) -> str:
    name = attname[:-3] if attname.endswith("_id") else attname
    try:
        return str(getattr(Member._meta.get_field(name), "verbose_name", name))
    except FieldDoesNotExist:
        return name


def member_audit_trail(user: Any, member: Member, limit: int = 50) -> list[dict[str, Any]]:
    """The member's audit events (who, when, what, which fields), for those who manage the
    member's organization."""
    if not can(user, Action.MANAGE, member.org_path):
        return []
    events = AuditEvent.objects.filter(object_type="members.Member", object_id=str(member.pk)).order_by("-id")
    out = []
    for e in events[:limit]:
        fields = []
        if e.action == "member.update" and isinstance(e.after, dict):
            before = e.before if isinstance(e.before, dict) else {}
            fields = [_field_label(k) for k, v in e.after.items() if before.get(k) != v and k != "version"]
        out.append(
            {
                "at": e.created_at,
                "actor": e.actor_label,
                "action": AUDIT_ACTION_LABELS.get(e.action, e.action),
                "fields": "、".join(fields),
            }
        )
    return out


def get_transfer_for_user(user: Any, pk: int | str) -> MemberTransfer:
    """A transfer seen from either side: the sending or the receiving organization."""
    return get_for_user(
        MemberTransfer.objects.select_related("member", "from_org", "to_org"),
        pk,
        user,
        not_found="转接记录不存在",
        path_field="from_org_path",
        also_visible=lambda t: bool(t.to_org_path) and can(user, Action.VIEW, t.to_org_path),
    )


def transfer_targets(user: Any, query: str, exclude_pk: int | None = None, limit: int = 10) -> list[tuple[int, str]]:
    """Destination branches for a transfer: organizations only, never people.

    Branches in the user's own scope match by part of their name; a branch elsewhere on the platform
    only by its full name (as written on the 介绍信), so the box cannot list every branch."""
    query = (query or "").strip()
    if len(query) < 2:
        return []
    branches = Organization.objects.filter(kind=OrgKind.BRANCH)
    qs = branches.filter(scope_q(user, Action.VIEW, "path"), name__icontains=query) | branches.filter(name=query)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return [(o.pk, o.name) for o in qs.order_by("name", "pk").only("pk", "name")[:limit]]


def import_jobs_for(user: Any) -> QuerySet[ImportJob]:
    """Import jobs the user started, plus those for organizations they manage."""
    q = scope_q(user, Action.MANAGE) | Q(user_id=getattr(user, "pk", None))
    return ImportJob.objects.filter(q).select_related("org", "user").defer("errors")


def get_import_job_for_user(user: Any, pk: int | str) -> ImportJob:
    """An import for the person who uploaded it, or for whoever manages the organization."""
    return get_for_user(
        ImportJob.objects.select_related("org", "user"),
        pk,
        user,
        Action.MANAGE,
        not_found="导入记录不存在",
        own=lambda job: is_own(user, job),
    )


def export_rows(user: Any, org: Organization, *, masked: bool) -> Iterator[tuple[Any, ...]]:
    """Rows for the roster workbook, in template column order, streamed from the database."""
    labels = build_org_index(user, org, action=Action.VIEW).label_of
    qs = (
        members_visible_to(user)
        .filter(subtree_q("org_path", org.path), is_active=True)
        .order_by("org_path", "name", "pk")
        .values_list(
            "org_id",
            "name",
            "sex",
            "ethnicity",
            "birth_date",
            "id_number",
            "phone",
            "education",
            "unit",
            "job_title",
            "joined_on",
            "converted_on",
            "status",
            "category",
            "group__name",
            "is_mobile",
            "mobile_destination",
            "mobile_contact",
            "mobile_last_contact",
            "exempt",
            "exempt_reason",
            "exempt_application",
            "exempt_approved_by",
            "exempt_on",
            "lost_contact",
            "lost_contact_since",
        )
    )
    sex, edu, status, cat = (CODE_TO_LABEL[k] for k in ("sex", "education", "status", "category"))
    for r in qs.iterator(chunk_size=2000):
        yield (
            labels.get(r[0], ""),
            r[1],
            sex.get(r[2], r[2]),
            r[3],
            None if masked else r[4],  # a birth date would rebuild a masked 身份证号
            mask_id_number(r[5]) if masked else r[5],
            mask_phone(r[6]) if masked else r[6],
            edu.get(r[7], r[7]),
            r[8],
            r[9],
            r[10],
            r[11],
            status.get(r[12], r[12]),
            cat.get(r[13], r[13]),
            r[14] or "",
            YES if r[15] else NO,
            r[16],
            r[17],
            r[18],
            YES if r[19] else NO,
            r[20],
            r[21],
            r[22],
            r[23],
            YES if r[24] else NO,
            r[25],
        )


def pending_transfers_count(user: Any) -> int:
    return pending_transfers_in(user).count()


def recent_import_jobs(user: Any, since: Any) -> QuerySet[ImportJob]:
    return (
        ImportJob.objects.filter(user_id=user.pk, updated_at__gte=since)
        .exclude(status=ImportStatus.VALIDATED)
        .select_related("org")
        .defer("errors")
        .order_by("-updated_at")
    )


def transfers_visible_to(user: Any) -> QuerySet[MemberTransfer]:
    q = scope_q(user, Action.VIEW, "from_org_path") | scope_q(user, Action.VIEW, "to_org_path")
    return MemberTransfer.objects.filter(q).select_related("member", "from_org", "to_org")


def pending_transfers_in(user: Any) -> QuerySet[MemberTransfer]:
    """Transfers waiting for one of the user's branches to accept."""
    return (
        MemberTransfer.objects.filter(status=TransferStatus.PENDING)
        .filter(scope_q(user, Action.MANAGE, "to_org_path"))
        .select_related("member", "from_org", "to_org")
    )


def branches_by_pk(pks: list[int]) -> QuerySet[Organization]:
    return Organization.objects.filter(pk__in=pks, kind=OrgKind.BRANCH)


def import_error_workbook(job: ImportJob) -> str:
    """The uploaded rows again, each with its errors in an extra column (to fix and re-upload)."""
    by_row: dict[int, list[str]] = {}
    for e in job.errors or []:
        text = f"{e['column']}：{e['message']}" if e.get("column") else e["message"]
        by_row.setdefault(int(e["row"]), []).append(text)
    with job.file.open("rb") as f:
        sheet = open_rows(f)
        try:
            headers = [h for h in sheet.headers if h != ERROR_HEADER]
            keep = [i for i, h in enumerate(sheet.headers) if h != ERROR_HEADER]

            def rows() -> Iterator[list[Any]]:
                for rownum, values in sheet.rows:
                    cells = [values[i] if i < len(values) else None for i in keep]
                    yield [*cells, "；".join(by_row.get(rownum, []))]

            path, _ = write_rows([*headers, ERROR_HEADER], rows())
        finally:
            if sheet.close is not None:
                sheet.close()
    return path

"""Writes on the organization tree. Every write is audited inside its transaction."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.findings import Finding
from dangjian.core.paths import ancestor_paths, parent_path, subtree_q
from dangjian.core.scoping import PLATFORM, Action, require, require_all, user_or_none
from dangjian.core.versioning import bump, lock

from . import selectors
from .config import get_key
from .models import ALLOWED_CHILDREN, Organization, OrgConfig, OrgKind, OrgMemberCount, OrgPost, Post, StructureFinding
from .rules import COUNTED_KINDS, default_term_years
from .selectors import THRESHOLD_KEYS, OrgStructure, org_path_columns

SWEEP_ONLY = "只有系统可以重新推导组织党员人数和结构检查结果"
REBUILD_BATCH = 2000

ORG_FIELDS = (
    "name",
    "kind",
    "joint",
    "temporary",
    "sector",
    "unit_name",
    "established_on",
    "has_committee",
    "term_started_on",
    "term_years",
)


def _check_child_kind(parent: Organization | None, kind: str) -> None:
    if parent is None:
        if kind != OrgKind.COMMITTEE:
            raise ValidationError({"kind": "顶层组织必须是党委"})
        return
    if kind not in ALLOWED_CHILDREN[parent.kind]:
        raise ValidationError({"kind": f"{parent.get_kind_display()}下不能设立{OrgKind(kind).label}"})


def org_create(
    *,
    actor: Any,
    parent: Organization | None,
    name: str,
    kind: str,
    sector: str = "other",
    joint: bool = False,
    temporary: bool = False,
    unit_name: str = "",
    established_on: dt.date | None = None,
    has_committee: bool = False,
    term_started_on: dt.date | None = None,
    term_years: int | None = None,
) -> Organization:
    """Create an organization under `parent` (None: a new top-level 党委, superuser only)."""
    if parent is None:
        require(actor, Action.ADMIN, PLATFORM, "只有系统管理员可以创建顶层党组织")
    else:
        require(actor, Action.ADMIN, parent.path, "只能在本级及下级组织中新建组织")
    _check_child_kind(parent, kind)
    org = Organization(
        name=name.strip(),
        kind=kind,
        sector=sector,
        joint=joint,
        temporary=temporary,
        unit_name=unit_name,
        established_on=established_on,
        has_committee=has_committee,
        term_started_on=term_started_on,
        term_years=term_years or default_term_years(kind, sector),
    )
    org.full_clean(exclude=["path", "depth", "numchild"])
    with transaction.atomic():
        if parent is None:
            org = Organization.objects.add_root(instance=org)
        else:
            # treebeard locks the parent row, so concurrent siblings never collide.
            org = Organization.objects.add_child(parent, instance=org)
        _refresh_findings([org.pk] + ([parent.pk] if parent is not None else []))
        audit.record(actor, "org.create", org, after=audit.snapshot(org, ORG_FIELDS))
    return org


def org_update(*, actor: Any, org: Organization, version: int, **changes: Any) -> Organization:
    """Edit an organization's attributes (not its place in the tree). `version` detects lost updates."""
    require(actor, Action.ADMIN, org.path, "无权修改该组织")
    unknown = set(changes) - set(ORG_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields: {unknown}")
    with transaction.atomic():
        current = lock(Organization.objects, org.pk, version)
        if "kind" in changes and changes["kind"] != current.kind:
            new_kind = changes["kind"]
            parent = Organization.objects.get_parent(current)
            _check_child_kind(parent, new_kind)
            child = (
                Organization.objects.filter(path__startswith=current.path, depth=current.depth + 1)
                .exclude(kind__in=ALLOWED_CHILDREN[new_kind])
                .first()
            )
            if child is not None:
                raise ValidationError(
                    {"kind": f"下级组织“{child.name}”（{child.get_kind_display()}）不能隶属于{OrgKind(new_kind).label}"}
                )
            if current.kind == OrgKind.BRANCH and current.members.exists():
                raise ValidationError({"kind": "该党支部仍有在册党员，不能改为其他组织类别，请先转接党员"})
        if "term_years" in changes and not changes["term_years"]:
            changes["term_years"] = default_term_years(
                changes.get("kind", current.kind), changes.get("sector", current.sector)
            )
        before = audit.snapshot(current, ORG_FIELDS)
        for k, v in changes.items():
            setattr(current, k, v)
        bump(current)
        current.full_clean(exclude=["path", "depth", "numchild"])
        current.save()
        parent = parent_path(current.path)
        parent_ids = list(Organization.objects.filter(path=parent).values_list("pk", flat=True)) if parent else []
        _refresh_findings([current.pk, *parent_ids])
        audit.record(actor, "org.update", current, before=before, after=audit.snapshot(current, ORG_FIELDS))
    return current


def org_move(*, actor: Any, org: Organization, new_parent: Organization) -> Organization:
    """Move a subtree under another parent and re-point every copied org path inside it."""
    require_all(actor, Action.ADMIN, [org.path, new_parent.path], "调整隶属关系需同时具有原组织和新上级组织的管理权限")
    if new_parent.path.startswith(org.path):
        raise ValidationError({"new_parent": "不能把组织移到其自身或下级组织之下"})
    _check_child_kind(new_parent, org.kind)
    with transaction.atomic():
        # Re-read both rows under lock: treebeard computes the new path from the parent's numchild.
        org = Organization.objects.select_for_update().get(pk=org.pk)
        new_parent = Organization.objects.select_for_update().get(pk=new_parent.pk)
        old_parent_path = parent_path(org.path)
        if new_parent.path == old_parent_path:
            raise ValidationError({"new_parent": f"{org.name} 已隶属于 {new_parent.name}"})
        old_path = org.path
        # The subtree's members leave these orgs' totals (the rows themselves do not change).
        counted_before = _counted_ids(ancestor_paths(old_path, include_self=False))
        Organization.objects.move(org, new_parent, pos="last-child")
        org.refresh_from_db()
        new_path = org.path
        n = len(old_path)
        for model, column in org_path_columns():
            model._default_manager.filter(**{f"{column}__startswith": old_path}).update(
                **{column: Concat(Value(new_path), Substr(column, n + 1))}
            )
        Organization.objects.filter(pk=org.pk).update(version=models.F("version") + 1)
        org.refresh_from_db()
        # Its members join the new ancestors' totals; its own orgs may now inherit other thresholds.
        _refresh_findings([*counted_before, *_counted_ids(ancestor_paths(new_path, include_self=False))])
        _refresh_subtree(new_path, timezone.localdate())
        audit.record(
            actor,
            "org.move",
            org,
            before={"path": old_path, "parent": old_parent_path},
            after={"path": new_path, "parent": new_parent.path},
        )
    return org


def post_assign(*, actor: Any, org: Organization, member: Any, post: str, started_on: dt.date | None = None) -> OrgPost:
    require(actor, Action.ADMIN, org.path, "无权任命该组织职务")
    # A 党小组 is not where members are registered: its members are those assigned to the group.
    belongs = member.group_id == org.pk if org.kind == OrgKind.GROUP else member.org_path.startswith(org.path)
    if not belongs:
        raise ValidationError({"member": f"{member.name} 不是 {org.name} 的党员"})
    with transaction.atomic():
        current = OrgPost.objects.select_for_update().filter(org=org, ended_on__isnull=True)
        if current.filter(member=member, post=post).exists():
            raise ValidationError({"post": f"{member.name} 已担任该职务"})
        if post == Post.SECRETARY and current.filter(post=Post.SECRETARY).exists():
            raise ValidationError({"post": f"{org.name} 已有在任书记，请先办理原书记离任"})
        p = OrgPost(org=org, member=member, post=post, started_on=started_on)
        p.full_clean()
        p.save()
        audit.record(actor, "org.post_assign", p, org_path=org.path, after=audit.snapshot(p))
    return p


def post_end(*, actor: Any, post: OrgPost, ended_on: dt.date) -> OrgPost:
    require(actor, Action.ADMIN, post.org.path, "无权变更该组织职务")
    if post.started_on and ended_on < post.started_on:
        raise ValidationError({"ended_on": "离任日期不能早于任职日期"})
    with transaction.atomic():
        before = audit.snapshot(post)
        post.ended_on = ended_on
        post.save(update_fields=["ended_on"])
        audit.record(actor, "org.post_end", post, org_path=post.org.path, before=before, after=audit.snapshot(post))
    return post


def config_set(*, actor: Any, org: Organization, key: str, raw_value: Any) -> Any:
    """Set a local-practice value for `org`'s subtree (admins of that org only)."""
    require(actor, Action.ADMIN, org.path, "无权修改该组织的配置")
    ck = get_key(key)
    value = ck.parse(raw_value)
    with transaction.atomic():
        row = OrgConfig.objects.select_for_update().filter(org=org, key=key).first()
        before = {"value": row.value} if row else None
        if row is None:
            row = OrgConfig.objects.create(org=org, key=key, value=value, updated_by=user_or_none(actor))
        else:
            row.value = value
            row.updated_by = user_or_none(actor)
            row.save(update_fields=["value", "updated_by", "updated_at"])
        audit.record(actor, "org.config_set", row, org_path=org.path, before=before, after={"key": key, "value": value})
        if key in THRESHOLD_KEYS:
            _refresh_subtree_later(org)
    return value


def config_clear(*, actor: Any, org: Organization, key: str) -> None:
    """Remove `org`'s own setting so the inherited value applies again."""
    require(actor, Action.ADMIN, org.path, "无权修改该组织的配置")
    with transaction.atomic():
        row = OrgConfig.objects.filter(org=org, key=key).first()
        if row is not None:
            audit.record(actor, "org.config_clear", row, org_path=org.path, before={"key": key, "value": row.value})
            row.delete()
            if key in THRESHOLD_KEYS:
                _refresh_subtree_later(org)


# --- derived data: member counts and structure findings ----------------------------------------


def member_counts_follow(org_ids: Iterable[int | None]) -> None:
    """Re-derive the member counts of these orgs (the 党支部 and 党小组 a roster write touched), under
    their rows' locks, then the findings of the orgs whose rules read them (the 党支部/党总支 at or
    above them). Called by the members services inside their transaction, after the member rows
    are written; it takes no actor and changes only derived rows."""
    ids = sorted({i for i in org_ids if i})
    if not ids:
        return
    _recount(ids)
    paths = list(Organization.objects.filter(pk__in=ids).values_list("path", flat=True))
    _refresh_findings(_counted_ids({a for p in paths for a in ancestor_paths(p)}))


def structure_rebuild(
    *, actor: Any, root_path: str = "", today: dt.date | None = None, self_only: bool = False
) -> dict[str, int]:
    """Re-derive the member counts of a subtree (every tree when `root_path` is "") from the members,
    then recompute its structure findings (`self_only`: of the org at `root_path` alone). For data
    written before the tables existed or bulk-loaded without the services, and daily (the term
    findings move with the date). Idempotent: rows already right are not written."""
    require(actor, Action.ADMIN, PLATFORM, SWEEP_ONLY)
    today = today or timezone.localdate()
    roots = [root_path] if root_path else list(Organization.objects.get_root_nodes().values_list("path", flat=True))
    totals = {"orgs": 0, "counts_changed": 0, "findings_changed": 0}
    for path in roots:
        orgs = (
            Organization.objects.filter(path=path)
            if self_only
            else Organization.objects.filter(subtree_q("path", path))
        )
        ids = orgs.values("id")
        actual = selectors.member_counts_actual(ids)
        stored = selectors.member_counts_stored(ids)
        # An org without members needs no row; a row that disagrees with the members is re-derived.
        wrong = sorted(pk for pk, got in actual.items() if stored.get(pk, (got[0], 0, 0, 0)) != got)
        for i in range(0, len(wrong), REBUILD_BATCH):
            with transaction.atomic():
                totals["counts_changed"] += _recount(wrong[i : i + REBUILD_BATCH])
        if self_only:
            with transaction.atomic():
                totals["findings_changed"] += _refresh_findings(list(actual), today)
        else:
            totals["findings_changed"] += _refresh_subtree(path, today)
        totals["orgs"] += len(actual)
    return totals


def _counted_ids(paths: Iterable[str]) -> list[int]:
    """The 党支部/党总支 among the orgs at these paths (those whose findings read member counts)."""
    return list(Organization.objects.filter(path__in=set(paths), kind__in=COUNTED_KINDS).values_list("pk", flat=True))


def _recount(ids: list[int]) -> int:
    """Re-derive these orgs' `OrgMemberCount` rows: created if missing, locked (in id order, so two
    writers never deadlock), then counted — a concurrent roster write either committed first (and is
    counted) or waits on the lock and counts again. Returns how many rows changed."""
    actual = selectors.member_counts_actual(ids)
    OrgMemberCount.objects.bulk_create(
        [OrgMemberCount(org_id=pk, org_path=actual[pk][0]) for pk in ids if pk in actual], ignore_conflicts=True
    )
    rows = list(OrgMemberCount.objects.select_for_update().filter(org_id__in=ids).order_by("org_id"))
    actual = selectors.member_counts_actual(ids)  # again, under the locks
    changed = []
    for r in rows:
        got = actual.get(r.org_id)
        if got is not None and (r.org_path, r.total, r.full, r.grouped) != got:
            r.org_path, r.total, r.full, r.grouped = got
            changed.append(r)
    OrgMemberCount.objects.bulk_update(changed, ["org_path", "total", "full", "grouped"], batch_size=500)
    return len(changed)


def _refresh_findings(org_ids: Iterable[int], today: dt.date | None = None) -> int:
    """Recompute the stored findings of these orgs (the ones a structure write touched)."""
    ids = sorted(set(org_ids))
    if not ids:
        return 0
    _lock_orgs(Organization.objects.filter(pk__in=ids))
    structures = selectors.structures_of(ids, today or timezone.localdate())
    return _store_findings(structures, StructureFinding.objects.filter(org_id__in=ids))


def _lock_orgs(orgs: Any) -> None:
    """Lock the org rows whose findings are rewritten (in id order): two writers recomputing the same
    org's findings run one after the other, the second reading the first's committed counts."""
    list(orgs.select_for_update().order_by("pk").values_list("pk", flat=True))


def _refresh_subtree(root_path: str, today: dt.date) -> int:
    """Recompute a subtree's findings without locking it: compare, then re-derive only the orgs
    whose stored rows differ, under their locks (usually a handful a day; all of them at first)."""
    have: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in (
        selectors.findings_in(root_path)
        .order_by("org_id", "position")
        .values_list("org_id", "org_path", "code", "severity", "message", "data")
    ):
        have[row[0]].append(row[1:])
    stale = []
    for s in selectors.subtree_structure(root_path, today):
        if have.pop(s.org.id, []) != [_stored_values(s.org.path, f) for f in s.findings]:
            stale.append(s.org.id)
    stale = sorted([*stale, *have])  # `have` now holds orgs with rows but no findings
    written = 0
    for i in range(0, len(stale), REBUILD_BATCH):
        with transaction.atomic():  # one batch's org locks at a time
            written += _refresh_findings(stale[i : i + REBUILD_BATCH], today)
    return written


def _stored_values(path: str, f: Finding) -> tuple[Any, ...]:
    """A finding as its `StructureFinding` row holds it: (org_path, code, severity, message, data)."""
    data = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in f.data.items()}
    return (path, f.code, str(f.severity), f.message_zh, data)


def _refresh_subtree_later(org: Organization) -> None:
    """After a threshold changes at `org`: its own findings now, each child's subtree on the task
    queue once the change commits (one job per child, so workers share a large subtree)."""
    from .tasks import structure_refresh

    _refresh_findings([org.pk])
    children = list(selectors.children_of(org).exclude(kind=OrgKind.GROUP).values_list("path", flat=True))
    transaction.on_commit(lambda: [structure_refresh.enqueue(root_path=p, today_iso="") for p in children])


def _store_findings(structures: list[OrgStructure], existing: Any) -> int:
    """Make the stored findings of `existing`'s scope equal `structures`' findings: rows already
    right are kept, changed rows updated, new ones inserted, stale ones deleted. Returns the
    number of rows written."""
    have = {(r.org_id, r.position): r for r in existing.order_by()}
    create: list[StructureFinding] = []
    update: list[StructureFinding] = []
    for s in structures:
        for position, f in enumerate(s.findings):
            values = _stored_values(s.org.path, f)
            row = have.pop((s.org.id, position), None)
            if row is None:
                path, code, severity, message, data = values
                create.append(
                    StructureFinding(
                        org_id=s.org.id,
                        org_path=path,
                        position=position,
                        code=code,
                        severity=severity,
                        message=message,
                        data=data,
                    )
                )
            elif (row.org_path, row.code, row.severity, row.message, row.data) != values:
                row.org_path, row.code, row.severity, row.message, row.data = values
                update.append(row)
    if have:
        StructureFinding.objects.filter(pk__in=[r.pk for r in have.values()]).delete()
    StructureFinding.objects.bulk_create(create, batch_size=2000)
    StructureFinding.objects.bulk_update(update, ["org_path", "code", "severity", "message", "data"], batch_size=500)
    return len(create) + len(update) + len(have)

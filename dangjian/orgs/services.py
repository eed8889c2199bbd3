"""Writes on the organization tree. Every write is audited inside its transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr

from dangjian.core import audit
from dangjian.core.paths import parent_path
from dangjian.core.scoping import PLATFORM, Action, require, require_all, user_or_none
from dangjian.core.versioning import bump, lock

from .config import get_key
from .models import ALLOWED_CHILDREN, Organization, OrgConfig, OrgKind, OrgPost, Post
from .rules import default_term_years
from .selectors import org_path_columns

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
    return value


def config_clear(*, actor: Any, org: Organization, key: str) -> None:
    """Remove `org`'s own setting so the inherited value applies again."""
    require(actor, Action.ADMIN, org.path, "无权修改该组织的配置")
    with transaction.atomic():
        row = OrgConfig.objects.filter(org=org, key=key).first()
        if row is not None:
            audit.record(actor, "org.config_clear", row, org_path=org.path, before={"key": key, "value": row.value})
            row.delete()

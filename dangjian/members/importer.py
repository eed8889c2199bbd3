"""Validation of an uploaded roster workbook, row by row, with the member form.

Reads everything it needs from the database up front (the organizations in scope, their 党小组, the
members already registered under the file's 身份证号), so validating 10,000 rows costs a fixed
handful of queries. Writing is the service's job (`services.import_job_run`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from dangjian.core.paths import is_within, parent_path, subtree_q
from dangjian.core.scoping import Action, scope_prefixes
from dangjian.orgs.models import Organization, OrgKind

from .excel import (
    BOOL_FIELDS,
    CHOICE_FIELDS,
    EXCEL_SAFE_TYPES,
    FIELD_TO_HEADER,
    LABEL_TO_CODE,
    NO,
    YES,
    cell_to_text,
    open_rows,
)
from .forms import BulkMemberForms, PrebuiltGroupField
from .models import Member
from .rules import ID_CONFLICT_MESSAGE, normalize_id_number

LOOKUP_CHUNK = 900  # below SQLite's bound-parameter limit


@dataclass
class OrgIndex:
    """The branches a user may import into under one organization, addressable by label."""

    root: Organization
    by_label: dict[str, Organization] = field(default_factory=dict)
    ambiguous: set[str] = field(default_factory=set)
    labels: list[str] = field(default_factory=list)  # preferred label per branch, in tree order
    label_of: dict[int, str] = field(default_factory=dict)
    groups: dict[int, dict[str, Organization]] = field(default_factory=dict)  # branch pk -> {pk: group}
    group_pk_by_name: dict[int, dict[str, str]] = field(default_factory=dict)
    manage_prefixes: list[str] | None = None

    def resolve(self, label: str) -> tuple[Organization | None, str | None]:
        label = (label or "").strip()
        if not label:
            if self.root.kind == OrgKind.BRANCH and self.root.pk in self.label_of:
                return self.root, None
            return None, "请填写所在党组织（党支部名称）"
        if label in self.ambiguous:
            return None, f"组织名称“{label}”不唯一，请填写完整名称（上级组织/党支部）"
        org = self.by_label.get(label)
        if org is None:
            return None, f"所在党组织“{label}”不存在或不在您的管理范围内"
        return org, None

    def can_manage(self, path: str) -> bool:
        return self.manage_prefixes is None or is_within(path, self.manage_prefixes)


def build_org_index(user: Any, root: Organization, action: str = Action.MANAGE) -> OrgIndex:
    """One query for the subtree's organizations; labels are the branch name where unique within the
    subtree, else the chain of names below `root` joined by "/". Only branches where the user may
    do `action` are addressable."""
    manage = scope_prefixes(user, action)
    index = OrgIndex(root=root, manage_prefixes=manage)
    orgs = list(
        Organization.objects.filter(subtree_q("path", root.path))
        .only("pk", "path", "name", "kind", "depth")
        .order_by("path")
    )
    name_by_path = {o.path: o.name for o in orgs}
    branches = [o for o in orgs if o.kind == OrgKind.BRANCH and index.can_manage(o.path)]
    counts: dict[str, int] = {}
    for b in branches:
        counts[b.name] = counts.get(b.name, 0) + 1

    def full_label(o: Organization) -> str:
        parts = []
        p = o.path
        while len(p) > len(root.path):
            parts.append(name_by_path.get(p, ""))
            p = parent_path(p)
        parts.reverse()
        return "/".join(parts) if parts else o.name

    for b in branches:
        full = full_label(b)
        index.by_label[full] = b
        if counts[b.name] == 1:
            index.by_label[b.name] = b
            preferred = b.name
        else:
            index.ambiguous.add(b.name)
            preferred = full
        index.labels.append(preferred)
        index.label_of[b.pk] = preferred
        index.groups[b.pk] = {}
        index.group_pk_by_name[b.pk] = {}
    branch_by_path = {b.path: b for b in branches}
    for g in orgs:
        if g.kind != OrgKind.GROUP:
            continue
        b = branch_by_path.get(parent_path(g.path))
        if b is None:
            continue
        index.groups[b.pk][str(g.pk)] = g
        index.group_pk_by_name[b.pk].setdefault(g.name, str(g.pk))
    return index


@dataclass
class GoodRow:
    row: int
    member: Member  # validated instance (unsaved); for updates, carries the new values
    existing: Member | None = None


@dataclass
class Outcome:
    total: int = 0
    good: list[GoodRow] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)
    # Rows whose 身份证号 is registered outside the user's scope (rate-limited, audited by the service).
    id_conflicts: int = 0

    def add_error(self, row: int, column: str, message: str) -> None:
        self.errors.append({"row": row, "column": column, "message": message})
        self.bad_rows.add(row)


def _convert(field_name: str, value: Any) -> tuple[Any, str | None]:
    """A cell value in the form's terms; or an error message."""
    text = cell_to_text(value)
    if field_name in BOOL_FIELDS:
        if text in ("", NO):
            return False, None
        if text == YES:
            return True, None
        return None, f"应填写“{YES}”或“{NO}”"
    if field_name in CHOICE_FIELDS:
        if text == "":
            return "", None
        code = LABEL_TO_CODE[field_name].get(str(text))
        if code is None:
            allowed = "、".join(label for _, label in CHOICE_FIELDS[field_name])
            return None, f"“{text}”不是有效选项，应为：{allowed}"
        return code, None
    return text, None


def validate_workbook(
    f: Any,
    *,
    user: Any,
    org: Organization,
    progress: Callable[[int, int], None] | None = None,
    today: dt.date | None = None,
) -> Outcome:
    """Validate every row. Raises ValidationError for a file that cannot be read as a roster."""
    index = build_org_index(user, org)
    sheet = open_rows(f)
    try:
        if sheet.missing:
            raise ValidationError(f"缺少必需的列：{'、'.join(sheet.missing)}。请使用下载的模板，不要修改表头")
        max_rows = settings.DANGJIAN_MAX_IMPORT_ROWS
        if sheet.total > max_rows:
            raise ValidationError(f"文件行数过多（{sheet.total} 行），单次最多导入 {max_rows} 行，请分批导入")
        out = Outcome(total=sheet.total)
        first_row_of: dict[str, int] = {}
        forms_ = BulkMemberForms()
        group_fields = {pk: PrebuiltGroupField(g, label="党小组") for pk, g in index.groups.items()}
        no_groups = PrebuiltGroupField({}, label="党小组")
        columns = sheet.columns
        headers = sheet.headers
        mapped = [(i, f) for i, f in enumerate(columns) if f is not None]
        count = 0
        for rownum, values in sheet.rows:
            count += 1
            if count > max_rows:
                raise ValidationError(f"文件行数过多，单次最多导入 {max_rows} 行，请分批导入")
            _validate_row(rownum, values, mapped, headers, index, out, first_row_of, forms_, group_fields, no_groups)
            if progress is not None and count % 250 == 0:
                progress(count, max(out.total, count))
        out.total = count
        if progress is not None:
            progress(count, count)
    finally:
        if sheet.close is not None:
            sheet.close()
    _match_existing(out, index)
    return out


def _validate_row(
    rownum: int,
    values: tuple[Any, ...],
    mapped: list[tuple[int, str]],
    headers: list[str],
    index: OrgIndex,
    out: Outcome,
    first_row_of: dict[str, int],
    forms_: BulkMemberForms,
    group_fields: dict[int, PrebuiltGroupField],
    no_groups: PrebuiltGroupField,
) -> None:
    # Formulas anywhere in the row (also in columns we ignore) make the row unusable.
    for i, v in enumerate(values):
        if v is None:
            continue
        if not isinstance(v, EXCEL_SAFE_TYPES) or (isinstance(v, str) and v.startswith("=")):
            column = headers[i] if i < len(headers) and headers[i] else f"第{i + 1}列"
            out.add_error(rownum, column, "不允许使用公式，请填写数值本身")
    if rownum in out.bad_rows:
        return
    data: dict[str, Any] = {}
    branch: Organization | None = None
    org_label = ""
    for i, field_name in mapped:
        v = values[i] if i < len(values) else None
        if field_name == "org":
            org_label = str(cell_to_text(v))
            continue
        converted, err = _convert(field_name, v)
        if err:
            out.add_error(rownum, FIELD_TO_HEADER[field_name], err)
        else:
            data[field_name] = converted
    branch, org_err = index.resolve(org_label)
    if org_err:
        out.add_error(rownum, FIELD_TO_HEADER["org"], org_err)
    group_field = no_groups
    if branch is not None:
        group_field = group_fields.get(branch.pk, no_groups)
        group_name = str(data.get("group") or "")
        if group_name:
            data["group"] = index.group_pk_by_name[branch.pk].get(group_name, group_name)
    else:
        data["group"] = ""
    form = forms_.form(data, branch=branch, group_field=group_field)
    valid = form.is_valid()
    if not valid:
        for field_name, errs in form.errors.items():
            column = FIELD_TO_HEADER.get(field_name, "")
            for message in errs:
                out.add_error(rownum, column, str(message))
    id_number = form.cleaned_data.get("id_number") if "id_number" not in form.errors else None
    if id_number:
        first = first_row_of.get(id_number)
        if first is not None:
            out.add_error(rownum, FIELD_TO_HEADER["id_number"], f"身份证号与第 {first} 行重复")
            return
        first_row_of[id_number] = rownum
    if valid and branch is not None and rownum not in out.bad_rows:
        member = form.instance
        member.org = branch
        member.org_path = branch.path
        out.good.append(GoodRow(row=rownum, member=member))


def _match_existing(out: Outcome, index: OrgIndex) -> None:
    """Rows whose 身份证号 is already registered become updates — when the user may manage that
    member and the row keeps them in the same branch; otherwise the row is an error."""
    if not out.good:
        return
    ids = [g.member.id_number for g in out.good]
    existing: dict[str, Member] = {}
    for start in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[start : start + LOOKUP_CHUNK]
        for m in Member.objects.filter(id_number__in=chunk):
            existing[m.id_number] = m
    if not existing:
        return
    header = FIELD_TO_HEADER["id_number"]
    kept: list[GoodRow] = []
    for g in out.good:
        current = existing.get(normalize_id_number(g.member.id_number))
        if current is None:
            kept.append(g)
            continue
        if not index.can_manage(current.org_path):
            # One neutral message: confirming "registered elsewhere" made the import an existence oracle.
            out.add_error(g.row, header, ID_CONFLICT_MESSAGE)
            out.id_conflicts += 1
        elif not current.is_active:
            out.add_error(g.row, header, "该身份证号对应的党员已离册，不能通过导入恢复")
        elif current.org_id != g.member.org.pk:
            label = index.label_of.get(current.org_id, "其他党支部")
            out.add_error(g.row, FIELD_TO_HEADER["org"], f"该党员已登记在“{label}”，调整所在党支部请办理组织关系转接")
        else:
            g.existing = current
            kept.append(g)
    out.good = kept

"""The compliance matrix's table body, rendered in one pass (issue 18).

A matrix page holds up to 30 rows of 12 cells; rendered cell by cell through template nodes it cost
more than the roll-up that fills it. `{% matrix_body mx end %}` writes each row as one string: the
links are reversed once per page, every value that comes from the records is escaped.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dangjian.core.views_util import PkUrl

from ..selectors import Matrix

register = template.Library()

_NOT_DUE = '<td><span class="cell none" title="未到期">·</span></td>'
_MARKS = {"green": "✓", "yellow": "!"}  # anything else that is due: ✗
_PK, _MONTH = 987654321, 200001  # URL sentinels that share no run of digits


@register.simple_tag
def matrix_body(mx: Matrix, end: str) -> SafeString:
    """The rows of the matrix: a branch links its meetings and each due cell its month's findings;
    a committee links its own matrix (kept at `end`) and shows per month the share of its branches
    fully compliant."""
    if not mx.rows:
        return mark_safe('<tr><td colspan="13" class="muted">没有下级组织。</td></tr>')
    meetings, matrix = PkUrl("orglife:org_meetings"), PkUrl("orglife:matrix")
    cell = reverse("orglife:branch_month", args=[_PK, _MONTH])
    cell_head, _, cell_tail = cell.partition(str(_PK))
    month_head, _, month_tail = cell_tail.partition(str(_MONTH))
    end_q = "?end=" + escape(end)
    texts: dict[str, str] = {}  # the same summary recurs across rows and months: escape it once
    out: list[str] = []
    for row in mx.rows:
        pk, name = row.org.pk, escape(row.org.name)
        if row.is_branch:
            parts = [f'<tr data-org="{pk}"><th class="wrap"><a href="{meetings.for_pk(pk)}">{name}</a></th>']
            base = f"{cell_head}{pk}{month_head}"
            for month, colour, text in row.cells:
                if colour == "none":
                    parts.append(_NOT_DUE)
                    continue
                title = texts.get(text) or texts.setdefault(text, escape(text))
                parts.append(
                    f'<td><a class="cell {colour}" data-month="{month}" href="{base}{month}{month_tail}"'
                    f' title="{title}">{_MARKS.get(colour, "✗")}</a></td>'
                )
        else:
            link = f"{matrix.for_pk(pk)}{end_q}"
            parts = [
                f'<tr data-org="{pk}"><th class="wrap"><a href="{link}">{name}</a>'
                f'<div class="muted">{row.branches} 个支部</div></th>'
            ]
            for month, colour, text in row.cells:
                share = row.shares.get(month, "")
                if not share:
                    parts.append(_NOT_DUE)
                    continue
                title = texts.get(text) or texts.setdefault(text, escape(text))
                share = escape(share)
                parts.append(
                    f'<td><a class="cell share {colour}" data-month="{month}" href="{link}" title="{title}"'
                    f' aria-label="{share} 个党支部按时完整">{share}</a></td>'
                )
        parts.append("</tr>\n")
        out.append("".join(parts))
    return mark_safe("".join(out))

"""Hot queries: the few fixed-shape reads every page makes, their SQL built by the ORM once per process.

Building a queryset and compiling it to SQL costs ~0.3 ms of CPU each time; running it costs
~0.02 ms. The session, the user, their role paths and the unread count are read on every page
(issue 18), so each is declared once as a `HotQuery`: a function from placeholder arguments to a
queryset. On first use per database the queryset is compiled with marker values in place of the
arguments; each call then binds the real values into the same SQL, runs it on the database the
router picks, and converts the rows as the ORM would (the compiler's converters), so results are
identical to running the queryset itself. Only `int` and `str` arguments compared by equality are
supported -- a marker that the ORM transforms (a range, a datetime) is refused when compiling.

On PostgreSQL the statement runs on a server-binding cursor (`core.prepared`): the server plans it
once per connection as well, instead of on every page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ValuesIterable, get_related_populators  # type: ignore[attr-defined]

from dangjian.core.prepared import prepared_cursor

M = TypeVar("M", bound=Model)

_INT_MARK = -(2**40)  # ids are positive: no real value collides with a marker


class _Slot(int):
    """The position of a call argument in the compiled parameters."""


def _marks(kinds: Sequence[type]) -> list[int | str]:
    return [_INT_MARK - i if kind is int else f"\x00hot-arg-{i}\x00" for i, kind in enumerate(kinds)]


@dataclass(frozen=True)
class _Compiled:
    sql: str  # "" when the query can match nothing (the ORM raised EmptyResultSet)
    params: tuple[Any, ...]  # constants, or _Slot(i): the i-th call argument
    width: int | None  # trim rows to this many columns (ordering columns added to the select)
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]  # (column, functions, expression)
    attnames: tuple[str, ...] | None  # model rows: the model fields in select order
    span: tuple[int, int]  # model rows: their columns
    populators: tuple[Any, ...]  # model rows: Django's RelatedPopulator per select_related model
    names: tuple[str, ...] = ()  # `values()` rows: the dict keys in select order, as ValuesIterable names them


def _convert(rows: list[Any], compiled: _Compiled, connection: Any) -> list[tuple[Any, ...]]:
    """What `SQLCompiler.apply_converters` does to the rows of a query, with the stored converters."""
    if compiled.width is not None:
        rows = [row[: compiled.width] for row in rows]
    if not compiled.converters:
        return [tuple(row) for row in rows]
    out = []
    for row in rows:
        values = list(row)
        for pos, functions, expression in compiled.converters:
            value = values[pos]
            for fn in functions:
                value = fn(value, expression, connection)
            values[pos] = value
        out.append(tuple(values))
    return out


class HotQuery(Generic[M]):
    """`HotQuery(Model, build, int)`: `build(user_id)` returns the queryset; `.rows(user_id)` the
    converted rows (tuples, as `values_list` gives), `.dicts(user_id)` those of a `values()` queryset as
    dicts, `.objects(user_id)` model instances (a model
    queryset, `select_related` allowed, no annotations)."""

    def __init__(self, model: type[M], build: Callable[..., QuerySet[Any]], *kinds: type) -> None:
        if any(kind not in (int, str) for kind in kinds):
            raise TypeError("HotQuery arguments must be int or str")
        self.model = model
        self.build = build
        self.kinds = kinds
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, alias: str) -> _Compiled:
        marks = _marks(self.kinds)
        qs = self.build(*marks)
        compiler = qs.query.get_compiler(using=alias)
        try:
            sql, raw_params = compiler.as_sql()
        except EmptyResultSet:
            if int in self.kinds and self._matches_for_plain_values(alias):
                # Django drops a comparison with an int outside the field's range (a 32-bit field): the marker.
                raise ValueError("HotQuery int argument(s) must be compared with 64-bit fields") from None
            return _Compiled("", (), None, (), None, (0, 0), ())
        params: list[Any] = []
        found: set[int] = set()
        for p in raw_params:
            if p in marks and type(p) is type(marks[marks.index(p)]):
                i = marks.index(p)
                params.append(_Slot(i))
                found.add(i)
            else:
                params.append(p)
        missing = [i for i in range(len(marks)) if i not in found]
        if missing:
            raise ValueError(f"HotQuery argument(s) {missing} are not plain query parameters")
        attnames: tuple[str, ...] | None = None
        span, populators = (0, 0), ()
        if compiler.klass_info is not None and not qs.query.values_select and not qs.query.annotation_select:
            start, end = compiler.klass_info["select_fields"][0], compiler.klass_info["select_fields"][-1] + 1
            attnames = tuple(col.target.attname for col, _, _ in compiler.select[start:end])
            span = (start, end)
            populators = tuple(get_related_populators(compiler.klass_info, compiler.select, alias))
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        if compiler.has_composite_fields(fields):
            raise TypeError("HotQuery does not handle composite fields")
        converters = tuple((pos, tuple(fns), expr) for pos, (fns, expr) in compiler.get_converters(fields).items())
        width = compiler.col_count if compiler.has_extra_select else None
        names: tuple[str, ...] = ()
        if issubclass(qs._iterable_class, ValuesIterable):
            query = qs.query
            names = tuple(query.selected or (*query.extra_select, *query.values_select, *query.annotation_select))
        return _Compiled(sql, tuple(params), width, converters, attnames, span, populators, names)

    def _matches_for_plain_values(self, alias: str) -> bool:
        """Does the query compile with small values in place of the markers (it can match something)?"""
        try:
            self.build(*(1 if kind is int else "" for kind in self.kinds)).query.get_compiler(using=alias).as_sql()
        except EmptyResultSet:
            return False
        return True

    def _run(self, args: tuple[Any, ...]) -> tuple[str, _Compiled, list[tuple[Any, ...]]]:
        if len(args) != len(self.kinds) or any(type(a) is not k for a, k in zip(args, self.kinds, strict=True)):
            raise TypeError(f"HotQuery expects arguments of types {self.kinds}")
        alias = router.db_for_read(self.model) or "default"
        compiled = self._compiled.get(alias)
        if compiled is None:
            compiled = self._compiled[alias] = self._compile(alias)
        if not compiled.sql:
            return alias, compiled, []
        params = [args[p] if isinstance(p, _Slot) else p for p in compiled.params]
        connection = connections[alias]
        with prepared_cursor(connection) as cursor:  # planned once per connection on PostgreSQL
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return alias, compiled, _convert(rows, compiled, connection) if rows else []

    def rows(self, *args: Any) -> list[tuple[Any, ...]]:
        return self._run(args)[2]

    def dicts(self, *args: Any) -> list[dict[str, Any]]:
        """The rows as dicts, as a `values(...)` queryset gives them."""
        _, compiled, rows = self._run(args)
        if not compiled.names and compiled.sql:  # (a query that matches nothing has no names: [] is right)
            raise TypeError("HotQuery.dicts needs a values() queryset")
        return [dict(zip(compiled.names, row, strict=True)) for row in rows]

    def objects(self, *args: Any) -> list[M]:
        alias, compiled, rows = self._run(args)
        if compiled.attnames is None:
            raise TypeError("HotQuery.objects needs a plain model queryset")
        names, (start, end) = list(compiled.attnames), compiled.span
        out = []
        for row in rows:  # as Django's ModelIterable builds them
            obj = self.model.from_db(alias, names, row[start:end])
            for populator in compiled.populators:
                populator.populate(row, obj)
            out.append(obj)
        return out

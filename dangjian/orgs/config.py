"""Per-organization configuration for local practice (domain-rules marks these [P] or UNVERIFIED).

Apps declare keys with `register(...)` in their AppConfig.ready(); the default is the value from
shared/reference/domain-rules.md. An organization's setting applies to its whole subtree unless a
lower organization overrides it; the nearest ancestor wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from dangjian.core.paths import ancestor_paths

from .models import OrgConfig


@dataclass(frozen=True)
class ConfigKey:
    key: str
    label: str
    default: Any
    kind: str = "int"  # int | bool | str | choice
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    min_value: int | None = None
    max_value: int | None = None

    def parse(self, raw: Any) -> Any:
        """Turn form input into a stored value, or raise ValidationError in Chinese."""
        if self.kind == "int":
            try:
                value = int(str(raw).strip())
            except (TypeError, ValueError) as exc:
                raise ValidationError(f"“{self.label}”应为整数") from exc
            if self.min_value is not None and value < self.min_value:
                raise ValidationError(f"“{self.label}”不能小于 {self.min_value}")
            if self.max_value is not None and value > self.max_value:
                raise ValidationError(f"“{self.label}”不能大于 {self.max_value}")
            return value
        if self.kind == "bool":
            return str(raw).strip().lower() in {"1", "true", "on", "yes", "是"}
        if self.kind == "choice":
            if raw not in {c for c, _ in self.choices}:
                raise ValidationError(f"“{self.label}”的取值无效")
            return raw
        return str(raw).strip()

    def display(self, value: Any) -> str:
        if self.kind == "bool":
            return "是" if value else "否"
        if self.kind == "choice":
            return dict(self.choices).get(value, str(value))
        return str(value)


_REGISTRY: dict[str, ConfigKey] = {}


def register(key: str, label: str, default: Any, **kwargs: Any) -> ConfigKey:
    ck = ConfigKey(key=key, label=label, default=default, **kwargs)
    _REGISTRY[key] = ck
    return ck


def registered() -> list[ConfigKey]:
    return sorted(_REGISTRY.values(), key=lambda k: k.key)


def get_key(key: str) -> ConfigKey:
    try:
        return _REGISTRY[key]
    except KeyError as exc:
        raise KeyError(f"unregistered config key {key!r}") from exc


def effective(path: str, key: str) -> Any:
    """The value in force for the org at `path`: nearest ancestor's setting, else the default."""
    ck = get_key(key)
    rows = dict(OrgConfig.objects.filter(org__path__in=ancestor_paths(path), key=key).values_list("org__path", "value"))
    for p in reversed(ancestor_paths(path)):
        if p in rows:
            return rows[p]
    return ck.default


def effective_for_paths(paths: list[str], key: str) -> dict[str, Any]:
    """`effective` for many orgs with one query (settings rows are few; orgs may be thousands)."""
    return effective_for_paths_keys(paths, [key])[key]


def effective_for_paths_keys(paths: list[str], keys: list[str]) -> dict[str, dict[str, Any]]:
    """`effective_for_paths` for several keys with one query: {key: {path: value}}."""
    rows: dict[str, list[tuple[str, Any]]] = {k: [] for k in keys}
    for k, p, v in OrgConfig.objects.filter(key__in=keys).values_list("key", "org__path", "value"):
        rows[k].append((p, v))
    out: dict[str, dict[str, Any]] = {}
    for key in keys:
        default = get_key(key).default
        found = sorted(rows[key], key=lambda r: len(r[0]))
        if not found:  # the common case: nobody changed it
            out[key] = dict.fromkeys(paths, default)
            continue
        per_path: dict[str, Any] = {}
        for path in paths:
            value = default
            for p, v in found:  # shallow to deep, so the nearest ancestor's setting wins
                if path.startswith(p):
                    value = v
            per_path[path] = value
        out[key] = per_path
    return out

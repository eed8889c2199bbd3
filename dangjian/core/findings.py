"""The shape every rule returns: a finding with its code, severity, Chinese message and citation."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"  # a binding rule is broken
    WARNING = "warning"  # likely a problem, or about to become one
    ADVISORY = "advisory"  # a recommendation (practice, not a hard rule)

    @property
    def label(self) -> str:
        return {"error": "违反规定", "warning": "需要关注", "advisory": "建议"}[self.value]


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message_zh: str
    citation: str
    data: dict[str, object] = field(default_factory=dict, compare=False)

    @property
    def severity_label(self) -> str:
        return self.severity.label

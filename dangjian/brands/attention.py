"""Home-page items of 一支部一特色 (one query: selectors.attention_counts)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dangjian.core.registry import Attention

from .selectors import attention_counts

_TEXT = {
    "score": ("份品牌项目待评审", "评审专家打分并填写评审意见和修改要求", "brands:queue"),
    "opinion": ("份品牌申报书待基层党委（总支）审核", "审核后推荐参加专家评审", "brands:index"),
    "revise": ("个品牌项目待修改完善", "初步培育对象须按专家意见修改申报书，未修改完善的不得立项", "brands:index"),
    "decide": ("个品牌项目待组织部审定", "审定立项（进入公示）或评定验收等次", "brands:index"),
}


def brands_attention(user: Any) -> list[Attention]:
    counts = attention_counts(user)
    return [
        Attention(f"{n}{_TEXT[k][0]}", _TEXT[k][1], reverse(_TEXT[k][2])) for k, n in counts.items() if n and k in _TEXT
    ]

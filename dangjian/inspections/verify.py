"""Re-derivation of stored draws (used by `manage.py inspections_verify_draws`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import rules as R
from .models import Draw, Inspection


@dataclass
class DrawCheck:
    plan_id: int
    plan_name: str
    problems: list[str] = field(default_factory=list)


def check_draw(draw: Draw, visits: set[int]) -> list[str]:
    """What differs between the stored draw, its re-derivation and the visits created from it."""
    problems: list[str] = []
    if draw.algorithm != R.ALGORITHM:
        return [f"未知的算法版本“{draw.algorithm}”"]
    strata = {k: list(v) for k, v in draw.strata.items()}
    if any(v != sorted(v) for v in strata.values()):
        problems.append("名单快照未按ID排序")
    sizes = {k: int(v) for k, v in draw.sizes.items()}
    fixed = [int(i) for i in draw.fixed]
    again = R.derive(draw.seed, strata, sizes, fixed)
    stored = [(str(k), int(i)) for k, i in draw.picked]
    if again != stored:
        problems.append("按种子重新推导的抽取结果与存档不同")
    digest = R.seal(algorithm=draw.algorithm, seed=draw.seed, strata=strata, sizes=sizes, fixed=fixed, picked=stored)
    if digest != draw.digest:
        problems.append("校验值不符（存档内容被修改）")
    expected = set(fixed) | {i for _, i in again}
    if visits != expected:
        problems.append("检查名单与抽取结果不同")
    return problems


def verify_draws(plan_id: int | None = None) -> list[DrawCheck]:
    draws = Draw.objects.select_related("plan").order_by("plan_id")
    if plan_id is not None:
        draws = draws.filter(plan_id=plan_id)
    out: list[DrawCheck] = []
    for draw in draws.iterator(chunk_size=100):
        visits = set(Inspection.objects.filter(plan_id=draw.plan_id).values_list("org_id", flat=True))
        out.append(DrawCheck(draw.plan_id, draw.plan.name, check_draw(draw, visits)))
    return out

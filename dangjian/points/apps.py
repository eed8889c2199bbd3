from typing import Any

from django.apps import AppConfig

MANUAL_TARGET = "manual"


class TargetSourceChoices(tuple[tuple[str, str], ...]):
    """The choices of `points.branch_target_source`, read from the registry each time they are asked
    for: the sources (`core.registry.branch_score_source`) register in higher apps' ready(), after
    points' own ready() has declared the setting."""

    def _items(self) -> tuple[tuple[str, str], ...]:
        from dangjian.core.registry import branch_score_sources

        return ((MANUAL_TARGET, "录入（考核小组填写）"), *((s.code, s.label) for s in branch_score_sources()))

    def __iter__(self) -> Any:
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())

    def __getitem__(self, index: Any) -> Any:
        return self._items()[index]

    def __contains__(self, item: object) -> bool:
        return item in self._items()

    def __bool__(self) -> bool:
        return True


class PointsConfig(AppConfig):
    name = "dangjian.points"
    label = "points"
    verbose_name = "积分与星级"

    def ready(self) -> None:
        from django.urls import reverse

        from dangjian.core.periodic import periodic_job
        from dangjian.core.registry import (
            ReportSource,
            appraisal_suggestion_provider,
            attention_provider,
            nav_item,
            record_change_listener,
            report_source,
        )
        from dangjian.core.scoping import Action
        from dangjian.orgs import config

        from .attention import points_attention
        from .selectors import REPORT_FIGURES, appraisal_suggestions, report_figures
        from .services import points_follow_records
        from .tasks import points_sweep

        # "On time" has no national definition (domain-rules round 2 §1e, UNVERIFIED): a setting.
        config.register(
            "points.dues_grace_days",
            "党费按时交纳宽限天数",
            0,
            min_value=0,
            max_value=60,
            help="当月党费在月底后多少天内交纳仍计“按月交纳党费”积分；默认 0，即当月交纳",
        )
        # 公示 and answer periods: UNVERIFIED local practice (domain-rules round 2 §1: default 5 working days).
        config.register(
            "points.notice_days",
            "星级公示期（工作日）",
            5,
            min_value=1,
            max_value=30,
            help="星级评定结果在支部公示的工作日数；公示期内党员可提出异议（地方实践，默认 5 个工作日）",
        )
        config.register(
            "points.answer_days",
            "异议答复期限（工作日）",
            5,
            min_value=1,
            max_value=30,
            help="支部委员会在多少个工作日内答复党员的异议（地方实践，默认 5 个工作日）",
        )
        # 星级党支部 (seed 002): the score rests on the branch's 积分制管理考核 and its 年终目标考核;
        # the seed gives no weights (domain-rules round 2 §1e: UNVERIFIED), so they are a setting.
        config.register(
            "points.branch_points_weight",
            "星级党支部：积分制管理考核权重（%）",
            50,
            min_value=0,
            max_value=100,
            help="支部评星得分 = 积分制管理考核得分 × 本权重 + 年终目标考核得分 × (100 − 本权重)；"
            "依据《渔洋镇党员积分制考核评星活动方案》（种子 002）两项基准，权重为地方实践，默认各 50%",
        )
        # Where the 年终目标考核 score comes from: entered by the committee (default, as before), or a
        # source a higher app registers (inspections: the year's inspection score). The sources register
        # after points, so the choices are read when the settings page or a write asks for them.
        config.register(
            "points.branch_target_source",
            "星级党支部：年终目标考核得分来源",
            MANUAL_TARGET,
            kind="choice",
            choices=TargetSourceChoices(),
            help="“录入”即考核小组填写年终目标考核得分；选择检查考核时取该支部本年度最近一次已评分检查的考核分，"
            "并在评定页注明出处、链接到该次检查；本年度未检查的支部仍按录入得分",
        )
        config.register(
            "points.branch_quotas",
            "星级党支部名额（星数:百分比）",
            "",
            kind="str",
            help="各星级党支部占本党委所属支部的比例上限，如“3:10,2:40”即三星不超过 10%、二星不超过 40%"
            "（某区星级化管理方案：五星 10%、四星 40%、三星 30%，domain-rules 第二轮 §1a）；留空为不限",
        )
        report_source(
            ReportSource(
                key="points",
                label="积分与星级",
                figures=REPORT_FIGURES,
                compute=report_figures,
                link=lambda org_pk, start, end: f"{reverse('points:branch', args=[org_pk])}?year={end.year}",
                summable=("notices", "objections", "objections_open"),
                order=60,
            )
        )
        nav_item("我的积分", "points:my", None, order=62)
        nav_item("积分评星", "points:index", Action.MANAGE, order=63)
        attention_provider(points_attention)
        # The member's year result as a suggestion on appraisal's 民主评议 page (appraisal sits below
        # points and may not import it).
        appraisal_suggestion_provider(appraisal_suggestions)
        # A filed or corrected meeting, a recorded or voided dues payment: the members concerned are
        # recomputed as soon as the writer commits (orglife and dues sit below points).
        record_change_listener(points_follow_records)
        periodic_job(self.label, "党员积分重新计算（由会议、党费记录生成）", points_sweep)

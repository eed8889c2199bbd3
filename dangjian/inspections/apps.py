from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "dangjian.inspections"
    label = "inspections"
    verbose_name = "检查考核"

    def ready(self) -> None:
        from dangjian.core.periodic import periodic_job
        from dangjian.core.registry import (
            BranchScoreSource,
            ReportSource,
            attention_provider,
            branch_score_source,
            nav_item,
            report_source,
        )
        from dangjian.core.scoping import Action
        from dangjian.orgs import config

        from .attention import inspections_attention
        from .selectors import branch_score_link, branch_year_scores, report_figures
        from .tasks import inspections_sweep

        config.register(
            "inspections.rectify_working_days",
            "检查发现问题的整改期限（工作日）",
            20,
            min_value=1,
            max_value=250,
            help="地方做法：检查发现问题一般限期20个工作日整改（问题清单→整改清单→对单销号）",
        )
        config.register(
            "inspections.resample_warning_months",
            "提示近几个月内已被检查的组织（月）",
            12,
            min_value=0,
            max_value=60,
            help="地方做法；2024年精简督查检查考核的要求：同一基层组织一年内避免重复检查",
        )
        nav_item("检查考核", "inspections:home", Action.VIEW, order=58)
        attention_provider(inspections_attention)
        periodic_job(self.label, "整改到期提醒、逾期督办", inspections_sweep)
        report_source(
            ReportSource(
                key="inspections",
                label="检查考核",
                figures=(
                    ("inspections", "接受检查次数"),
                    ("findings_opened", "发现问题"),
                    ("findings_closed", "整改销号"),
                ),
                compute=report_figures,
                summable=("inspections", "findings_opened", "findings_closed"),
                order=70,
            )
        )
        # The year's inspection score as the 年终目标考核 input of points' 星级党支部 formula, when a
        # committee picks it (points sits below inspections and may not import it).
        branch_score_source(
            BranchScoreSource(
                code="inspection",
                label="检查考核得分（本年度最近一次已评分的检查）",
                scores=branch_year_scores,
                link=branch_score_link,
            )
        )

from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "dangjian.community"
    label = "community"
    verbose_name = "五亮五共与三个一"

    def ready(self) -> None:
        from dangjian.core.periodic import periodic_job
        from dangjian.core.registry import (
            PointEventSource,
            ReportSource,
            attention_provider,
            nav_item,
            point_event_source,
            report_source,
        )
        from dangjian.orgs import config

        from . import selectors
        from .attention import community_attention
        from .tasks import community_sweep

        seed = "十堰市委组织部“五亮五共”通知（2023 年 3 月）"
        config.register(
            "community.deeds_per_year",
            "在职党员每年领办实事（件）",
            1,
            min_value=0,
            max_value=12,
            help=f"经社区确认的实事，每名在职党员每年不少于几件；默认 1（{seed}：至少领办1件实事）",
        )
        config.register(
            "community.activities_per_quarter",
            "在职党员每季度参加社区活动（次）",
            1,
            min_value=0,
            max_value=12,
            help=f"经社区确认的活动，每季度不少于几次；默认 1（{seed}：每季度参与活动不少于1次）",
        )
        config.register(
            "community.midquarter_owes",
            "季度中途报到当季即须参加活动",
            True,
            kind="bool",
            help="在季度中途报到的党员是否从报到当季起计算活动要求（地方实践，未见统一规定，默认是）",
        )
        config.register(
            "community.claim_expiry_days",
            "领办/活动未确认失效天数",
            60,
            min_value=7,
            max_value=365,
            help="领办或报告的实事、活动在登记（或需求完成期限）后多少天内未经社区确认即按未完成计"
            "（domain-rules round 2 §5e：未确认事项超时不计；天数为地方实践，默认 60）",
        )
        config.register(
            "community.contact_visits_per_year",
            "联系点年度走访目标（次）",
            4,
            min_value=1,
            max_value=52,
            help="分党委书记每年到基层党建联系点走访不少于几次（地方实践：每名领导 1–2 个联系点、每年不少于 4 次）",
        )
        config.register(
            "community.notice_days",
            "“三个一”公示期（工作日）",
            5,
            min_value=1,
            max_value=30,
            help="“三个一”公示的工作日数（种子文件 000 附件 3 的公示，期限为地方实践，默认 5 个工作日）",
        )
        nav_item("社区报到", "community:index", None, order=64)
        attention_provider(community_attention)
        periodic_job(self.label, "在职党员领办实事和活动超期未确认的处理", community_sweep)
        report_source(
            ReportSource(
                key="community",
                label="在职党员到社区报到（五亮五共）",
                figures=selectors.REPORT_FIGURES,
                compute=selectors.report_figures,
                summable=("in_service", "reported", "deeds", "activities", "hours"),
                order=60,
            )
        )
        point_event_source(PointEventSource("community_deed", "社区确认的实事（五亮五共）", selectors.deed_events))
        point_event_source(
            PointEventSource("community_activity", "社区确认的活动（五亮五共）", selectors.activity_events)
        )

from django.apps import AppConfig


class PartydayConfig(AppConfig):
    name = "dangjian.partyday"
    label = "partyday"
    verbose_name = "主题党日"

    def ready(self) -> None:
        from dangjian.core.periodic import periodic_job
        from dangjian.core.registry import ReportSource, attention_provider, nav_item, report_source
        from dangjian.core.scoping import Action
        from dangjian.orgs import config

        from . import selectors
        from .attention import partyday_attention
        from .tasks import send_party_day_notices

        # Seed 001: "必须提前3天向上级党委（党组）书面申请" and "提前2?3天向党员通知" ([P] local practice).
        config.register(
            "partyday.change_lead_days",
            "党日调整申请提前天数",
            3,
            min_value=1,
            max_value=30,
            help="调整主题党日须在原定日期前多少天提交申请（市委《“主题党日+”活动制度》：提前3天）",
        )
        config.register(
            "partyday.notice_lead_days",
            "党日通知提前天数",
            3,
            min_value=1,
            max_value=14,
            help="党日前多少天向党员发送通知；默认3，即党日前3天发出，保证党员至少提前2–3天知晓（市委《“主题党日+”活动制度》）",
        )
        config.register(
            "partyday.feed_version",
            "日历订阅地址版本",
            1,
            min_value=1,
            max_value=1_000_000,
            help="订阅地址泄露时把该值加1，本组织及下级此前的手机日历订阅地址全部作废",
        )
        nav_item("主题党日", "partyday:home", Action.VIEW, order=40, icon="flag")
        nav_item("工作日历", "core:calendar", Action.VIEW, order=95, icon="calendar")
        attention_provider(partyday_attention)
        periodic_job(self.label, "党日通知、年度计划提醒", send_party_day_notices)
        report_source(
            ReportSource(
                key="partyday",
                label="主题党日",
                figures=selectors.REPORT_FIGURES,
                compute=selectors.report_figures,
                link=selectors.report_link,
                summable=("held", "expected", "present"),
                order=20,
            )
        )

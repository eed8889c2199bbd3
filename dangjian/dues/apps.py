from django.apps import AppConfig


class DuesConfig(AppConfig):
    name = "dangjian.dues"
    label = "dues"
    verbose_name = "党费"

    def ready(self) -> None:
        from dangjian.core.periodic import periodic_job
        from dangjian.core.registry import (
            ReportSource,
            TalkTrigger,
            attention_provider,
            meeting_panel,
            nav_item,
            report_source,
            talk_trigger,
        )
        from dangjian.orgs import config

        from . import selectors
        from .attention import dues_attention
        from .panels import party_day_dues_panel
        from .rules import DEFAULT_CAP_FEN, FARMER_MAX_FEN, FARMER_MIN_FEN, Rounding
        from .selectors import arrears_talk_events
        from .tasks import dues_monthly

        # Rounding has no national rule (domain-rules §2.3, UNVERIFIED): each committee chooses.
        config.register(
            "dues.rounding",
            "党费取整方式",
            Rounding.FEN.value,
            kind="choice",
            choices=tuple((c.value, c.label) for c in Rounding),
            help="按比例计算的党费如何取整；固定金额（0.2元等）不取整",
        )
        config.register(
            "dues.monthly_cap_fen",
            "每月党费上限（分，0 表示不设上限）",
            DEFAULT_CAP_FEN,
            min_value=0,
            max_value=100_000_000,
            help="2017 年中组部通知：党员每月交纳党费一般不超过1000元；自愿多交不受限制",
        )
        config.register(
            "dues.farmer_monthly_fen",
            "农民党员每月党费（分）",
            FARMER_MIN_FEN,
            min_value=FARMER_MIN_FEN,
            max_value=FARMER_MAX_FEN,
            help="《关于中国共产党党费收缴、使用和管理的规定》第六条：每月0.2元至1元，由党委确定",
        )
        nav_item("我的党费", "dues:my", None, order=60, tab="党费", icon="dues")
        nav_item("党费收缴", "dues:index", "manage", order=61, tab="党费", icon="dues", tab_action="manage")
        attention_provider(dues_attention)
        meeting_panel(party_day_dues_panel)
        # 6 months of arrears make a talk due (appraisal's 必谈 to-do; appraisal may not import dues).
        talk_trigger(TalkTrigger("arrears", "连续6个月未交纳党费", arrears_talk_events))
        periodic_job(self.label, "党费月度应缴计算、连续欠缴检查", dues_monthly)
        report_source(
            ReportSource(
                key="dues",
                label="党费收缴",
                figures=selectors.REPORT_FIGURES,
                compute=selectors.report_figures,
                link=selectors.report_link,
                summable=tuple(k for k, _ in selectors.REPORT_FIGURES),
                order=30,
            )
        )

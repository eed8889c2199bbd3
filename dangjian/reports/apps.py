from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "dangjian.reports"
    label = "reports"
    verbose_name = "工作报告与考评"

    def ready(self) -> None:
        from dangjian.core.periodic import periodic_job
        from dangjian.core.registry import attention_provider, nav_item
        from dangjian.core.scoping import Action
        from dangjian.orgs import config

        from . import rules
        from .attention import reports_attention
        from .tasks import reports_sweep

        # Seed 003: 各直属党组织每月25日前报送 (the due day is local practice: a setting).
        config.register(
            "reports.due_day",
            "月度工作报告截止日",
            rules.DEFAULT_DUE_DAY,
            min_value=1,
            max_value=28,
            help="每月几日前报送上月工作情况（种子003：每月25日前向上级报送）；按“窗口期”统计时也是统计期截止日",
        )
        config.register(
            "reports.period_mode",
            "月度报告统计期",
            rules.PeriodMode.MONTH.value,
            kind="choice",
            choices=tuple((c.value, c.label) for c in rules.PeriodMode),
            help="默认按自然月统计、次月截止日前报送；也可按上月26日至本月25日的窗口统计（报告上注明）",
        )
        config.register(
            "reports.non_working_due",
            "截止日遇非工作日",
            rules.NonWorkingDue.KEEP.value,
            kind="choice",
            choices=tuple((c.value, c.label) for c in rules.NonWorkingDue),
            help="默认保持原日期并在报告上标明；也可提前到前一个工作日。绝不顺延到更晚",
        )
        config.register(
            "reports.missing_days",
            "逾期未报督办天数",
            rules.DEFAULT_MISSING_DAYS,
            min_value=0,
            max_value=30,
            help="截止日后多少天仍未报送，向本组织书记和上级组织发出督办（地方实践，默认3天）",
        )
        config.register(
            "reports.skip_level",
            "本级不汇总（下级直接报上一级）",
            False,
            kind="bool",
            help="报送关系：默认各组织报直接上级；设为“是”的组织不接收下级报告、不单独汇总报送，"
            "下级改报其上一级（上一级的汇总本来就包含其全部下级党支部）",
        )
        nav_item("工作报告", "reports:index", Action.MANAGE, order=70, icon="task")
        attention_provider(reports_attention)
        periodic_job(self.label, "月度工作报告逾期督办、季度考评计分", reports_sweep)

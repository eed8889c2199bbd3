from django.apps import AppConfig


class AssignmentsConfig(AppConfig):
    name = "dangjian.assignments"
    label = "assignments"
    verbose_name = "任务督办"

    def ready(self) -> None:
        from dangjian.core.periodic import periodic_job
        from dangjian.core.registry import ReportSource, attention_provider, nav_item, record_link, report_source
        from dangjian.core.scoping import Action
        from dangjian.orgs import config

        from . import selectors
        from .selectors import attention_items
        from .tasks import reminder_sweep

        nav_item("任务", "assignments:index", Action.VIEW, order=40, tab="任务", icon="task", tab_action=Action.MANAGE)
        attention_provider(attention_items)
        # A study list derived from an assignment's study lines links back to the task.
        record_link("assignment", selectors.study_list_link)
        periodic_job(self.label, "任务报送提醒、逾期督办", reminder_sweep)
        report_source(
            ReportSource(
                key="assignments",
                label="上级任务",
                figures=selectors.REPORT_FIGURES,
                compute=selectors.report_figures,
                link=selectors.report_link,
                summable=tuple(k for k, _ in selectors.REPORT_FIGURES),
                order=50,
            )
        )
        config.register(
            "assignments.remind_days_first",
            "任务报送第一次提醒（截止前天数）",
            3,
            min_value=0,
            max_value=30,
            help="在每项报送材料截止日期前多少天提醒目标组织的书记和联络员。",
        )
        config.register(
            "assignments.remind_days_second",
            "任务报送第二次提醒（截止前天数）",
            1,
            min_value=0,
            max_value=30,
            help="第二次提醒；设为与第一次相同即只提醒一次。",
        )
        config.register(
            "assignments.escalate_grace_days",
            "逾期督办宽限天数",
            0,
            min_value=0,
            max_value=30,
            help="截止日期过后多少天仍未报送，向上级组织书记和发布单位督办（0：截止次日）。",
        )

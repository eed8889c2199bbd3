from django.apps import AppConfig


class OrglifeConfig(AppConfig):
    name = "dangjian.orglife"
    label = "orglife"
    verbose_name = "组织生活"

    def ready(self) -> None:
        from dangjian.core.periodic import periodic_job
        from dangjian.core.registry import ReportSource, attention_provider, nav_item, report_source
        from dangjian.core.scoping import Action
        from dangjian.orgs import config

        from . import rules, selectors
        from .attention import orglife_attention
        from .models import MeetingKind
        from .tasks import remind_overdue_actions

        # Local practice (domain-rules §1.6 [P] and the seeds): each committee may adjust for its subtree.
        config.register(
            "orglife.entry_deadline_days",
            "组织生活纪实录入时限（天）",
            rules.DEFAULT_ENTRY_DEADLINE_DAYS,
            min_value=0,
            max_value=60,
            help="会议结束后应在该天数内录入并归档，逾期仍可录入但标记为逾期",
        )
        config.register(
            "orglife.lecture_frequency",
            "党课频次",
            rules.DEFAULT_LECTURE_FREQUENCY,
            kind="choice",
            choices=rules.FREQUENCY_CHOICES,
            help="支部工作条例未规定党课频次，常见做法为每季度至少1次",
        )
        config.register(
            "orglife.annual_month",
            "组织生活会、民主评议党员应完成月份",
            rules.DEFAULT_ANNUAL_MONTH,
            min_value=1,
            max_value=12,
            help="原则上在每年12月的主题党日中进行",
        )
        config.register(
            "orglife.required_actions",
            "主题党日规定动作清单",
            rules.DEFAULT_REQUIRED_ACTIONS,
            kind="str",
            help="用逗号或顿号分隔；未勾选完成的规定动作使记录显示为不完整",
        )
        config.register(
            "orglife.signin_grace_minutes",
            "扫码签到提前/延后开放时间（分钟）",
            rules.DEFAULT_SIGNIN_GRACE_MINUTES,
            min_value=0,
            max_value=240,
        )
        config.register(
            "orglife.attendance_default",
            "出勤名单初始状态",
            rules.DEFAULT_ATTENDANCE,
            kind="choice",
            choices=rules.ATTENDANCE_DEFAULT_CHOICES,
            help="默认全体应到党员记为出席，联络员只需标出请假、缺席的人；也可改为逐人登记",
        )
        config.register(
            "orglife.absence_streak",
            "连续缺席主题党日提醒次数",
            rules.DEFAULT_ABSENCE_STREAK,
            min_value=2,
            max_value=12,
        )
        for kind in MeetingKind:
            config.register(
                f"orglife.photos.{kind.value}",
                f"{kind.label}应上传照片数",
                0,
                min_value=0,
                max_value=20,
                help="默认不要求照片（减轻基层负担）；上级党委可按会议类型要求",
            )
        nav_item(
            "组织生活", "orglife:index", Action.VIEW, order=30, tab="组织生活", icon="meeting", tab_action=Action.MANAGE
        )
        nav_item("我的出勤", "orglife:my_attendance", None, order=31, tab="组织生活", icon="meeting")
        attention_provider(orglife_attention)
        periodic_job(self.label, "决议落实措施逾期提醒", remind_overdue_actions)
        report_source(
            ReportSource(
                key="orglife",
                label="“三会一课”等组织生活",
                figures=selectors.REPORT_FIGURES,
                compute=selectors.report_figures,
                link=selectors.report_link,
                summable=tuple(k for k, _ in selectors.REPORT_FIGURES),
                order=10,
            )
        )

from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "dangjian.points"
    label = "points"
    verbose_name = "积分与星级"

    def ready(self) -> None:
        from dangjian.core.periodic import periodic_job
        from dangjian.core.registry import attention_provider, nav_item
        from dangjian.core.scoping import Action
        from dangjian.orgs import config

        from .attention import points_attention
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
        nav_item("我的积分", "points:my", None, order=62)
        nav_item("积分评星", "points:index", Action.MANAGE, order=63)
        attention_provider(points_attention)
        periodic_job(self.label, "党员积分重新计算（由会议、党费记录生成）", points_sweep)

from django.apps import AppConfig


class OpennessConfig(AppConfig):
    name = "dangjian.openness"
    label = "openness"
    verbose_name = "党务公开与民主议事"

    def ready(self) -> None:
        from dangjian.core.periodic import periodic_job
        from dangjian.core.registry import attention_provider, nav_item, report_source
        from dangjian.core.scoping import Action
        from dangjian.orgs import config

        from . import kinds, reports
        from . import rules as R
        from .attention import openness_attention
        from .tasks import openness_sweep

        # Round 2 §6e: per-member amounts only 党内 (practice varies; configurable, default 党内 per-member).
        config.register(
            "openness.dues_people_inside",
            "党费公开在党内列出每名党员金额",
            True,
            kind="bool",
            help="党费收缴情况在党内公开时是否列出每名党员的应缴、实缴金额；向社会公开时一律只公开汇总"
            "（各地做法不一，默认党内列明细，见党务公开实践 §6e）",
        )
        config.register(
            "openness.periodic_days",
            "定期公开期限（期末后天数）",
            R.PERIODIC_DAYS_DEFAULT,
            min_value=0,
            max_value=90,
            help="定期公开事项（如每月党费收缴情况）在期末后多少天内公开；全国未作统一规定，默认 10 天（地方实践）",
        )
        config.register(
            "openness.timely_working_days",
            "及时公开期限（工作日）",
            R.TIMELY_WORKING_DAYS_DEFAULT,
            min_value=1,
            max_value=30,
            help="决议等及时公开事项在事项发生后多少个工作日内公开；全国未作统一规定，默认 5 个工作日（地方实践）",
        )
        config.register(
            "openness.request_working_days",
            "党员申请公开答复期限（工作日）",
            R.REQUEST_WORKING_DAYS_DEFAULT,
            min_value=1,
            max_value=30,
            help="党员申请公开某一事项后，支部在多少个工作日内答复；全国未作统一规定，默认 10 个工作日（地方实践）",
        )
        kinds.register()
        nav_item("党务公开", "openness:index", Action.MANAGE, order=66, icon="flag")
        nav_item("公开栏", "openness:mine", None, order=67, icon="list")
        attention_provider(openness_attention)
        report_source(reports.SOURCE)
        periodic_job(self.label, "党务公开应公开事项及逾期检查", openness_sweep)

from django.apps import AppConfig


class StudyConfig(AppConfig):
    name = "dangjian.study"
    label = "study"
    verbose_name = "学习教育"

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
        from dangjian.core.scoping import Action
        from dangjian.orgs import config

        from . import figures
        from .attention import study_attention
        from .tasks import study_sweep

        # Conversion table: local practice (domain-rules round 2 §9a, pulmonologynews 2018).
        config.register(
            "study.hours_per_hour",
            "集体学习每小时折算学时",
            1,
            min_value=1,
            max_value=4,
            help="出席已归档会议每小时计几学时（地方实践：集体学习每小时1学时）",
        )
        config.register(
            "study.half_day_hours",
            "半天（3小时及以上）折算学时",
            4,
            min_value=1,
            max_value=8,
            help="半天的集中学习、党课计几学时（地方实践：半天4学时）",
        )
        config.register(
            "study.full_day_hours",
            "全天（6小时及以上）折算学时",
            8,
            min_value=1,
            max_value=12,
            help="全天集中培训计几学时，也是一次会议可计学时的上限（地方实践：全天8学时）",
        )
        config.register(
            "study.target_member",
            "党员年度学时要求",
            32,
            min_value=0,
            max_value=200,
            help="《中国共产党党员教育管理工作条例》第二十条：党员每年集中学习培训一般不少于32学时",
        )
        config.register(
            "study.target_cadre",
            "书记、委员年度学时要求",
            56,
            min_value=0,
            max_value=200,
            help="《2019—2023年全国党员教育培训工作规划》：书记和班子成员每年不少于56学时（2024—2028年规划是否沿用未核实）",
        )
        config.register(
            "study.cadre_concentrated",
            "书记、委员每年集中培训次数",
            1,
            min_value=0,
            max_value=12,
            help="《2019—2023年全国党员教育培训工作规划》：书记和班子成员每年至少参加1次集中培训",
        )
        config.register(
            "study.online_allowed",
            "网络课程计入学时",
            False,
            kind="bool",
            help="是否把网络课程计入学时；不统计在线时长，只计主办方认定的课程学时（湖南等地禁止硬性规定平台学时）",
        )
        config.register(
            "study.online_cap",
            "网络课程年度学时上限",
            8,
            min_value=0,
            max_value=56,
            help="允许计入时，网络课程每年最多计入的学时（无全国规定，地方实践，默认8学时）",
        )
        config.register(
            "study.visit_cadence_months",
            "免参党员上门服务周期（月）",
            1,
            min_value=1,
            max_value=12,
            help="种子001：对免于参加集体活动的党员定期开展“一对一”上门服务；默认每月一次",
        )
        config.register(
            "study.induction_months",
            "新任书记任职培训期限（月）",
            6,
            min_value=1,
            max_value=24,
            help="《2019—2023年全国党员教育培训工作规划》：新任基层党组织书记6个月内完成任职培训",
        )
        nav_item("我的学时", "study:my", None, order=64)
        nav_item("学习教育", "study:index", Action.MANAGE, order=65)
        attention_provider(study_attention)
        periodic_job(self.label, "流动党员每月联系、免参党员上门服务检查，年度学时重新计算", study_sweep)
        report_source(
            ReportSource(
                key="study",
                label="学习教育、流动党员联系和上门服务",
                figures=figures.REPORT_FIGURES,
                compute=figures.compute,
                summable=figures.SUMMABLE,
                order=60,
            )
        )
        point_event_source(
            PointEventSource(
                code="study_training", label="完成培训（学习教育培训记录）", events=figures.training_events
            )
        )

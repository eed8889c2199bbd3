from django.apps import AppConfig


class AppraisalConfig(AppConfig):
    name = "dangjian.appraisal"
    label = "appraisal"
    verbose_name = "谈心谈话与民主评议"

    def ready(self) -> None:
        from dangjian.core.periodic import periodic_job
        from dangjian.core.registry import ReportSource, attention_provider, nav_item, report_source
        from dangjian.core.scoping import Action
        from dangjian.orgs import config

        from . import selectors
        from .attention import appraisal_attention
        from .rules import DEFAULT_TOPICS, MemberRule, PeerRule, TalkEvent
        from .tasks import raise_talk_todos

        # 《中国共产党支部工作条例（试行）》第十九条: 支委之间、支委和党员之间、党员和党员之间每年一般不少于1次.
        config.register(
            "appraisal.talk_committee_pairs",
            "谈心谈话：支委两两之间每年至少1次",
            True,
            kind="bool",
            help="《中国共产党支部工作条例（试行）》第十九条：党支部委员之间每年谈心谈话一般不少于1次",
        )
        config.register(
            "appraisal.talk_member_rule",
            "谈心谈话：支委与党员",
            MemberRule.ANY_COMMITTEE.value,
            kind="choice",
            choices=tuple((c.value, c.label) for c in MemberRule),
            help=(
                "第十九条：党支部委员和党员之间每年一般不少于1次；也可要求书记与每名党员谈话（2014年中央通知），"
                "或按支委分工联系党员（在覆盖页“分工联系”中设置，未分工的党员按“至少与一名支委”计）"
            ),
        )
        config.register(
            "appraisal.cross_secretary_rule",
            "跨级谈话：上级书记与每名下级组织书记",
            True,
            kind="bool",
            help="种子 002（渔洋镇 2018“谈”）：镇党委书记与各村党支部书记谈话；在党委、党总支的覆盖页检查",
        )
        config.register(
            "appraisal.cross_committee_rule",
            "跨级谈话：下级班子成员每人至少与一名上级委员",
            True,
            kind="bool",
            help="种子 002：党委委员与各村“两委”班子成员谈话（按每名下级委员至少与一名上级委员谈话计，[P]）",
        )
        config.register(
            "appraisal.talk_peer_rule",
            "谈心谈话：党员之间",
            PeerRule.ONE.value,
            kind="choice",
            choices=tuple((c.value, c.label) for c in PeerRule),
            help="第十九条：党员和党员之间每年一般不少于1次（按每名党员至少与一名党员谈话计；免参党员不计）",
        )
        config.register(
            "appraisal.talk_group_counts",
            "一对多谈话计入支委谈话覆盖",
            False,
            kind="bool",
            help="默认只有一对一谈话计入“支委之间”“支委与党员”；党员之间的覆盖始终计入一对多谈话",
        )
        config.register(
            "appraisal.talk_topics",
            "谈心谈话主题清单（每行一项）",
            "\n".join(DEFAULT_TOPICS),
            kind="str",
            help="默认为种子 002 的六项谈话内容",
        )
        config.register(
            "appraisal.event_talks",
            "必谈事项（逗号分隔）",
            ",".join(e.value for e in TalkEvent),
            kind="str",
            help=(
                "transfer_in（组织关系转入）、conversion（预备党员转正）、arrears（连续6个月未交纳党费，"
                "党费规定第十三条）、mobile_return（流动党员返回）；删去即不再生成待办（六必谈，[P]）"
            ),
        )
        config.register(
            "appraisal.event_talk_days",
            "必谈事项应谈天数",
            30,
            min_value=1,
            max_value=180,
            help="事由发生后多少天内应完成谈话（默认30天，地方做法）",
        )
        config.register(
            "appraisal.excellent_divisor",
            "民主评议：优秀不超过参评人数的几分之一",
            3,
            min_value=2,
            max_value=10,
            help="默认3：优秀等次一般不超过参评党员的三分之一（⌊参评人数/3⌋）",
        )
        config.register(
            "appraisal.excellent_cap_enforced",
            "民主评议：超过优秀上限时拒绝保存",
            True,
            kind="bool",
            help="关闭后只提示，不拒绝",
        )
        config.register(
            "appraisal.attribution_cutoff",
            "组织生活会/民主评议归属上一年度的截止日（MM-DD）",
            "03-31",
            kind="str",
            help="默认3月31日前（含）召开的计入上一年度",
        )
        nav_item("谈心谈话与评议", "appraisal:home", Action.VIEW, order=55)
        attention_provider(appraisal_attention)
        periodic_job(self.label, "必谈事项待办、11月谈心谈话提醒、整改逾期提醒", raise_talk_todos)
        report_source(
            ReportSource(
                key="appraisal",
                label="谈心谈话与整改",
                figures=selectors.REPORT_FIGURES,
                compute=selectors.report_figures,
                link=selectors.report_link,
                summable=tuple(k for k, _ in selectors.REPORT_FIGURES),
                order=40,
            )
        )

from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "dangjian.orgs"
    label = "orgs"
    verbose_name = "党组织"

    def ready(self) -> None:
        from dangjian.core.periodic import periodic_job
        from dangjian.core.registry import attention_provider, nav_item
        from dangjian.core.scoping import Action

        from . import config
        from .attention import structure_attention
        from .rules import DEFAULT_THRESHOLDS as T
        from .tasks import structure_sweep

        # Local practice ([P] in domain-rules §1.3/§1.4): each committee may adjust these for its subtree.
        config.register(
            "orgs.groups_required_from",
            "应划分党小组的党员人数",
            T.groups_required_from,
            min_value=3,
            max_value=200,
            help="党支部党员达到该人数且未划分党小组时提示（参照中央和国家机关党小组工作规则：20人）",
        )
        config.register(
            "orgs.group_max_members",
            "党小组人数上限",
            T.group_max_members,
            min_value=3,
            max_value=100,
            help="党小组人数超过该值时提示（市委组织部《关于开展党支部基本建设年的工作方案》：一般不超过10人）",
        )
        config.register(
            "orgs.term_warning_months",
            "换届提醒提前月数",
            T.term_warning_months,
            min_value=1,
            max_value=24,
            help="任期届满前多少个月开始提醒换届（一般为6个月）",
        )
        nav_item("组织架构", "orgs:tree", Action.VIEW, order=10, icon="org")
        nav_item("结构检查", "orgs:checks", Action.APPROVE, order=20, icon="check")
        attention_provider(structure_attention)
        periodic_job(self.label, "组织党员人数重新推导、结构检查重新计算（按二级组织分任务）", structure_sweep)

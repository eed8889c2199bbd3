from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "dangjian.members"
    label = "members"
    verbose_name = "党员名册"

    def ready(self) -> None:
        from dangjian.core.registry import attention_provider, nav_item
        from dangjian.core.scoping import Action

        from .attention import members_attention

        nav_item("党员名册", "members:index", Action.VIEW, order=15, icon="people")
        nav_item("组织关系转接", "members:transfers", Action.MANAGE, order=16, icon="transfer")
        nav_item("名册导入记录", "members:imports", Action.MANAGE, order=17, icon="list")
        attention_provider(members_attention)

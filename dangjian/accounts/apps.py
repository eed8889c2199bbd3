from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from dangjian.core.registry import nav_item
        from dangjian.core.scoping import Action

        nav_item("角色管理", "accounts:roles", Action.ADMIN, order=90, icon="key")
        nav_item("我的账号", "accounts:me", None, order=95, icon="me")

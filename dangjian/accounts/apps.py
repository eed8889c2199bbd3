from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from dangjian.core.registry import nav_item
        from dangjian.core.scoping import Action

        nav_item("角色管理", "accounts:roles", Action.ADMIN, order=90)
        nav_item("我的账号", "accounts:me", None, order=95)

        from django.contrib.auth.signals import user_logged_in

        from .middleware import on_login

        user_logged_in.connect(on_login, dispatch_uid="dangjian.accounts.session_start")

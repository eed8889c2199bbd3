from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from dangjian.core import notify
        from dangjian.core.registry import nav_item
        from dangjian.core.scoping import Action, register_role_paths_loader

        from .rules import Role
        from .selectors import holder_ids_by, role_paths_by_action

        register_role_paths_loader(role_paths_by_action)
        notify.register_holder_ids(lambda role, paths: holder_ids_by(Role(role), org_paths=paths, key="org__path"))

        nav_item("角色管理", "accounts:roles", Action.ADMIN, order=90, icon="key")
        nav_item("我的账号", "accounts:me", None, order=95, icon="me")

        from django.contrib.auth.signals import user_logged_in

        from .middleware import on_login

        user_logged_in.connect(on_login, dispatch_uid="dangjian.accounts.session_start")

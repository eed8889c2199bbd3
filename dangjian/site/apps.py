from django.apps import AppConfig


class SiteConfig(AppConfig):
    """Installed last: its management commands (demo_data) and templates sit above every app."""

    name = "dangjian.site"
    label = "site"
    verbose_name = "站点"

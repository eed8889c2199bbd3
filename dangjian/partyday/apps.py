from django.apps import AppConfig


class PartydayConfig(AppConfig):
    name = "dangjian.partyday"
    label = "partyday"
    verbose_name = "主题党日"

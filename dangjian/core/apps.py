from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dangjian.core"
    label = "core"
    verbose_name = "基础设施"

    def ready(self) -> None:
        from .periodic import periodic_job
        from .tasks import audit_anchor_job

        periodic_job(self.label, "审计链锚点（链头签名写入库外文件）", audit_anchor_job)

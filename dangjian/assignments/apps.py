from django.apps import AppConfig


class AssignmentsConfig(AppConfig):
    name = "dangjian.assignments"
    label = "assignments"
    verbose_name = "任务督办"

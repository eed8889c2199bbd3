"""Seed the working-day calendar from the chinesecalendar package (data migration)."""

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from dangjian.core.calendar import seed_from_library

    seed_from_library(apps.get_model("core", "CalendarYear"), apps.get_model("core", "CalendarDay"))


def unseed(apps: Any, schema_editor: Any) -> None:
    apps.get_model("core", "CalendarDay").objects.filter(source="seeded").delete()
    apps.get_model("core", "CalendarYear").objects.filter(source="seeded").delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_calendar")]

    operations = [migrations.RunPython(seed, unseed)]

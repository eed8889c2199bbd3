"""Backfill: every list recorded so far was for its one month."""

from django.db import migrations
from django.db.models import F


def one_month(apps, schema_editor):
    apps.get_model("study", "StudyList").objects.filter(until_month__isnull=True).update(until_month=F("month"))


class Migration(migrations.Migration):
    dependencies = [("study", "0002_studylist_until_month")]

    operations = [migrations.RunPython(one_month, migrations.RunPython.noop)]

"""Backfill the grade counts kept on each appraisal (added in 0002) from its entries."""

from django.db import migrations
from django.db.models import Count

FIELDS = {
    "excellent": "n_excellent",
    "qualified": "n_qualified",
    "basically_qualified": "n_basically_qualified",
    "unqualified": "n_unqualified",
}


def backfill(apps, schema_editor):
    Appraisal = apps.get_model("appraisal", "Appraisal")
    AppraisalEntry = apps.get_model("appraisal", "AppraisalEntry")
    counts: dict[int, dict[str, int]] = {}
    rows = AppraisalEntry.objects.values_list("appraisal_id", "graded", "grade").annotate(n=Count("pk")).order_by()
    for appraisal_id, graded, grade, n in rows:
        c = counts.setdefault(appraisal_id, {})
        key = FIELDS.get(grade) if graded else "n_not_graded"
        if key:
            c[key] = c.get(key, 0) + n
    changed = []
    for a in Appraisal.objects.filter(pk__in=list(counts)):
        for f in [*FIELDS.values(), "n_not_graded"]:
            setattr(a, f, counts[a.pk].get(f, 0))
        changed.append(a)
    Appraisal.objects.bulk_update(changed, [*FIELDS.values(), "n_not_graded"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("appraisal", "0002_contact_share_cross_level_counts")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]

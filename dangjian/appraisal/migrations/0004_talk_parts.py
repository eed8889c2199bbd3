"""The per-member yearly talk counts (`TalkPart`), backfilled from the talks already recorded.

The same derivation is `manage.py appraisal_rebuild_talk_parts` (idempotent; the daily job runs it
for this year and last)."""

from collections import Counter

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count


def backfill(apps, schema_editor):
    Talk = apps.get_model("appraisal", "Talk")
    TalkPart = apps.get_model("appraisal", "TalkPart")
    counts = Counter()
    for m, y, n in Talk.objects.order_by().values_list("talker_id", "year").annotate(n=Count("pk")):
        counts[(m, y)] += n
    heard = Talk.counterparts.through.objects.order_by().values_list("member_id", "talk__year")
    for m, y, n in heard.annotate(n=Count("pk")):
        counts[(m, y)] += n
    TalkPart.objects.bulk_create(
        [TalkPart(member_id=m, year=y, talks=n) for (m, y), n in sorted(counts.items())], batch_size=5000
    )


class Migration(migrations.Migration):

    dependencies = [
        ('appraisal', '0003_backfill_grade_counts'),
        ('members', '0003_importjob'),
    ]

    operations = [
        migrations.CreateModel(
            name='TalkPart',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('talks', models.PositiveIntegerField(default=0, verbose_name='参加谈话（次）')),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='talk_parts', to='members.member')),
            ],
            options={
                'verbose_name': '年度谈话参与',
                'verbose_name_plural': '年度谈话参与',
                'constraints': [models.UniqueConstraint(fields=('year', 'member'), name='appraisal_talkpart_year_member_uniq')],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]

"""The per-org yearly talk counts (`TalkCount`), backfilled from the talks already recorded
(the same derivation as `manage.py appraisal_rebuild_talk_parts`)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count


def backfill(apps, schema_editor):
    Talk = apps.get_model("appraisal", "Talk")
    TalkCount = apps.get_model("appraisal", "TalkCount")
    rows = Talk.objects.order_by().values_list("org_id", "org_path", "year").annotate(n=Count("pk"))
    TalkCount.objects.bulk_create(
        [TalkCount(org_id=o, org_path=path, year=y, talks=n) for o, path, y, n in rows], batch_size=5000
    )


class Migration(migrations.Migration):

    dependencies = [
        ('appraisal', '0004_talk_parts'),
        ('orgs', '0002_orgconfig'),
    ]

    operations = [
        migrations.CreateModel(
            name='TalkCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('org_path', models.CharField(editable=False, max_length=255)),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('talks', models.PositiveIntegerField(default=0, verbose_name='谈话（次）')),
                ('org', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='orgs.organization')),
            ],
            options={
                'verbose_name': '年度谈话次数',
                'verbose_name_plural': '年度谈话次数',
                'indexes': [models.Index(fields=['year', 'org_path'], name='appraisal_talkcount_year_path')],
                'constraints': [models.UniqueConstraint(fields=('org', 'year'), name='appraisal_talkcount_org_year_uniq')],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]

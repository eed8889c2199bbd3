"""The per-org member counts (`OrgMemberCount`), backfilled from the roster (the same derivation as
`manage.py orgs_rebuild_structure`, which also computes the stored structure findings: run it once
after this migration, or let the daily `periodic` job do it)."""

from django.db import migrations
from django.db.models import Count, Q


def backfill(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    Organization = apps.get_model("orgs", "Organization")
    OrgMemberCount = apps.get_model("orgs", "OrgMemberCount")
    active = Member.objects.filter(is_active=True).order_by()
    rows: dict[int, list[int]] = {}
    for org_id, total, full in active.values("org_id").annotate(t=Count("*"), f=Count("status", filter=Q(status="full"))).values_list("org_id", "t", "f"):
        rows[org_id] = [total, full, 0]
    for group_id, n in active.filter(group__isnull=False).values("group_id").annotate(n=Count("*")).values_list("group_id", "n"):
        rows.setdefault(group_id, [0, 0, 0])[2] = n
    paths = dict(Organization.objects.filter(pk__in=list(rows)).values_list("id", "path")) if rows else {}
    OrgMemberCount.objects.bulk_create(
        [
            OrgMemberCount(org_id=pk, org_path=paths[pk], total=t, full=f, grouped=g)
            for pk, (t, f, g) in sorted(rows.items())
            if pk in paths
        ],
        batch_size=5000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("orgs", "0003_member_counts_and_findings"),
        ("members", "0003_importjob"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]

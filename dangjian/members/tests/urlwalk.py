"""URL-walk fixtures for members: the member, a pending transfer out of branch A and an import job."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from dangjian.members.models import ImportMode
from dangjian.members.services import import_job_create, transfer_out
from dangjian.orgs.services import org_create
from dangjian.site.testing.factories import World, make_member

from .helpers import row_for, upload, workbook_bytes


def rows(world: World) -> dict[str, dict[str, Any]]:
    # The receiving branch is neither A nor the outsider's B, so the outsider holds no side of it.
    third = org_create(actor=world.admin, parent=world.unit, name="市卫健委机关党支部", kind="branch", sector="agency")
    leaving = make_member(world.branch, actor=world.liaison, name="转出党员")
    transfer = transfer_out(actor=world.liaison, member=leaving, out_on=timezone.localdate(), to_org=third)
    # Validate only, with one bad row: the job has an error report and writes no member.
    book = workbook_bytes([row_for(world.branch.name, name="导入党员"), row_for(world.branch.name, id_number="1")])
    job = import_job_create(actor=world.liaison, org=world.branch, upload=upload(book), mode=ImportMode.VALIDATE)
    by_member = ("members:detail", "members:edit", "members:contact", "members:leave", "members:transfer_out")
    by_transfer = ("members:transfer_accept", "members:transfer_cancel")
    by_job = ("members:import_detail", "members:import_progress", "members:import_run", "members:import_errors")
    return {
        **{name: {"pk": world.member} for name in by_member},
        **{name: {"pk": transfer} for name in by_transfer},
        **{name: {"pk": job} for name in by_job},
    }

"""The demo-data hook shared by every app.

`manage.py demo_data` builds the foundation (tree, roster, logins) and then calls, in app order,
`dangjian.<app>.demo.build_demo(ctx)` for each app that has that module. Each app adds its own
believable records through its own services, using `ctx`. Builders must be deterministic (use
`ctx.rng`) and must not assume they run on an empty database beyond the foundation.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class DemoContext:
    today: dt.date
    rng: random.Random
    root: Any  # the municipal committee (Organization)
    branches: list[Any] = field(default_factory=list)  # every 党支部 in the demo
    members_by_branch: dict[int, list[Any]] = field(default_factory=dict)  # branch pk -> Members
    users: dict[str, Any] = field(default_factory=dict)  # login key (e.g. "org_admin") -> User
    org_admin: Any = None  # the municipal 组织部 admin user
    log: Callable[[str], None] = print
    extra: dict[str, Any] = field(default_factory=dict)  # apps may leave things for later apps

"""Generate a city-scale instance for benchmarks: ≈10,000 branches and ≈200,000 members.

    python bench/generate_city.py [--branches 10000 --members 200000] [--database-url URL] [--force]
    nice -n 15 python bench/generate_city.py --shape province --branches 250000 --members 5000000 \
        --database-url postgres://…/bench_province      # a province: 15 cities under one 省委

Default database: $BENCH_DATABASE_URL, $DATABASE_URL, else sqlite:///var/bench_city.sqlite3.
The tree is realistic in shape — 1 municipal 党委 → 15 county/district/system 党委 → ~120
town/street/university/SOE/hospital/agency 党委 → 党总支 → 党支部 → 党小组 — and the roster has
valid 身份证号 (GB 11643 check digit), generated Chinese names, statuses, categories, 流动党员,
exempt and lost-contact members. Rows are bulk-inserted with precomputed treebeard paths (no
per-row services, hence no audit events: this is benchmark data, not a demo).

Other bench scripts: `from bench.generate_city import ensure_city` (or `bench._common.ensure_city`)
returns a `City` handle, generating the data only when this database does not have it yet.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dangjian.core.paths import ALPHABET, STEPLEN

CITY_ROOT_NAME = "中共云州市委员会"
CITY_MARK = "云州市（基准测试数据）"
BRANCH50_NAME = "云州市财政局机关预算处党支部"
BENCH_PASSWORD = "Bench-2026"  # noqa: S105 - benchmark logins, local data only
# key -> (phone, name, role, where)
BENCH_USERS: dict[str, tuple[str, str, str, str]] = {
    "org_admin": ("13700000001", "基准市管理员", "org_admin", "root"),
    "county_admin": ("13700000002", "基准区管理员", "org_admin", "county"),
    "secretary": ("13700000003", "基准书记", "secretary", "branch50"),
    "liaison": ("13700000004", "基准联络员", "liaison", "branch50"),
    "member": ("13700000005", "基准党员", "member", "branch50"),
}
CHINESE_NUM = "一二三四五六七八九十"
PROVINCE_ROOT_NAME = "中共云岭省委员会"
PROVINCE_MARK = "云岭省（基准测试数据）"
ROOT_NAMES = (CITY_ROOT_NAME, PROVINCE_ROOT_NAME)
# The province's 15 cities and their relative sizes (the first holds the benchmark branch).
PROVINCE_CITIES: list[tuple[str, float]] = [
    ("云州", 1.0),
    ("丹阳", 1.6),
    ("青川", 1.4),
    ("江陵", 1.3),
    ("白石", 1.2),
    ("临安", 1.1),
    ("南屏", 1.0),
    ("北固", 1.0),
    ("东湖", 0.9),
    ("西岭", 0.9),
    ("安平", 0.8),
    ("永宁", 0.8),
    ("清河", 0.7),
    ("长风", 0.6),
    ("明月", 0.5),
]


def step(i: int) -> str:
    """The treebeard path segment of the i-th child (1-based), base 36, width 4."""
    out = ""
    while i:
        i, r = divmod(i, 36)
        out = ALPHABET[r] + out
    return out.rjust(STEPLEN, "0")


def cn(n: int) -> str:
    if n <= 10:
        return CHINESE_NUM[n - 1]
    if n < 20:
        return "十" + CHINESE_NUM[n - 11]
    tens, ones = divmod(n, 10)
    return CHINESE_NUM[tens - 1] + "十" + (CHINESE_NUM[ones - 1] if ones else "")


@dataclass
class City:
    """Handle on the benchmark city for other bench scripts."""

    root: Any  # Organization
    county: Any  # a county-level 党委 (second level)
    branch50: Any  # a 党支部 with exactly 50 members
    users: dict[str, Any]  # BENCH_USERS keys -> User
    branches: int
    members: int
    password: str = BENCH_PASSWORD

    def branch_paths(self) -> Iterator[str]:
        from dangjian.core.paths import subtree_q
        from dangjian.orgs.models import Organization

        qs = Organization.objects.filter(subtree_q("path", self.root.path), kind="branch").order_by("path")
        yield from qs.values_list("path", flat=True).iterator(chunk_size=5000)


# --------------------------------------------------------------------------- tree shape

VILLAGE_A = "王李张刘陈杨黄赵吴周石柳桃杏梨枣黄青白红金银龙凤马牛鹿羊花竹松柏槐杨桑茶"
VILLAGE_B = ("家", "树", "木", "水", "山", "石", "龙", "凤", "云", "河", "溪", "岭", "坡", "台", "园", "林")
VILLAGE_C = ("村", "沟村", "湾村", "坪村", "岭村", "河村", "坝村", "庄村", "岗村", "垭村", "店村", "铺村")
PLACE = ("东", "西", "南", "北", "中", "新", "兴", "安", "和", "平", "永", "福", "宝", "丰", "清", "明", "长", "康")
PLACE2 = ("城", "阳", "山", "河", "江", "湖", "桥", "关", "港", "华", "园", "林", "泉", "峰", "溪", "湾")
DEPTS = (
    "办公室",
    "政策法规科",
    "计划财务科",
    "人事科",
    "综合业务科",
    "督查科",
    "信息中心",
    "执法大队",
    "审批服务科",
    "机关服务中心",
)
COLLEGES = ("文学院", "理学院", "工学院", "医学院", "经济管理学院", "法学院", "外国语学院", "信息工程学院", "艺术学院")
SOE_UNITS = ("生产部", "运营部", "工程部", "财务部", "营销中心", "技术中心", "物流公司", "销售公司", "检修车间")
WARDS = ("内科", "外科", "儿科", "妇产科", "急诊科", "护理部", "医技科", "行政后勤", "药剂科", "检验科")
BUREAUS = ("财政", "教育", "民政", "公安", "司法", "交通运输", "住建", "农业农村", "商务", "文旅", "卫健", "税务")
COMPANIES = ("科技有限公司", "电子有限公司", "新材料有限公司", "商贸有限公司", "物流有限公司", "建设有限公司")


@dataclass
class L3Kind:
    code: str
    sector: str
    weight: float  # relative number of branches


L3_KINDS = {
    "town": L3Kind("town", "village", 1.0),
    "street": L3Kind("street", "community", 0.9),
    "university": L3Kind("university", "university", 2.2),
    "hospital": L3Kind("hospital", "hospital", 1.0),
    "soe": L3Kind("soe", "soe", 1.6),
    "agency": L3Kind("agency", "agency", 0.45),
    "private": L3Kind("private", "private", 1.3),
}

# Second level: (name, [(l3 kind, count), ...])
L2_UNITS: list[tuple[str, list[tuple[str, int]]]] = [
    ("中共云州市城关区委员会", [("street", 6), ("town", 4)]),
    ("中共云州市江北区委员会", [("street", 4), ("town", 5)]),
    ("中共云州市南岸区委员会", [("street", 3), ("town", 6)]),
    ("中共云州市云阳区委员会", [("town", 8)]),
    ("中共丹江市委员会", [("street", 2), ("town", 7)]),
    ("中共青峰县委员会", [("town", 8)]),
    ("中共竹岭县委员会", [("town", 8)]),
    ("中共房陵县委员会", [("town", 8)]),
    ("中共白河县委员会", [("town", 8)]),
    ("中共云州市直属机关工作委员会", [("agency", 12)]),
    ("中共云州市委教育工作委员会", [("university", 8)]),
    ("中共云州市卫生健康委员会委员会", [("hospital", 7)]),
    ("中共云州市国资委委员会", [("soe", 8)]),
    ("中共云州市委两新组织工作委员会", [("private", 5)]),
    ("中共云州高新区工作委员会", [("private", 2), ("street", 2)]),
]


@dataclass
class OrgRow:
    path: str
    name: str
    kind: str
    sector: str
    unit_name: str = ""
    joint: bool = False
    has_committee: bool = False
    term_started_on: dt.date | None = None
    term_years: int = 3
    established_on: dt.date | None = None
    numchild: int = 0
    # branches only
    size: int = 0
    profile: str = ""
    groups: list[OrgRow] = field(default_factory=list)


class TreeBuilder:
    def __init__(self, rng: random.Random, today: dt.date, root_path: str) -> None:
        self.city = "云州"  # the city whose units are being added (a province adds several)
        self.rng = rng
        self.today = today
        self.root_path = root_path
        self.rows: list[OrgRow] = []
        self.branches: list[OrgRow] = []

    def add(self, parent: OrgRow | None, **kw: Any) -> OrgRow:
        if parent is None:
            path = self.root_path
        else:
            parent.numchild += 1
            path = parent.path + step(parent.numchild)
        kw.setdefault("established_on", dt.date(self.rng.randint(1980, 2020), self.rng.randint(1, 12), 1))
        row = OrgRow(path=path, **kw)
        years = 5 if row.sector in ("village", "community") or row.kind == "committee" else 3
        row.term_years = years
        # Most terms well inside their span; ~8 % expiring within 6 months or already expired.
        late = self.rng.random() < 0.12
        age = self.rng.randrange(30, years * 365 + 220) if late else self.rng.randrange(30, years * 300)
        row.term_started_on = self.today - dt.timedelta(days=age)
        self.rows.append(row)
        return row

    def village(self) -> str:
        r = self.rng
        return r.choice(VILLAGE_A) + r.choice(VILLAGE_B) + r.choice(VILLAGE_C)

    def place(self) -> str:
        return self.rng.choice(PLACE) + self.rng.choice(PLACE2)

    def l3(self, parent: OrgRow, kind: str, quota: int, serial: int) -> None:
        r = self.rng
        sector = L3_KINDS[kind].sector
        if kind == "town":
            unit = f"{self.place()}镇"
            name = f"中共{unit}委员会"
        elif kind == "street":
            unit = f"{self.place()}街道"
            name = f"中共{unit}工作委员会"
        elif kind == "university":
            field_ = r.choice(("理工", "师范", "医学", "职业技术", "财经", "文理"))
            unit = f"{self.city}{field_}学院{'' if serial < 2 else cn(serial)}"
            name = f"中共{unit}委员会"
        elif kind == "hospital":
            unit = f"{self.city}市第{cn(serial + 1)}人民医院"
            name = f"中共{unit}委员会"
        elif kind == "soe":
            trade = r.choice(("水务", "城投", "交投", "能源", "文旅", "产业", "建工", "农发"))
            unit = f"{self.city}{trade}集团有限公司"
            name = f"中共{unit}委员会"
        elif kind == "agency":
            # The first one is the finance bureau: the roster benchmark's 50-member branch lives there.
            unit = f"{self.city}市{BUREAUS[0] if serial == 1 else r.choice(BUREAUS)}局"
            name = f"中共{unit}机关委员会"
        else:
            unit = f"{self.place()}产业园"
            name = f"中共{unit}综合委员会"
        committee = self.add(parent, name=name, kind="committee", sector=sector, unit_name=unit, has_committee=True)
        n_general = quota // 14 if kind != "agency" else 0
        remaining = quota
        for g in range(n_general):
            if kind == "town":
                gname, gsector = f"{self.place()}片区党总支", "village"
            elif kind == "street":
                gname, gsector = f"{self.place()}社区党总支", "community"
            elif kind == "university":
                gname, gsector = f"{COLLEGES[g % len(COLLEGES)]}党总支", "university"
            elif kind == "soe":
                gname, gsector = f"{SOE_UNITS[g % len(SOE_UNITS)]}党总支", "soe"
            elif kind == "hospital":
                gname, gsector = f"{WARDS[g % len(WARDS)]}党总支", "hospital"
            else:
                gname, gsector = f"第{cn(g + 1)}联合党总支", "private"
            gb = self.add(
                committee, name=gname, kind="general_branch", sector=gsector, unit_name=unit, has_committee=True
            )
            k = min(remaining, r.randint(6, 11))
            for i in range(k):
                self.branch(gb, kind, unit, i)
            remaining -= k
        for i in range(remaining):
            self.branch(committee, kind, unit, i)

    def branch(self, parent: OrgRow, kind: str, unit: str, i: int) -> OrgRow:
        r = self.rng
        joint = False
        if kind == "town":
            name, profile, sector = f"{self.village()}党支部", "village", "village"
            if i == 0:
                name, profile, sector = "镇机关党支部", "agency", "agency"
        elif kind == "street":
            name, profile, sector = f"{self.place()}社区党支部", "community", "community"
        elif kind == "university":
            college = parent.name.removesuffix("党总支") if parent.kind == "general_branch" else r.choice(COLLEGES)
            who = r.choice(("教工", "本科生", "研究生", "本科生"))
            name = f"{college}{who}第{cn(i % 20 + 1)}党支部"
            profile, sector = ("teacher" if who == "教工" else "student"), "university"
        elif kind == "hospital":
            name, profile, sector = f"{r.choice(WARDS)}第{cn(i % 20 + 1)}党支部", "hospital", "hospital"
        elif kind == "soe":
            name, profile, sector = f"{r.choice(SOE_UNITS)}第{cn(i % 20 + 1)}党支部", "soe", "soe"
        elif kind == "agency":
            name, profile, sector = f"{DEPTS[i % len(DEPTS)]}党支部", "agency", "agency"
            if i == len(DEPTS):
                name, profile = "离退休干部党支部", "agency_retired"
        else:
            joint = r.random() < 0.3
            name = f"{self.place()}{r.choice(COMPANIES)}{'等联合' if joint else ''}党支部"
            profile, sector = "private", "private"
        row = self.add(parent, name=name, kind="branch", sector=sector, unit_name=unit, joint=joint)
        row.profile = profile
        self.branches.append(row)
        return row


def branch_sizes(rng: random.Random, n: int, total: int) -> list[int]:
    """Sizes for n branches summing to `total`: mostly 5–35, a few tiny (<3) and a few above 50."""
    buckets = [((1, 2), 2), ((3, 9), 22), ((10, 19), 30), ((20, 35), 30), ((36, 50), 14), ((51, 70), 2)]
    sizes = []
    for _ in range(n):
        (lo, hi) = rng.choices([b[0] for b in buckets], weights=[b[1] for b in buckets])[0]
        sizes.append(rng.randint(lo, hi))
    scale = total / sum(sizes)
    sizes = [max(1, round(s * scale)) for s in sizes]
    diff = total - sum(sizes)
    while diff:
        i = rng.randrange(n)
        if diff > 0 and sizes[i] < 70:
            sizes[i] += 1
            diff -= 1
        elif diff < 0 and sizes[i] > 3:
            sizes[i] -= 1
            diff += 1
    return sizes


# --------------------------------------------------------------------------- generation


class FastInsert:
    """Insert plain dict rows into a model's table without per-row ORM work.

    SQLite: executemany on the raw connection; PostgreSQL: COPY. Missing columns take the field's
    default; auto_now/auto_now_add columns get "now". Only for freshly generated benchmark data.
    """

    def __init__(self, model: Any) -> None:
        from django.db import connection, models
        from django.utils import timezone

        self.connection = connection
        self.table = model._meta.db_table
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.columns = [f.column for f in self.fields]
        ops = connection.ops
        now = ops.adapt_datetimefield_value(timezone.now())
        self.plan: list[tuple[str, Any, Callable[[Any], Any] | None]] = []
        for f in self.fields:
            if isinstance(f, models.DateTimeField):
                conv: Callable[[Any], Any] | None = ops.adapt_datetimefield_value
                default = now if (f.auto_now or f.auto_now_add) else None
            elif isinstance(f, models.DateField):
                conv = ops.adapt_datefield_value
                default = None
            else:
                conv = None
                default = f.get_default() if f.has_default() else (None if f.null else "")
            self.plan.append((f.attname, default, conv))

    def row(self, data: dict[str, Any]) -> tuple[Any, ...]:
        out = []
        for attname, default, conv in self.plan:
            v = data.get(attname, default)
            if conv is not None and v is not None and v is not default:
                v = conv(v)
            out.append(v)
        return tuple(out)

    def insert(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        values = [self.row(r) for r in rows]
        cols = ", ".join(self.connection.ops.quote_name(c) for c in self.columns)
        self.connection.ensure_connection()
        raw = self.connection.connection
        if self.connection.vendor == "postgresql":
            with raw.cursor() as cur, cur.copy(f"COPY {self.table} ({cols}) FROM STDIN") as copy:
                for v in values:
                    copy.write_row(v)
        else:
            marks = ", ".join("?" for _ in self.columns)
            raw.executemany(f"INSERT INTO {self.table} ({cols}) VALUES ({marks})", values)  # noqa: S608


def _next_root_path() -> str:
    from dangjian.orgs.models import Organization

    last = Organization.objects.filter(depth=1).order_by("-path").values_list("path", flat=True).first()
    if last is None:
        return step(1)
    return step(int(last, 36) + 1)


def shape_city(tb: TreeBuilder, parent: OrgRow, branches: int) -> None:
    """A city's 15 county/district/system 党委 and their units under `parent`, with `branches` 党支部."""
    l3_specs: list[tuple[OrgRow, str]] = []
    for l2_template, parts in L2_UNITS:
        l2_name = l2_template.replace("云州", tb.city)
        l2 = tb.add(
            parent, name=l2_name, kind="committee", sector="agency", unit_name=l2_name[2:-3], has_committee=True
        )
        for kind, count in parts:
            l3_specs.extend((l2, kind) for _ in range(count))
    weights = [L3_KINDS[k].weight for _, k in l3_specs]
    quotas = [max(1, int(branches * w / sum(weights))) for w in weights]
    for i in range(branches - sum(quotas)):
        quotas[i % len(quotas)] += 1
    serial: dict[str, int] = {}
    for (l2, kind), quota in zip(l3_specs, quotas, strict=True):
        serial[kind] = serial.get(kind, 0) + 1
        tb.l3(l2, kind, quota, serial[kind])


def generate(
    *,
    branches: int = 10_000,
    members: int = 200_000,
    seed: int = 42,
    shape: str = "city",
    log: Callable[[str], None] = print,
) -> City:
    """Bulk-insert the benchmark tree: `shape` "city" (one city) or "province" (15 cities under a
    province 党委, the branches shared among them; the 50-member branch lives in the first city)."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from bench._common import peak_rss_mb
    from dangjian.accounts.models import RoleAssignment, User
    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization, OrgPost
    from dangjian.site.demo_foundation import PROFILES, PersonFactory

    t_start = time.perf_counter()
    today = timezone.localdate()
    rng = random.Random(seed)
    people = PersonFactory(random.Random(seed + 1), today, phone_offset=10_000_000)

    # 1. Shape the tree in memory.
    tb = TreeBuilder(rng, today, _next_root_path())
    if shape == "province":
        root = tb.add(
            None,
            name=PROVINCE_ROOT_NAME,
            kind="committee",
            sector="agency",
            unit_name=PROVINCE_MARK,
            has_committee=True,
        )
        weights = [w for _, w in PROVINCE_CITIES]
        city_quotas = [int(branches * w / sum(weights)) for w in weights]
        city_quotas[0] += branches - sum(city_quotas)
        for (city_name, _), quota in zip(PROVINCE_CITIES, city_quotas, strict=True):
            tb.city = city_name
            city_row = tb.add(
                root,
                name=f"中共{city_name}市委员会",
                kind="committee",
                sector="agency",
                unit_name=f"{city_name}市",
                has_committee=True,
            )
            shape_city(tb, city_row, quota)
        tb.city = PROVINCE_CITIES[0][0]
    else:
        root = tb.add(
            None, name=CITY_ROOT_NAME, kind="committee", sector="agency", unit_name=CITY_MARK, has_committee=True
        )
        shape_city(tb, root, branches)

    # The 50-member branch used by the roster benchmark: the finance bureau's budget division.
    branch50 = next(b for b in tb.branches if b.profile == "agency" and b.unit_name == f"{tb.city}市财政局")
    branch50.name = BRANCH50_NAME
    sizes = branch_sizes(rng, len(tb.branches) - 1, members - 50)
    it = iter(sizes)
    for b in tb.branches:
        b.size = 50 if b is branch50 else next(it)
        if b.size >= 20 and (b is branch50 or rng.random() < 0.75):
            for gi in range(math.ceil(b.size / 9)):
                g = tb.add(b, name=f"第{cn(gi + 1)}党小组", kind="group", sector=b.sector, unit_name=b.unit_name)
                b.groups.append(g)
        b.has_committee = b.size >= 7 and rng.random() < 0.93
    t_shape = time.perf_counter()
    log(f"tree shaped: {len(tb.rows):,} orgs ({len(tb.branches):,} branches) in {t_shape - t_start:.1f} s")

    with transaction.atomic():
        # 2. Organizations, in one bulk insert.
        FastInsert(Organization).insert(
            [
                {
                    "path": r.path,
                    "depth": len(r.path) // STEPLEN,
                    "numchild": r.numchild,
                    "name": r.name,
                    "kind": r.kind,
                    "sector": r.sector,
                    "joint": r.joint,
                    "temporary": False,
                    "unit_name": r.unit_name,
                    "established_on": r.established_on,
                    "has_committee": r.has_committee,
                    "term_started_on": r.term_started_on,
                    "term_years": r.term_years,
                }
                for r in tb.rows
            ]
        )
        pk_of = dict(
            Organization.objects.filter(path__gte=root.path, path__lt=root.path + "~").values_list("path", "pk")
        )
        t_orgs = time.perf_counter()
        log(f"organizations: {len(tb.rows):,} rows in {t_orgs - t_shape:.1f} s")

        # 3. Members, flushed in chunks so memory stays flat.
        member_rows = FastInsert(Member)
        buf: list[dict[str, Any]] = []
        n_members = 0
        for b in tb.branches:
            org_id = pk_of[b.path]
            profile = PROFILES[b.profile]
            group_ids = [pk_of[g.path] for g in b.groups]
            for i in range(b.size):
                data = people.member(profile, unit=b.unit_name, status="full" if i < 3 else None)
                data["org_id"] = org_id
                data["org_path"] = b.path
                if group_ids:
                    data["group_id"] = group_ids[i % len(group_ids)]
                buf.append(data)
            if len(buf) >= 10_000:
                member_rows.insert(buf)
                n_members += len(buf)
                buf.clear()
        member_rows.insert(buf)
        n_members += len(buf)
        buf.clear()
        t_members = time.perf_counter()
        log(
            f"members: {n_members:,} rows in {t_members - t_orgs:.1f} s "
            f"({n_members / (t_members - t_orgs):,.0f} rows/s), peak RSS {peak_rss_mb():.0f} MB"
        )

        # Posts: each branch's first three members (full members by construction).
        committee_of = {pk_of[b.path]: b.has_committee for b in tb.branches}
        firsts: dict[int, list[int]] = {}
        for org_id, member_id in (
            Member.objects.filter(org_path__gte=root.path, org_path__lt=root.path + "~")
            .order_by("id")
            .values_list("org_id", "id")
            .iterator(chunk_size=20_000)
        ):
            got = firsts.setdefault(org_id, [])
            if len(got) < 3:
                got.append(member_id)
        posts = []
        for org_id, ids in firsts.items():
            titles = ("secretary", "organization", "propaganda") if committee_of[org_id] else ("secretary",)
            for member_id, post in zip(ids, titles, strict=False):
                posts.append({"org_id": org_id, "member_id": member_id, "post": post})
        FastInsert(OrgPost).insert(posts)
        t_posts = time.perf_counter()
        log(f"posts: {len(posts):,} rows in {t_posts - t_members:.1f} s")

        # 4. Logins for the benchmarks.
        hashed = make_password(BENCH_PASSWORD)
        county = tb.rows[1]
        anchor = {"root": pk_of[root.path], "county": pk_of[county.path], "branch50": pk_of[branch50.path]}
        users = {}
        for key, (phone, name, role, where) in BENCH_USERS.items():
            users[key] = User.objects.create(phone=phone, name=name, password=hashed)
            RoleAssignment.objects.create(user=users[key], org_id=anchor[where], role=role)
        linked = Member.objects.filter(org_id=anchor["branch50"]).order_by("pk").last()
        assert linked is not None
        Member.objects.filter(pk=linked.pk).update(user=users["member"], name=BENCH_USERS["member"][1])

    # 5. Planner statistics, as a maintained production database would have them.
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    t_end = time.perf_counter()
    rows = len(tb.rows) + n_members
    log(
        f"city generated: {len(tb.rows):,} orgs, {len(tb.branches):,} branches, {n_members:,} members "
        f"in {t_end - t_start:.1f} s ({rows / (t_end - t_start):,.0f} rows/s overall), "
        f"peak RSS {peak_rss_mb():.0f} MB"
    )
    return load_city()


def load_city() -> City:
    from dangjian.accounts.models import User
    from dangjian.core.paths import subtree_q
    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization

    root = Organization.objects.filter(depth=1, name__in=ROOT_NAMES).order_by("path").first()
    assert root is not None, "no benchmark city or province in this database"
    county = Organization.objects.filter(depth=2, path__startswith=root.path).order_by("path").first()
    branch50 = Organization.objects.get(name=BRANCH50_NAME, path__startswith=root.path)
    users = {u.phone: u for u in User.objects.filter(phone__in=[v[0] for v in BENCH_USERS.values()])}
    return City(
        root=root,
        county=county,
        branch50=branch50,
        users={k: users[v[0]] for k, v in BENCH_USERS.items()},
        branches=Organization.objects.filter(subtree_q("path", root.path), kind="branch").count(),
        members=Member.objects.filter(subtree_q("org_path", root.path)).count(),
    )


def city_exists() -> bool:
    """A benchmark city or province is present (the province answers every bench script as "the city")."""
    from dangjian.orgs.models import Organization

    return Organization.objects.filter(depth=1, name__in=ROOT_NAMES).exists()


def ensure_city(branches: int = 10_000, members: int = 200_000, log: Callable[[str], None] = print) -> City:
    """The city in the current database, generating it first if it is missing."""
    if city_exists():
        return load_city()
    return generate(branches=branches, members=members, log=log)


def renice_backend() -> None:
    """Lower the CPU priority of this connection's PostgreSQL backend to this process's own niceness
    (`nice -n 15 python bench/...` then also makes the COPY/INSERT work yield on a shared machine).
    Only when the server runs on this machine and we may change its priority; silent otherwise."""
    import os

    from django.db import connection

    mine = os.getpriority(os.PRIO_PROCESS, 0)
    if connection.vendor != "postgresql" or mine <= 0:
        return
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        os.setpriority(os.PRIO_PROCESS, pid, mine)
        print(f"database backend {pid} reniced to {mine}")
    except OSError:
        pass


def main() -> None:
    from bench._common import city_arg_parser, setup_django

    p = city_arg_parser(__doc__.splitlines()[1] if __doc__ else "")
    p.add_argument("--force", action="store_true", help="generate even if the city already exists")
    p.add_argument(
        "--shape",
        choices=("city", "province"),
        default="city",
        help="province: 15 cities under a province 党委 (use with --branches 250000 --members 5000000)",
    )
    args = p.parse_args()
    print(f"database: {args.database_url.split('@')[-1]}")
    t0 = time.perf_counter()
    setup_django(args.database_url)
    print(f"migrate: {time.perf_counter() - t0:.1f} s")
    renice_backend()
    if city_exists() and not args.force:
        city = load_city()
        print(f"city already present: {city.branches:,} branches, {city.members:,} members (--force adds another)")
    else:
        city = generate(branches=args.branches, members=args.members, shape=args.shape)
    print(f"logins (password {BENCH_PASSWORD}): " + ", ".join(f"{k}={v[0]}" for k, v in BENCH_USERS.items()))
    print(f"50-member branch: {city.branch50.name} (pk {city.branch50.pk}); root pk {city.root.pk}")


if __name__ == "__main__":
    main()

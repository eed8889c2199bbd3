"""The demo instance's foundation: a believable org tree, roster and one login per role.

Two users of this module:
- `manage.py demo_data` calls `build_foundation()`, which writes through the real services
  (`org_create`, `member_create`, `post_assign`, `role_assign` …) so the audit chain is real.
- `bench/generate_city.py` reuses the person generator (`PersonFactory`) to bulk-insert a city.

Everything is deterministic for a given seed and `today`. All names are generated; any resemblance
to real people is coincidental. The city (汉江市) is fictional.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from dangjian.accounts.services import account_create_for_member, role_assign, user_create
from dangjian.core.demo import DemoContext
from dangjian.core.scoping import SYSTEM
from dangjian.members.rules import id_check_char
from dangjian.members.services import member_create
from dangjian.orgs.models import Organization, Post
from dangjian.orgs.rules import default_term_years
from dangjian.orgs.services import org_create, post_assign

DEMO_PASSWORD = "Dangjian-2026"  # noqa: S105 - published demo password, printed on purpose
DEMO_ROOT_NAME = "中共汉江市委员会"


@dataclass(frozen=True)
class DemoLogin:
    key: str  # ctx.users key
    phone: str
    name: str
    sex: str
    label: str  # role, printed
    branch: str = ""  # when set, the person is a roster member of this branch (index `index`)
    index: int = 0


DEMO_LOGINS: list[DemoLogin] = [
    DemoLogin("org_admin", "13800000001", "周组织", "F", "组织部管理员（汉江市委，全市）"),
    DemoLogin(
        "secretary", "13800000002", "王建国", "M", "党支部书记（市教育局机关第一党支部）", "市教育局机关第一党支部", 0
    ),
    DemoLogin(
        "liaison",
        "13800000003",
        "李晓红",
        "F",
        "组织委员/联络员（市教育局机关第一党支部）",
        "市教育局机关第一党支部",
        1,
    ),
    DemoLogin("member", "13800000004", "张卫东", "M", "党员（市教育局机关第一党支部）", "市教育局机关第一党支部", 9),
    DemoLogin("reviewer", "13800000005", "陈思远", "M", "评审专家（党建品牌评审）"),
    DemoLogin(
        "other_liaison", "13800000006", "赵文静", "F", "联络员（柳树湾村党支部，看不到市直机关）", "柳树湾村党支部", 1
    ),
    DemoLogin("university_admin", "13800000007", "孙明德", "M", "党委管理员（汉江医学院党委）"),
]
SYSTEM_PHONE = "13800000000"

# --------------------------------------------------------------------------- people

# Common surnames, roughly by frequency (weights are per-mille-ish, not census figures).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_SURNAME_CUM = list(itertools.accumulate(max(1, 100 - i) for i in range(len(SURNAMES))))
GIVEN_MALE = (
    "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发"
    "武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪"
    "心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启"
    "克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘"
)
GIVEN_FEMALE = (
    "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹"
    "霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶"
    "怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希"
    "宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"
)
ETHNICITIES = [
    ("汉族", 930),
    ("土家族", 25),
    ("回族", 12),
    ("苗族", 10),
    ("满族", 8),
    ("蒙古族", 5),
    ("壮族", 5),
    ("侗族", 5),
]
# Hubei-style county codes: the validator checks format, date and check digit, not the register.
REGIONS = ("420302", "420303", "420304", "420322", "420323", "420324", "420325", "420381", "420102", "420106")
MOBILE_DESTINATIONS = (
    "广东省深圳市",
    "广东省东莞市",
    "浙江省杭州市",
    "江苏省苏州市",
    "上海市浦东新区",
    "湖北省武汉市",
    "福建省厦门市",
    "北京市朝阳区",
)
PHONE_PREFIXES = ("135", "136", "138", "139", "150", "151", "158", "159", "177", "180", "186", "187", "189", "199")


@dataclass(frozen=True)
class Profile:
    """What kind of people a branch has (drives category, age, status and flags)."""

    category_weights: tuple[tuple[str, int], ...]
    probationary_share: float = 0.04
    mobile_share: float = 0.0
    unit: str = ""


PROFILES: dict[str, Profile] = {
    "agency": Profile((("in_service", 92), ("retired", 8))),
    "agency_retired": Profile((("retired", 100),), probationary_share=0.0),
    "teacher": Profile((("in_service", 88), ("retired", 12)), probationary_share=0.03),
    "student": Profile((("student", 100),), probationary_share=0.35),
    "hospital": Profile((("in_service", 90), ("retired", 10)), probationary_share=0.05),
    "village": Profile((("farmer", 62), ("retired", 18), ("unemployed", 12), ("in_service", 8)), mobile_share=0.12),
    "community": Profile((("retired", 55), ("in_service", 25), ("unemployed", 15), ("other", 5)), mobile_share=0.03),
    "soe": Profile((("in_service", 94), ("retired", 6)), probationary_share=0.05, mobile_share=0.01),
    "private": Profile((("in_service", 97), ("other", 3)), probationary_share=0.06, mobile_share=0.04),
}

_AGE = {
    "in_service": (24, 59),
    "retired": (58, 90),
    "student": (19, 25),
    "farmer": (28, 78),
    "unemployed": (25, 65),
    "other": (25, 70),
}
_EDUCATION = {
    "in_service": (("bachelor", 50), ("postgraduate", 20), ("college", 22), ("secondary", 8)),
    "retired": (("bachelor", 20), ("college", 25), ("secondary", 35), ("junior", 20)),
    "student": (("bachelor", 70), ("postgraduate", 30)),
    "farmer": (("junior", 55), ("secondary", 35), ("college", 10)),
    "unemployed": (("secondary", 45), ("junior", 30), ("college", 25)),
    "other": (("secondary", 40), ("college", 40), ("bachelor", 20)),
}
_JOB = {
    "in_service": ("科员", "工程师", "主任科员", "科长", "教师", "医师", "护士", "技术员", "会计", "职员"),
    "retired": ("退休干部", "退休职工", "退休教师"),
    "student": ("本科生", "硕士研究生", "博士研究生"),
    "farmer": ("村民", "种植户", "养殖户", "合作社社员"),
    "unemployed": ("个体经营", "灵活就业"),
    "other": ("自由职业",),
}


_CUM: dict[int, tuple[list[str], list[int]]] = {}


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...] | list[tuple[str, int]]) -> str:
    # Cumulative weights cached per table: this runs a few times per generated member.
    cached = _CUM.get(id(pairs))
    if cached is None:
        values, cum, total = [], [], 0
        for value, weight in pairs:
            total += weight
            values.append(value)
            cum.append(total)
        cached = _CUM[id(pairs)] = (values, cum)
    return rng.choices(cached[0], cum_weights=cached[1])[0]


def _add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


class PersonFactory:
    """Generates believable, valid and unique member data (身份证号 and phone unique per factory).

    `phone_offset` keeps phones of different factories apart (demo vs. benchmark data).
    """

    def __init__(self, rng: random.Random, today: dt.date, phone_offset: int = 0) -> None:
        self.rng = rng
        self.today = today
        self._check = id_check_char
        self._ids: set[str] = set()
        self._phones = phone_offset

    def name(self, sex: str) -> str:
        rng = self.rng
        surname = rng.choices(SURNAMES, cum_weights=_SURNAME_CUM)[0]
        pool = GIVEN_MALE if sex == "M" else GIVEN_FEMALE
        given = rng.choice(pool) if rng.random() < 0.3 else rng.choice(pool) + rng.choice(pool)
        return surname + given

    def id_number(self, birth: dt.date, sex: str) -> str:
        rng = self.rng
        while True:
            order = rng.randrange(0, 500) * 2 + (1 if sex == "M" else 0)
            first17 = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{order:03d}"
            value = first17 + self._check(first17)
            if value not in self._ids:
                self._ids.add(value)
                return value

    def phone(self) -> str:
        # A bijection of the counter onto 8 digits: unique, yet not visibly sequential.
        n = self._phones
        self._phones += 1
        return f"{PHONE_PREFIXES[n % len(PHONE_PREFIXES)]}{(n * 7919 + 1234567) % 10**8:08d}"

    def member(
        self,
        profile: Profile,
        *,
        unit: str = "",
        category: str | None = None,
        status: str | None = None,
        sex: str | None = None,
    ) -> dict[str, Any]:
        """One member's data in the shape `MemberForm` / `Member(**data)` takes (no org fields)."""
        rng, today = self.rng, self.today
        category = category or _weighted(rng, profile.category_weights)
        sex = sex or ("M" if rng.random() < (0.62 if category != "student" else 0.45) else "F")
        lo, hi = _AGE[category]
        age = rng.randint(lo, hi)
        birth = today - dt.timedelta(days=age * 365 + rng.randrange(365))
        probationary = status == "probationary" or (status is None and rng.random() < profile.probationary_share)
        adult = _add_years(birth, 18)
        if probationary:
            # Admitted within the last year (预备期一年); never before turning 18.
            earliest = max(adult, today - dt.timedelta(days=360))
            joined = earliest + dt.timedelta(days=rng.randrange(max(1, (today - earliest).days - 5)))
            converted = None
        else:
            earliest = adult + dt.timedelta(days=rng.randrange(30, 365 * 12 if category != "student" else 400))
            latest = today - dt.timedelta(days=400)
            if earliest > latest:
                earliest = max(adult, latest - dt.timedelta(days=30))
            joined = earliest + dt.timedelta(days=rng.randrange(max(1, (latest - earliest).days)))
            converted = _add_years(joined, 1)
            if converted >= today:
                converted = today - dt.timedelta(days=1)
        data: dict[str, Any] = {
            "name": self.name(sex),
            "sex": sex,
            "ethnicity": _weighted(rng, ETHNICITIES),
            "birth_date": birth,
            "id_number": self.id_number(birth, sex),
            "phone": self.phone() if rng.random() < 0.97 else "",
            "education": _weighted(rng, _EDUCATION[category]),
            "unit": unit or profile.unit,
            "job_title": rng.choice(_JOB[category]),
            "joined_on": joined,
            "converted_on": converted,
            "status": "probationary" if probationary else "full",
            "category": category,
            "is_mobile": False,
            "mobile_destination": "",
            "mobile_contact": "",
            "mobile_last_contact": None,
            "exempt": False,
            "exempt_reason": "",
            "exempt_application": "",
            "exempt_approved_by": "",
            "exempt_on": None,
            "lost_contact": False,
            "lost_contact_since": None,
        }
        if category in ("farmer", "unemployed", "in_service") and rng.random() < profile.mobile_share:
            data.update(
                is_mobile=True,
                mobile_destination=rng.choice(MOBILE_DESTINATIONS),
                mobile_contact=rng.choice(("微信", "电话", "微信、电话")),
                mobile_last_contact=today - dt.timedelta(days=rng.randrange(5, 75)),
            )
        if category == "retired" and age >= 78 and rng.random() < 0.35:
            data.update(
                exempt=True,
                exempt_reason=rng.choice(("年老体弱、行动不便", "长期患病、卧床休养", "随子女异地居住且年老体弱")),
                exempt_application=f"本人书面申请（{today.year - rng.randint(0, 2)}年）",
                exempt_approved_by="支部委员会",
                exempt_on=today - dt.timedelta(days=rng.randrange(30, 900)),
            )
        elif rng.random() < 0.003:
            data.update(lost_contact=True, lost_contact_since=today - dt.timedelta(days=rng.randrange(200, 2000)))
        return data


# --------------------------------------------------------------------------- demo tree

# A branch spec: (name, profile, members, extra) — extra may hold: joint, committee (bool),
# term_age_days (how long ago the current term started), groups (number of 党小组), mobile (extra count).
BranchSpec = tuple[str, str, int, dict[str, Any]]


@dataclass
class FoundationResult:
    ctx: DemoContext
    seconds: float
    orgs: int
    members: int


def _tree_spec() -> list[tuple[str, str, str, list[Any]]]:
    """Second-level units: (name, kind, sector, children). Children are BranchSpec or nested units."""
    return [
        (
            "中共汉江医学院委员会",
            "committee",
            "university",
            [
                (
                    "基础医学院党委",
                    "committee",
                    "university",
                    [
                        ("基础医学院教工第一党支部", "teacher", 18, {"committee": True, "groups": 2}),
                        ("基础医学院教工第二党支部", "teacher", 12, {"committee": True}),
                        ("基础医学院本科生党支部", "student", 26, {"committee": True, "groups": 3}),
                        ("基础医学院研究生党支部", "student", 22, {"committee": True, "groups": 2}),
                    ],
                ),
                (
                    "临床医学院党委",
                    "committee",
                    "university",
                    [
                        ("临床医学院教工党支部", "teacher", 24, {"committee": True, "groups": 3}),
                        ("临床医学院本科生第一党支部", "student", 30, {"committee": True, "groups": 3}),
                        ("临床医学院本科生第二党支部", "student", 21, {"committee": True}),
                        ("临床医学院研究生党支部", "student", 16, {"committee": True}),
                    ],
                ),
                (
                    "护理学院党委",
                    "committee",
                    "university",
                    [
                        ("护理学院教工党支部", "teacher", 11, {"committee": True}),
                        ("护理学院学生党支部", "student", 19, {"committee": True, "groups": 2}),
                    ],
                ),
                (
                    "附属医院党委",
                    "committee",
                    "hospital",
                    [
                        ("附属医院内科党支部", "hospital", 26, {"committee": True, "groups": 3}),
                        ("附属医院外科党支部", "hospital", 23, {"committee": True, "groups": 3}),
                    ],
                ),
                ("机关第一党支部", "agency", 14, {"committee": True}),
                ("离退休教职工党支部", "agency_retired", 32, {"committee": True, "groups": 4}),
            ],
        ),
        (
            "中共青山镇委员会",
            "committee",
            "village",
            [
                (
                    "青山镇机关党总支",
                    "general_branch",
                    "agency",
                    [
                        ("镇机关第一党支部", "agency", 13, {"committee": True}),
                        ("镇机关第二党支部", "agency", 9, {"committee": True}),
                        ("镇直单位联合党支部", "agency", 8, {"joint": True, "committee": False}),
                    ],
                ),
                (
                    "柳树湾片区党总支",
                    "general_branch",
                    "village",
                    [
                        ("柳树湾村党支部", "village", 36, {"committee": True, "groups": 4, "term_age_days": 1700}),
                        ("黄龙坪村党支部", "village", 28, {"committee": True, "groups": 3, "lost": True}),
                        ("石门沟村党支部", "village", 2, {"committee": False}),
                    ],
                ),
                ("桃园村党支部", "village", 33, {"committee": True, "groups": 3, "term_age_days": 1900}),
                ("杨家岭村党支部", "village", 24, {"committee": True}),
                ("白果树村党支部", "village", 19, {"committee": True, "groups": 2}),
                ("青龙社区党支部", "community", 26, {"committee": True, "groups": 3, "lost": True}),
                ("新港社区党支部", "community", 21, {"committee": True, "groups": 2, "term_age_days": 1640}),
                ("青山镇非公企业联合党支部", "private", 9, {"joint": True, "committee": True}),
            ],
        ),
        (
            "中共汉江市直属机关工作委员会",
            "committee",
            "agency",
            [
                ("市教育局机关第一党支部", "agency", 16, {"committee": True, "groups": 2}),
                ("市教育局机关第二党支部", "agency", 10, {"committee": False}),
                ("市财政局机关党支部", "agency", 55, {"committee": True, "groups": 5}),
                ("市卫生健康委机关党支部", "agency", 21, {"committee": True, "groups": 2}),
                ("市人力资源和社会保障局机关党支部", "agency", 18, {"committee": True, "term_age_days": 1000}),
                ("市民政局机关党支部", "agency", 12, {"committee": True}),
                ("市司法局机关党支部", "agency", 15, {"committee": True, "term_age_days": 1180}),
                ("市交通运输局机关党支部", "agency", 17, {"committee": True}),
                ("市住房和城乡建设局机关党支部", "agency", 13, {"committee": True}),
                ("市农业农村局机关党支部", "agency", 14, {"committee": True}),
                ("市文化和旅游局机关党支部", "agency", 9, {"committee": True}),
                ("市统计局机关党支部", "agency", 7, {"committee": False}),
                ("市直机关离退休干部党支部", "agency_retired", 38, {"committee": True, "groups": 4}),
                (
                    "市国资委机关党总支",
                    "general_branch",
                    "soe",
                    [
                        ("市国资委机关第一党支部", "soe", 14, {"committee": True}),
                        ("市国资委机关第二党支部", "soe", 11, {"committee": True}),
                    ],
                ),
            ],
        ),
    ]


def build_foundation(
    *,
    today: dt.date | None = None,
    seed: int = 20260701,
    log: Callable[[str], None] = print,
    password: str = DEMO_PASSWORD,
) -> FoundationResult:
    """Build the demo tree, roster, posts and logins through the services. ~40 branches, ~800 members."""
    t0 = time.perf_counter()
    today = today or timezone.localdate()
    rng = random.Random(seed)
    people = PersonFactory(rng, today)
    logins_in = {(lg.branch, lg.index): lg for lg in DEMO_LOGINS if lg.branch}

    with transaction.atomic():
        # The instance's superuser only acts as the first grantor; it has no usable password.
        system = user_create(actor=SYSTEM, phone=SYSTEM_PHONE, name="系统管理员")
        system.is_superuser = True
        system.is_staff = True
        system.save(update_fields=["is_superuser", "is_staff"])
        users: dict[str, Any] = {"superuser": system}
        for lg in DEMO_LOGINS:
            if not lg.branch:
                users[lg.key] = user_create(actor=system, phone=lg.phone, name=lg.name, password=password)

        def term_start(kind: str, sector: str, extra: dict[str, Any]) -> dt.date:
            if "term_age_days" in extra:
                return today - dt.timedelta(days=int(extra["term_age_days"]))
            years = default_term_years(kind, sector)
            # Somewhere in the first 80 % of the term, so most terms are not about to expire.
            return today - dt.timedelta(days=rng.randrange(60, int(years * 365 * 0.8)))

        root = org_create(
            actor=system,
            parent=None,
            name=DEMO_ROOT_NAME,
            kind="committee",
            sector="agency",
            unit_name="汉江市",
            established_on=dt.date(1949, 10, 1),
            has_committee=True,
            term_started_on=dt.date(today.year - 2, 9, 26),
        )
        ctx = DemoContext(today=today, rng=rng, root=root, org_admin=users["org_admin"], log=log)
        ctx.users = users
        role_assign(actor=system, user=users["org_admin"], org=root, role="org_admin")
        role_assign(actor=system, user=users["reviewer"], org=root, role="reviewer")
        admin = users["org_admin"]
        by_name: dict[str, Organization] = {"root": root}
        counts = {"orgs": 1, "members": 0}

        def add_branch(parent: Organization, spec: BranchSpec) -> None:
            name, profile_key, n_members, extra = spec
            profile = PROFILES[profile_key]
            sector = {"teacher": "university", "student": "university", "agency_retired": "agency"}.get(
                profile_key, profile_key
            )
            branch = org_create(
                actor=admin,
                parent=parent,
                name=name,
                kind="branch",
                sector=sector,
                joint=bool(extra.get("joint")),
                unit_name=parent.unit_name,
                established_on=dt.date(rng.randint(1985, 2018), rng.randint(1, 12), 1),
                has_committee=bool(extra.get("committee")),
                term_started_on=term_start("branch", sector, extra),
            )
            by_name[name] = branch
            groups = [
                org_create(
                    actor=admin,
                    parent=branch,
                    name=f"第{'一二三四五六七八九十'[gi]}党小组",
                    kind="group",
                    sector=sector,
                )
                for gi in range(int(extra.get("groups", 0)))
            ]
            counts["orgs"] += 1 + len(groups)
            members = []
            for i in range(n_members):
                login = logins_in.get((name, i))
                # Post holders (the first four) are full members in service, even in student branches.
                if i < 4 and profile_key == "student":
                    data = people.member(
                        PROFILES["teacher"], unit=branch.unit_name, status="full", category="in_service"
                    )
                else:
                    data = people.member(
                        profile,
                        unit=branch.unit_name,
                        status="full" if i < 4 or login else None,
                        sex=login.sex if login else None,
                    )
                if login:
                    data.update(name=login.name, phone=login.phone)
                if i == 5 and extra.get("lost"):
                    data.update(lost_contact=True, lost_contact_since=today - dt.timedelta(days=400 + i))
                if groups:
                    data["group"] = groups[i % len(groups)].pk
                member = member_create(actor=admin, org=branch, data=data)
                members.append(member)
                if login:
                    users[login.key], _ = account_create_for_member(actor=admin, member=member, password=password)
            counts["members"] += len(members)
            if members:
                started = branch.term_started_on
                post_assign(actor=admin, org=branch, member=members[0], post=Post.SECRETARY, started_on=started)
                if len(members) > 1 and branch.has_committee:
                    post_assign(actor=admin, org=branch, member=members[1], post=Post.ORGANIZATION, started_on=started)
                if len(members) > 4 and branch.has_committee:
                    post_assign(actor=admin, org=branch, member=members[2], post=Post.PROPAGANDA, started_on=started)
                    post_assign(actor=admin, org=branch, member=members[3], post=Post.DISCIPLINE, started_on=started)
            ctx.branches.append(branch)
            ctx.members_by_branch[branch.pk] = members

        def add_unit(parent: Organization, spec: tuple[str, str, str, list[Any]]) -> None:
            name, kind, sector, children = spec
            unit_name = name.removeprefix("中共").removesuffix("委员会").removesuffix("党委").removesuffix("党总支")
            unit = org_create(
                actor=admin,
                parent=parent,
                name=name,
                kind=kind,
                sector=sector,
                unit_name=unit_name or name,
                established_on=dt.date(rng.randint(1978, 2010), rng.randint(1, 12), 1),
                has_committee=True,
                term_started_on=term_start(kind, sector, {}),
            )
            counts["orgs"] += 1
            by_name[name] = unit
            for child in children:
                if isinstance(child[3], list):
                    add_unit(unit, child)
                else:
                    add_branch(unit, child)

        for unit_spec in _tree_spec():
            add_unit(root, unit_spec)

        # Role assignments for the logins (the roster-linked ones already have their accounts).
        edu = by_name["市教育局机关第一党支部"]
        role_assign(actor=admin, user=users["secretary"], org=edu, role="secretary")
        role_assign(actor=admin, user=users["liaison"], org=edu, role="liaison")
        role_assign(actor=admin, user=users["member"], org=edu, role="member")
        role_assign(actor=admin, user=users["other_liaison"], org=by_name["柳树湾村党支部"], role="liaison")
        role_assign(actor=admin, user=users["university_admin"], org=by_name["中共汉江医学院委员会"], role="org_admin")

    ctx.extra["orgs_by_name"] = by_name
    seconds = time.perf_counter() - t0
    log(
        f"基础数据：{counts['orgs']} 个党组织、{len(ctx.branches)} 个党支部、{counts['members']} 名党员，"
        f"用时 {seconds:.1f} 秒"
    )
    return FoundationResult(ctx=ctx, seconds=seconds, orgs=counts["orgs"], members=counts["members"])


def demo_loaded() -> bool:
    return Organization.objects.filter(depth=1, name=DEMO_ROOT_NAME).exists()


def print_logins(write: Callable[[str], None] = print, password: str = DEMO_PASSWORD) -> None:
    write("")
    write(f"演示账号 / demo logins（密码均为 / password for all: {password}）")
    for lg in DEMO_LOGINS:
        write(f"  {lg.phone}  {lg.name}\t{lg.label}")
    write("")

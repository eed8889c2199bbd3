"""一支部一特色 at city scale: plagiarism evidence and the campaign board.

    python bench/bench_brands.py                                   # SQLite: var/bench_brands.sqlite3
    python bench/bench_brands.py --database-url postgres://postgres@127.0.0.1:5432/bench_brands

Builds (once per database) a committee with 40 基层党委 and 2,000 党支部, one call with a project per
branch, and 5,000 earlier documents of 3,000 字 (applications, revisions, cases) written from a
bank of shared party-building phrases, so unrelated documents overlap the way real ones do. Bench
data: bulk inserts, no services, no audit events. Then prints, with time and query count:

1. the similarity of a new application (a copied-and-edited earlier one) against all 5,000:
   shingling + signature, LSH candidate search and the exact check of the top candidates
   (target ≤ 1 s), with the match found and an unrelated application's best match;
2. the campaign board for 2,000 branches: the selector and the page through the real view
   (target ≤ 0.5 s).
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import city_arg_parser, measure_get, print_table, setup_django  # noqa: E402

DOCS = 5_000
BRANCHES = 2_000
UNITS = 40
CHARS = 3_000


def counted(fn, *args, **kwargs):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # the build may have filled the query log: counts come from its length
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        result = fn(*args, **kwargs)
        seconds = time.perf_counter() - t0
    return result, seconds, len(ctx.captured_queries)


def phrase_bank(rng: random.Random) -> list[str]:
    common = [
        "习近平新时代中国特色社会主义思想", "党的二十大精神", "立德树人根本任务", "一融双高", "主题党日",
        "三会一课", "党员先锋模范作用", "组织生活制度", "标准化规范化建设", "服务师生", "志愿服务",
        "党建引领", "课程思政", "样板支部", "双带头人", "基层战斗堡垒", "政治功能和组织功能",
    ]  # fmt: skip
    han = [chr(c) for c in range(0x4E00, 0x4E00 + 3500)]
    return common + ["".join(rng.choice(han) for _ in range(rng.randint(4, 12))) for _ in range(4000)]


def document_text(rng: random.Random, bank: list[str]) -> str:
    parts: list[str] = []
    n = 0
    while n < CHARS:
        p = rng.choice(bank)
        parts.append(p + rng.choice("，。；、"))
        n += len(p) + 1
    return "".join(parts)[:CHARS]


def build(rng: random.Random, bank: list[str]):
    from django.db import transaction

    from dangjian.accounts.models import RoleAssignment, User
    from dangjian.brands import similarity as S
    from dangjian.brands.models import Campaign, Document, DocumentBand, Project
    from dangjian.brands.rules import TEMPLATE_HEADINGS
    from dangjian.core.scoping import SYSTEM
    from dangjian.orgs.models import Organization
    from dangjian.orgs.services import org_create

    c = Campaign.objects.filter(title="品牌基准").first()
    if c is not None:
        return c
    t0 = time.perf_counter()
    with transaction.atomic():
        root = org_create(actor=SYSTEM, parent=None, name="基准市委", kind="committee")
        per_unit = BRANCHES // UNITS
        for u in range(UNITS):
            unit = org_create(actor=SYSTEM, parent=root, name=f"第{u}基层党委", kind="committee")
            for b in range(per_unit):
                org_create(actor=SYSTEM, parent=unit, name=f"第{u}党委第{b}党支部", kind="branch")
        admin = User.objects.create_user("13600000001", "基准管理员", "Bench-2026")
        RoleAssignment.objects.create(user=admin, org=root, role="org_admin")
        import datetime as dt

        today = dt.date.today()
        c = Campaign.objects.create(
            org=root, org_path=root.path, title="品牌基准", document="基准", incubation_end=today,
            application_deadline=today + dt.timedelta(days=20), approval_deadline=today + dt.timedelta(days=40),
            cultivation_end=today + dt.timedelta(days=200), acceptance_deadline=today + dt.timedelta(days=230),
            criteria=[{"code": "a", "label": "综合", "weight": 100, "max": 10}], excellent_quota=10,
        )  # fmt: skip
        branches = list(Organization.objects.filter(path__startswith=root.path, kind="branch").order_by("path"))
        stages = ["draft", "submitted", "endorsed", "candidate", "revised", "publicity", "cultivating"]
        Project.objects.bulk_create(
            [
                Project(campaign=c, org=o, org_path=o.path, brand_name=f"品牌{i:04d}", stage=stages[i % len(stages)])
                for i, o in enumerate(branches)
                if i % 10  # every tenth branch has not applied
            ],
            batch_size=1000,
        )
        projects = list(Project.objects.filter(campaign=c).order_by("pk"))
    print(f"tree and projects: {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    kinds = ["application", "revision", "case"]
    for start in range(0, DOCS, 500):
        with transaction.atomic():
            docs = []
            bands = []
            for i in range(start, min(DOCS, start + 500)):
                text = document_text(rng, bank)
                sig = S.signature(S.shingle_hashes(text, TEMPLATE_HEADINGS))
                p = projects[i % len(projects)]
                docs.append(
                    (Document(project=p, org_path=p.org_path, kind=kinds[i % 3], text=text, signature=S.pack(sig)), sig)
                )
            made = Document.objects.bulk_create([d for d, _ in docs], batch_size=500)
            for d, (_, sig) in zip(made, docs, strict=True):
                bands.extend(DocumentBand(document=d, key=k) for k in S.band_keys(sig))
            DocumentBand.objects.bulk_create(bands, batch_size=2000)
    print(f"{DOCS} documents of {CHARS} 字 with signatures and bands: {time.perf_counter() - t0:.1f} s")
    return c


def main() -> None:
    parser = city_arg_parser(__doc__ or "")
    parser.set_defaults(database_url=f"sqlite:///{ROOT / 'var' / 'bench_brands.sqlite3'}")
    args = parser.parse_args()
    setup_django(args.database_url)

    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from dangjian.accounts.models import User
    from dangjian.brands import selectors
    from dangjian.brands import similarity as S
    from dangjian.brands.models import Document
    from dangjian.brands.rules import TEMPLATE_HEADINGS

    setup_test_environment()  # lets the test Client through ALLOWED_HOSTS
    rng = random.Random(2026)
    bank = phrase_bank(rng)
    c = build(rng, bank)
    rng = random.Random(7)  # the new documents: never a stored one regenerated

    # 1. A copied-and-edited earlier document: a fifth replaced, phrases reordered at the end.
    source = Document.objects.order_by("pk")[1234]
    text = source.text
    new = text[:1200] + document_text(rng, bank)[:600] + text[1800:2600] + document_text(rng, bank)[:400]

    def compare(t: str):
        hashes = S.shingle_hashes(t, TEMPLATE_HEADINGS)
        sig = S.signature(hashes)
        return selectors.find_matches(hashes, sig, S.band_keys(sig))

    compare(new)  # warm the connection and caches
    times = []
    for _ in range(5):
        matches, seconds, queries = counted(compare, new)
        times.append(seconds)
    t_sig = time.perf_counter()
    S.signature(S.shingle_hashes(new, TEMPLATE_HEADINGS))
    t_sig = time.perf_counter() - t_sig
    best = matches[0] if matches else {}
    print(f"\nsimilarity of a new application against {Document.objects.count()} documents:")
    print(f"  median {sorted(times)[2] * 1000:.0f} ms (min {min(times) * 1000:.0f} ms), {queries} queries;"
          f" shingles + signature alone {t_sig * 1000:.0f} ms")  # fmt: skip
    print(f"  best match: document {best.get('document')} (the source is {source.pk}), Jaccard {best.get('jaccard')}")
    unrelated, seconds, queries = counted(compare, document_text(rng, bank))
    print(f"  an unrelated application: best Jaccard {unrelated[0]['jaccard'] if unrelated else 0}"
          f" ({seconds * 1000:.0f} ms, {queries} queries)")  # fmt: skip

    # 2. The campaign board for 2,000 branches.
    b, seconds, queries = counted(selectors.board, c)
    print(f"\nboard selector: {b.branches} branches, {seconds * 1000:.0f} ms, {queries} queries")
    client = Client()
    client.force_login(User.objects.get(phone="13600000001"), backend="dangjian.accounts.backends.PhoneBackend")
    rows = [
        measure_get(client, "campaign board (2,000 branches, page 1)", reverse("brands:campaign", args=[c.pk])),
        measure_get(
            client, "campaign board, filter 待专家评审", reverse("brands:campaign", args=[c.pk]) + "?stage=endorsed"
        ),
    ]
    print_table(rows, "pages through the real views")


if __name__ == "__main__":
    main()

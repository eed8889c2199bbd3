"""`manage.py demo_data`: the believable demo instance (or the benchmark city with --scale city)."""

from __future__ import annotations

import importlib
import sys
import time
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from dangjian.accounts.models import User
from dangjian.core.audit import verify_chain
from dangjian.site.demo_foundation import DEMO_LOGINS, build_foundation, demo_loaded, print_logins


def demo_builders() -> list[tuple[str, Any]]:
    """`build_demo` of every installed dangjian app that has a `demo` module, in INSTALLED_APPS order."""
    out = []
    for config in apps.get_app_configs():
        if not config.name.startswith("dangjian.") or config.name in ("dangjian.core", "dangjian.site"):
            continue
        module_name = f"{config.name}.demo"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # this app has no demo data (yet)
            raise
        builder = getattr(module, "build_demo", None)
        if builder is not None:
            out.append((config.label, builder))
    return out


class Command(BaseCommand):
    help = "Load the demo instance (idempotent; --reset rebuilds) or, with --scale city, the benchmark city."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="清空数据库后重建演示数据 / wipe the database first")
        parser.add_argument("--scale", choices=["demo", "city"], default="demo")
        parser.add_argument("--logins-only", action="store_true", help="只打印演示账号 / only print the logins")
        parser.add_argument(
            "--foundation-only", action="store_true", help="只建组织、党员和账号 / skip the apps' demo builders"
        )
        parser.add_argument("--no-logins", action="store_true", help="不打印演示账号 / do not print the logins")
        parser.add_argument("--seed", type=int, default=20260701)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["logins_only"]:
            if demo_loaded():
                print_logins(self.stdout.write)
            return
        if options["scale"] == "city":
            self._city(options["reset"])
            return
        if options["reset"]:
            self.stdout.write("清空数据库 / flushing the database …")
            call_command("flush", interactive=False, verbosity=0)
        elif demo_loaded():
            self.stdout.write("演示数据已存在，跳过（--reset 可重建）/ demo data already loaded, nothing to do")
            if not options["no_logins"]:
                print_logins(self.stdout.write)
            return

        taken = list(User.objects.filter(phone__in=[lg.phone for lg in DEMO_LOGINS]).values_list("phone", flat=True))
        if taken:
            raise CommandError(f"演示账号手机号已被占用：{', '.join(taken)}。请使用 --reset 或换一个空数据库。")

        t0 = time.perf_counter()
        with transaction.atomic():
            # One transaction: a builder that fails leaves no half-built demo behind.
            result = build_foundation(seed=options["seed"], log=self.stdout.write)
            if not options["foundation_only"]:
                for label, builder in demo_builders():
                    t = time.perf_counter()
                    try:
                        builder(result.ctx)
                    except Exception as exc:
                        raise CommandError(
                            f"{label} 演示数据生成失败 / demo builder of '{label}' failed: {exc!r}"
                        ) from exc
                    self.stdout.write(f"  {label}: {time.perf_counter() - t:.1f} s")

        check = verify_chain()
        if not check.ok:
            raise CommandError(f"审计链校验失败 / audit chain broken at {check.broken_id}: {check.reason}")
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据已生成，用时 {time.perf_counter() - t0:.1f} 秒；"
                f"审计链 {check.checked} 个事件完好 / demo data loaded"
            )
        )
        if not options["no_logins"]:
            print_logins(self.stdout.write)

    def _city(self, reset: bool) -> None:
        if reset:
            call_command("flush", interactive=False, verbosity=0)
        # The generator lives in bench/ (next to manage.py), not in the installed package.
        root = str(settings.BASE_DIR)
        if root not in sys.path:
            sys.path.insert(0, root)
        try:
            generator = importlib.import_module("bench.generate_city")
        except ModuleNotFoundError as exc:
            raise CommandError("找不到 bench/generate_city.py（请在源码目录中运行）") from exc
        city = generator.ensure_city(log=self.stdout.write)
        self.stdout.write(f"城市规模数据：{city.branches:,} 个党支部、{city.members:,} 名党员 / city ready")
        self.stdout.write(
            f"登录 / logins (password {generator.BENCH_PASSWORD}): "
            + ", ".join(f"{key}={value[0]}" for key, value in generator.BENCH_USERS.items())
        )

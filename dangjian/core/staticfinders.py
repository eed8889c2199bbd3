"""Serve the few front-end files we use from node_modules, not whole package folders.

Pointing STATICFILES_DIRS at `node_modules/echarts/dist` would copy and compress ~50 MB of
source maps and alternative builds on every `collectstatic`; this finder exposes exactly the
files listed in `settings.VENDOR_STATIC_FILES` (URL path under STATIC_URL → file in the repo).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage, Error
from django.core.files.storage import FileSystemStorage


class VendorFinder(BaseFinder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        base = Path(settings.BASE_DIR)
        self.files: dict[str, Path] = {url: base / rel for url, rel in settings.VENDOR_STATIC_FILES.items()}

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        return [
            Error(f"Front-end file {path} is missing; run `npm ci`.", id="dangjian.E001")
            for path in self.files.values()
            if not path.is_file()
        ]

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        target = self.files.get(path)
        if target is None or not target.is_file():
            return [] if find_all else ""
        return [str(target)] if find_all else str(target)

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        for url, target in self.files.items():
            if target.is_file():
                storage = FileSystemStorage(location=str(target.parent))
                # collectstatic copies storage-relative `path` to `prefix + path`.
                storage.prefix = str(Path(url).parent)  # type: ignore[attr-defined]
                yield target.name, storage

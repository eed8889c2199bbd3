"""One place that checks uploaded files: size and type by content, never by file name."""

from __future__ import annotations

import io
import secrets
import zipfile
from typing import IO

from django.core.exceptions import ValidationError
from openpyxl import load_workbook
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader

MB = 1024 * 1024
# Pixels above this are refused before decoding (an "image bomb" decompresses to gigabytes).
MAX_IMAGE_PIXELS = 40_000_000
# A zip (an .xlsx) may inflate to at most this many times its upload size limit ("zip bomb").
MAX_INFLATE_FACTOR = 12
INFLATED_TOO_LARGE = "Excel 文件解压后过大，请拆分后分批导入"


def _size(f: IO[bytes]) -> int:
    size = getattr(f, "size", None)
    if size is not None:
        return int(size)
    pos = f.tell()
    f.seek(0, io.SEEK_END)
    end = f.tell()
    f.seek(pos)
    return end


def check_size(f: IO[bytes], max_bytes: int, field_label: str = "文件") -> None:
    size = _size(f)
    if size == 0:
        raise ValidationError(f"{field_label}为空文件")
    if size > max_bytes:
        raise ValidationError(f"{field_label}过大：{size / MB:.1f} MB，上限 {max_bytes / MB:.0f} MB")


def check_zip_sizes(zf: zipfile.ZipFile, max_inflated: int) -> None:
    """Refuse a zip that inflates beyond `max_inflated` bytes, without inflating more than that.

    The declared sizes are summed first; then every entry is streamed in chunks, counting what it
    really yields, and reading stops as soon as an entry passes its declared size or the total
    passes the limit (a forged header cannot make us inflate gigabytes). Reading every entry to
    its end also checks its CRC."""
    if sum(info.file_size for info in zf.infolist()) > max_inflated:
        raise ValidationError(INFLATED_TOO_LARGE)
    total = 0
    for info in zf.infolist():
        seen = 0
        with zf.open(info) as member:
            while chunk := member.read(64 * 1024):
                seen += len(chunk)
                total += len(chunk)
                if seen > info.file_size or total > max_inflated:
                    raise ValidationError(INFLATED_TOO_LARGE)


def check_xlsx(f: IO[bytes], max_bytes: int, max_inflated: int | None = None) -> None:
    """An .xlsx is a zip holding an Excel workbook part; anything else is refused. It may
    inflate to `max_inflated` bytes (default: MAX_INFLATE_FACTOR times `max_bytes`)."""
    check_size(f, max_bytes, "Excel 文件")
    f.seek(0)
    head = f.read(4)
    f.seek(0)
    if head != b"PK\x03\x04":
        raise ValidationError("文件不是有效的 Excel（.xlsx）文件，请使用下载的模板另存为 .xlsx 后上传")
    try:
        with zipfile.ZipFile(f) as zf:
            names = set(zf.namelist())
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/workbook") for n in names):
                raise ValidationError("文件不是有效的 Excel（.xlsx）文件，请使用下载的模板另存为 .xlsx 后上传")
            check_zip_sizes(zf, max_bytes * MAX_INFLATE_FACTOR if max_inflated is None else max_inflated)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise ValidationError("Excel 文件已损坏，无法读取") from exc
    finally:
        f.seek(0)


def check_image(f: IO[bytes], max_bytes: int, allowed: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "HEIF")) -> str:
    """Open the image to learn its real format and size; return the format name."""
    check_size(f, max_bytes, "图片")
    f.seek(0)
    try:
        with Image.open(f) as img:
            fmt = img.format or ""
            width, height = img.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationError(f"图片尺寸过大（{width}×{height}），请压缩后上传")
            img.verify()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError("文件不是有效的图片（支持 JPEG、PNG、WebP）") from exc
    finally:
        f.seek(0)
    if fmt not in allowed:
        raise ValidationError(f"不支持的图片格式：{fmt or '未知'}（支持 JPEG、PNG、WebP）")
    return fmt


# --- documents: recognised by parsing, not by their first bytes ---------------------------------

DOCUMENT_TYPES_MESSAGE = "文档类型不支持（支持 PDF、Word、Excel、PPT 或图片）"
# Parts that make a zip an Office Open XML document of each kind.
_OFFICE_PARTS = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx", "ppt/presentation.xml": "pptx"}


def check_pdf(f: IO[bytes]) -> None:
    """A PDF must open as a PDF (cross-reference table, catalog, at least one page): a file that
    merely starts with `%PDF-` (e.g. HTML behind that header) is refused."""
    f.seek(0)
    try:
        reader = PdfReader(f, strict=True)
        if reader.is_encrypted:
            raise ValidationError({"file": "PDF 文件已加密，请上传未加密的文件"})
        if len(reader.pages) < 1:
            raise ValueError("no pages")
    except ValidationError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on a malformed file
        raise ValidationError({"file": "PDF 文件已损坏或不是有效的 PDF，无法打开"}) from exc
    finally:
        f.seek(0)


def _check_office(f: IO[bytes]) -> str:
    try:
        with zipfile.ZipFile(f) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ValidationError({"file": "文档已损坏，无法读取"}) from exc
    finally:
        f.seek(0)
    kind = next((k for part, k in _OFFICE_PARTS.items() if part in names), "")
    if "[Content_Types].xml" not in names or not kind:
        raise ValidationError({"file": DOCUMENT_TYPES_MESSAGE})
    if kind == "xlsx":
        try:
            load_workbook(f, read_only=True).close()
        except Exception as exc:  # openpyxl raises many kinds of errors on a malformed workbook
            raise ValidationError({"file": "Excel 文件已损坏，无法读取"}) from exc
        finally:
            f.seek(0)
    return kind


def check_document(f: IO[bytes], max_bytes: int) -> str:
    """Documents: PDF, Office (docx/xlsx/pptx) or images, each opened by its own parser.
    Returns the kind: "pdf", "docx", "xlsx", "pptx" or "image"."""
    check_size(f, max_bytes, "文档")
    f.seek(0)
    head = f.read(8)
    f.seek(0)
    if head.startswith(b"%PDF-"):
        check_pdf(f)
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _check_office(f)
    try:
        check_image(f, max_bytes)
    except ValidationError as exc:
        raise ValidationError({"file": DOCUMENT_TYPES_MESSAGE}) from exc
    return "image"


def random_name(suffix: str = "") -> str:
    """A stored file's name: random, so nothing about it (original name, date, owner) can be guessed."""
    return secrets.token_hex(16) + suffix

"""Plagiarism evidence, pure Python (no new dependency): character n-gram shingles, a MinHash
signature by one-permutation hashing (Li, Owen & Zhang 2012: one hash per shingle, K bins, the
minimum per bin), LSH bands for candidate search, the exact Jaccard similarity of shingle sets for
the final check, and the overlapping passages for highlighting.

Text is compared on its Han characters, letters and digits only (punctuation and spacing changes do
not hide a copy), with the headings every form shares removed first. All functions are pure.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

N = 5  # characters per shingle: short enough to survive light edits, long enough to be specific
K = 128  # signature bins
ROWS = 2  # signature values per LSH band: 64 bands catch a pair at Jaccard 0.3 with p ≈ 0.998
BANDS = K // ROWS
EMPTY = (1 << 64) - 1  # a bin no shingle fell into (short texts)
_MASK63 = (1 << 63) - 1

_KEEP = re.compile(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _strip_headings(text: str, headings: Iterable[str]) -> str:
    for h in sorted(headings, key=len, reverse=True):
        text = text.replace(h, " " * len(h))  # same length: positions in the original stay valid
    return text


def kept(text: str, headings: Iterable[str] = ()) -> tuple[str, list[int]]:
    """The characters compared (lower-cased) and each one's position in `text`."""
    text = _strip_headings(text, headings)
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if _KEEP.match(ch):
            chars.append(ch.lower())
            where.append(i)
    return "".join(chars), where


def _h(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little")


def shingle_hashes(text: str, headings: Iterable[str] = ()) -> list[int]:
    """The 64-bit hash of every shingle, in text order (repeats kept: positions matter for highlighting)."""
    s, _ = kept(text, headings)
    if len(s) < N:
        return [_h(s)] if s else []
    return [_h(s[i : i + N]) for i in range(len(s) - N + 1)]


def signature(hashes: Iterable[int]) -> list[int]:
    """One-permutation MinHash: bin = hash mod K, value = the rest; the minimum value per bin."""
    sig = [EMPTY] * K
    for h in hashes:
        b = h % K
        v = h // K
        if v < sig[b]:
            sig[b] = v
    return sig


def pack(sig: Sequence[int]) -> bytes:
    return array("Q", sig).tobytes()


def unpack(raw: bytes | memoryview) -> list[int]:
    a = array("Q")
    a.frombytes(bytes(raw))
    return a.tolist()


def band_keys(sig: Sequence[int]) -> list[int]:
    """One key per band (signed 63-bit, for a bigint column); a band of empty bins gives no key."""
    keys = []
    for b in range(BANDS):
        part = sig[b * ROWS : (b + 1) * ROWS]
        if all(v == EMPTY for v in part):
            continue
        digest = hashlib.blake2b(array("Q", [b, *part]).tobytes(), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little") & _MASK63)
    return keys


def estimate(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimated Jaccard from two signatures: the share of bins (used by either) that agree."""
    used = same = 0
    for x, y in zip(a, b, strict=True):
        if x == EMPTY and y == EMPTY:
            continue
        used += 1
        same += x == y
    return same / used if used else 0.0


def jaccard(a: Iterable[int], b: Iterable[int]) -> float:
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


@dataclass(frozen=True)
class Segment:
    text: str
    shared: bool


def highlight(text: str, shared: set[int], headings: Iterable[str] = (), min_run: int = 8) -> list[Segment]:
    """`text` cut into segments, those covered by shared shingles (runs of at least `min_run` compared
    characters) marked: the overlapping passages, shown with <mark>."""
    s, where = kept(text, headings)
    covered = [False] * len(s)
    if len(s) >= N:
        for i in range(len(s) - N + 1):
            if _h(s[i : i + N]) in shared:
                for j in range(i, i + N):
                    covered[j] = True
    # Drop runs shorter than min_run: a shared phrase is not a copied passage.
    i = 0
    while i < len(covered):
        if covered[i]:
            j = i
            while j < len(covered) and covered[j]:
                j += 1
            if j - i < min_run:
                for k in range(i, j):
                    covered[k] = False
            i = j
        else:
            i += 1
    marked = [False] * len(text)
    for idx, pos in enumerate(where):
        if covered[idx]:
            marked[pos] = True
    # Fill the punctuation and spaces between two marked characters, so a passage reads as one.
    last = -1
    for pos in range(len(text)):
        if marked[pos]:
            if last >= 0 and pos - last > 1 and all(not _KEEP.match(ch) for ch in text[last + 1 : pos]):
                for k in range(last + 1, pos):
                    marked[k] = True
            last = pos
    segments: list[Segment] = []
    start = 0
    for pos in range(1, len(text) + 1):
        if pos == len(text) or marked[pos] != marked[start]:
            segments.append(Segment(text[start:pos], marked[start]))
            start = pos
    return segments


def shared_chars(segments: Sequence[Segment]) -> int:
    return sum(len(s.text) for s in segments if s.shared)

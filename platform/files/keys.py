"""Deterministic object keys: the same input always gives the same key, so a retried task overwrites its own
object instead of leaving a duplicate behind.

    tenants/<schema>/<area>/<natural key parts...>/<filename>
    federations/<node id>/<area>/<natural key parts...>/<filename>
"""

import re
import unicodedata
from collections.abc import Iterable

_SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_AREA_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
# Kept: letters and digits of any script (Chinese included), and a few safe punctuation marks.
_UNSAFE_RE = re.compile(r"[^\w.\-()（）]+")
_MAX_NAME_CHARS = 100

NaturalKey = str | int | Iterable[str | int]


def sanitize_filename(filename: str, *, default: str = "file") -> str:
    """A safe last path segment: no directories, no control characters, Chinese kept, extension lower-cased."""
    name = unicodedata.normalize("NFC", str(filename or ""))
    # Browsers on Windows send C:\fakepath\名单.xlsx; only the last segment is the file's name.
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE_RE.sub("_", name.strip()).strip("._ ")
    if not name:
        return default
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    ext = ext.lower()[:10]
    stem = stem[: _MAX_NAME_CHARS - len(ext) - 1].rstrip("._") or default
    return f"{stem}.{ext}" if ext else stem


def _segment(value: str | int) -> str:
    segment = sanitize_filename(str(value), default="")
    if not segment:
        raise ValueError(f"natural key part {value!r} is empty after sanitising")
    return segment


def _natural_parts(natural_key: NaturalKey) -> list[str]:
    parts = [natural_key] if isinstance(natural_key, str | int) else list(natural_key)
    if not parts:
        raise ValueError("natural key must have at least one part")
    return [_segment(part) for part in parts]


def _check_area(area: str) -> None:
    if not _AREA_RE.match(area or ""):
        raise ValueError(f"invalid file area {area!r}")


def tenant_file_key(schema_name: str, area: str, natural_key: NaturalKey, filename: str) -> str:
    """Key of a union's file, e.g. tenants/u_acme/imports/member-roster/2024-09/名单.xlsx."""
    if not _SCHEMA_RE.match(schema_name or "") or schema_name == "public":
        raise ValueError(f"invalid tenant schema name {schema_name!r}")
    _check_area(area)
    return "/".join(["tenants", schema_name, area, *_natural_parts(natural_key), sanitize_filename(filename)])


def federation_file_key(node_id: int, area: str, natural_key: NaturalKey, filename: str) -> str:
    """Key of a federation node's file, e.g. federations/12/reports/2024-Q3/统计表.xlsx."""
    if isinstance(node_id, bool) or not isinstance(node_id, int) or node_id <= 0:
        raise ValueError(f"invalid federation node id {node_id!r}")
    _check_area(area)
    return "/".join(
        ["federations", str(node_id), area, *_natural_parts(natural_key), sanitize_filename(filename)]
    )

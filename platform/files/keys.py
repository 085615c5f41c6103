"""Deterministic object keys: the same input always gives the same key, so a retried task overwrites its own
object instead of leaving a duplicate behind.

    tenants/<schema>/<area>/<natural key parts...>/<filename>
    federations/<node id>/<area>/<natural key parts...>/<filename>

With `unguessable=True` (exports, import files and error files, whose natural key is a sequential job id) a
keyed hash of the key follows the natural parts: still the same on every retry, but not derivable from the id
without SECRET_KEY, so knowing "job 42" does not name its object in the bucket or in a forged link.
"""

import re
import unicodedata
from collections.abc import Iterable

from django.utils.crypto import salted_hmac

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


_UNGUESSABLE_SALT = "unionhub.files.keys"


def _parts(prefix: list[str], natural_key: NaturalKey, unguessable: bool) -> list[str]:
    parts = [*prefix, *_natural_parts(natural_key)]
    if unguessable:
        # 80 bits keyed on SECRET_KEY: deterministic for retries, not derivable from the natural key alone.
        parts.append(salted_hmac(_UNGUESSABLE_SALT, "/".join(parts), algorithm="sha256").hexdigest()[:20])
    return parts


def tenant_file_key(
    schema_name: str, area: str, natural_key: NaturalKey, filename: str, *, unguessable: bool = False
) -> str:
    """Key of a union's file, e.g. tenants/u_acme/imports/member-roster/2024-09/名单.xlsx."""
    if not _SCHEMA_RE.match(schema_name or "") or schema_name == "public":
        raise ValueError(f"invalid tenant schema name {schema_name!r}")
    _check_area(area)
    parts = _parts(["tenants", schema_name, area], natural_key, unguessable)
    return "/".join([*parts, sanitize_filename(filename)])


def federation_file_key(
    node_id: int, area: str, natural_key: NaturalKey, filename: str, *, unguessable: bool = False
) -> str:
    """Key of a federation node's file, e.g. federations/12/reports/2024-Q3/统计表.xlsx."""
    if isinstance(node_id, bool) or not isinstance(node_id, int) or node_id <= 0:
        raise ValueError(f"invalid federation node id {node_id!r}")
    _check_area(area)
    parts = _parts(["federations", str(node_id), area], natural_key, unguessable)
    return "/".join([*parts, sanitize_filename(filename)])


def file_scope(key: str) -> str | None:
    """The scope a key belongs to: "union:<schema>" or "node:<id>"; None for a key of neither form."""
    parts = key.split("/")
    if len(parts) >= 3 and parts[0] == "tenants" and _SCHEMA_RE.match(parts[1]) and parts[1] != "public":
        return f"union:{parts[1]}"
    if len(parts) >= 3 and parts[0] == "federations" and parts[1].isascii() and parts[1].isdigit():
        return f"node:{int(parts[1])}"
    return None

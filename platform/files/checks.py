"""Server-side upload checks: size per area, and the real type read from the content (magic bytes), never
trusted from the extension or the browser's Content-Type. The extension must agree with what was found."""

import io
import re
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import File
from django.utils.translation import gettext as _

from unionhub.errors import DomainValidationError

from .keys import sanitize_filename

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 20 * MB
# A zip declaring more than this much unpacked data is refused before any importer inflates it (zip bombs).
MAX_UNZIPPED_BYTES = 200 * MB

XLSX, DOCX, PDF, PNG, JPEG, TEXT = "xlsx", "docx", "pdf", "png", "jpeg", "text"

# Extension -> (detected kind it must have, Content-Type to store).
EXTENSIONS = {
    "xlsx": (XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "docx": (DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "pdf": (PDF, "application/pdf"),
    "png": (PNG, "image/png"),
    "jpg": (JPEG, "image/jpeg"),
    "jpeg": (JPEG, "image/jpeg"),
    "csv": (TEXT, "text/csv"),
    "txt": (TEXT, "text/plain"),
}
KIND_LABELS = {
    XLSX: "Excel (.xlsx)",
    DOCX: "Word (.docx)",
    PDF: "PDF",
    PNG: "PNG",
    JPEG: "JPEG",
    TEXT: "CSV/TXT",
}
_CONTROL_BYTES_RE = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
TEXT_ENCODINGS = ("utf-8", "gbk")  # Excel in Chinese Windows saves CSV as GBK (cp936)


@dataclass(frozen=True)
class CheckedUpload:
    filename: str  # sanitised, safe to put in a key
    extension: str
    kind: str
    content_type: str  # includes the charset for text
    content: bytes
    encoding: str | None = None  # for text: "utf-8" or "gbk"

    @property
    def size(self) -> int:
        return len(self.content)


def _error(code: str, message: str) -> DomainValidationError:
    return DomainValidationError.single("file", code, message)


def _human_size(size: int) -> str:
    return f"{size / MB:g} MB" if size >= MB else f"{size / 1024:g} KB"


def _legacy_office_error() -> DomainValidationError:
    return _error(
        "file_legacy_office",
        _("不支持旧版 Office 格式（.xls/.doc），请在 Excel 或 Word 中另存为 .xlsx/.docx 后上传。"),
    )


def max_upload_bytes(area: str) -> int:
    limits = getattr(settings, "UNIONHUB_FILE_MAX_BYTES", {})
    return int(limits.get(area, limits.get("default", DEFAULT_MAX_BYTES)))


def _zip_kind(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _error("file_corrupt", _("文件已损坏，无法打开，请重新导出后上传。")) from None
    if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
        raise _error("file_corrupt", _("压缩包解压后过大，已拒绝。"))
    names = {info.filename for info in infos}
    if "[Content_Types].xml" in names:
        if any(name.startswith("xl/") for name in names):
            return XLSX
        if any(name.startswith("word/") for name in names):
            return DOCX
    return None


def _text_encoding(content: bytes) -> str | None:
    # NUL (UTF-16/32) or other control bytes mean binary data. Checked on the bytes: in UTF-8 and GBK every byte
    # below 0x20 stands for itself (multi-byte sequences only use bytes >= 0x40).
    if _CONTROL_BYTES_RE.search(content):
        return None
    for encoding in TEXT_ENCODINGS:
        try:
            content.decode("utf-8-sig" if encoding == "utf-8" else encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def detect_file_kind(content: bytes) -> tuple[str | None, str | None]:
    """(kind, text encoding) from the content alone; (None, None) when the type is not one we accept."""
    if content.startswith(b"%PDF-"):
        return PDF, None
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG, None
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG, None
    if content.startswith(b"PK\x03\x04"):
        kind = _zip_kind(content)
        if kind is None:
            raise _error("file_zip_not_office", _("压缩包不是有效的 Excel (.xlsx) 或 Word (.docx) 文件。"))
        return kind, None
    if content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise _legacy_office_error()
    encoding = _text_encoding(content)
    if encoding:
        return TEXT, encoding
    return None, None


def _read(content: bytes | File, limit: int) -> bytes | None:
    """The bytes, or None when there are more than `limit` (an upload is never read past limit + 1)."""
    if isinstance(content, bytes | bytearray | memoryview):
        data = bytes(content)
    elif getattr(content, "size", None) is not None and content.size > limit:
        return None
    else:
        if hasattr(content, "seek"):
            content.seek(0)
        data = content.read(limit + 1)
    return None if len(data) > limit else data


def file_check_upload(
    *, area: str, filename: str, content: bytes | File, allowed_kinds: set[str] | frozenset | None = None
) -> CheckedUpload:
    """Accept an upload or raise DomainValidationError(field="file"). Nothing is stored here."""
    limit = max_upload_bytes(area)
    data = _read(content, limit)
    if data is None:
        raise _error("file_too_large", _("文件过大：最大允许 %(limit)s。") % {"limit": _human_size(limit)})
    if not data:
        raise _error("file_empty", _("文件为空，请选择有内容的文件。"))

    name = sanitize_filename(filename)
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if extension in {"xls", "doc"}:
        raise _legacy_office_error()
    if extension not in EXTENSIONS:
        raise _error(
            "file_extension_not_allowed",
            _("不支持的文件扩展名“%(ext)s”。") % {"ext": f".{extension}" if extension else _("（无）")},
        )
    expected_kind, content_type = EXTENSIONS[extension]
    if allowed_kinds is not None and expected_kind not in allowed_kinds:
        labels = "、".join(KIND_LABELS[kind] for kind in sorted(allowed_kinds))
        raise _error("file_type_not_allowed", _("此处只接受以下文件类型：%(types)s。") % {"types": labels})

    kind, encoding = detect_file_kind(data)
    if kind is None:
        if expected_kind == TEXT:
            raise _error(
                "file_encoding_unknown",
                _("无法识别文本编码，请将文件保存为 UTF-8 或 GBK 编码的 CSV/TXT 后上传。"),
            )
        raise _error("file_type_unknown", _("无法识别文件类型，文件可能已损坏。"))
    if kind != expected_kind:
        raise _error(
            "file_type_mismatch",
            _("文件内容是 %(actual)s，与扩展名“.%(ext)s”不符，请勿直接修改扩展名。")
            % {"actual": KIND_LABELS[kind], "ext": extension},
        )
    if kind == TEXT:
        content_type = f"{content_type}; charset={encoding}"
    return CheckedUpload(
        filename=name,
        extension=extension,
        kind=kind,
        content_type=content_type,
        content=data,
        encoding=encoding,
    )

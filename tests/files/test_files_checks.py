"""Upload checks: size per area, and the type read from the content, not from the name."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from files.checks import file_check_upload
from tests.support.files import JPEG, PDF, PNG, make_docx, make_xlsx, make_zip
from unionhub.errors import DomainValidationError

CSV_ROWS = "姓名,身份证号,入会日期\n张三,110101199003071234,2024-09-01\n"


def refused(**kwargs):
    with pytest.raises(DomainValidationError) as caught:
        file_check_upload(**{"area": "imports", **kwargs})
    (error,) = caught.value.errors
    assert error.field == "file"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error.message), error.message  # shown in Chinese
    return error


@pytest.mark.parametrize(
    ("filename", "content", "kind", "content_type"),
    [
        (
            "名单.xlsx",
            make_xlsx(),
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "说明.docx",
            make_docx(),
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("证明.pdf", PDF, "pdf", "application/pdf"),
        ("照片.png", PNG, "png", "image/png"),
        ("照片.JPG", JPEG, "jpeg", "image/jpeg"),
        ("照片.jpeg", JPEG, "jpeg", "image/jpeg"),
        ("名单.csv", CSV_ROWS.encode("utf-8"), "text", "text/csv; charset=utf-8"),
        ("名单.csv", b"\xef\xbb\xbf" + CSV_ROWS.encode("utf-8"), "text", "text/csv; charset=utf-8"),
        ("名单.csv", CSV_ROWS.encode("gbk"), "text", "text/csv; charset=gbk"),
        ("备注.txt", "第一行\r\n\t第二行\n".encode(), "text", "text/plain; charset=utf-8"),
    ],
)
def test_real_files_are_accepted(filename, content, kind, content_type):
    checked = file_check_upload(area="imports", filename=filename, content=content)
    assert (checked.kind, checked.content_type, checked.content) == (kind, content_type, content)
    assert checked.filename == filename.rsplit(".", 1)[0] + "." + filename.rsplit(".", 1)[1].lower()


def test_gbk_csv_reports_its_encoding_for_importers():
    checked = file_check_upload(area="imports", filename="名单.csv", content=CSV_ROWS.encode("gbk"))
    assert checked.encoding == "gbk"
    assert checked.content.decode(checked.encoding) == CSV_ROWS


def test_png_renamed_xlsx_is_refused():
    error = refused(filename="名单.xlsx", content=PNG)
    assert error.code == "file_type_mismatch"
    assert "PNG" in error.message


def test_xlsx_renamed_csv_and_docx_renamed_xlsx_are_refused():
    assert refused(filename="名单.csv", content=make_xlsx()).code == "file_type_mismatch"
    assert refused(filename="名单.xlsx", content=make_docx()).code == "file_type_mismatch"


def test_zip_that_is_not_office_is_refused():
    archive = make_zip({"名单.csv": CSV_ROWS.encode(), "readme.txt": b"hi"})
    assert refused(filename="名单.xlsx", content=archive).code == "file_zip_not_office"
    # [Content_Types].xml alone is not enough: the workbook part (xl/) must be there.
    half = make_zip({"[Content_Types].xml": b"<Types/>", "docProps/app.xml": b"<x/>"})
    assert refused(filename="名单.xlsx", content=half).code == "file_zip_not_office"


def test_truncated_xlsx_is_refused_as_corrupt():
    assert refused(filename="名单.xlsx", content=make_xlsx()[:200]).code == "file_corrupt"


@pytest.mark.parametrize(
    "content",
    [
        CSV_ROWS.encode("utf-16"),  # NUL bytes
        "Müller,Café,Zoë\n".encode("latin-1"),  # neither UTF-8 nor GBK
        b"name\x01\x02\x03,value\n",  # control characters: binary, not text
    ],
)
def test_csv_in_unknown_encoding_is_refused(content):
    assert refused(filename="名单.csv", content=content).code == "file_encoding_unknown"


def test_legacy_xls_gets_a_save_as_hint():
    error = refused(filename="名单.xls", content=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert error.code == "file_legacy_office" and ".xlsx" in error.message
    error = refused(filename="名单.xlsx", content=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert error.code == "file_legacy_office" and ".xlsx" in error.message


@pytest.mark.parametrize("filename", ["run.exe", "名单", "page.html", "x.svg"])
def test_unknown_extensions_are_refused(filename):
    assert refused(filename=filename, content=b"hello\n").code == "file_extension_not_allowed"


def test_unrecognised_binary_is_refused():
    assert refused(filename="证明.pdf", content=b"\x00\x01garbage").code == "file_type_unknown"


def test_empty_file_is_refused():
    assert refused(filename="名单.csv", content=b"").code == "file_empty"


def test_size_limit_is_per_area(settings):
    settings.UNIONHUB_FILE_MAX_BYTES = {"default": 4096, "evidence": 1024 * 1024}
    big = make_xlsx(rows=[(f"会员{i}", "x" * 40) for i in range(300)])
    assert 4096 < len(big) < 1024 * 1024
    error = refused(filename="名单.xlsx", content=big)
    assert error.code == "file_too_large" and "4 KB" in error.message
    assert file_check_upload(area="evidence", filename="名单.xlsx", content=big).kind == "xlsx"


def test_default_limit_is_20_mb():
    content = b"%PDF-1.7\n" + b"0" * (20 * 1024 * 1024)
    error = refused(filename="证明.pdf", content=content)
    assert error.code == "file_too_large" and "20 MB" in error.message
    assert (
        file_check_upload(area="imports", filename="证明.pdf", content=content[: 20 * 1024 * 1024]).kind
        == "pdf"
    )


def test_oversized_upload_is_refused_from_its_declared_size_without_reading_it(settings):
    settings.UNIONHUB_FILE_MAX_BYTES = {"default": 1024}

    class Unreadable(SimpleUploadedFile):
        def read(self, *args):
            raise AssertionError("an oversized upload must not be read")

    upload = Unreadable("名单.csv", b"a" * 2048, content_type="text/csv")
    assert refused(filename=upload.name, content=upload).code == "file_too_large"


def test_uploaded_file_objects_are_read_and_checked():
    upload = SimpleUploadedFile("照片.png", PNG, content_type="application/octet-stream")
    checked = file_check_upload(area="evidence", filename=upload.name, content=upload)
    assert checked.kind == "png" and checked.content == PNG


def test_allowed_kinds_restrict_an_area():
    error = refused(filename="照片.png", content=PNG, allowed_kinds={"xlsx", "text"})
    assert error.code == "file_type_not_allowed" and "Excel" in error.message

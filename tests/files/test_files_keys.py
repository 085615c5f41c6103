"""Deterministic object keys and filename sanitising."""

import pytest

from files.keys import federation_file_key, sanitize_filename, tenant_file_key


def test_tenant_key_layout_is_deterministic_and_keeps_chinese():
    first = tenant_file_key("u_acme", "imports", ("member-roster", "2024-09"), "2024年会员名单.xlsx")
    again = tenant_file_key("u_acme", "imports", ("member-roster", "2024-09"), "2024年会员名单.xlsx")
    assert first == again == "tenants/u_acme/imports/member-roster/2024-09/2024年会员名单.xlsx"


def test_federation_key_layout():
    assert (
        federation_file_key(12, "reports", "2024-Q3", "统计表.XLSX")
        == "federations/12/reports/2024-Q3/统计表.xlsx"
    )
    assert federation_file_key(12, "reports", 7, "a.pdf") == "federations/12/reports/7/a.pdf"


def test_different_natural_keys_give_different_keys():
    assert tenant_file_key("u_a", "evidence", 1, "x.pdf") != tenant_file_key("u_a", "evidence", 2, "x.pdf")
    assert tenant_file_key("u_a", "evidence", 1, "x.pdf") != tenant_file_key("u_b", "evidence", 1, "x.pdf")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\fakepath\\会员 名单.xlsx", "会员_名单.xlsx"),
        ("名单\x00\n.csv", "名单.csv"),
        ("..", "file"),
        ("", "file"),
        (".hidden.pdf", "hidden.pdf"),
        ("报表（终稿）v2.DOCX", "报表（终稿）v2.docx"),
        ("a;b|c*?.txt", "a_b_c.txt"),
    ],
)
def test_sanitize_filename(raw, clean):
    assert sanitize_filename(raw) == clean


def test_long_names_are_cut_but_keep_the_extension():
    name = sanitize_filename("会" * 300 + ".xlsx")
    assert name.endswith(".xlsx") and len(name) == 100


def test_natural_key_parts_cannot_climb_out_of_the_prefix():
    assert tenant_file_key("u_a", "imports", ("../../u_b", "x"), "f.csv") == "tenants/u_a/imports/u_b/x/f.csv"
    with pytest.raises(ValueError):
        tenant_file_key("u_a", "imports", "..", "f.csv")


@pytest.mark.parametrize("schema", ["public", "U_A", "a/b", "", "u-a"])
def test_bad_schema_names_are_programming_errors(schema):
    with pytest.raises(ValueError):
        tenant_file_key(schema, "imports", 1, "f.csv")


@pytest.mark.parametrize("node_id", [0, -1, "3", True])
def test_bad_node_ids_are_programming_errors(node_id):
    with pytest.raises(ValueError):
        federation_file_key(node_id, "reports", 1, "f.pdf")

"""Every error code the code can raise is declared in unionhub.error_codes for its domain (or in "common"), and the API
exposes exactly the declared codes as the `ErrorCode` enum.

The scan reads the source (AST): FieldError / DomainValidationError.single / the apps' `_error` helpers and Error(...)
with a literal code (second positional argument of an *error* call, the first of a two-argument one, or `code=`), and `code = "..."` class attributes of
exceptions (AccessDenied, ServiceUnavailable)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from unionhub.error_codes import DOMAIN_CODES, ERROR_CODES

ROOT = Path(__file__).resolve().parents[2]
SOURCE_ROOTS = ("platform", "tenants", "graphql", "workers")
CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def _domain(path: Path) -> str:
    parts = path.relative_to(ROOT).parts
    if parts[0] in ("platform", "tenants"):
        return "common" if parts[1] == "unionhub" else parts[1]
    if parts[0] == "graphql":  # graphql/api/<domain>/...; api.core is shared by all
        return "common" if parts[2] == "core" else parts[2]
    return Path(parts[-1]).stem  # workers/jobs/<domain>.py


def _call_name(func) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _literal(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
        return node.value
    return None


def codes_in(tree: ast.AST):
    """(code, line) for every literal error code raised or constructed in `tree`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "code" and (code := _literal(keyword.value)):
                    yield code, node.lineno
            name = _call_name(node.func)
            if (
                "rror" in name and name != "add_error"
            ) or name == "single":  # add_error: Django forms (field, message)
                if len(node.args) >= 2 and (code := _literal(node.args[1])):
                    yield code, node.lineno  # (field, code, message)
                elif len(node.args) == 2 and (code := _literal(node.args[0])):
                    yield code, node.lineno  # (code, message): files.checks, people.identity
        elif isinstance(node, ast.ClassDef):
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "code" for t in statement.targets)
                    and (code := _literal(statement.value))
                ):
                    yield code, statement.lineno


def _raised() -> dict[str, list[str]]:
    """code -> ["path:line (domain)", ...] over the source roots (migrations are not code that raises)."""
    found: dict[str, list[str]] = {}
    for root in SOURCE_ROOTS:
        for path in sorted((ROOT / root).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            domain = _domain(path)
            for code, line in codes_in(ast.parse(path.read_text(encoding="utf-8"))):
                where = f"{path.relative_to(ROOT)}:{line}"
                found.setdefault(code, []).append(f"{where} ({domain})")
    return found


def test_every_raised_code_is_declared_for_its_domain():
    undeclared = []
    for code, places in _raised().items():
        for place in places:
            domain = place.rsplit("(", 1)[1].rstrip(")")
            if code not in DOMAIN_CODES["common"] and code not in DOMAIN_CODES.get(domain, {}):
                undeclared.append(f"{code!r} at {place}")
    assert not undeclared, "declare these codes in unionhub/error_codes.py:\n" + "\n".join(sorted(undeclared))


def test_the_scan_finds_codes_in_every_form():
    # Guards the scan itself: if it stopped recognising a form, the test above would pass vacuously.
    sample = ast.parse(
        "raise DomainValidationError.single('f', 'one', 'm')\n"
        "errors.append(FieldError('f', 'two', 'm'))\n"
        "raise _error('f', 'three', 'm')\n"
        "raise _error('six', _('消息'))\n"
        "Error(field=None, code='four', message='m')\n"
        "class Refused(Exception):\n    code = 'five'\n"
    )
    assert sorted(code for code, _ in codes_in(sample)) == ["five", "four", "one", "six", "three", "two"]
    assert len(_raised()) > 100


def test_declared_codes_have_descriptions_and_one_meaning():
    for code, declared in ERROR_CODES.items():
        assert CODE.match(code), code
        assert declared.description.strip().endswith("."), code
    assert sum(len(codes) for codes in DOMAIN_CODES.values()) == len(ERROR_CODES)


def test_the_api_enum_is_the_registry():
    from api.schema import schema

    enum = schema.graphql_schema.get_type("ErrorCode")
    assert set(enum.values) == set(ERROR_CODES)
    assert enum.values["not_found"].description.startswith("[common] ")
    assert str(schema.graphql_schema.get_type("Error").fields["code"].type) == "ErrorCode!"


def test_an_undeclared_code_still_answers_with_the_message(caplog):
    # A bug (a code missing from the registry) must not turn a typed error into a failed request.
    from api.core.errors import Error

    undeclared = Error(field="name", code="no_such_code", message="请填写名称。")
    assert Error.resolve_code(undeclared, None) == "invalid"
    assert "no_such_code" in caplog.text
    assert Error.resolve_code(Error(field=None, code="not_found", message="m"), None) == "not_found"

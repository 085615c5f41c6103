"""Report files of a node for a period: the figures (from the period's current snapshot, else live) laid out as the
statistical tables, rendered to XLSX and PDF and stored under deterministic keys.

Regenerating is idempotent: the same figures render to the same bytes, the key depends only on (node, period,
snapshot version), and an object whose stored checksum already matches is not uploaded again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from federations.models import FederationNode, Union
from files.keys import federation_file_key
from files.selectors import file_exists
from files.services import file_store
from rollup.catalogue import CATALOGUE, RATIO
from rollup.selectors import rollup_tree

from . import layout, render
from .models import ReportFile, ReportFileKind
from .selectors import current_snapshot, reviewer_of

FILE_AREA = "reports"


def _period_name(period) -> str:
    kind_names = {"year": _("年度"), "quarterly": _("季度"), "monthly": _("月度")}
    return _("%(label)s%(kind)s（%(start)s至%(end)s）") % {
        "label": period.label,
        "kind": kind_names.get(period.kind, ""),
        "start": period.starts_on.isoformat(),
        "end": period.ends_on.isoformat(),
    }


def _columns(codes: list[str]) -> list[layout.Column]:
    columns = []
    for code in codes:
        entry = CATALOGUE.get(code)
        if entry is None:
            continue
        if code == "mw_benefits_fen":  # shown in yuan, as the form asks
            columns.append(layout.Column(code, f"{entry.name}（{_('元')}）", 2))
            continue
        decimals = 2 if entry.aggregation == RATIO else 0
        columns.append(layout.Column(code, f"{entry.name}（{entry.unit}）", decimals))
    return columns


def _shown(code: str, value):
    if code == "mw_benefits_fen" and value is not None:
        return (Decimal(value) / 100).quantize(Decimal("0.01"))
    return value


def report_data_build(*, node: FederationNode, period, snapshot=None) -> layout.ReportData:
    """The report's figures: one row per direct sub-unit of `node` plus its total (3-4 queries)."""
    specs = layout.table_specs()
    wanted = layout.all_indicators()

    codes = [code for code in wanted if code in CATALOGUE]
    tree = rollup_tree(node=node, period=period, indicators=codes, snapshot=snapshot)
    children = list(tree.children) if tree is not None else []
    # Sub-nodes first (in path order), then the unions directly below, by name.
    children.sort(
        key=lambda unit: (unit.kind != "node", unit.path if unit.kind == "node" else "", unit.name, unit.id)
    )
    node_codes = dict(
        FederationNode.objects.filter(pk__in=[c.id for c in children if c.kind == "node"]).values_list(
            "pk", "division_code"
        )
    )
    union_codes = dict(
        Union.objects.filter(pk__in=[c.id for c in children if c.kind == "union"]).values_list(
            "pk", "credit_code"
        )
    )
    tables = []
    for spec in specs:
        columns = _columns(list(spec.indicators))
        rows = []
        for child in children:
            code = node_codes.get(child.id, "") if child.kind == "node" else union_codes.get(child.id, "")
            rows.append(
                layout.Row(
                    child.name,
                    code,
                    child.kind,
                    {c.code: _shown(c.code, child.values.get(c.code)) for c in columns},
                )
            )
        total_values = tree.values if tree is not None else {}
        rows.append(
            layout.Row(
                node.name,
                node.division_code,
                "total",
                {c.code: _shown(c.code, total_values.get(c.code)) for c in columns},
            )
        )
        tables.append(layout.Table(spec.code, spec.title, columns, rows))

    _reviewer, recipient_name = reviewer_of(node)
    return layout.ReportData(
        node_id=node.pk,
        node_name=node.name,
        division_code=node.division_code,
        period_label=period.label,
        period_name=_period_name(period),
        report_date=period.ends_on.isoformat(),
        recipient_name=recipient_name,
        snapshot_version=snapshot.version if snapshot is not None else None,
        tables=tables,
    )


@dataclass(frozen=True)
class RenderedFile:
    kind: str
    filename: str
    content: bytes
    content_type: str
    data_sha256: str


def report_render(data: layout.ReportData) -> list[RenderedFile]:
    base = f"{data.node_name}{data.period_label}"
    xlsx = render.render_xlsx(data)
    pdf = render.render_pdf(data)
    return [
        RenderedFile(
            ReportFileKind.XLSX,
            _("%(base)s工会统计报表.xlsx") % {"base": base},
            xlsx,
            render.XLSX_CONTENT_TYPE,
            render.report_data_hash(data),
        ),
        RenderedFile(
            ReportFileKind.PDF,
            _("%(base)s工会统计摘要.pdf") % {"base": base},
            pdf,
            render.PDF_CONTENT_TYPE,
            hashlib.sha256(pdf).hexdigest(),
        ),
    ]


def report_file_key(*, node, period, snapshot, kind: str, filename: str) -> str:
    version = f"v{snapshot.version}" if snapshot is not None else "live"
    return federation_file_key(node.pk, FILE_AREA, (f"{period.kind}-{period.label}", version, kind), filename)


def report_files_generate(*, node: FederationNode, period, snapshot="current") -> list[ReportFile]:
    """Render and store the node's XLSX and PDF for `period` (the current snapshot unless one is given; None =
    live figures). Returns the ReportFile rows. Uploads only what changed."""
    if snapshot == "current":
        snapshot = current_snapshot(period)
    data = report_data_build(node=node, period=period, snapshot=snapshot)
    now = timezone.now()
    existing = {row.kind: row for row in ReportFile.objects.filter(node=node, period=period)}
    results = []
    for rendered in report_render(data):
        key = report_file_key(
            node=node, period=period, snapshot=snapshot, kind=rendered.kind, filename=rendered.filename
        )
        sha = hashlib.sha256(rendered.content).hexdigest()
        row = existing.get(rendered.kind)
        unchanged = row is not None and row.key == key and row.sha256 == sha and file_exists(key=key)
        if not unchanged:
            file_store(
                key=key,
                content=rendered.content,
                content_type=rendered.content_type,
                original_name=rendered.filename,
            )
        if unchanged:
            defaults = {"snapshot": snapshot}
        else:
            defaults = {
                "snapshot": snapshot,
                "key": key,
                "filename": rendered.filename,
                "size": len(rendered.content),
                "sha256": sha,
                "data_sha256": rendered.data_sha256,
                "generated_at": now,
            }
        row, _created = ReportFile.objects.update_or_create(
            node=node, period=period, kind=rendered.kind, defaults=defaults
        )
        results.append(row)
    return results

"""A dashboard panel: one chart, the table of the numbers behind it, and the same numbers as CSV.

The table is the source of truth: the chart is drawn from the same rows (app.js reads `chart`), the CSV export
writes the same rows, so the three can never disagree."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from django.http import HttpResponse

from unionhub.spreadsheets import csv_writer


@dataclass
class Panel:
    key: str
    title: str
    columns: list[str]
    rows: list[list]
    # {"type": "bar" | "line", "categories": [...], "series": [{"name": str, "data": [...]}], "unit": "%"}
    chart: dict = field(default_factory=dict)
    note: str = ""
    export_url: str = ""

    @property
    def chart_id(self) -> str:
        return f"panel-{self.key}-chart"

    @property
    def data_id(self) -> str:
        return f"panel-{self.key}-data"

    @property
    def table_id(self) -> str:
        return f"panel-{self.key}-table"


def with_export_urls(request, panels: list[Panel]) -> list[Panel]:
    """Each panel's export link: the page's own query string plus export=<key>."""
    params = [(k, v) for k, v in request.GET.items() if k != "export"]
    for panel in panels:
        panel.export_url = "?" + urlencode([*params, ("export", panel.key)])
    return panels


def cell(value) -> str:
    if value is None:
        return ""
    return str(value)


def panel_csv(panel: Panel, *, filename: str) -> HttpResponse:
    """The panel's table as CSV (UTF-8 with BOM so Excel and WPS open it as Chinese text; formula-safe cells)."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow([str(c) for c in panel.columns])
    for row in panel.rows:
        # Numbers stay numbers (a negative one is no formula); text is made formula-safe by the writer.
        writer.writerow(["" if value is None else value for value in row])
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def export_response(request, panels: list[Panel], *, prefix: str) -> HttpResponse | None:
    """The CSV of the panel named by ?export=<key>, or None when the request asks for the page."""
    key = request.GET.get("export")
    if not key:
        return None
    panel = next((p for p in panels if p.key == key), None)
    if panel is None:
        return HttpResponse(status=404)
    return panel_csv(panel, filename=f"{prefix}-{panel.title}.csv")

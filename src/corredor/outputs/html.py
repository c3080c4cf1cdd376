"""``report.html``: one self-contained page (images inlined) a planner can e-mail."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from corredor.errors import CorredorError
from corredor.outputs.summary import format_cell
from corredor.scenario import Scenario

__all__ = ["REPORT_TEXT", "report_html"]


#: The HTML report's words; the tables keep the column names of summary.json.
REPORT_TEXT = {
    "en": {
        "lang": "en",
        "horizon": "Horizon {days} days.",
        "headline": "Headline",
        "kpi": "KPI",
        "value": "value",
        "extra_cost": "extra generalised cost over the horizon (USD)",
        "per_day": "extra cost per disrupted day (USD)",
        "truck_hours": "extra truck-hours",
        "truck_km": "extra truck-km",
        "unmet": "unmet truck-days (beyond the baseline)",
        "baseline_unmet": "unmet in the baseline (trucks/day)",
        "delayed": "cargo value delayed (USD)",
        "over90": "most edges over 90 % capacity on a day (baseline)",
        "disruptions": "Disruptions",
        "bottlenecks": "Bottlenecks on the worst day",
        "od": "Most affected OD pairs (worst day)",
        "maps": "Maps",
        "timeline": "Timeline",
        "sources": "Data sources",
        "none": "None.",
        "screening": "screening-grade: stylised flood zones, not a hazard model",
        "input": "input",
        "source": "source",
        "grade": "grade",
        "reference": "reference data",
    },
    "es": {
        "lang": "es",
        "horizon": "Horizonte de {days} días.",
        "headline": "Resultados principales",
        "kpi": "Indicador",
        "value": "valor",
        "extra_cost": "costo generalizado adicional en el horizonte (USD)",
        "per_day": "costo adicional por día con interrupción (USD)",
        "truck_hours": "horas-camión adicionales",
        "truck_km": "camiones-km adicionales",
        "unmet": "camiones-día sin ruta (además de la base)",
        "baseline_unmet": "sin ruta en la base (camiones/día)",
        "delayed": "valor de carga retrasada (USD)",
        "over90": "máximo de tramos sobre 90 % de capacidad en un día (base)",
        "disruptions": "Interrupciones",
        "bottlenecks": "Cuellos de botella en el peor día",
        "od": "Pares origen-destino más afectados (peor día)",
        "maps": "Mapas",
        "timeline": "Evolución diaria",
        "sources": "Fuentes de datos",
        "none": "Ninguno.",
        "screening": "nivel de tamizaje: zonas de inundación estilizadas, no un modelo de peligro",
        "input": "insumo",
        "source": "fuente",
        "grade": "nivel",
        "reference": "datos de referencia",
    },
}

#: What the bundled inputs are (data/mexico/README.md has every row's source).
BUNDLED_SOURCES = {
    "network": "GeoNames (CC-BY 4.0) towns, federal corridors; lanes and speeds: class assumptions",
    "demand": "US BTS border crossings 2024 and TransBorder shares; port TEU (ASIPONA/SEMAR/SCT)",
    "crime": "SESNSP Robo a transportista, state level (IDEFC_NM_may22, 2019-2021)",
}


def report_html(
    summary: dict, scenario: Scenario, images: dict[str, Path], *, lang: str = "en"
) -> str:
    """The run's report as one HTML page with its images inlined.

    Parameters
    ----------
    summary : dict
        From ``corredor.outputs.summary.run_summary``.
    scenario : Scenario
        The scenario run (for its inputs).
    images : dict
        Caption -> PNG file, in display order.
    lang : {"en", "es"}, default "en"
        Language of the page.

    Returns
    -------
    str
        The page.
    """
    if lang not in REPORT_TEXT:
        raise CorredorError(f"report language {lang!r}: use one of {', '.join(REPORT_TEXT)}")
    t = REPORT_TEXT[lang]
    parts = [
        f'<!DOCTYPE html><html lang="{t["lang"]}"><head><meta charset="utf-8">',
        f"<title>{_esc(summary['scenario'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_esc(summary['scenario'])}</h1><p>{_esc(summary['description'])}</p>",
        f"<p>{t['horizon'].format(days=summary['horizon_days'])}</p>",
        f"<h2>{t['headline']}</h2>",
        _html_table([t["kpi"], t["value"]], _kpi_rows(summary, t)),
        *_tables(summary, t),
        f"<h2>{t['maps']}</h2>",
        *(_figure(caption, path) for caption, path in images.items()),
        f"<h2>{t['sources']}</h2>",
        _html_table([t["input"], t["source"], t["grade"]], _source_rows(summary, scenario, t)),
        f"<p>{t['reference']}: data/mexico/README.md</p></body></html>",
    ]
    return "\n".join(parts) + "\n"


def _kpi_rows(summary: dict, t: dict[str, str]) -> list[tuple]:
    totals = summary["totals"]
    return [
        (t["extra_cost"], f"{totals['extra_cost_usd']:,.0f}"),
        (t["per_day"], f"{totals['extra_cost_usd_per_disrupted_day']:,.0f}"),
        (t["truck_hours"], f"{totals['extra_truck_hours']:,.0f}"),
        (t["truck_km"], f"{totals['extra_truck_km']:,.0f}"),
        (t["unmet"], f"{totals['unmet_truck_days']:,.1f}"),
        (t["baseline_unmet"], f"{totals.get('baseline_unmet_trucks_day', 0.0):,.1f}"),
        (t["delayed"], f"{totals['cargo_value_delayed_usd']:,.0f}"),
        (
            t["over90"],
            f"{totals['max_edges_over_90pct']} ({summary['baseline']['edges_over_90pct']})",
        ),
    ]


def _source_rows(summary: dict, scenario: Scenario, t: dict[str, str]) -> list[tuple]:
    flood = summary["flood_layer"]
    return [
        (name, BUNDLED_SOURCES[name] if value == "bundled" else value, "")
        for name, value in (
            ("network", scenario.network),
            ("demand", scenario.demand),
            ("crime", scenario.layers.crime),
        )
    ] + [("flood", flood, t["screening"] if flood == "screening" else "")]


def _tables(summary: dict, t: dict[str, str]) -> list[str]:
    return [
        f"<h2>{t['disruptions']}</h2>",
        _html_records(summary["disruptions"], ["name", "start_day", "days", "recovery_days"], t),
        f"<h2>{t['bottlenecks']}</h2>",
        _html_records(summary["bottlenecks"], ["edge_id", "ref", "baseline_utilisation",
                                               "disrupted_utilisation", "bottleneck_price_usd"],
                      t),
        f"<h2>{t['od']}</h2>",
        _html_records(summary["affected_od_pairs"], [
            "origin", "destination", "trucks_day", "baseline_cost_usd_per_truck",
            "disrupted_cost_usd_per_truck", "unmet_trucks_day"], t),
    ]


def _figure(caption: str, path: Path) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return (f'<figure><img alt="{_esc(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_esc(caption)}</figcaption></figure>")


_CSS = (
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px}"
    "td.n{text-align:right}img{max-width:100%}figcaption{color:#555;font-size:90%}"
)


def _esc(value: object) -> str:
    return html.escape(str(value))


def _html_table(header: list[str], rows: list[tuple]) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{format_cell(v)}</td>'
            if isinstance(v, int | float) and not isinstance(v, bool)
            else f"<td>{_esc(format_cell(v))}</td>"
            for v in row
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _html_records(records: list[dict], columns: list[str], text: dict) -> str:
    if not records:
        return f"<p>{text['none']}</p>"
    return _html_table(columns, [tuple(r.get(c) for c in columns) for r in records])

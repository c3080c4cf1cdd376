"""``report.html``: one self-contained page (images inlined) a planner can e-mail.

Everything a person reads comes from ``corredor.outputs.text`` in the report's
language; tables show names, not ids, and sort when a heading is clicked (a
few lines of inline script, no external request).
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from corredor.outputs.summary import headline_rows, report_sections, shows_timeline
from corredor.outputs.text import format_cell, words
from corredor.scenario import Scenario

__all__ = ["BUNDLED_SOURCES", "page_html", "report_html"]

#: What the bundled inputs are (data/mexico/README.md has every row's source), per language.
BUNDLED_SOURCES = {
    "en": {
        "network": "GeoNames (CC-BY 4.0) towns, federal corridors; lanes and speeds: class "
                   "assumptions",
        "demand": "US BTS border crossings 2024 and TransBorder shares; port TEU "
                  "(ASIPONA/SEMAR/SCT)",
        "crime": "SESNSP Robo a transportista, state level (IDEFC_NM_may22, 2019-2021)",
    },
    "es": {
        "network": "localidades de GeoNames (CC-BY 4.0), corredores federales; carriles y "
                   "velocidades: supuestos por tipo de vía",
        "demand": "cruces fronterizos BTS de EE. UU. 2024 y participaciones TransBorder; TEU "
                  "de puertos (ASIPONA/SEMAR/SCT)",
        "crime": "SESNSP Robo a transportista, nivel estatal (IDEFC_NM_may22, 2019-2021)",
    },
}

def report_html(
    summary: dict, scenario: Scenario, images: dict[str, Path], *, lang: str = "en"
) -> str:
    """The run's report as one HTML page with its images inlined.

    Parameters
    ----------
    summary : dict
        From ``corredor.outputs.summary.run_summary`` (with ``monte_carlo`` for Monte
        Carlo runs).
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
    t = words(lang)
    parts = [
        f'<!DOCTYPE html><html lang="{t["lang"]}"><head><meta charset="utf-8">',
        f"<title>{_esc(summary['scenario'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_esc(summary['scenario'])}</h1><p>{_esc(summary['description'])}</p>",
    ]
    if shows_timeline(summary):
        parts += [f"<p>{t['horizon'].format(days=summary['horizon_days'])}</p>",
                  f"<h2>{t['headline']}</h2>",
                  _table([t["kpi"], t["value"]], headline_rows(summary, lang))]
    if "monte_carlo" in summary:
        mc = summary["monte_carlo"]
        years = t["years"].format(runs=mc["runs"], seed=mc["seed"], days=mc["horizon_days"])
        parts.append(f"<p>{years}</p>")
    for title, headings, rows in report_sections(summary, lang):
        parts.append(f"<h2>{_esc(title)}</h2>")
        parts.append(_table(headings, rows) if rows else f"<p>{t['none']}</p>")
    parts += [
        f"<p><small>{t['sort_hint']}</small></p>",
        f"<h2>{t['maps']}</h2>",
        *(_figure(caption, path) for caption, path in images.items()),
        f"<h2>{t['sources']}</h2>",
        _table([t["input"], t["source"], t["grade"]], _source_rows(summary, scenario, lang)),
        f"<p>{t['reference']}: data/mexico/README.md</p>",
        f"<script>{_SORT_SCRIPT}</script></body></html>",
    ]
    return "\n".join(parts) + "\n"


def page_html(title: str, notes: list[str], sections: list[tuple[str, list[str], list]],
              images: dict[str, Path], *, lang: str = "en") -> str:
    """A self-contained page of notes, sortable tables and inlined images.

    Parameters
    ----------
    title : str
        The page's title and heading.
    notes : list of str
        Paragraphs under the title.
    sections : list of (str, list of str, list of tuple)
        (heading, column headings, rows) per table, in page order.
    images : dict
        Caption -> PNG file.
    lang : {"en", "es"}, default "en"
        The page's language.

    Returns
    -------
    str
    """
    t = words(lang)
    parts = [
        f'<!DOCTYPE html><html lang="{t["lang"]}"><head><meta charset="utf-8">',
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_esc(title)}</h1>", *(f"<p>{_esc(note)}</p>" for note in notes),
        *(_figure(caption, path) for caption, path in images.items()),
    ]
    for heading, columns, rows in sections:
        parts.append(f"<h2>{_esc(heading)}</h2>")
        parts.append(_table(columns, rows) if rows else f"<p>{t['none']}</p>")
    parts += [f"<p><small>{t['sort_hint']}</small></p>",
              f"<script>{_SORT_SCRIPT}</script></body></html>"]
    return "\n".join(parts) + "\n"


def _source_rows(summary: dict, scenario: Scenario, lang: str) -> list[tuple]:
    t, flood = words(lang), summary["flood_layer"]
    named = [
        (t[f"src_{name}"], BUNDLED_SOURCES[lang][name] if value == "bundled" else value, "")
        for name, value in (("network", scenario.network), ("demand", scenario.demand),
                            ("crime", scenario.layers.crime))
    ]
    return [*named, (t["src_flood"], t.get(f"grade_{flood}", flood),
                     t["screening"] if flood == "screening" else "")]


def _figure(caption: str, path: Path) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return (f'<figure><img alt="{_esc(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_esc(caption)}</figcaption></figure>")


_CSS = (
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px}"
    "th{cursor:pointer;background:#f4f4f4}td.n{text-align:right}img{max-width:100%}"
    "figcaption{color:#555;font-size:90%}"
)

#: Click a heading to sort its table (numbers as numbers); click again to reverse.
_SORT_SCRIPT = (
    "document.querySelectorAll('table.sortable th').forEach(function(th){"
    "th.addEventListener('click',function(){var table=th.closest('table'),"
    "i=Array.prototype.indexOf.call(th.parentNode.children,th),"
    "rows=Array.prototype.slice.call(table.querySelectorAll('tr')).slice(1),"
    "up=th.dataset.up!=='1';th.dataset.up=up?'1':'0';"
    "function key(r){var t=r.children[i].textContent.replace(/,/g,'');"
    "var n=parseFloat(t);return isNaN(n)?t.toLowerCase():n;}"
    "rows.sort(function(a,b){var x=key(a),y=key(b);"
    "return (x>y?1:x<y?-1:0)*(up?1:-1);});"
    "rows.forEach(function(r){table.appendChild(r);});});});"
)


def _esc(value: object) -> str:
    return html.escape(str(value))


def _table(header: list[str], rows: list[tuple]) -> str:
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
    return f'<table class="sortable"><tr>{head}</tr>{body}</table>'

"""``report.html`` pages: self-contained (images and maps inlined) so a planner can e-mail them.

Everything a person reads comes from ``corredor.outputs.text`` in the report's
language; tables show names, not ids, and sort when a heading is clicked (a
few lines of inline script, no external request). Each report has an
interactive map (``corredor.outputs.webmap``: MapLibre GL inlined, no basemap,
no request): the builders below turn a run, its Monte Carlo years, a
criticality scan or a sourcing analysis into the map's toggleable layers,
one feature per physical link (both directions' values in its columns), so
the national model's page stays a few MB.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from corredor.criticality import CriticalityResult
from corredor.kpis import SATURATION
from corredor.network import CRS, Network, link_keys
from corredor.outputs.summary import headline_rows, report_sections, shows_timeline
from corredor.outputs.text import cell, class_label, column_label, format_cell, words
from corredor.outputs.webmap import (
    Categories,
    Diverging,
    MapLayer,
    Ramp,
    Scale,
    maplibre_assets,
    web_map,
)
from corredor.scenario import Scenario
from corredor.sourcing import SourcingResult, routes_frame, sites_frame

__all__ = [
    "BUNDLED_SOURCES",
    "CANDIDATE_COLORS",
    "CLOSED",
    "EXPECTED_COST",
    "MAP_HEIGHT",
    "TOP_LINK",
    "criticality_map",
    "link_frame",
    "monte_carlo_map",
    "page_html",
    "report_html",
    "run_map",
    "sourcing_map",
    "states_layer",
]

#: What the bundled inputs are (data/mexico/README.md has every row's source), per language.
BUNDLED_SOURCES = {
    "en": {
        "network": "SICT / Instituto Mexicano del Transporte, Datos Viales 2025 (TDPA 2024), "
                   "via the CC BY 4.0 compilation iChocko/Datos-Viales-SICT; GeoNames (CC-BY "
                   "4.0) towns as zones",
        "demand": "OD matrix estimated from the SICT 2024 counts, BTS border crossings 2024 "
                  "and port TEU (ASIPONA/SEMAR/SCT); gravity prior from GeoNames population",
        "crime": "SESNSP Robo a transportista, state level (IDEFC_NM_may22, 2019-2021)",
    },
    "es": {
        "network": "SICT / Instituto Mexicano del Transporte, Datos Viales 2025 (TDPA 2024), "
                   "vía la compilación CC BY 4.0 iChocko/Datos-Viales-SICT; localidades de "
                   "GeoNames (CC-BY 4.0) como zonas",
        "demand": "matriz OD estimada con los aforos SICT 2024, cruces fronterizos BTS 2024 y "
                  "TEU de puertos (ASIPONA/SEMAR/SCT); modelo gravitacional con la población "
                  "de GeoNames",
        "crime": "SESNSP Robo a transportista, nivel estatal (IDEFC_NM_may22, 2019-2021)",
    },
}


def report_html(
    summary: dict, scenario: Scenario, images: dict[str, Path], *, lang: str = "en",
    maps: Mapping[str, str] | None = None,
) -> str:
    """The run's report as one HTML page with its images and interactive maps inlined.

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
    maps : mapping, optional
        Heading -> map fragment (from :func:`run_map`, :func:`monte_carlo_map`), shown
        after the headline; the page inlines the map library once.

    Returns
    -------
    str
        The page.
    """
    t = words(lang)
    parts = [_head(summary["scenario"], t, maps),
             f"<h1>{_esc(summary['scenario'])}</h1><p>{_esc(summary['description'])}</p>"]
    if shows_timeline(summary):
        parts += [f"<p>{t['horizon'].format(days=summary['horizon_days'])}</p>",
                  f"<h2>{t['headline']}</h2>",
                  _table([t["kpi"], t["value"]], headline_rows(summary, lang))]
    if "monte_carlo" in summary:
        mc = summary["monte_carlo"]
        years = t["years"].format(runs=mc["runs"], seed=mc["seed"], days=mc["horizon_days"])
        parts.append(f"<p>{years}</p>")
    parts += _maps(maps, t)
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
              images: dict[str, Path], *, lang: str = "en",
              maps: Mapping[str, str] | None = None) -> str:
    """A self-contained page of notes, interactive maps, inlined images and sortable tables.

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
    maps : mapping, optional
        Heading -> map fragment (from the ``*_map`` builders of this module), shown
        under the notes; the page inlines the map library once.

    Returns
    -------
    str
    """
    t = words(lang)
    parts = [
        _head(title, t, maps), f"<h1>{_esc(title)}</h1>",
        *(f"<p>{_esc(note)}</p>" for note in notes), *_maps(maps, t),
        *(_figure(caption, path) for caption, path in images.items()),
    ]
    for heading, columns, rows in sections:
        parts.append(f"<h2>{_esc(heading)}</h2>")
        parts.append(_table(columns, rows) if rows else f"<p>{t['none']}</p>")
    parts += [f"<p><small>{t['sort_hint']}</small></p>",
              f"<script>{_SORT_SCRIPT}</script></body></html>"]
    return "\n".join(parts) + "\n"


def _head(title: str, t: Mapping[str, str], maps: Mapping[str, str] | None) -> str:
    """Doctype, title, the page's CSS and, when it has maps, the map library (once)."""
    library = maplibre_assets() if maps else ""
    return (f'<!DOCTYPE html><html lang="{t["lang"]}"><head><meta charset="utf-8">\n'
            f"<title>{_esc(title)}</title><style>{_CSS}</style>\n{library}</head><body>")


def _maps(maps: Mapping[str, str] | None, t: Mapping[str, str]) -> list[str]:
    """Each map under its heading, with one line on how to use it."""
    if not maps:
        return []
    parts = []
    for heading, fragment in maps.items():
        parts += [f"<h2>{_esc(heading)}</h2>", fragment]
    return [*parts, f"<p><small>{t['map_hint']}</small></p>"]


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


# -- the reports' interactive maps ------------------------------------------------------

#: Height of a report's map.
MAP_HEIGHT = "620px"
#: Colours shared by the maps (the PNG maps use the same ones).
NETWORK_GREY, CLOSED, DEGRADED, BOTTLENECK = "#a9abae", "#111111", "#e08214", "#4dac26"
CROSSING, PORT = "#6a3d9a", "#01665e"
#: Expected cost per year, low to high; criticality: the top links, the other costly ones.
EXPECTED_COST = ("#fdbb84", "#ef6548", "#990000")
TOP_LINK, COSTLY_LINK = "#c0392b", ("#fbe6c8", "#f39c12")
#: One colour per sourcing candidate, as matplotlib's ``tab10`` in ``routes.png``.
CANDIDATE_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def states_layer(outline: gpd.GeoDataFrame | None, lang: str) -> list[MapLayer]:
    """The state outlines as the bottom layer of a map (none without boundaries).

    Parameters
    ----------
    outline : geopandas.GeoDataFrame, optional
        State polygons (``$CORREDOR_BOUNDARIES``).
    lang : {"en", "es"}
        The label's language.

    Returns
    -------
    list of MapLayer
        Zero or one layer.
    """
    if outline is None or outline.empty:
        return []
    return [MapLayer("states", words(lang)["layer_states"], outline, color="#eceae4",
                     outline="#b8b4aa", size=0.6)]


def link_frame(network: Network, lang: str) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """One feature per physical link, and which feature each edge belongs to.

    Parameters
    ----------
    network : Network
        Any network.
    lang : {"en", "es"}
        Language of the road class words.

    Returns
    -------
    links : geopandas.GeoDataFrame
        ``link_id``, ``edge_id`` (its first edge), ``name``, ``ref``, ``road_class``,
        ``class`` (the road class as a reader says it) and the first edge's geometry, in
        order of first appearance.
    codes : numpy.ndarray
        Per edge (edge order), the row of ``links`` it belongs to: group edge values with
        ``pd.Series(values).groupby(codes)``.
    """
    keys = link_keys(network)
    codes, _ = pd.factorize(pd.Series(keys, dtype=object), sort=False)
    first = np.unique(codes, return_index=True)[1]
    edges = network.edges.iloc[first]
    links = gpd.GeoDataFrame({
        "link_id": keys[first], "edge_id": edges["edge_id"].to_numpy(),
        "name": edges["name"].to_numpy(), "ref": edges["ref"].to_numpy(),
        "road_class": edges["road_class"].to_numpy(),
        "class": [class_label(c, lang) for c in edges["road_class"]],
    }, geometry=edges.geometry.to_numpy(), crs=CRS)
    return links, codes


def _fields(lang: str, **columns: str) -> dict[str, str]:
    """Map column -> popup label, each label the heading of a result column."""
    return {key: column_label(column, lang) for key, column in columns.items()}


_LINK_FIELDS = {"name": "name", "ref": "ref", "class": "road_class"}


def _flag(values: pd.Series | np.ndarray) -> np.ndarray:
    """True where set, None elsewhere (so the page does not carry thousands of falses)."""
    flags = np.full(len(values), None, dtype=object)
    flags[np.asarray(values, dtype=bool)] = True
    return flags


def _view(frame: gpd.GeoDataFrame, *, minimum: float = 1.0) -> list[float] | None:
    """West, south, east, north around ``frame`` (padded, at least ``minimum`` degrees)."""
    if frame.empty:
        return None
    west, south, east, north = frame.total_bounds
    x, y = (west + east) / 2, (south + north) / 2
    half_x = max((east - west) * 0.6, minimum / 2)
    half_y = max((north - south) * 0.6, minimum / 2)
    return [x - half_x, y - half_y, x + half_x, y + half_y]


def _middles(lines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The same rows, each line replaced by its middle point."""
    middles = shapely.line_interpolate_point(lines.geometry.to_numpy(), 0.5, normalized=True)
    return lines.set_geometry(gpd.GeoSeries(middles, index=lines.index, crs=CRS))


def _map(layers: list[MapLayer], key: str, lang: str, bounds: list[float] | None) -> str:
    """A report map (the page inlines the library once)."""
    return web_map(layers, bounds=bounds, lang=lang, element_id=key, height=MAP_HEIGHT,
                   include_library=False)


def run_map(network: Network, table: pd.DataFrame, facilities: pd.DataFrame, worst_day: int,
            *, outline: gpd.GeoDataFrame | None = None, lang: str = "en",
            waits: pd.DataFrame | None = None, plants: pd.DataFrame | None = None) -> str:
    """The run's map: flows, their change, closures, bottlenecks, crossings, ports, plants.

    Opens on the disrupted area. Each link is one feature carrying both directions'
    flows (summed, and the worst day each way), the higher utilisation and cost.
    Closed and degraded links are marked at their middle, so a short bridge shows at
    any zoom.

    Parameters
    ----------
    network : Network
        The network run.
    table : pandas.DataFrame
        ``corredor.simulate.edge_table`` (edge order).
    facilities : pandas.DataFrame
        ``SimulationResult.facility_flows``.
    worst_day : int
        The day the "worst day" columns describe.
    outline : geopandas.GeoDataFrame, optional
        State polygons drawn underneath.
    lang : {"en", "es"}, default "en"
        Language of the layer panel and popups.
    waits : pandas.DataFrame, optional
        The run summary's ``crossing_waits`` (queue minutes in the popups).
    plants : pandas.DataFrame, optional
        ``RunResult.plants``: a layer of the plants by production at risk (colour: share of
        the plan lost; size: planned vehicles a day).

    Returns
    -------
    str
        The map's HTML fragment (id ``run-map``).
    """
    t = words(lang)
    links, codes = link_frame(network, lang)
    flags = pd.DataFrame({
        "closed": table["is_closed"].to_numpy(),
        "degraded": (table["is_disrupted"] & ~table["is_closed"]).to_numpy(),
        "newb": (table["over_90pct"] & ~(table["baseline_utilisation"] > SATURATION)).to_numpy(),
    }).groupby(codes).any()
    grouped = table.reset_index(drop=True).groupby(codes)
    sums = grouped[["baseline_flow_trucks_day", "disrupted_flow_trucks_day",
                    "flow_change_trucks_day"]].sum()
    highest = grouped[["baseline_utilisation", "disrupted_utilisation", "disrupted_cost_usd",
                       "bottleneck_price_usd"]].max()
    links = links.assign(
        base=sums["baseline_flow_trucks_day"].to_numpy(),
        worst=sums["disrupted_flow_trucks_day"].to_numpy(),
        change=sums["flow_change_trucks_day"].to_numpy(),
        each=grouped["disrupted_flow_trucks_day"].agg(
            lambda flows: " / ".join(f"{flow:,.0f}" for flow in flows)).to_numpy(),
        ub=highest["baseline_utilisation"].to_numpy(),
        uw=highest["disrupted_utilisation"].to_numpy(),
        cost=highest["disrupted_cost_usd"].to_numpy(),
        price=highest["bottleneck_price_usd"].to_numpy(),
        closed=_flag(flags["closed"]), degraded=_flag(flags["degraded"] & ~flags["closed"]),
        newb=_flag(flags["newb"]),
        chg=_flag(sums["flow_change_trucks_day"].abs().to_numpy() > 0.5),
    )
    fields = _fields(lang, **_LINK_FIELDS, base="baseline_flow_trucks_day",
                     worst="disrupted_flow_trucks_day", change="flow_change_trucks_day",
                     each="worst_each_way", ub="baseline_utilisation", uw="disrupted_utilisation",
                     cost="disrupted_cost_usd", price="bottleneck_price_usd")
    marks = _middles(links[links["closed"].notna() | links["degraded"].notna()])
    points = _facility_points(network, facilities, worst_day, lang, waits)
    point_fields = _fields(lang, name="name", kind="kind", base="baseline", worst="worst_day",
                           change="flow_change_trucks_day", wb="baseline_wait_min",
                           ww="worst_wait_min", wp="published_wait_min")
    trucks = t["trucks_day"]
    layers = [
        *states_layer(outline, lang),
        MapLayer("network", t["layer_network"], links, color=NETWORK_GREY, size=0.8,
                 fields=fields),
        MapLayer("baseline", t["layer_baseline"], links, color="#5d6d7e",
                 size=Scale("base", (0.5, 7.0), unit=trucks), fields=fields, visible=False),
        MapLayer("change", t["layer_change"], links, color=Diverging("change"),
                 size=Scale("change", (1.5, 9.0), unit=trucks), fields=fields, where="chg"),
        MapLayer("bottlenecks", t["layer_bottlenecks"], links, color=BOTTLENECK, size=3.0,
                 fields=fields, where="newb"),
        MapLayer("degraded", t["layer_degraded"], marks, color=DEGRADED, size=6.0,
                 fields=fields, where="degraded", kind="circle"),
        MapLayer("closed", t["layer_closed"], marks, color=CLOSED, size=6.0, fields=fields,
                 where="closed", kind="circle"),
        MapLayer("ports", t["layer_ports"], points, color=PORT,
                 size=Scale("worst", (3.0, 14.0), unit=trucks), fields=point_fields,
                 where="port", kind="circle"),
        MapLayer("crossings", t["layer_crossings"], points, color=CROSSING,
                 size=Scale("worst", (3.0, 14.0), unit=trucks), fields=point_fields,
                 where="crossing", kind="circle"),
        *_plant_layer(network, plants, lang),
    ]
    return _map(layers, "run-map", lang, _view(marks, minimum=1.2))


#: Plant colours by the share of the plan lost: none, some, a tenth or more.
PLANT_LOSS = ("#1e8449", "#f5b041", "#922b21")


def _plant_layer(network: Network, plants: pd.DataFrame | None, lang: str) -> list[MapLayer]:
    """The plants with parts supply as circles, by production at risk (none without)."""
    if plants is None or not len(plants):
        return []
    where = network.nodes.set_index("node_id").geometry
    known = plants[plants["plant_id"].isin(where.index)]
    frame = gpd.GeoDataFrame(
        known.rename(columns={"name": "plant"}).reset_index(drop=True),
        geometry=where.loc[known["plant_id"]].to_numpy(), crs=network.nodes.crs)
    fields = _fields(lang, plant="plant", plan_vehicles_day="plan_vehicles_day",
                     vehicles_lost="vehicles_lost", lost_pct_of_plan="lost_pct_of_plan",
                     days_below_plan="days_below_plan",
                     max_unmet_inbound_share="max_unmet_inbound_share",
                     max_extra_inbound_hours="max_extra_inbound_hours",
                     buffer_days="buffer_days")
    color = Ramp("lost_pct_of_plan", tuple(zip((0.0, 1.0, 10.0), PLANT_LOSS, strict=True)))
    return [MapLayer("plants", words(lang)["layer_plants"], frame, color=color,
                     size=Scale("plan_vehicles_day", (5.0, 14.0)), fields=fields,
                     kind="circle", outline="#ffffff")]


def _facility_points(network: Network, facilities: pd.DataFrame, worst_day: int,
                     lang: str, waits: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Crossings (middle of the northbound edge) and ports as points with flows and waits."""
    edges, nodes = network.edges, network.nodes
    north = edges[(edges["road_class"] == "border")
                  & edges["edge_id"].str.endswith(":fwd")].drop_duplicates("name")
    ports = nodes[nodes["kind"] == "port"].drop_duplicates("name")
    where = {("crossing", name): point for name, point in zip(north["name"],
                                                               _middles(north).geometry,
                                                               strict=True)}
    where |= {("port", name): point for name, point in zip(ports["name"], ports.geometry,
                                                           strict=True)}
    geometry = [where.get((kind, name)) for kind, name in zip(facilities["kind"],
                                                              facilities["facility"],
                                                              strict=True)]
    worst = facilities.get(f"day_{worst_day}", facilities["baseline"])
    by_name = {} if waits is None or not len(waits) else {
        (row["kind"], row["facility"]): row for row in waits.to_dict("records")}
    points = gpd.GeoDataFrame({
        "name": facilities["facility"].to_numpy(),
        "kind": [cell("kind", kind, lang) for kind in facilities["kind"]],
        "base": facilities["baseline"].to_numpy(), "worst": worst.to_numpy(),
        "change": (worst - facilities["baseline"]).to_numpy(),
        **{key: [by_name.get((kind, name), {}).get(column, np.nan)
                 for kind, name in zip(facilities["kind"], facilities["facility"], strict=True)]
           for key, column in (("wb", "baseline_wait_min"), ("ww", "worst_wait_min"),
                               ("wp", "published_wait_min"))},
        "crossing": _flag(facilities["kind"] == "crossing"),
        "port": _flag(facilities["kind"] == "port"),
    }, geometry=gpd.GeoSeries(geometry, crs=CRS).to_numpy(), crs=CRS)
    return points[points.geometry.notna()]


def monte_carlo_map(network: Network, expected: pd.DataFrame, table: pd.DataFrame, *,
                    outline: gpd.GeoDataFrame | None = None, lang: str = "en") -> str:
    """The years' map: expected extra cost and unmet truck-days per simulated year, per link.

    Parameters
    ----------
    network : Network
        The network the years were drawn on.
    expected : pandas.DataFrame
        ``MonteCarloResult.links`` (``link_id`` and the expected values).
    table : pandas.DataFrame
        The run's ``corredor.simulate.edge_table`` (for the baseline flows).
    outline : geopandas.GeoDataFrame, optional
        State polygons drawn underneath.
    lang : {"en", "es"}, default "en"
        Language of the layer panel and popups.

    Returns
    -------
    str
        The map's HTML fragment (id ``mc-map``).
    """
    t = words(lang)
    links, codes = link_frame(network, lang)
    per_link = expected.set_index("link_id")
    values = {short: links["link_id"].map(per_link[column]).fillna(0.0).to_numpy()
              for short, column in (("cost", "expected_extra_cost_usd"),
                                    ("unmet", "expected_unmet_truck_days"),
                                    ("days", "expected_disrupted_days"))}
    links = links.assign(
        **values,
        base=table["baseline_flow_trucks_day"].groupby(codes).sum().to_numpy(),
        hit=_flag(values["cost"] > 0.005), short=_flag(values["unmet"] > 0.005),
    )
    fields = _fields(lang, **_LINK_FIELDS, base="baseline_flow_trucks_day",
                     cost="expected_extra_cost_usd", unmet="expected_unmet_truck_days",
                     days="expected_disrupted_days")
    costly = values["cost"][values["cost"] > 0.005]
    # a few links (crossings) take most of the cost: colours and widths saturate at P95
    high = max(float(np.quantile(costly, 0.95)) if len(costly) else 0.0, 1.0)
    crossings = _middles(links[(links["road_class"] == "border") & links["hit"].notna()])
    cost = Ramp("cost", tuple(zip((0.0, high / 4, high), EXPECTED_COST, strict=True)))
    layers = [
        *states_layer(outline, lang),
        MapLayer("network", t["layer_network"], links, color=NETWORK_GREY, size=0.8,
                 fields=fields),
        MapLayer("baseline", t["layer_baseline"], links, color="#5d6d7e",
                 size=Scale("base", (0.5, 7.0), unit=t["trucks_day"]), fields=fields,
                 visible=False),
        MapLayer("unmet", t["layer_expected_unmet"], links, color=CROSSING,
                 size=Scale("unmet", (2.0, 10.0), unit=t["truck_days_year"]), fields=fields,
                 where="short", visible=False),
        MapLayer("cost", t["layer_expected_cost"], links, color=cost,
                 size=Scale("cost", (1.5, 8.0), domain=(0.0, high), unit=t["usd_year"]),
                 fields=fields, where="hit"),
        MapLayer("crossings", t["layer_crossings_cost"], crossings, color=cost,
                 size=Scale("cost", (3.0, 12.0), domain=(0.0, high), unit=t["usd_year"]),
                 outline=CLOSED, fields=fields, kind="circle"),
    ]
    return _map(layers, "mc-map", lang, _view(links[links["hit"].notna()]))


def criticality_map(network: Network, result: CriticalityResult, *, top: int = 20,
                    outline: gpd.GeoDataFrame | None = None, lang: str = "en") -> str:
    """The criticality map: links by impact (the top ``top`` apart), crossings, ports, cuts.

    Parameters
    ----------
    network : Network
        The network analysed.
    result : CriticalityResult
        The analysis.
    top : int, default 20
        Links in the "top" layer.
    outline : geopandas.GeoDataFrame, optional
        State polygons drawn underneath.
    lang : {"en", "es"}, default "en"
        Language of the layer panel and popups.

    Returns
    -------
    str
        The map's HTML fragment (id ``criticality-map``).
    """
    t = words(lang)
    links, _ = link_frame(network, lang)
    columns = ["rank", "impact_usd_day", "extra_cost_usd_day", "delay_cost_usd_day",
               "unmet_trucks_day", "affected_trucks_day", "detour_ratio_mean",
               "captive_trucks_day", "cap_extra_cost_usd_day"]
    per_edge = result.edges.set_index("edge_id")
    links = links.assign(**{c: per_edge[c].reindex(links["edge_id"]).to_numpy()
                            for c in columns if c in per_edge})
    ranked, hit = links["rank"].notna(), links["impact_usd_day"].fillna(0.0) > 0.005
    leading = links["rank"] <= top
    keys = link_keys(network)
    cut = {keys[i] for found in result.cuts for i in found.edges}
    links = links.assign(abroad=_flag(~ranked & hit), other=_flag(ranked & hit & ~leading),
                         top=_flag(leading), cut=_flag(links["link_id"].isin(cut)))
    fields = _fields(lang, **_LINK_FIELDS, **{c: c for c in columns if c in links})
    largest = max(float(links["impact_usd_day"].max(skipna=True)), 1.0) if hit.any() else 1.0
    width = Scale("impact_usd_day", (0.8, 9.0), domain=(0.0, largest), unit=t["usd_day"])
    # most links cost something when closed: the cheap ones pale, so the costly stand out
    other = Ramp("impact_usd_day", tuple(zip((0.0, largest / 4), COSTLY_LINK, strict=True)))
    points = _impact_points(links, network.nodes, result.crossings, lang)
    layers = [
        *states_layer(outline, lang),
        MapLayer("network", t["layer_network"], links, color=NETWORK_GREY, size=0.8,
                 fields=fields),
        MapLayer("abroad", t["layer_abroad"], links, color="#85c1e9", size=1.5, fields=fields,
                 where="abroad"),
        MapLayer("ranked", t["layer_other"], links, color=other, size=width,
                 fields=fields, where="other"),
        MapLayer("top", t["layer_top"].format(top=top), links, color=TOP_LINK, size=width,
                 fields=fields, where="top"),
        *([MapLayer("cuts", t["layer_cuts"], links, color=CLOSED, size=3.5, fields=fields,
                    where="cut")] if result.cuts else []),
        MapLayer("facilities", t["layer_facility_impact"], points,
                 color=Categories("kind", {cell("kind", "crossing", lang): CROSSING,
                                           cell("kind", "port", lang): PORT}),
                 size=Scale("impact_usd_day", (3.0, 14.0), unit=t["usd_day"]), kind="circle",
                 fields=_fields(lang, **{c: c for c in (
                     "name", "kind", "rank", "impact_usd_day", "unmet_trucks_day",
                     "affected_trucks_day", "observed_trucks_day") if c in points})),
        *_plant_risk_layer(links, result.plants, lang),
    ]
    return _map(layers, "criticality-map", lang, _view(links[ranked & hit]))


def _plant_risk_layer(links: gpd.GeoDataFrame, risk: pd.DataFrame, lang: str
                      ) -> list[MapLayer]:
    """The plants' critical elements where the plant is at risk (TTR > TTS); none without."""
    if not len(risk):
        return []
    line = links.drop_duplicates("link_id").set_index("link_id").geometry
    known = risk[risk["element"].isin(line.index)].reset_index(drop=True)
    frame = gpd.GeoDataFrame(known.assign(flag=_flag(known["at_risk"])),
                             geometry=line.loc[known["element"]].to_numpy(), crs=links.crs)
    fields = _fields(lang, **{c: c for c in ("plant", "element_name", "element_type",
                                             "unmet_share", "extra_hours", "tts_days",
                                             "ttr_days", "vehicles_at_risk")})
    return [MapLayer("plant_risk", words(lang)["layer_plant_risk"], frame, color=CLOSED,
                     size=4.0, fields=fields, where="flag")]


def _impact_points(links: gpd.GeoDataFrame, nodes: gpd.GeoDataFrame, facilities: pd.DataFrame,
                   lang: str) -> gpd.GeoDataFrame:
    """Crossings (middle of their link) and ports (their node) with their impact columns."""
    where = dict(zip(links["link_id"], _middles(links).geometry, strict=True))
    where |= dict(zip(nodes["node_id"], nodes.geometry, strict=True))
    geometry = gpd.GeoSeries([where.get(i) for i in facilities["id"]], crs=CRS)
    frame = gpd.GeoDataFrame(
        facilities.assign(kind=[cell("kind", kind, lang) for kind in facilities["kind"]])
        .reset_index(drop=True), geometry=geometry.to_numpy(), crs=CRS)
    return frame[frame.geometry.notna()]


def sourcing_map(result: SourcingResult, *, outline: gpd.GeoDataFrame | None = None,
                 lang: str = "en") -> str:
    """The sourcing map: each candidate's route, the links they share, the sites.

    Parameters
    ----------
    result : SourcingResult
        The analysis.
    outline : geopandas.GeoDataFrame, optional
        State polygons drawn underneath.
    lang : {"en", "es"}, default "en"
        Language of the layer panel and popups.

    Returns
    -------
    str
        The map's HTML fragment (id ``sourcing-map``).
    """
    t, case = words(lang), result.case
    network_links, _ = link_frame(case.network, lang)
    routes, sites = routes_frame(result), sites_frame(result)
    routes["class"] = [class_label(c, lang) for c in routes["road_class"]]
    fields = _fields(lang, **_LINK_FIELDS, candidate="candidate", shared_with="shared_with",
                     length_km="length_km", cost_usd="cost_usd")
    candidates = []
    for s, name in enumerate(case.names):
        share = result.recommended.shares.get(name, 0.0)
        candidates.append(MapLayer(
            f"route-{s}", f"{name} ({share:.0%})", routes[routes["candidate"] == name],
            color=CANDIDATE_COLORS[s % len(CANDIDATE_COLORS)], size=2.5 + 6.0 * share,
            fields=fields))
    shared = routes[routes["shared"]].drop_duplicates("link_id")
    critical = routes[routes["shared_critical"]].drop_duplicates("link_id")
    sites = sites.assign(role=[cell("role", role, lang) for role in sites["role"]])
    layers = [
        *states_layer(outline, lang),
        MapLayer("network", t["layer_network"], network_links, color=NETWORK_GREY, size=0.7,
                 fields=_fields(lang, **_LINK_FIELDS)),
        *candidates,
        MapLayer("shared", t["layer_shared"].format(n=len(shared)), shared, color=CLOSED,
                 size=1.5, fields=fields),
        MapLayer("shared-critical", t["layer_shared_critical"].format(n=len(critical)),
                 critical, color=CLOSED, size=6.0, opacity=0.7, fields=fields),
        MapLayer("sites", t["layer_sites"], sites,
                 color=Categories("role", {t["role_buyer"]: CLOSED,
                                           t["role_candidate"]: "#e0e0e0"}),
                 size=7.0, outline=CLOSED, title="site", kind="circle",
                 fields=_fields(lang, site="name", role="kind", share="share")),
    ]
    return _map(layers, "sourcing-map", lang, _view(routes))

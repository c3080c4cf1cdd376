"""What a planner reads: summary tables of a network and a PNG map of it.

Functions here return tables or write one figure; printing is the CLI's job.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely

from corredor.errors import CorredorError
from corredor.mapping import dress_map
from corredor.montecarlo import MonteCarloResult
from corredor.network import Network
from corredor.scenario import MonteCarlo, Scenario
from corredor.simulate import SimulationResult

matplotlib.use("Agg")
import matplotlib.pyplot as plt

#: Map colours by road class (also the legend order).
ROAD_CLASS_COLOURS = {
    "motorway": "#c0392b",
    "trunk": "#e67e22",
    "primary": "#f1c40f",
    "secondary": "#95a5a6",
    "tertiary": "#bdc3c7",
    "us_highway": "#2e86c1",
    "foreign_highway": "#16a085",
    "border": "#8e44ad",
    "port_access": "#1abc9c",
    "connector": "#7f8c8d",
}


@dataclass(frozen=True)
class NetworkSummary:
    """The tables ``corredor info`` prints."""

    totals: pd.DataFrame
    nodes_by_kind: pd.DataFrame
    links_by_class: pd.DataFrame
    km_by_state: pd.DataFrame
    crossings: pd.DataFrame


def undirected_links(network: Network) -> pd.DataFrame:
    """One row per physical link: edges sharing a ``link_id`` (both directions) count once."""
    edges = network.edges.drop(columns="geometry")
    key = edges["link_id"] if "link_id" in edges.columns else edges["edge_id"]
    return edges.loc[~key.duplicated()]


def network_summary(network: Network) -> NetworkSummary:
    links = undirected_links(network)
    nodes = network.nodes
    nodes_by_kind = nodes.groupby("kind").size().rename("nodes").reset_index()
    links_by_class = (
        links.groupby("road_class")
        .agg(
            links=("length_km", "size"),
            km=("length_km", "sum"),
            bridges=("bridge", "sum"),
            toll=("toll", "sum"),
        )
        .reset_index()
        .sort_values("km", ascending=False)
    )
    roads = links[~links["road_class"].isin(["border", "port_access", "connector"])]
    mexican = roads[roads["state"] != ""]
    per_state = mexican.assign(state=mexican["state"].str.split(";")).explode("state")
    share = 1.0 / mexican["state"].str.count(";").add(1)
    per_state["km"] = per_state["length_km"] * share.reindex(per_state.index).to_numpy()
    km_by_state = per_state.groupby("state")["km"].sum().round(1).reset_index().sort_values("state")
    crossings = links[links["road_class"] == "border"]
    crossing_columns = [
        c
        for c in ("name", "observed_year", "observed_trucks_day", "capacity_trucks_day")
        if c in crossings.columns
    ]
    crossings = crossings[crossing_columns].sort_values(
        "observed_trucks_day" if "observed_trucks_day" in crossing_columns else "name",
        ascending=False,
    )
    totals = pd.DataFrame(
        dtype=object,
        data={
            "quantity": [
                "nodes",
                "directed edges",
                "physical links",
                "road km (Mexico)",
                "road km (no state: abroad or unknown)",
                "bridges",
                "seaports",
                "border crossings",
            ],
            "value": [
                len(nodes),
                len(network.edges),
                len(links),
                float(mexican["length_km"].sum()),
                float(roads.loc[roads["state"] == "", "length_km"].sum()),
                int(links["bridge"].sum()),
                int((nodes["kind"] == "port").sum()),
                len(crossings),
            ],
        },
    )
    return NetworkSummary(totals, nodes_by_kind, links_by_class, km_by_state, crossings)


def demand_summary(demand: pd.DataFrame) -> pd.DataFrame:
    """OD pairs, trucks/day and cargo value per day by segment, with a total row."""
    table = (
        demand.assign(value_musd_day=demand["trucks_day"] * demand["value_usd_per_truck"] / 1e6)
        .groupby("segment")
        .agg(
            od_pairs=("trucks_day", "size"),
            trucks_day=("trucks_day", "sum"),
            value_musd_day=("value_musd_day", "sum"),
        )
        .reset_index()
    )
    total = pd.DataFrame(
        [["total", *table[["od_pairs", "trucks_day", "value_musd_day"]].sum()]],
        columns=table.columns,
    )
    summary = pd.concat([table, total], ignore_index=True).round(1)
    return summary.astype({"od_pairs": int})


def plot_network(
    network: Network,
    path: str | Path,
    *,
    title: str = "corredor network by road class",
    outline: gpd.GeoDataFrame | None = None,
    label_kinds: tuple[str, ...] = ("port", "us_region"),
) -> Path:
    """Write a PNG map of the network coloured by road class, bridges and crossings marked."""
    path = Path(path)
    fig, ax = plt.subplots(figsize=(12, 9), dpi=120)
    links = network.edges.loc[undirected_links(network).index]
    for road_class, colour in ROAD_CLASS_COLOURS.items():
        subset = links[links["road_class"] == road_class]
        if len(subset):
            width = 2.0 if road_class in ("motorway", "border") else 1.2
            subset.plot(ax=ax, color=colour, linewidth=width, label=f"{road_class} ({len(subset)})")
    bridges = links[links["bridge"]]
    if len(bridges):
        _mark_middles(ax, bridges, s=30, marker="s", zorder=5, label=f"bridge ({len(bridges)})")
    nodes = network.nodes
    ports = nodes[nodes["kind"] == "port"]
    ax.scatter(
        ports.geometry.x,
        ports.geometry.y,
        s=40,
        marker="^",
        color="#1abc9c",
        edgecolor="black",
        zorder=6,
        label=f"seaport ({len(ports)})",
    )
    for node in nodes[nodes["kind"].isin(label_kinds)].itertuples():
        ax.annotate(
            node.name,
            (node.geometry.x, node.geometry.y),
            fontsize=6,
            xytext=(3, 3),
            textcoords="offset points",
        )
    ax.set_title(title)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    dress_map(ax, network, outline=outline)
    fig.tight_layout()
    return _save(fig, path)


def run_summary(
    network: Network,
    demand: pd.DataFrame,
    scenario: Scenario,
    result: SimulationResult,
    table: pd.DataFrame,
    *,
    flood_grade: str,
    top: int = 10,
) -> dict:
    """Headline KPIs, bottlenecks, affected OD pairs and facility flows of one run.

    ``table`` is ``simulate.edge_table(network, result)``. Plain, rounded
    JSON-ready values, so the same inputs give byte-identical output.
    """
    edges = network.edges.reset_index(drop=True)
    worst_day = result.worst_day
    _, worst = result.worst_state
    joined = pd.concat(
        [edges[["edge_id", "ref", "name", "road_class"]], table.drop(columns="edge_id")], axis=1
    ).assign(
        newly_over_90pct=lambda f: f["over_90pct"] & ~(f["baseline_utilisation"] > 0.9),
    )
    bottlenecks = (
        joined[(joined["bottleneck_price_usd"] > 1e-6) | joined["over_90pct"]]
        .sort_values(["newly_over_90pct", "bottleneck_price_usd"], ascending=False)
        .head(top)
    )
    diverted_to = (
        joined[joined["flow_change_trucks_day"] > 0.5]
        .sort_values("flow_change_trucks_day", ascending=False)
        .head(top)
    )
    od = demand[["origin", "destination", "segment", "trucks_day"]].assign(
        baseline_cost_usd_per_truck=result.baseline.od["cost_usd_per_truck"].to_numpy(),
        disrupted_cost_usd_per_truck=worst.od["cost_usd_per_truck"].to_numpy(),
        unmet_trucks_day=worst.od["unmet_trucks_day"].to_numpy(),
    )
    od["extra_cost_usd_day"] = (
        od["disrupted_cost_usd_per_truck"] - od["baseline_cost_usd_per_truck"]
    ).fillna(0) * (od["trucks_day"] - od["unmet_trucks_day"])
    affected = od[(od["extra_cost_usd_day"].abs() > 0.01) | (od["unmet_trucks_day"] > 1e-6)]
    affected = affected.sort_values(["unmet_trucks_day", "extra_cost_usd_day"], ascending=False)
    flows = result.facility_flows
    facilities = flows[["facility", "kind", "baseline"]].assign(
        worst_day=flows[f"day_{worst_day}"] if len(flows) else []
    )
    facilities = facilities[(facilities["worst_day"] - facilities["baseline"]).abs() > 0.05]
    summary = {
        "scenario": scenario.name,
        "description": " ".join(scenario.description.split()),
        "horizon_days": scenario.horizon_days,
        "flood_layer": flood_grade,
        "disruptions": [
            {
                "name": d.name,
                "start_day": d.timing.start_day,
                "days": d.timing.days,
                "recovery_days": d.timing.recovery_days,
            }
            for d in scenario.disruptions
        ],
        "baseline": {
            "trucks_day": float(demand["trucks_day"].sum()),
            "cost_usd_day": result.baseline.objective_usd,
            "unmet_trucks_day": float(result.baseline.od["unmet_trucks_day"].sum()),
            "edges_over_90pct": int((table["baseline_utilisation"].fillna(0) > 0.9).sum()),
        },
        "worst_day": {"day": worst_day, **_records(result.timeline.iloc[[worst_day]])[0]},
        "totals": result.totals,
        "bottlenecks": _records(bottlenecks),
        "diverted_to": _records(diverted_to),
        "affected_od_pairs": _records(affected.head(top)),
        "affected_od_pair_count": len(affected),
        "facilities_changed": _records(facilities),
    }
    return rounded(summary)


#: The run summary's tables: (summary key, title, columns), for Markdown and the terminal.
SUMMARY_TABLES = (
    (
        "diverted_to",
        "Links taking the diverted trucks (worst day)",
        [
            "edge_id",
            "ref",
            "baseline_flow_trucks_day",
            "disrupted_flow_trucks_day",
            "disrupted_utilisation",
        ],
    ),
    (
        "bottlenecks",
        "Bottlenecks on the worst day (capacity binding or over 90 %)",
        [
            "edge_id",
            "ref",
            "baseline_utilisation",
            "disrupted_utilisation",
            "newly_over_90pct",
            "bottleneck_price_usd",
        ],
    ),
    (
        "affected_od_pairs",
        "Most affected OD pairs (worst day)",
        [
            "origin",
            "destination",
            "trucks_day",
            "baseline_cost_usd_per_truck",
            "disrupted_cost_usd_per_truck",
            "unmet_trucks_day",
        ],
    ),
    (
        "facilities_changed",
        "Crossings and ports whose flow changed (worst day, trucks/day)",
        ["facility", "kind", "baseline", "worst_day"],
    ),
)


def summary_markdown(summary: dict) -> str:
    """The run summary as Markdown a planner can paste into a memo."""
    totals = summary["totals"]
    worst = summary["worst_day"]
    lines = [
        f"# {summary['scenario']}",
        "",
        summary["description"],
        "",
        f"Horizon {summary['horizon_days']} days; flood layer: {summary['flood_layer']}.",
        "",
        "## Headline",
        "",
        "| KPI | value |",
        "|---|---|",
        f"| extra generalised cost over the horizon | {totals['extra_cost_usd']:,.0f} USD |",
        f"| extra cost per disrupted day | {totals['extra_cost_usd_per_disrupted_day']:,.0f} USD |",
        f"| worst day (day {worst['day']}) extra cost | {worst['extra_cost_usd']:,.0f} USD |",
        f"| extra truck-hours | {totals['extra_truck_hours']:,.0f} |",
        f"| extra truck-km | {totals['extra_truck_km']:,.0f} |",
        f"| unmet truck-days | {totals['unmet_truck_days']:,.1f} |",
        f"| cargo value delayed | {totals['cargo_value_delayed_usd']:,.0f} USD |",
        f"| most edges over 90 % capacity on a day | {totals['max_edges_over_90pct']} "
        f"(baseline: {summary['baseline']['edges_over_90pct']}) |",
        "",
    ]
    sections = [(title, summary[key], columns) for key, title, columns in SUMMARY_TABLES]
    if "monte_carlo" in summary:
        mc = summary["monte_carlo"]
        sections.insert(
            0,
            (
                f"Monte Carlo: {mc['runs']} years of {mc['horizon_days']} days (seed {mc['seed']})",
                mc["percentiles"],
                ["kpi", "mean", "p50", "p90", "p99"],
            ),
        )
    for title, rows, columns in sections:
        lines += [f"## {title}", ""]
        if not rows:
            lines += ["None.", ""]
            continue
        lines.append("| " + " | ".join(columns) + " |")
        lines.append("|" + "---|" * len(columns))
        for row in rows:
            lines.append("| " + " | ".join(_md_cell(row.get(c)) for c in columns) + " |")
        lines.append("")
    return "\n".join(lines)


def plot_flow_change(
    network: Network, table: pd.DataFrame, path: str | Path, *, title: str
) -> Path:
    """PNG map: flow increases red, decreases blue (width by trucks/day), closures black."""
    edges = network.edges.assign(
        change=table["flow_change_trucks_day"].to_numpy(), closed=table["is_closed"].to_numpy()
    )
    forward = edges.loc[undirected_links(network).index]
    link_key = edges["link_id"] if "link_id" in edges.columns else edges["edge_id"]
    net_change = edges.groupby(link_key)["change"].sum()
    forward = forward.assign(
        change=net_change.reindex(link_key.loc[forward.index]).to_numpy(),
        closed=edges.groupby(link_key)["closed"]
        .any()
        .reindex(link_key.loc[forward.index])
        .to_numpy(),
    )
    fig, ax = plt.subplots(figsize=(12, 9), dpi=120)
    forward.plot(ax=ax, color="#d0d0d0", linewidth=0.6)
    scale = max(float(forward["change"].abs().max()), 1.0)
    for sign, colour, label in ((1, "#c0392b", "more trucks"), (-1, "#2471a3", "fewer trucks")):
        subset = forward[np.sign(forward["change"]) == sign]
        subset = subset[subset["change"].abs() > 0.5]
        if len(subset):
            subset.plot(
                ax=ax,
                color=colour,
                linewidth=0.8 + 5 * subset["change"].abs() / scale,
                label=f"{label} ({len(subset)} links)",
            )
    closed = forward[forward["closed"]]
    if len(closed):
        _mark_middles(ax, closed, s=60, marker="X", zorder=6, label=f"closed ({len(closed)} links)")
    ax.set_title(
        f"{title}\nflow change on the worst day (line width: up to {scale:,.0f} trucks/day)"
    )
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    dress_map(ax, network)
    fig.tight_layout()
    return _save(fig, Path(path))


def plot_timeline(timeline: pd.DataFrame, path: str | Path, *, title: str) -> Path:
    """PNG chart: extra cost per day (bars) and unmet trucks (line) over the horizon."""
    fig, ax = plt.subplots(figsize=(10, 3.6), dpi=120)
    ax.bar(timeline["day"], timeline["extra_cost_usd"] / 1e3, color="#c0392b", width=0.8)
    ax.set_xlabel("day")
    ax.set_ylabel("extra cost (USD thousand)", color="#c0392b")
    unmet = ax.twinx()
    unmet.plot(timeline["day"], timeline["unmet_trucks"], color="#2471a3", marker=".")
    unmet.set_ylabel("unmet trucks/day", color="#2471a3")
    unmet.set_ylim(0, max(1.0, float(timeline["unmet_trucks"].max()) * 1.1))
    ax.set_title(title)
    fig.tight_layout()
    return _save(fig, Path(path))


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
        "unmet": "unmet truck-days",
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
        "unmet": "camiones-día sin ruta",
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
    """``report.html``: one self-contained page (images inlined) a planner can e-mail.

    ``images`` maps a caption to a PNG file; ``lang`` is ``en`` or ``es``.
    """
    if lang not in REPORT_TEXT:
        raise CorredorError(f"report language {lang!r}: use one of {', '.join(REPORT_TEXT)}")
    t = REPORT_TEXT[lang]
    totals = summary["totals"]
    kpis = [
        (t["extra_cost"], f"{totals['extra_cost_usd']:,.0f}"),
        (t["per_day"], f"{totals['extra_cost_usd_per_disrupted_day']:,.0f}"),
        (t["truck_hours"], f"{totals['extra_truck_hours']:,.0f}"),
        (t["truck_km"], f"{totals['extra_truck_km']:,.0f}"),
        (t["unmet"], f"{totals['unmet_truck_days']:,.1f}"),
        (t["delayed"], f"{totals['cargo_value_delayed_usd']:,.0f}"),
        (
            t["over90"],
            f"{totals['max_edges_over_90pct']} ({summary['baseline']['edges_over_90pct']})",
        ),
    ]
    flood = summary["flood_layer"]
    sources = [
        (name, BUNDLED_SOURCES[name] if value == "bundled" else value, "")
        for name, value in (
            ("network", scenario.network),
            ("demand", scenario.demand),
            ("crime", scenario.layers.crime),
        )
    ] + [("flood", flood, t["screening"] if flood == "screening" else "")]
    parts = [
        f'<!DOCTYPE html><html lang="{t["lang"]}"><head><meta charset="utf-8">',
        f"<title>{_esc(summary['scenario'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_esc(summary['scenario'])}</h1><p>{_esc(summary['description'])}</p>",
        f"<p>{t['horizon'].format(days=summary['horizon_days'])}</p>",
        f"<h2>{t['headline']}</h2>",
        _html_table([t["kpi"], t["value"]], kpis),
        f"<h2>{t['disruptions']}</h2>",
        _html_records(summary["disruptions"], ["name", "start_day", "days", "recovery_days"], t),
        f"<h2>{t['bottlenecks']}</h2>",
        _html_records(
            summary["bottlenecks"],
            [
                "edge_id",
                "ref",
                "baseline_utilisation",
                "disrupted_utilisation",
                "bottleneck_price_usd",
            ],
            t,
        ),
        f"<h2>{t['od']}</h2>",
        _html_records(
            summary["affected_od_pairs"],
            [
                "origin",
                "destination",
                "trucks_day",
                "baseline_cost_usd_per_truck",
                "disrupted_cost_usd_per_truck",
                "unmet_trucks_day",
            ],
            t,
        ),
        f"<h2>{t['maps']}</h2>",
    ]
    for caption, path in images.items():
        data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
        parts.append(
            f'<figure><img alt="{_esc(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_esc(caption)}</figcaption></figure>"
        )
    parts += [
        f"<h2>{t['sources']}</h2>",
        _html_table([t["input"], t["source"], t["grade"]], sources),
        f"<p>{t['reference']}: data/mexico/README.md</p></body></html>",
    ]
    return "\n".join(parts) + "\n"


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
            f'<td class="n">{_md_cell(v)}</td>'
            if isinstance(v, int | float) and not isinstance(v, bool)
            else f"<td>{_esc(_md_cell(v))}</td>"
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


def monte_carlo_summary(result: MonteCarloResult, spec: MonteCarlo) -> dict:
    """Runs, seed and the P50/P90/P99 of each KPI, rounded for stable JSON."""
    return rounded(
        {
            "runs": spec.runs,
            "seed": spec.seed,
            "horizon_days": spec.horizon_days,
            "percentiles": _records(result.percentiles),
            "mean_events_per_run": float(result.runs["events"].mean()),
        }
    )


def plot_exceedance(result: MonteCarloResult, path: str | Path, *, title: str) -> Path:
    """Exceedance curves: probability that a year's extra cost / unmet demand is exceeded."""
    curve = result.exceedance
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), dpi=120)
    for ax, column, label in (
        (axes[0], "extra_cost_usd", "extra generalised cost per year (USD million)"),
        (axes[1], "unmet_truck_days", "unmet truck-days per year"),
    ):
        scale = 1e6 if column == "extra_cost_usd" else 1.0
        ax.plot(curve[column] / scale, curve["exceedance_probability"], color="#c0392b")
        ax.set_yscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel("annual exceedance probability")
        ax.grid(True, which="both", alpha=0.3)
    fig.suptitle(f"{title}: {len(curve)} Monte Carlo years")
    fig.tight_layout()
    return _save(fig, Path(path))


def _mark_middles(ax, lines: gpd.GeoDataFrame, **style) -> None:
    """A black marker at the middle of each line (bridges, closed links)."""
    middles = shapely.line_interpolate_point(lines.geometry.to_numpy(), 0.5, normalized=True)
    ax.scatter(shapely.get_x(middles), shapely.get_y(middles), color="black", **style)


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{path.name}")
    fig.savefig(tmp, format="png")
    plt.close(fig)
    tmp.replace(path)
    return path


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{key: _plain(value) for key, value in row.items()} for row in frame.to_dict("records")]


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def rounded(value: object, digits: int = 2) -> object:
    """JSON-ready values: floats rounded (and -0.0 made 0.0) all the way down, for stable JSON."""
    if isinstance(value, dict):
        return {key: rounded(item, digits) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded(item, digits) for item in value]
    value = _plain(value)
    if isinstance(value, float):
        return round(value, digits) + 0.0
    return value


def _md_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)

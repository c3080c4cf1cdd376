"""What a run, a network or a sourcing analysis says, as plain tables and JSON-ready dicts.

Everything here returns data (rounded, so the same inputs give byte-identical
JSON); the writers in ``corredor.outputs.writers`` put it into files and the
CLI prints it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from corredor.kpis import SATURATION
from corredor.montecarlo import MonteCarloResult
from corredor.network import Network, undirected_links
from corredor.outputs.export import json_scalar
from corredor.scenario import MonteCarlo, Scenario
from corredor.simulate import SimulationResult
from corredor.sourcing import SourcingResult, SourcingSpec

__all__ = [
    "SUMMARY_TABLES",
    "NetworkSummary",
    "demand_summary",
    "format_cell",
    "monte_carlo_summary",
    "network_summary",
    "records",
    "rounded",
    "run_summary",
    "sourcing_summary",
    "summary_markdown",
]


@dataclass(frozen=True)
class NetworkSummary:
    """The tables ``corredor info`` prints."""

    totals: pd.DataFrame
    nodes_by_kind: pd.DataFrame
    links_by_class: pd.DataFrame
    km_by_state: pd.DataFrame
    crossings: pd.DataFrame


def network_summary(network: Network) -> NetworkSummary:
    """The tables ``corredor info`` prints: totals, nodes by kind, links by class, km by state.

    Parameters
    ----------
    network : Network
        Any network.

    Returns
    -------
    NetworkSummary
    """
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
    crossings = _crossings(links)
    totals = pd.DataFrame(dtype=object, data={"quantity": [
        "nodes", "directed edges", "physical links", "road km (Mexico)",
        "road km (no state: abroad or unknown)", "bridges", "seaports", "border crossings",
    ], "value": [
        len(nodes), len(network.edges), len(links), float(mexican["length_km"].sum()),
        float(roads.loc[roads["state"] == "", "length_km"].sum()), int(links["bridge"].sum()),
        int((nodes["kind"] == "port").sum()), len(crossings),
    ]})
    return NetworkSummary(totals, nodes_by_kind, links_by_class, _km_by_state(mexican),
                          crossings)


def _km_by_state(mexican: pd.DataFrame) -> pd.DataFrame:
    """Road km per INEGI state, a link on a state line split evenly between its states."""
    per_state = mexican.assign(state=mexican["state"].str.split(";")).explode("state")
    share = 1.0 / mexican["state"].str.count(";").add(1)
    per_state["km"] = per_state["length_km"] * share.reindex(per_state.index).to_numpy()
    return per_state.groupby("state")["km"].sum().round(1).reset_index().sort_values("state")


def _crossings(links: pd.DataFrame) -> pd.DataFrame:
    """Border crossing links with their observed trucks/day and capacity, busiest first."""
    crossings = links[links["road_class"] == "border"]
    columns = [c for c in ("name", "observed_year", "observed_trucks_day",
                           "capacity_trucks_day") if c in crossings.columns]
    return crossings[columns].sort_values(
        "observed_trucks_day" if "observed_trucks_day" in columns else "name", ascending=False)


def demand_summary(demand: pd.DataFrame) -> pd.DataFrame:
    """OD pairs, trucks/day and cargo value per day by segment, with a total row.

    Parameters
    ----------
    demand : pandas.DataFrame
        A demand table.

    Returns
    -------
    pandas.DataFrame
        ``segment, od_pairs, trucks_day, value_musd_day``.
    """
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

    Parameters
    ----------
    network : Network
        The weighted network the run used.
    demand : pandas.DataFrame
        Its demand.
    scenario : Scenario
        The scenario run.
    result : SimulationResult
        The timeline.
    table : pandas.DataFrame
        ``corredor.simulate.edge_table(network, result)``.
    flood_grade : str
        The flood layer's grade, reported with the results.
    top : int, default 10
        Rows kept in each table.

    Returns
    -------
    dict
        Plain, rounded JSON-ready values.
    """
    bottlenecks, diverted_to = _edge_tables(network, table, top)
    affected = _affected_od_pairs(demand, result)
    worst_day = result.worst_day
    summary = {
        "scenario": scenario.name,
        "description": " ".join(scenario.description.split()),
        "horizon_days": scenario.horizon_days,
        "flood_layer": flood_grade,
        "disruptions": [
            {"name": d.name, "start_day": d.timing.start_day, "days": d.timing.days,
             "recovery_days": d.timing.recovery_days}
            for d in scenario.disruptions
        ],
        "baseline": {
            "trucks_day": float(demand["trucks_day"].sum()),
            "cost_usd_day": result.baseline.objective_usd,
            "unmet_trucks_day": float(result.baseline.od["unmet_trucks_day"].sum()),
            "edges_over_90pct": int((table["baseline_utilisation"].fillna(0) > SATURATION).sum()),
        },
        "worst_day": {"day": worst_day, **records(result.timeline.iloc[[worst_day]])[0]},
        "totals": result.totals,
        "bottlenecks": records(bottlenecks),
        "diverted_to": records(diverted_to),
        "affected_od_pairs": records(affected.head(top)),
        "affected_od_pair_count": len(affected),
        "facilities_changed": records(_facilities_changed(result)),
    }
    return rounded(summary)


def _edge_tables(network: Network, table: pd.DataFrame, top: int
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bottlenecks (new ones first, then by price) and the links taking diverted trucks."""
    edges = network.edges.reset_index(drop=True)
    joined = pd.concat(
        [edges[["edge_id", "ref", "name", "road_class"]], table.drop(columns="edge_id")], axis=1
    ).assign(
        newly_over_90pct=lambda f: f["over_90pct"] & ~(f["baseline_utilisation"] > SATURATION),
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
    return bottlenecks, diverted_to


def _affected_od_pairs(demand: pd.DataFrame, result: SimulationResult) -> pd.DataFrame:
    """OD rows whose cost changed or that lost trucks on the worst day, worst first."""
    _, worst = result.worst_state
    od = demand[["origin", "destination", "segment", "trucks_day"]].assign(
        baseline_cost_usd_per_truck=result.baseline.od["cost_usd_per_truck"].to_numpy(),
        disrupted_cost_usd_per_truck=worst.od["cost_usd_per_truck"].to_numpy(),
        unmet_trucks_day=worst.od["unmet_trucks_day"].to_numpy(),
    )
    od["extra_cost_usd_day"] = (
        od["disrupted_cost_usd_per_truck"] - od["baseline_cost_usd_per_truck"]
    ).fillna(0) * (od["trucks_day"] - od["unmet_trucks_day"])
    affected = od[(od["extra_cost_usd_day"].abs() > 0.01) | (od["unmet_trucks_day"] > 1e-6)]
    return affected.sort_values(["unmet_trucks_day", "extra_cost_usd_day"], ascending=False)


def _facilities_changed(result: SimulationResult) -> pd.DataFrame:
    """Crossings and ports whose flow on the worst day differs from the baseline."""
    flows = result.facility_flows
    facilities = flows[["facility", "kind", "baseline"]].assign(
        worst_day=flows[f"day_{result.worst_day}"] if len(flows) else []
    )
    return facilities[(facilities["worst_day"] - facilities["baseline"]).abs() > 0.05]


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
    """The run summary as Markdown a planner can paste into a memo.

    Parameters
    ----------
    summary : dict
        From ``run_summary`` (with ``monte_carlo`` when the run had one).

    Returns
    -------
    str
    """
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
        f"| unmet truck-days (beyond the baseline) | {totals['unmet_truck_days']:,.1f} |",
        f"| unmet in the baseline (trucks/day) | "
        f"{totals.get('baseline_unmet_trucks_day', 0.0):,.1f} |",
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
            lines.append("| " + " | ".join(format_cell(row.get(c)) for c in columns) + " |")
        lines.append("")
    return "\n".join(lines)


def monte_carlo_summary(result: MonteCarloResult, spec: MonteCarlo) -> dict:
    """Runs, seed and the P50/P90/P99 of each KPI, rounded for stable JSON.

    Parameters
    ----------
    result : MonteCarloResult
        The years drawn.
    spec : MonteCarlo
        Their generators (runs, seed, horizon).

    Returns
    -------
    dict
    """
    return rounded(
        {
            "runs": spec.runs,
            "seed": spec.seed,
            "horizon_days": spec.horizon_days,
            "percentiles": records(result.percentiles),
            "mean_events_per_run": float(result.runs["events"].mean()),
        }
    )


def sourcing_summary(result: SourcingResult) -> dict:
    """The recommended split, the frontier and the assumptions, as plain JSON values.

    Parameters
    ----------
    result : SourcingResult
        A sourcing analysis.

    Returns
    -------
    dict
    """
    spec, rec = result.case.spec, result.recommended
    return rounded({
        "name": spec.name, "buyer": result.case.buyer, "seed": spec.monte_carlo.seed,
        "draws": spec.monte_carlo.runs, "horizon_days": spec.monte_carlo.horizon_days,
        "recommended": asdict(rec),
        "frontier": [asdict(a) for a in result.frontier],
        "assumptions": {
            name: {"value": getattr(spec, name), "why": SourcingSpec.model_fields[name].description}
            for name in ("inventory_days", "min_share", "risk_aversion", "cvar_level",
                         "shortfall_penalty_usd_per_truckload", "max_detour_cost_increase")
        },
    }, digits=4)


def records(frame: pd.DataFrame) -> list[dict]:
    """The rows of ``frame`` as dicts of plain JSON scalars (numpy unwrapped, NaN as None).

    Parameters
    ----------
    frame : pandas.DataFrame
        Any table.

    Returns
    -------
    list of dict
    """
    return [{key: json_scalar(value) for key, value in row.items()}
            for row in frame.to_dict("records")]


def rounded(value: Any, digits: int = 2) -> Any:
    """JSON-ready values: floats rounded (and -0.0 made 0.0) all the way down, for stable JSON.

    Parameters
    ----------
    value : object
        A dict, list or scalar (nested).
    digits : int, default 2
        Decimal places kept.

    Returns
    -------
    object
        The same structure with plain, rounded scalars.
    """
    if isinstance(value, dict):
        return {key: rounded(item, digits) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded(item, digits) for item in value]
    value = json_scalar(value)
    if isinstance(value, float):
        return round(value, digits) + 0.0
    return value


def format_cell(value: object) -> str:
    """A table cell for Markdown and HTML: blank for None, floats with 2 decimals.

    Parameters
    ----------
    value : object
        A JSON scalar.

    Returns
    -------
    str
    """
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)

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
from corredor.outputs.text import cell, column_label, format_cell, words
from corredor.scenario import MonteCarlo, Scenario
from corredor.simulate import SimulationResult, facility_waits
from corredor.sourcing import SourcingResult, SourcingSpec

__all__ = [
    "MONTE_CARLO_TABLES",
    "RUN_TABLES",
    "NetworkSummary",
    "demand_summary",
    "frame_section",
    "headline_rows",
    "monte_carlo_summary",
    "network_summary",
    "records",
    "report_sections",
    "rounded",
    "run_summary",
    "shows_timeline",
    "sourcing_summary",
    "summary_markdown",
]


#: A plant whose parts arrive less than this many hours later is not listed as affected.
PLANT_DELAY_SHOWN_H = 0.25


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
    plants: pd.DataFrame | None = None,
) -> dict:
    """Headline KPIs, bottlenecks, affected OD pairs, facility flows and plants of one run.

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
    plants : pandas.DataFrame, optional
        ``RunResult.plants``: adds ``production`` (network-wide KPIs) and ``plants`` (the
        affected plants).

    Returns
    -------
    dict
        Plain, rounded JSON-ready values.
    """
    bottlenecks, diverted_to = _edge_tables(network, table, top)
    affected = _affected_od_pairs(demand, result, network)
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
        "crossing_waits": records(_waits(network, result)),
    }
    if plants is not None and len(plants):
        affected = _supply_affected(plants)
        summary["production"] = _production(plants, affected)
        hit = plants[affected | (plants["vehicles_lost"] > 0)
                     | (plants["finished_vehicles_delayed"] > 0)]
        order = ["vehicles_lost", "max_extra_inbound_hours", "plant_id"]
        summary["plants"] = records(hit.sort_values(order, ascending=[False, False, True]
                                                    ).head(top).rename(columns={"name": "plant"}))
    return rounded(summary)


def _supply_affected(plants: pd.DataFrame) -> pd.Series:
    """Plants whose parts were cut, or arrived more than ``PLANT_DELAY_SHOWN_H`` later."""
    return ((plants["max_unmet_inbound_share"] > 0)
            | (plants["max_extra_inbound_hours"] > PLANT_DELAY_SHOWN_H))


def _production(plants: pd.DataFrame, affected: pd.Series) -> dict:
    """The network-wide production KPIs of a run (``affected``: ``_supply_affected``)."""
    to_us = plants["outbound_node"].astype(str).str.startswith("us:")
    return {
        "plants": len(plants),
        "plants_affected": int(affected.sum()),
        "plants_losing_production": int((plants["vehicles_lost"] > 0).sum()),
        "vehicles_planned": float(plants["vehicles_planned"].sum()),
        "vehicles_lost": float(plants["vehicles_lost"].sum()),
        "plant_days_below_plan": int(plants["days_below_plan"].sum()),
        "max_days_below_plan": int(plants["days_below_plan"].max()),
        "lost_output_usd": float(plants["lost_output_usd"].sum()),
        "finished_vehicles_delayed": float(plants["finished_vehicles_delayed"].sum()),
        "finished_vehicles_delayed_to_us": float(
            plants.loc[to_us, "finished_vehicles_delayed"].sum()),
    }


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
        joined[joined["over_90pct"]]
        .sort_values(["newly_over_90pct", "bottleneck_price_usd"], ascending=False)
        .head(top)
    )
    diverted_to = (
        joined[joined["flow_change_trucks_day"] > 0.5]
        .sort_values("flow_change_trucks_day", ascending=False)
        .head(top)
    )
    return bottlenecks, diverted_to


def _affected_od_pairs(demand: pd.DataFrame, result: SimulationResult, network: Network
                       ) -> pd.DataFrame:
    """OD rows whose cost changed or that lost trucks on the worst day, worst first."""
    _, worst = result.worst_state
    names = network.nodes.set_index("node_id")["name"]
    od = demand[["origin", "destination", "segment", "trucks_day"]].assign(
        origin_name=demand["origin"].map(names).fillna(demand["origin"]).to_numpy(),
        destination_name=demand["destination"].map(names).fillna(demand["destination"]).to_numpy(),
        baseline_cost_usd_per_truck=result.baseline.od["cost_usd_per_truck"].to_numpy(),
        disrupted_cost_usd_per_truck=worst.od["cost_usd_per_truck"].to_numpy(),
        unmet_trucks_day=worst.od["unmet_trucks_day"].to_numpy(),
    )
    od["extra_cost_usd_day"] = (
        od["disrupted_cost_usd_per_truck"] - od["baseline_cost_usd_per_truck"]
    ).fillna(0) * (od["trucks_day"] - od["unmet_trucks_day"])
    affected = od[(od["extra_cost_usd_day"].abs() > 0.01) | (od["unmet_trucks_day"] > 1e-6)]
    return affected.sort_values(["unmet_trucks_day", "extra_cost_usd_day"], ascending=False)


def _waits(network: Network, result: SimulationResult) -> pd.DataFrame:
    """Queue minutes per truck at each used crossing and port: published, baseline, worst day."""
    arrays, worst = result.worst_state
    base = facility_waits(network, result.baseline_arrays, result.baseline.edge_flow)
    if not len(base):
        return pd.DataFrame(columns=["facility", "kind", "published_wait_min",
                                     "baseline_wait_min", "worst_wait_min"])
    day = facility_waits(network, arrays, worst.edge_flow)
    table = pd.DataFrame({
        "facility": base["facility"], "kind": base["kind"],
        "published_wait_min": base["published_wait_min"],
        "baseline_wait_min": base["wait_min"], "worst_wait_min": day["wait_min"],
        "baseline": base["flow_trucks_day"], "worst_day": day["flow_trucks_day"],
    })
    return table[(table["baseline"] > 0.05) | (table["worst_day"] > 0.05)]


def _facilities_changed(result: SimulationResult) -> pd.DataFrame:
    """Crossings and ports whose flow on the worst day differs from the baseline."""
    flows = result.facility_flows
    facilities = flows[["facility", "kind", "baseline"]].assign(
        worst_day=flows[f"day_{result.worst_day}"] if len(flows) else []
    )
    return facilities[(facilities["worst_day"] - facilities["baseline"]).abs() > 0.05]


#: The run summary's tables: (summary key, title word in ``corredor.outputs.text``, columns).
RUN_TABLES = (
    ("disruptions", "disruptions", ["name", "start_day", "days", "recovery_days"]),
    ("diverted_to", "diverted", ["name", "ref", "baseline_flow_trucks_day",
                                 "disrupted_flow_trucks_day", "disrupted_utilisation"]),
    ("bottlenecks", "bottlenecks", ["name", "ref", "baseline_utilisation",
                                    "disrupted_utilisation", "newly_over_90pct",
                                    "bottleneck_price_usd", "extra_delay_min"]),
    ("facilities_changed", "facilities", ["facility", "kind", "baseline", "worst_day"]),
    ("crossing_waits", "waits", ["facility", "kind", "published_wait_min", "baseline_wait_min",
                                 "worst_wait_min"]),
    ("plants", "plants", ["plant", "buffer_days", "plan_vehicles_day", "max_unmet_inbound_share",
                          "max_extra_inbound_hours", "vehicles_lost", "lost_pct_of_plan",
                          "days_below_plan", "buffer_recovered_day", "lost_output_usd",
                          "finished_vehicles_delayed"]),
    ("affected_od_pairs", "od", ["origin_name", "destination_name", "segment", "trucks_day",
                                 "baseline_cost_usd_per_truck", "disrupted_cost_usd_per_truck",
                                 "unmet_trucks_day"]),
)
#: The Monte Carlo tables: (key in ``summary["monte_carlo"]``, title word, columns).
MONTE_CARLO_TABLES = (
    ("percentiles", "mc", ["kpi", "mean", "p50", "p90", "p99"]),
    ("event_types", "mc_events", ["kind", "mean_events_per_run", "share_of_runs"]),
    ("links", "mc_links", ["name", "ref", "expected_extra_cost_usd",
                           "expected_unmet_truck_days", "expected_disrupted_days"]),
)


def headline_rows(summary: dict, lang: str = "en") -> list[tuple[str, str]]:
    """The headline KPIs of a run as (label, formatted value) rows.

    Parameters
    ----------
    summary : dict
        From ``run_summary``.
    lang : {"en", "es"}, default "en"
        The labels' language.

    Returns
    -------
    list of (str, str)
    """
    t, totals = words(lang), summary["totals"]
    rows = [
        (t["extra_cost"], f"{totals['extra_cost_usd']:,.0f}"),
        (t["per_day"], f"{totals['extra_cost_usd_per_disrupted_day']:,.0f}"),
        (t["truck_hours"], f"{totals['extra_truck_hours']:,.0f}"),
        (t["truck_km"], f"{totals['extra_truck_km']:,.0f}"),
        (t["unmet"], f"{totals['unmet_truck_days']:,.1f}"),
        (t["baseline_unmet"], f"{totals.get('baseline_unmet_trucks_day', 0.0):,.1f}"),
        (t["delayed"], f"{totals['cargo_value_delayed_usd']:,.0f}"),
        (t["over90"],
         f"{totals['max_edges_over_90pct']} ({summary['baseline']['edges_over_90pct']})"),
    ]
    production = summary.get("production")
    if production:
        rows += [
            (t["plants_affected"], f"{production['plants_affected']} / {production['plants']}"),
            (t["plants_losing"], f"{production['plants_losing_production']}"),
            (t["vehicles_lost"], f"{production['vehicles_lost']:,.0f}"),
            (t["plant_days_below"], f"{production['plant_days_below_plan']:,}"),
            (t["lost_output"], f"{production['lost_output_usd']:,.0f}"),
            (t["vehicles_delayed"], f"{production['finished_vehicles_delayed']:,.0f} "
                                    f"({production['finished_vehicles_delayed_to_us']:,.0f})"),
        ]
    return rows


def report_sections(summary: dict, lang: str = "en") -> list[tuple[str, list[str], list]]:
    """The tables a report shows, as (title, headings, rows of cells), in page order.

    A Monte Carlo scenario without named disruptions shows only its Monte Carlo tables.

    Parameters
    ----------
    summary : dict
        From ``run_summary``.
    lang : {"en", "es"}, default "en"
        The language of titles, headings and words in cells.

    Returns
    -------
    list of (str, list of str, list of tuple)
    """
    t, sections = words(lang), []
    monte_carlo = summary.get("monte_carlo")
    chosen: list[tuple[dict, tuple]] = [(summary, RUN_TABLES)] if shows_timeline(summary) else []
    if monte_carlo is not None:
        chosen.append((monte_carlo, MONTE_CARLO_TABLES))
    for data, tables in chosen:
        for key, title, columns in tables:
            rows = [tuple(cell(c, r.get(c), lang) for c in columns) for r in data.get(key) or []]
            sections.append((t[title], [column_label(c, lang) for c in columns], rows))
    return sections


def frame_section(title: str, frame: pd.DataFrame, columns: list[str], lang: str = "en"
                  ) -> tuple[str, list[str], list[tuple]]:
    """A table of a report: (title, headings, rows of cells) from the columns ``frame`` has.

    Parameters
    ----------
    title : str
        The table's heading.
    frame : pandas.DataFrame
        The rows, in display order.
    columns : list of str
        The columns shown, in order (those ``frame`` lacks are left out).
    lang : {"en", "es"}, default "en"
        The language of headings and of words in cells.

    Returns
    -------
    (str, list of str, list of tuple)
        As ``corredor.outputs.html.page_html`` takes them.
    """
    present = [c for c in columns if c in frame.columns]
    rows = [tuple(cell(c, row[c], lang) for c in present) for row in records(frame[present])]
    return title, [column_label(c, lang) for c in present], rows


def shows_timeline(summary: dict) -> bool:
    """Whether the run has a timeline worth reporting (named disruptions, or no Monte Carlo).

    Parameters
    ----------
    summary : dict
        From ``run_summary``.

    Returns
    -------
    bool
    """
    return bool(summary["disruptions"]) or "monte_carlo" not in summary


def summary_markdown(summary: dict, lang: str = "en") -> str:
    """The run summary as Markdown a planner can paste into a memo.

    Parameters
    ----------
    summary : dict
        From ``run_summary`` (with ``monte_carlo`` when the run had one).
    lang : {"en", "es"}, default "en"
        The language.

    Returns
    -------
    str
    """
    t = words(lang)
    lines = [f"# {summary['scenario']}", "", summary["description"], ""]
    if shows_timeline(summary):
        lines += [t["horizon"].format(days=summary["horizon_days"]), "",
                  f"## {t['headline']}", "", f"| {t['kpi']} | {t['value']} |", "|---|---|"]
        lines += [f"| {label} | {value} |" for label, value in headline_rows(summary, lang)]
        lines.append("")
    if "monte_carlo" in summary:
        mc = summary["monte_carlo"]
        lines += [t["years"].format(runs=mc["runs"], days=mc["horizon_days"], seed=mc["seed"]),
                  ""]
    for title, headings, rows in report_sections(summary, lang):
        lines += [f"## {title}", ""]
        if not rows:
            lines += [t["none"], ""]
            continue
        lines.append("| " + " | ".join(headings) + " |")
        lines.append("|" + "---|" * len(headings))
        lines += ["| " + " | ".join(format_cell(v) for v in row) + " |" for row in rows]
        lines.append("")
    return "\n".join(lines)


def monte_carlo_summary(result: MonteCarloResult, spec: MonteCarlo, network: Network, *,
                        top: int = 10) -> dict:
    """Runs, seed, the mean and P50/P90/P99 of every KPI, events by kind and the costliest links.

    Parameters
    ----------
    result : MonteCarloResult
        The years drawn.
    spec : MonteCarlo
        Their generators (runs, seed, horizon).
    network : Network
        For the links' names and refs.
    top : int, default 10
        Links listed.

    Returns
    -------
    dict
        Rounded, JSON-ready.
    """
    links = undirected_links(network)
    key = links["link_id"] if "link_id" in links.columns else links["edge_id"]
    described = links.assign(link_id=key.to_numpy()).set_index("link_id")[["name", "ref"]]
    costly = result.links.head(top).join(described, on="link_id")
    return rounded(
        {
            "runs": spec.runs,
            "seed": spec.seed,
            "horizon_days": spec.horizon_days,
            "percentiles": records(result.percentiles),
            "mean_events_per_run": float(result.runs["events"].mean()),
            "event_types": records(result.event_types),
            "links": records(costly),
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

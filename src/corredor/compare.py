"""Comparing two scenario runs: KPI differences and per-edge flow differences.

Works on what ``corredor run`` wrote (``summary.json`` and the ``edges`` layer
of ``edges.gpkg``, read by ``corredor.outputs.export``), so any two result
folders can be compared later without re-running them.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

__all__ = ["COMPARED_KPIS", "Comparison", "RunOutputs", "compare_runs"]

#: The headline totals compared, in the order printed.
COMPARED_KPIS = (
    "extra_cost_usd",
    "extra_cost_usd_per_disrupted_day",
    "extra_truck_hours",
    "extra_truck_km",
    "unmet_truck_days",
    "cargo_value_delayed_usd",
    "max_edges_over_90pct",
    "disrupted_days",
)


@dataclass(frozen=True)
class RunOutputs:
    """What a run folder holds that a comparison needs: its summary and its edge layer."""

    summary: dict
    edges: gpd.GeoDataFrame


@dataclass(frozen=True)
class Comparison:
    """``kpis``: one row per KPI (first, second, second - first); ``flows``: one per edge."""

    names: tuple[str, str]
    kpis: pd.DataFrame
    flows: gpd.GeoDataFrame
    unmatched: int


def compare_runs(first: RunOutputs, second: RunOutputs) -> Comparison:
    """Differences of ``second`` against ``first`` (worst-day flows, horizon totals).

    Parameters
    ----------
    first, second : RunOutputs
        Two runs' summaries and edge layers.

    Returns
    -------
    Comparison
    """
    summaries = [first.summary, second.summary]
    kpis = pd.DataFrame(
        [
            {
                "kpi": kpi,
                "first": summaries[0]["totals"].get(kpi),
                "second": summaries[1]["totals"].get(kpi),
            }
            for kpi in COMPARED_KPIS
        ]
    )
    kpis["difference"] = kpis["second"] - kpis["first"]
    edges = [first.edges, second.edges]
    keep = ["edge_id", "ref", "name", "road_class", "disrupted_flow_trucks_day"]
    left = pd.DataFrame(edges[0][keep]).rename(
        columns={"disrupted_flow_trucks_day": "first_flow_trucks_day"}
    )
    right = edges[1][[*keep, "geometry"]].rename(
        columns={"disrupted_flow_trucks_day": "second_flow_trucks_day"}
    )
    joined = right.merge(left[["edge_id", "first_flow_trucks_day"]], on="edge_id", how="inner")
    joined["flow_difference_trucks_day"] = (
        joined["second_flow_trucks_day"] - joined["first_flow_trucks_day"]
    )
    columns = [
        "edge_id",
        "ref",
        "name",
        "road_class",
        "first_flow_trucks_day",
        "second_flow_trucks_day",
        "flow_difference_trucks_day",
        "geometry",
    ]
    flows = gpd.GeoDataFrame(joined[columns], geometry="geometry", crs=edges[1].crs)
    unmatched = len(set(edges[0]["edge_id"]) ^ set(edges[1]["edge_id"]))
    names = (summaries[0]["scenario"], summaries[1]["scenario"])
    return Comparison(names, kpis, flows, unmatched)

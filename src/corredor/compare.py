"""Comparing two scenario runs: KPI differences and per-edge flow differences.

Reads what ``corredor run`` wrote (``summary.json`` and the ``edges`` layer of
``edges.gpkg``), so any two result folders can be compared later without
re-running them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from corredor.errors import DataFileError
from corredor.export import read_result_layer

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
class Comparison:
    """``kpis``: one row per KPI (first, second, second - first); ``flows``: one per edge."""

    names: tuple[str, str]
    kpis: pd.DataFrame
    flows: gpd.GeoDataFrame
    unmatched: int


def compare_runs(first: str | Path, second: str | Path) -> Comparison:
    """Differences of ``second`` against ``first`` (worst-day flows, horizon totals)."""
    summaries = [_summary(Path(folder)) for folder in (first, second)]
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
    edges = [read_result_layer(folder, "flows") for folder in (first, second)]
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


def _summary(folder: Path) -> dict:
    path = folder / "summary.json"
    if not path.is_file():
        raise DataFileError(f"{folder}: no summary.json here; is this a `corredor run` folder?")
    return json.loads(path.read_text(encoding="utf-8"))

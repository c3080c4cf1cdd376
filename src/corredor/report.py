"""What a planner reads: summary tables of a network and a PNG map of it.

Functions here return tables or write one figure; printing is the CLI's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely

from corredor.network import Network

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
                "road km (abroad)",
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
    if outline is not None:
        outline.to_crs(network.edges.crs).boundary.plot(ax=ax, color="#cccccc", linewidth=0.5)
    links = network.edges.loc[undirected_links(network).index]
    for road_class, colour in ROAD_CLASS_COLOURS.items():
        subset = links[links["road_class"] == road_class]
        if len(subset):
            width = 2.0 if road_class in ("motorway", "border") else 1.2
            subset.plot(ax=ax, color=colour, linewidth=width, label=f"{road_class} ({len(subset)})")
    bridges = links[links["bridge"]]
    if len(bridges):
        middles = shapely.line_interpolate_point(bridges.geometry.to_numpy(), 0.5, normalized=True)
        ax.scatter(
            shapely.get_x(middles),
            shapely.get_y(middles),
            s=30,
            marker="s",
            color="black",
            zorder=5,
            label=f"bridge ({len(bridges)})",
        )
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
    ax.set_aspect(1.0 / np.cos(np.radians(nodes.geometry.y.mean())))
    ax.legend(loc="lower left", fontsize=7, frameon=True)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{path.name}")
    fig.savefig(tmp, format="png")
    plt.close(fig)
    tmp.replace(path)
    return path

"""The road network of ``roads.py`` as the ``nodes.csv`` / ``links.csv`` tables, checked.

``tables`` writes one ``nodes.csv`` row per Mexican node (junctions with the INEGI
state whose polygon holds them, towns, plants) and one ``links.csv`` row per
two-way link (its ``:fwd`` direction), with the line simplified by
``corredor.networks.sict_model.SIMPLIFY_M`` (Douglas-Peucker in EPSG:6372) into
``waypoints``. ``check`` lists
every problem; ``summary`` the figures a maintainer reads after a build.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from corredor.boundaries import read_states
from corredor.network import CRS, Network
from corredor.networks.national import NODE_FIELDS, ROAD_LINK_FIELDS
from corredor.networks.sict import ATTRIBUTION
from corredor.networks.sict_model import (
    SIMPLIFY_M,
    junction_names,
    junction_source,
    polygon_states,
    simplify_lines,
)
from corredor.networks.topology import METRIC_CRS

sys.dont_write_bytecode = True  # do not leave __pycache__ next to the scripts

from places import Node  # noqa: E402

from common import SHARED_DATA, write_csv  # noqa: E402

STATES = SHARED_DATA / "boundaries" / "estatal.shp"
POLYGON_STATE = "state: the INEGI state polygon holding it (boundaries/estatal.shp)"
#: A town's GeoNames point may lie this far outside its (simplified) state polygon.
STATE_TOLERANCE_KM = 3.0
_GEOD = Geod(ellps="WGS84")

#: Decimals of the numeric link columns (text is written as is).
_DIGITS = {"lanes": None, "speed_kph": None, "length_km": 3, "sict_km": 3,
           "observed_trucks_day": 2, "tdpa": 0, "car_share": 4, "bus_share": 4,
           "truck_share": 4, "k_factor": 3, "d_factor": 3, "fs_e_veh_h": 0,
           "capacity_trucks_day": 0}


@dataclass(frozen=True)
class Tables:
    """The rows of ``nodes.csv`` and ``links.csv``, and the network they describe."""

    nodes: list[dict]
    links: list[dict]
    network: Network
    vertices: tuple[int, int]

    def write(self, out_dir: Path) -> None:
        """Write both tables into ``out_dir``."""
        write_csv(out_dir / "nodes.csv", NODE_FIELDS, self.nodes)
        write_csv(out_dir / "links.csv", ROAD_LINK_FIELDS, self.links)


def tables(network: Network, towns: Mapping[str, Node],
           attached: Mapping[str, list[str]]) -> Tables:
    """The table rows of a built road network.

    Parameters
    ----------
    network : Network
        Roads, zones, plants, their connectors, fallback and bridge links.
    towns : mapping
        The GeoNames towns and plants by node id (their state and geonameid).
    attached : mapping
        Junction id -> the facilities joined to the road there.

    Returns
    -------
    Tables
    """
    nodes = network.nodes
    edges = network.edges
    fwd = edges[edges["edge_id"].str.endswith(":fwd")].sort_values("link_id")
    waypoints, full, kept = _simplified(fwd)
    link_rows = [_link_row(row, text) for row, text in
                 zip(fwd.to_dict("records"), waypoints, strict=True)]
    state = polygon_states(nodes.geometry, read_states(STATES))
    names = junction_names(fwd)
    node_rows = []
    for row, code in zip(nodes.to_dict("records"), state, strict=True):
        node_id = row["node_id"]
        town = towns.get(node_id)
        node_rows.append({
            "node_id": node_id, "kind": row["kind"],
            "name": town.name if town else names.get(node_id, "junction"),
            "state": town.state if town else code,
            "lon": f"{row['geometry'].x:.5f}", "lat": f"{row['geometry'].y:.5f}",
            "geonameid": town.geonameid if town else "",
            "attached": ";".join(sorted(attached.get(node_id, []))),
            "source": town.source if town else junction_source(node_id, row["source"],
                                                               POLYGON_STATE),
        })
    node_rows.sort(key=lambda r: r["node_id"])
    return Tables(node_rows, link_rows, network, (full, kept))


def _simplified(fwd: gpd.GeoDataFrame) -> tuple[list[str], int, int]:
    """The inner vertices of each simplified line as ``lon lat;...``, and vertex counts."""
    back = simplify_lines(fwd.geometry.to_numpy(), (fwd["u"] == fwd["v"]).to_numpy())
    coords, index = shapely.get_coordinates(back, return_index=True)
    text = np.char.add(np.char.add(np.char.mod("%.5f", coords[:, 0]), " "),
                       np.char.mod("%.5f", coords[:, 1]))
    out, kept = [], 0
    start = np.searchsorted(index, np.arange(len(back)))
    stop = np.searchsorted(index, np.arange(len(back)), side="right")
    for a, b in zip(start, stop, strict=True):
        seq = [t for i, t in enumerate(text[a:b]) if i == 0 or t != text[a + i - 1]]
        inner = seq[1:-1] if len(seq) > 2 else []
        kept += len(inner) + 2
        out.append(";".join(inner))
    return out, int(shapely.get_num_coordinates(fwd.geometry.to_numpy()).sum()), kept


def _number(value: object, digits: int | None) -> str:
    if value is None or value == "" or (isinstance(value, float) and np.isnan(value)):
        return ""
    number = float(value)
    return f"{number:g}" if digits is None else f"{number:.{digits}f}"


def _link_row(row: Mapping, waypoints: str) -> dict[str, str]:
    out = {}
    for column in ROAD_LINK_FIELDS:
        value = row.get(column, "")
        if column in _DIGITS:
            out[column] = _number(value, _DIGITS[column])
        elif column in ("toll", "bridge"):
            out[column] = "true" if bool(value) else "false"
        else:
            out[column] = "" if value is None or (isinstance(value, float) and np.isnan(value)) \
                else str(value)
    out["link_id"] = row["link_id"]
    out["waypoints"] = waypoints
    return out


def check(built: Tables, towns: Mapping[str, Node], required: Sequence[str]) -> list[str]:
    """Every problem of the tables: ids, ends, lengths, sources, states, connectivity.

    Parameters
    ----------
    built : Tables
        The tables.
    towns : mapping
        The GeoNames towns and plants by node id.
    required : sequence of str
        ``required_nodes`` of ``corridors.yaml``.

    Returns
    -------
    list of str
        Empty when the tables are fine.
    """
    problems = built.network.problems()
    ids = [r["node_id"] for r in built.nodes]
    missing = [n for n in required if n not in set(ids)]
    if missing:
        problems.append(f"required node ids missing: {missing}")
    links = [r["link_id"] for r in built.links]
    if len(links) != len(set(links)):
        problems.append("duplicate link ids")
    problems += [f"{r['link_id']}: empty source" for r in built.links if not r["source"]]
    problems += [f"{r['link_id']}: SICT-derived row without the attribution" for r in
                 built.links if r["sict_ids"] and ATTRIBUTION not in r["source"]]
    problems += _state_problems(built, towns)
    problems += _connectivity_problems(built.network, towns)
    return problems


def _state_problems(built: Tables, towns: Mapping[str, Node]) -> list[str]:
    states = gpd.read_file(STATES).to_crs(METRIC_CRS)
    code_col = next(c for c in ("CVEGEO", "CVE_ENT", "id") if c in states.columns)
    polygons = states.set_index(states[code_col].astype(str).str.zfill(2).str[:2]).geometry
    problems = []
    for node_id, town in towns.items():
        point = gpd.GeoSeries([shapely.Point(town.point)], crs=CRS).to_crs(METRIC_CRS).iloc[0]
        km = polygons.loc[[town.state]].distance(point).min() / 1000.0
        if km > STATE_TOLERANCE_KM:
            problems.append(f"{node_id} ({town.name}) is {km:.1f} km outside state {town.state}")
    return problems


def _connectivity_problems(network: Network, towns: Mapping[str, Node]) -> list[str]:
    import networkx as nx

    graph = nx.Graph(list(zip(network.edges["u"], network.edges["v"], strict=True)))
    main = max(nx.connected_components(graph), key=len)
    return [f"{node_id} is not connected to the main road network" for node_id in towns
            if towns[node_id].kind in ("city", "plant") and node_id not in main]


def summary(built: Tables, sict_report: Mapping) -> list[str]:
    """Figures of the build: nodes, links and km by class, vertices, components."""
    links = pd.DataFrame(built.links)
    km = pd.to_numeric(links["length_km"])
    nodes = pd.DataFrame(built.nodes)
    by_class = km.groupby(links["road_class"]).agg(["count", "sum"]).round(1)
    lines = [f"nodes: {len(nodes)} {nodes['kind'].value_counts().sort_index().to_dict()}",
             f"links: {len(links)}, {km.sum():,.0f} km",
             *(f"  {cls:10s} {int(r['count']):5d} links {r['sum']:10,.1f} km"
               for cls, r in by_class.iterrows()),
             f"geometry: {built.vertices[0]:,} vertices -> {built.vertices[1]:,} after "
             f"simplification ({SIMPLIFY_M:g} m)",
             f"SICT components: {len(sict_report['components'])}, main holds "
             f"{sict_report['main_federal_share']:.2%} of federal km"]
    return lines

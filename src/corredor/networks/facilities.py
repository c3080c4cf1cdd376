"""Ports, plants, border crossings and other facilities joined to a road network.

A facility becomes a typed node linked to the nearest *suitable* road node by a
pair of connector edges: suitable means a junction in the largest strongly
connected part of the roads (so freight can both reach and leave it) that is
not only on a motorway main carriageway (no gate opens onto one). A facility
farther than ``max_km`` from every suitable node is an error that names it,
because silently dropping it would make every flow to it unroutable later.

``attach_bundled`` brings the bundled model's ports, plants and cities (demand
centroids) onto an OSM network, plus its border crossings: each crossing gets
a new Mexican-side node joined to the road node nearest its US (or Guatemalan)
gateway, and the foreign subgraph behind the attached gateways is appended, so
an OSM network of northern Mexico still routes into the US.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from pyproj import Geod
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from corredor.errors import DataFileError
from corredor.network import CRS, Network
from corredor.networks.national import PORT_ACCESS_SPEED_KPH

#: Kinds a user facility table may use.
FACILITY_KINDS = ("port", "plant", "supplier", "city", "border_crossing")
#: Node kinds outside Mexico in the bundled model.
FOREIGN_KINDS = frozenset({"us_gateway", "us_region", "foreign_city"})
#: What happens to a facility with no suitable road node within ``max_km``: always an
#: error; an error only when it lies inside the network's extent (else left out);
#: or left out (optional centroids).
OnFar = Literal["error", "error_inside", "skip"]

_GEOD = Geod(ellps="WGS84")
#: A facility closer than this to its road node is moved this far north so that its
#: connector is a valid line (two distinct points). assumption: 1 m is below any
#: position accuracy of the inputs.
_NUDGE_DEG = 1e-5


@dataclass(frozen=True)
class FacilityParams:
    """How facilities are connected; every value is an assumption, overridable."""

    #: assumption: World Port Index positions are rounded to 1 arc-minute (~1.8 km) and
    #: terminals and plant gates lie up to several km from the nearest freight road.
    max_km: float = 10.0
    #: assumption: speed on a plant/yard access road or a city's local streets.
    connector_speed_kph: float = 30.0
    connector_lanes: float = 1.0
    #: As the bundled model's port access roads (assumption: urban port approach).
    port_access_speed_kph: float = PORT_ACCESS_SPEED_KPH
    port_access_lanes: float = 2.0
    #: OSM ``highway`` (or road_class) values a facility must not connect to only.
    avoid_highways: tuple[str, ...] = ("motorway",)


def read_facilities(path: str | os.PathLike[str]) -> gpd.GeoDataFrame:
    """A user facility CSV: ``name, kind, lon, lat`` and optional ``capacity`` (trucks/day).

    Node ids are ``<kind>:<slug of name>``. Every problem is reported at once, by line.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: no such file (expected a CSV with name, kind, lon, lat)")
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in ("name", "kind", "lon", "lat") if c not in table.columns]
    if missing:
        raise DataFileError(f"{path}: missing column(s) {', '.join(missing)} "
                            f"(have {', '.join(table.columns)}; capacity is optional)")
    capacity = table.get("capacity", pd.Series("", index=table.index))
    problems = []
    for line, row, cap in zip(table.index + 2, table.itertuples(), capacity, strict=True):
        if not row.name.strip():
            problems.append(f"line {line}: empty name")
        if row.kind not in FACILITY_KINDS:
            problems.append(f"line {line}: kind {row.kind!r} is not one of "
                            f"{', '.join(FACILITY_KINDS)}")
        for field, value, limit in (("lon", row.lon, 180), ("lat", row.lat, 90)):
            number = pd.to_numeric(value, errors="coerce")
            if not -limit <= number <= limit:
                problems.append(f"line {line}: {field} {value!r} is not a number in "
                                f"[-{limit}, {limit}]")
        if cap.strip() and not pd.to_numeric(cap, errors="coerce") >= 0:
            problems.append(f"line {line}: capacity {cap!r} is not a number >= 0 (trucks/day)")
    node_id = table["kind"] + ":" + table["name"].map(_slug)
    for duplicate in sorted(set(node_id[node_id.duplicated()])):
        problems.append(f"two rows give the same facility id {duplicate!r}; names must differ")
    if problems:
        raise DataFileError(f"{path}: {len(problems)} problem(s):\n"
                            + "\n".join(f"  - {problem}" for problem in problems))
    return gpd.GeoDataFrame(
        {"node_id": node_id, "kind": table["kind"], "name": table["name"].str.strip(),
         "state": "", "capacity_trucks_day": pd.to_numeric(capacity.replace("", np.nan)),
         "source": f"user facility table {path.name}"},
        geometry=shapely.points(table["lon"].astype(float), table["lat"].astype(float)),
        crs=CRS,
    )


def attach_facilities(
    network: Network,
    facilities: gpd.GeoDataFrame,
    *,
    params: FacilityParams | None = None,
    on_far: OnFar = "error",
    what: str = "facility",
    progress: Callable[[str], None] | None = None,
) -> Network:
    """The network plus each facility as a node with two connector edges to its road node.

    ``facilities`` needs node_id, kind, name, state, capacity_trucks_day and point
    geometry (extra columns are kept); ``what`` names their origin in messages.
    """
    params = params or FacilityParams()
    roads = _RoadNodes.of(network, params)
    nodes, edges = _place(facilities, roads, set(network.nodes["node_id"]), params, on_far,
                          what, progress)
    return _combine(network, [nodes], [edges])


def attach_bundled(
    network: Network,
    national: Network,
    *,
    params: FacilityParams | None = None,
    progress: Callable[[str], None] | None = None,
) -> Network:
    """Ports, plants, cities, crossings and the foreign network of ``national`` on ``network``.

    Ports and plants inside the network's extent must find a road (else an
    error); cities (demand centroids) and crossings out of reach are left out.
    """
    params = params or FacilityParams()
    roads = _RoadNodes.of(network, params)
    taken = set(network.nodes["node_id"])
    kind = national.nodes["kind"]
    parts = [
        _place(national.nodes[kind.isin(["port", "plant"])], roads, taken, params,
               "error_inside", "bundled model (data/mexico) facility", progress),
        _place(national.nodes[kind == "city"], roads, taken, params, "skip", "bundled city",
               progress),
        _crossings(national, roads, params, progress),
    ]
    return _combine(network, [nodes for nodes, _ in parts], [edges for _, edges in parts])


def _place(facilities: gpd.GeoDataFrame, roads: _RoadNodes, taken: set[str],
           params: FacilityParams, on_far: OnFar, what: str,
           progress: Callable[[str], None] | None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Facility nodes and connectors, or one error naming every facility that cannot attach."""
    facilities = facilities.to_crs(CRS).reset_index(drop=True)
    nearest, km = roads.nearest(facilities.geometry.x.to_numpy(), facilities.geometry.y.to_numpy())
    far = km > params.max_km
    if on_far == "error_inside":
        must = far & facilities.geometry.within(roads.extent).to_numpy()
    else:
        must = far if on_far == "error" else np.zeros(len(far), dtype=bool)
    problems = [
        f"{what} {row.node_id} ({row.name}) is {d:.1f} km from the nearest suitable road node "
        f"(max {params.max_km:g} km)"
        for row, d in zip(facilities[must].itertuples(), km[must], strict=True)
    ]
    problems += [f"{what} {node_id} is already a node of the network"
                 for node_id in facilities["node_id"] if node_id in taken]
    if problems:
        raise DataFileError(
            f"cannot attach {len(problems)} {what}(s):\n"
            + "\n".join(f"  - {problem}" for problem in problems)
            + "\nfix the coordinates, raise the maximum connector length (--max-connector-km) "
            "or leave these facilities out"
        )
    if progress:
        progress(f"attached {int((~far).sum())} of {len(far)} {what}(s); "
                 f"{int(far.sum())} have no road within {params.max_km:g} km")
    return _connect(facilities[~far], roads, nearest[~far], params)


@dataclass(frozen=True)
class _RoadNodes:
    """The suitable road nodes of a network and a nearest-neighbour index over them."""

    rows: np.ndarray  # positions in network.nodes
    lon: np.ndarray
    lat: np.ndarray
    state: np.ndarray
    node_id: np.ndarray
    tree: cKDTree
    extent: shapely.Geometry

    @classmethod
    def of(cls, network: Network, params: FacilityParams) -> _RoadNodes:
        nodes, edges = network.nodes, network.edges
        index = network.node_index
        u = edges["u"].map(index).to_numpy()
        v = edges["v"].map(index).to_numpy()
        n = len(nodes)
        graph = sp.csr_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
        _, label = connected_components(graph, directed=True, connection="strong")
        junction = (nodes["kind"] == "junction").to_numpy()
        largest = label == np.bincount(label[junction]).argmax() if junction.any() else junction
        kind = edges["highway"].where(edges["highway"] != "", edges["road_class"]) if (
            "highway" in edges.columns) else edges["road_class"]
        usable = ~kind.isin(params.avoid_highways).to_numpy()
        touches = np.zeros(n, dtype=bool)
        touches[u[usable]] = True
        touches[v[usable]] = True
        rows = np.flatnonzero(junction & largest & touches)
        lon, lat = nodes.geometry.x.to_numpy()[rows], nodes.geometry.y.to_numpy()[rows]
        extent = shapely.convex_hull(shapely.multipoints(
            np.column_stack([nodes.geometry.x[junction], nodes.geometry.y[junction]])))
        return cls(rows, lon, lat, nodes["state"].to_numpy()[rows],
                   nodes["node_id"].to_numpy()[rows], cKDTree(_unit_vectors(lon, lat)), extent)

    def nearest(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index (into these nodes) and geodesic km of the nearest suitable node per point."""
        if len(self.rows) == 0:
            return np.zeros(len(lon), dtype=int), np.full(len(lon), np.inf)
        _, nearest = self.tree.query(_unit_vectors(lon, lat))
        km = _GEOD.inv(lon, lat, self.lon[nearest], self.lat[nearest])[2] / 1000.0
        return nearest, km


def _unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points on the unit sphere: chord order equals great-circle order for nearest search."""
    lam, phi = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def _connect(facilities: gpd.GeoDataFrame, roads: _RoadNodes, nearest: np.ndarray,
             params: FacilityParams) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Facility node rows and their ``:fwd`` (out of the facility) / ``:rev`` connector edges."""
    lon, lat = facilities.geometry.x.to_numpy(), facilities.geometry.y.to_numpy()
    road_lon, road_lat = roads.lon[nearest], roads.lat[nearest]
    lat = np.where((lon == road_lon) & (lat == road_lat), lat + _NUDGE_DEG, lat)
    state = np.where(facilities["state"].fillna("").to_numpy() == "",
                     roads.state[nearest], facilities["state"].fillna("").to_numpy())
    nodes = facilities.assign(state=state).set_geometry(shapely.points(lon, lat))
    port = (facilities["kind"] == "port").to_numpy()
    slug = facilities["node_id"].str.split(":", n=1).str[-1]
    link_id = np.where(port, "port-access:" + slug, "connector:" + facilities["node_id"])
    speed = np.where(port, params.port_access_speed_kph, params.connector_speed_kph)
    lanes = np.where(port, params.port_access_lanes, params.connector_lanes)
    line = shapely.linestrings(np.stack([np.column_stack([lon, lat]),
                                         np.column_stack([road_lon, road_lat])], axis=1))
    fwd = gpd.GeoDataFrame({
        "edge_id": pd.Series(link_id) + ":fwd", "link_id": link_id,
        "u": facilities["node_id"].to_numpy(), "v": roads.node_id[nearest], "ref": "", "refs": "",
        "name": facilities["name"].to_numpy() + np.where(port, " port access", " connector"),
        "road_class": np.where(port, "port_access", "connector"), "toll": False,
        "lanes": lanes, "bridge": False, "tunnel": False, "oneway": False,
        "length_km": _GEOD.inv(lon, lat, road_lon, road_lat)[2] / 1000.0, "speed_kph": speed,
        "capacity_trucks_day": np.where(port, facilities["capacity_trucks_day"], np.nan),
        "state": state,
        "source": [f"corredor: straight connector to the nearest suitable road node "
                   f"(geodesic length); speed {s:g} kph, lanes {n:g}: assumption"
                   for s, n in zip(speed, lanes, strict=True)],
    }, geometry=line, crs=CRS)
    rev = fwd.assign(edge_id=pd.Series(link_id) + ":rev", u=fwd["v"], v=fwd["u"])
    rev = rev.set_geometry(shapely.reverse(line))
    return nodes, _interleave(fwd, rev)


def _crossings(national: Network, roads: _RoadNodes, params: FacilityParams,
               progress: Callable[[str], None] | None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Crossing links from new Mexican-side nodes, plus the foreign network behind them.

    The new node sits halfway between the road node nearest the gateway and the
    gateway (the border lies between them) and is connected to that road node;
    the crossing keeps its bundled ids, capacity and counts, with a geodesic length.
    """
    kinds = dict(zip(national.nodes["node_id"], national.nodes["kind"], strict=True))
    edges = national.edges
    border = edges[edges["road_class"] == "border"]
    outbound = border[~border["u"].map(kinds).isin(FOREIGN_KINDS)
                      & border["v"].map(kinds).isin(FOREIGN_KINDS)]
    points = national.nodes.set_index("node_id").geometry
    gateway = points.loc[outbound["v"]]
    nearest, km = roads.nearest(gateway.x.to_numpy(), gateway.y.to_numpy())
    near = km <= params.max_km
    if progress:
        progress(f"attached {int(near.sum())} of {len(outbound)} bundled border crossings")
    if not near.any():
        return national.nodes.iloc[:0], national.edges.iloc[:0]
    outbound, nearest, gateway = outbound[near], nearest[near], gateway[near]
    gate_xy = np.column_stack([gateway.x, gateway.y])
    middle = (np.column_stack([roads.lon[nearest], roads.lat[nearest]]) + gate_xy) / 2.0
    link_ids = outbound["link_id"].to_numpy()
    side = gpd.GeoDataFrame({
        "node_id": "crossing:" + outbound["link_id"].str.split(":", n=1).str[-1].to_numpy(),
        "kind": "border_crossing", "name": outbound["name"].to_numpy(), "state": "",
        "capacity_trucks_day": outbound["capacity_trucks_day"].to_numpy(),
        "source": "corredor: Mexican side of a bundled crossing, halfway between the OSM road "
                  "node nearest the gateway and the gateway",
    }, geometry=shapely.points(middle), crs=CRS)
    side_nodes, connectors = _connect(side, roads, nearest, params)
    crossing_node = dict(zip(link_ids, side_nodes["node_id"], strict=True))
    site = dict(zip(link_ids, side_nodes.geometry, strict=True))
    gate = dict(zip(link_ids, gateway.to_numpy(), strict=True))
    rows = edges[edges["link_id"].isin(link_ids)].copy()
    leaving = (rows["u"] == rows["link_id"].map(dict(zip(link_ids, outbound["u"], strict=True))))
    rows.loc[leaving, "u"] = rows.loc[leaving, "link_id"].map(crossing_node)
    rows.loc[~leaving, "v"] = rows.loc[~leaving, "link_id"].map(crossing_node)
    start = shapely.get_coordinates(rows["link_id"].map(site).to_numpy())
    end = shapely.get_coordinates(rows["link_id"].map(gate).to_numpy())
    line = shapely.linestrings(np.stack([start, end], axis=1))
    rows = rows.set_geometry(np.where(leaving, line, shapely.reverse(line)), crs=CRS)
    rows["length_km"] = _GEOD.inv(start[:, 0], start[:, 1], end[:, 0], end[:, 1])[2] / 1000.0
    rows["length_method"] = "geodesic from the Mexican-side crossing node to the gateway"
    foreign_nodes, foreign_edges = _foreign_behind(national, set(outbound["v"]), kinds)
    return (_concat([side_nodes, foreign_nodes]), _concat([connectors, rows, foreign_edges]))


def _foreign_behind(national: Network, gateways: set[str], kinds: dict[str, str]):
    """Foreign nodes connected to ``gateways`` through foreign edges, with those edges."""
    edges = national.edges
    foreign = edges[edges["u"].map(kinds).isin(FOREIGN_KINDS)
                    & edges["v"].map(kinds).isin(FOREIGN_KINDS)]
    reached, frontier = set(gateways), set(gateways)
    while frontier:
        step = foreign[foreign["u"].isin(frontier)]["v"]
        frontier = set(step) - reached
        reached |= frontier
    nodes = national.nodes[national.nodes["node_id"].isin(reached)]
    return nodes, foreign[foreign["u"].isin(reached)]


def _interleave(fwd: gpd.GeoDataFrame, rev: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    both = pd.concat([fwd.assign(_o=2 * np.arange(len(fwd))),
                      rev.assign(_o=2 * np.arange(len(rev)) + 1)])
    return gpd.GeoDataFrame(both.sort_values("_o").drop(columns="_o"), geometry="geometry",
                            crs=CRS)


def _combine(network: Network, nodes: list[gpd.GeoDataFrame],
             edges: list[gpd.GeoDataFrame]) -> Network:
    """Append rows; columns missing on one side get False / NaN / '' by their dtype."""
    return Network.from_frames(_concat([network.nodes, *nodes]),
                               _concat([network.edges, *edges]))


def _concat(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    frame = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
    for column in frame.columns:
        if column == "geometry" or not frame[column].isna().any():
            continue
        present = frame[column].dropna()
        if len(present) and present.map(lambda value: isinstance(value, (bool, np.bool_))).all():
            frame[column] = frame[column].fillna(False).astype(bool)
        elif frame[column].dtype == object:
            frame[column] = frame[column].fillna("")
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS)


def _slug(text: str) -> str:
    """ASCII lower-case with underscores: 'Planta Celaya Norte' -> 'planta_celaya_norte'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "_".join("".join(c if c.isalnum() else " " for c in plain).split())

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
from collections.abc import Callable, Sequence
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
    return _connect(facilities[~far], roads.at(nearest[~far]), params)


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

    def at(self, rows: np.ndarray) -> _Targets:
        """The road nodes at positions ``rows`` (into these nodes) as connector targets."""
        return _Targets(self.lon[rows], self.lat[rows], self.state[rows], self.node_id[rows])

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


@dataclass(frozen=True)
class _Targets:
    """The road node each facility connects to: coordinates, state and id (one per facility)."""

    lon: np.ndarray
    lat: np.ndarray
    state: np.ndarray
    node_id: np.ndarray


def _connect(facilities: gpd.GeoDataFrame, targets: _Targets, params: FacilityParams, *,
             how: str = "straight connector to the nearest suitable road node",
             ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Facility node rows and their ``:fwd`` (out of the facility) / ``:rev`` connector edges."""
    lon, lat = facilities.geometry.x.to_numpy(), facilities.geometry.y.to_numpy()
    road_lon, road_lat = targets.lon, targets.lat
    lat = np.where((lon == road_lon) & (lat == road_lat), lat + _NUDGE_DEG, lat)
    state = np.where(facilities["state"].fillna("").to_numpy() == "",
                     targets.state, facilities["state"].fillna("").to_numpy())
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
        "u": facilities["node_id"].to_numpy(), "v": targets.node_id, "ref": "", "refs": "",
        "name": facilities["name"].to_numpy() + np.where(port, " port access", " connector"),
        "road_class": np.where(port, "port_access", "connector"), "toll": False,
        "lanes": lanes, "bridge": False, "tunnel": False, "oneway": False,
        "length_km": _GEOD.inv(lon, lat, road_lon, road_lat)[2] / 1000.0, "speed_kph": speed,
        "capacity_trucks_day": np.where(port, facilities["capacity_trucks_day"], np.nan),
        "state": state,
        "source": [f"corredor: {how} (geodesic length); speed {s:g} kph, lanes {n:g}: "
                   "assumption"
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
    side_nodes, connectors = _connect(side, roads.at(nearest), params)
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


#: Metric CRS of the split search (Mexico ITRF2008 / LCC, metres), as in ``topology``.
_METRIC_CRS = "EPSG:6372"
#: A point whose nearest road position lies this close (metres, along the road) to a
#: link end attaches to that end instead of splitting the link. assumption: 50 m is
#: below the position accuracy of the points attached (GeoNames towns, World Port Index
#: positions rounded to 1 arc-minute, BTS port coordinates).
SPLIT_SNAP_M = 50.0


@dataclass(frozen=True)
class RoadPoints:
    """Where points meet the roads: the network with the links split there.

    ``node_id[i]`` is the road node point ``i`` attaches to (an existing link end or
    a new junction) and ``km[i]`` its geodesic distance from the point.
    """

    network: Network
    node_id: np.ndarray
    km: np.ndarray


def split_roads_at(
    network: Network,
    lon: np.ndarray,
    lat: np.ndarray,
    *,
    eligible: np.ndarray | None = None,
    edge: np.ndarray | None = None,
    prefix: str = "split:",
    snap_m: float = SPLIT_SNAP_M,
    source: str = "corredor: junction where a facility meets the road",
) -> RoadPoints:
    """Split two-way links at the road positions nearest to points.

    Each point finds the nearest eligible two-way link (a ``:fwd`` edge with its
    ``:rev`` twin, distances in EPSG:6372) and the position on it nearest to the
    point. Within ``snap_m`` of a link end it takes that end; otherwise the link is
    cut there into pieces ``<link_id>.1``, ``.2``, ... (both directions, attributes
    copied, ``length_km`` and ``sict_km`` shared out by geodesic length) and a new
    ``junction`` node ``<prefix><n>`` stands at the cut. Positions on one link
    closer than ``snap_m`` share one node.

    Parameters
    ----------
    network : Network
        The road network.
    lon, lat : numpy.ndarray
        The points (EPSG:4326).
    eligible : numpy.ndarray of bool, optional
        Per edge: which links the points may attach to (default: every two-way link).
    edge : numpy.ndarray of int, optional
        Per point, the position (in ``network.edges``) of the ``:fwd`` edge of the link
        to attach it to, instead of the nearest eligible one.
    prefix : str
        Start of the new node ids.
    snap_m : float
        See ``SPLIT_SNAP_M``.
    source : str
        ``source`` of the new nodes.

    Returns
    -------
    RoadPoints
    """
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    edges = network.edges
    fwd = _two_way_forward(edges, eligible)
    if len(fwd) == 0:
        raise DataFileError("no two-way road link to attach to")
    metric = gpd.GeoSeries(fwd.geometry.to_numpy(), crs=CRS).to_crs(_METRIC_CRS).to_numpy()
    points = gpd.GeoSeries(shapely.points(lon, lat), crs=CRS).to_crs(_METRIC_CRS).to_numpy()
    if edge is None:
        pairs = shapely.STRtree(metric).query_nearest(points, all_matches=True)
        link = pd.Series(pairs[1]).groupby(pairs[0]).min().reindex(range(len(points))).to_numpy()
    else:
        position = pd.Series(np.arange(len(fwd)), index=fwd.index)
        link = position.reindex(edges.index[np.asarray(edge)]).to_numpy()
        if np.isnan(link.astype(float)).any():
            raise DataFileError("split_roads_at: an edge given is not an eligible two-way link")
        link = link.astype(int)
    along = shapely.line_locate_point(metric[link], points)
    total = shapely.length(metric[link])
    cuts, member = _cut_positions(link, along, total, snap_m)
    nodes, pieces, at = _cut_links(fwd, metric, edges, cuts, prefix, source)
    end = np.where(along <= total - along, fwd["u"].to_numpy()[link], fwd["v"].to_numpy()[link])
    node_id = np.array([at[(k, j)] if j >= 0 else e for k, j, e in
                        zip(link, member, end, strict=True)], dtype=object)
    cut_links = set(fwd["link_id"].iloc[sorted({k for k, _ in cuts})])
    kept = edges[~edges["link_id"].isin(cut_links)] if "link_id" in edges else edges
    out = Network.from_frames(_concat([network.nodes, nodes]), _concat([kept, pieces]))
    where = out.nodes.set_index("node_id").geometry.loc[node_id]
    km = _GEOD.inv(lon, lat, where.x.to_numpy(), where.y.to_numpy())[2] / 1000.0
    return RoadPoints(out, node_id.astype(str), km)


def _two_way_forward(edges: gpd.GeoDataFrame, eligible: np.ndarray | None) -> gpd.GeoDataFrame:
    """The ``:fwd`` edges (eligible ones) of links that also have a ``:rev`` edge."""
    ids = edges["edge_id"].astype(str)
    mask = ids.str.endswith(":fwd").to_numpy().copy()
    if eligible is not None:
        mask &= np.asarray(eligible, dtype=bool)
    twins = set(ids[ids.str.endswith(":rev")].str[:-4])
    mask &= ids.str[:-4].isin(twins).to_numpy()
    return edges[mask]


def _cut_positions(link: np.ndarray, along: np.ndarray, total: np.ndarray,
                   snap_m: float) -> tuple[list[tuple[int, list[float]]], np.ndarray]:
    """Per link (position among the forward edges) its cut positions (metres along, merged
    within ``snap_m``), and for every point the index of its cut on its link (-1: an end)."""
    inside = (along > snap_m) & (total - along > snap_m)
    cuts: dict[int, list[float]] = {}
    member = np.full(len(link), -1)
    for i in np.lexsort((along, link)):
        if not inside[i]:
            continue
        kept = cuts.setdefault(int(link[i]), [])
        if not kept or along[i] - kept[-1] > snap_m:
            kept.append(float(along[i]))
        member[i] = len(kept) - 1
    return sorted(cuts.items()), member


def _cut_links(fwd: gpd.GeoDataFrame, metric: np.ndarray, edges: gpd.GeoDataFrame,
               cuts: list[tuple[int, list[float]]], prefix: str, source: str):
    """New junction nodes, the piece edges (both directions) and position -> node id."""
    rev = edges.set_index(edges["edge_id"].astype(str))
    node_rows, piece_rows, at, count = [], [], {}, 0
    for k, positions in cuts:
        row = fwd.iloc[k]
        mxy = shapely.get_coordinates(metric[k])
        xy = shapely.get_coordinates(row.geometry)
        cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(mxy, axis=0).T))])
        ends, lines = [row["u"]], []
        start = 0.0
        for j, a in enumerate(positions):
            count += 1
            node = f"{prefix}{count}"
            at[(k, j)] = node
            point = _point_at(xy, cum, a)
            node_rows.append({"node_id": node, "kind": "junction", "name": "",
                              "state": str(row.get("state", "")).split(";")[0],
                              "capacity_trucks_day": np.nan, "source": source,
                              "geometry": shapely.Point(point)})
            lines.append(_sub_line(xy, cum, start, a, point))
            ends.append(node)
            start = a
        lines.append(_sub_line(xy, cum, start, cum[-1], None))
        ends.append(row["v"])
        piece_rows += _pieces(row, rev.loc[row["edge_id"][:-4] + ":rev"], lines, ends)
    if not node_rows:
        return edges.iloc[:0][[]].assign(node_id=[]), edges.iloc[:0], at
    nodes = gpd.GeoDataFrame(node_rows, geometry="geometry", crs=CRS)
    return nodes, gpd.GeoDataFrame(piece_rows, geometry="geometry", crs=CRS), at


def _point_at(xy: np.ndarray, cum: np.ndarray, a: float) -> tuple[float, float]:
    """The lon/lat point ``a`` metres along a line (linear within its segment)."""
    i = min(int(np.searchsorted(cum, a, side="right")) - 1, len(cum) - 2)
    t = (a - cum[i]) / (cum[i + 1] - cum[i]) if cum[i + 1] > cum[i] else 0.0
    x, y = xy[i] + t * (xy[i + 1] - xy[i])
    return float(x), float(y)


def _sub_line(xy: np.ndarray, cum: np.ndarray, a: float, b: float,
              end: tuple[float, float] | None) -> shapely.LineString:
    """The part of a line between ``a`` and ``b`` metres along it (original vertices kept)."""
    first = _point_at(xy, cum, a) if a > 0 else tuple(xy[0])
    last = end if end is not None else tuple(xy[-1])
    inner = [tuple(p) for p, c in zip(xy, cum, strict=True) if a < c < b]
    coords = [first, *inner, last]
    keep = [c for i, c in enumerate(coords) if i == 0 or c != coords[i - 1]]
    return shapely.LineString(keep)


def _pieces(fwd: pd.Series, rev: pd.Series, lines: list, ends: list[str]) -> list[dict]:
    """Both directions of each piece of a cut link, with lengths shared out."""
    geodesic = np.array([_GEOD.geometry_length(line) for line in lines])
    share = geodesic / geodesic.sum() if geodesic.sum() > 0 else np.full(len(lines), 1 / len(lines))
    rows = []
    for j, (line, part) in enumerate(zip(lines, share, strict=True), start=1):
        link_id = f"{fwd['link_id']}.{j}"
        scaled = {c: fwd[c] * part for c in ("length_km", "sict_km") if c in fwd.index}
        rows.append({**fwd.to_dict(), **scaled, "edge_id": f"{link_id}:fwd", "link_id": link_id,
                     "u": ends[j - 1], "v": ends[j], "geometry": line})
        rows.append({**rev.to_dict(), **scaled, "edge_id": f"{link_id}:rev", "link_id": link_id,
                     "u": ends[j], "v": ends[j - 1], "geometry": line.reverse()})
    return rows


def attach_at_roads(
    network: Network,
    facilities: gpd.GeoDataFrame,
    *,
    eligible: np.ndarray | None = None,
    edge: np.ndarray | None = None,
    params: FacilityParams | None = None,
    prefix: str = "split:",
    what: str = "facility",
    link_suffix: Sequence[str] | None = None,
) -> Network:
    """Each facility joined by a connector to the nearest position on a two-way road.

    Like ``attach_facilities``, but the road link is split at the position nearest
    to the facility (``split_roads_at``, ``eligible`` and ``edge`` as there) instead
    of joining the nearest existing node, so a town beside a long link is connected
    where the road passes it. A facility farther than ``params.max_km`` from every
    eligible road is an error. With ``link_suffix`` (one per row) the facilities are
    already nodes of ``network``: only connectors ``connector:<node_id><suffix>`` are
    added (a second connector of a town to another road).
    """
    params = params or FacilityParams()
    facilities = facilities.to_crs(CRS).reset_index(drop=True)
    found = split_roads_at(network, facilities.geometry.x.to_numpy(),
                           facilities.geometry.y.to_numpy(), eligible=eligible, edge=edge,
                           prefix=prefix,
                           source=f"corredor: junction where a {what} meets the road")
    far = found.km > params.max_km
    if far.any():
        names = ", ".join(f"{n} ({k:.1f} km)" for n, k in
                          zip(facilities.loc[far, "node_id"], found.km[far], strict=True))
        raise DataFileError(f"cannot attach {int(far.sum())} {what}(s) farther than "
                            f"{params.max_km:g} km from a road: {names}")
    where = found.network.nodes.set_index("node_id").loc[found.node_id]
    targets = _Targets(where.geometry.x.to_numpy(), where.geometry.y.to_numpy(),
                       where["state"].to_numpy(), found.node_id)
    nodes, edges = _connect(facilities, targets, params,
                            how="straight connector to the nearest point of the road network")
    if link_suffix is None:
        return _combine(found.network, [nodes], [edges])
    suffix = np.repeat(np.asarray(link_suffix, dtype=object), 2)
    link_id = edges["link_id"].to_numpy(dtype=object) + suffix
    direction = edges["edge_id"].str.rsplit(":", n=1).str[1].to_numpy(dtype=object)
    edges = edges.assign(link_id=link_id, edge_id=link_id + ":" + direction)
    return _combine(found.network, [], [edges])


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

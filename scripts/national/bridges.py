"""Closable bridge links split out of the SICT geometry of the Bajío roads.

Read by ``roads.py`` (step 1 of ``make data``). Each entry of ``bridges:`` in
``corridors.yaml`` names a road (``ref``), the two towns it runs ``between``, where
on that stretch the bridge starts (``at``) and its length. The stretch is found
as a scenario selector ``{ref: ..., between: [mx:a, mx:b]}`` finds it: from the
road node nearest town a to the one nearest town b, shortest by length along the
road's own edges. The road link holding the bridge is cut at both ends of the
bridge (``corredor.networks.facilities.split_roads_at``), and the piece between
the cuts becomes the bridge link ``<ref>:<id>`` (``bridge = true``,
``corredor.networks.sict_model.add_bridge``), whose ``source`` carries the fact and
the position text of its entry.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from corredor.errors import DataFileError
from corredor.network import CRS, Network
from corredor.networks.sict_model import add_bridge, on_ref
from corredor.networks.topology import METRIC_CRS

sys.dont_write_bytecode = True  # do not leave __pycache__ next to the scripts

from places import SPEC, Node  # noqa: E402

from common import AuthoringError, require  # noqa: E402

BRIDGE_KEYS = ("id", "name", "ref", "between", "at", "length_km", "fact", "position")

_GEOD = Geod(ellps="WGS84")


def stretch(network: Network, ref: str, start: Node, end: Node) -> list[int]:
    """Edge positions, in order, of the road ``ref`` from the node nearest ``start`` to ``end``.

    Parameters
    ----------
    network : Network
        The road network.
    ref : str
        The road.
    start, end : Node
        The towns (their GeoNames points).

    Returns
    -------
    list of int
        Positions (in ``network.edges``) of the directed edges along the stretch.

    Raises
    ------
    AuthoringError
        When the road does not run between the two towns.
    """
    edges = network.edges
    mask = on_ref(edges, ref)
    graph = nx.Graph()
    for i in np.flatnonzero(mask):
        u, v, km = edges["u"].iat[i], edges["v"].iat[i], edges["length_km"].iat[i]
        if not graph.has_edge(u, v) or graph[u][v]["weight"] > km:
            graph.add_edge(u, v, weight=km)
    ends = stretch_ends(network, graph, start, end)
    if ends is None:
        raise AuthoringError(f"{SPEC.name} bridges: {ref} does not run between "
                             f"{start.node_id} and {end.node_id}")
    path = nx.shortest_path(graph, ends[0], ends[1], weight="weight")
    lookup = pd.DataFrame({"u": edges["u"], "v": edges["v"], "km": edges["length_km"],
                           "i": np.arange(len(edges))})[mask]
    best = lookup.sort_values(["km", "i"]).drop_duplicates(["u", "v"]).set_index(["u", "v"])
    return [int(best.loc[(a, b), "i"]) for a, b in itertools.pairwise(path)]


def stretch_ends(network: Network, graph: nx.Graph, start: Node,
                 end: Node) -> tuple[str, str] | None:
    """The road's nodes nearest two towns, in the part of the road that joins them.

    Over the connected parts of the road holding two or more nodes, the one where
    the nearest node to ``start`` plus the nearest node to ``end`` is closest (a
    road such as MEX-45 is cut where SICT leaves a city's streets out).

    Parameters
    ----------
    network : Network
        The network.
    graph : networkx.Graph
        The road's edges.
    start, end : Node
        The towns.

    Returns
    -------
    (str, str) or None
        The two node ids; None when the road has no edge.
    """
    best, found = np.inf, None
    for part in sorted(nx.connected_components(graph), key=min):
        if len(part) < 2:
            continue
        ends = [nearest_node(network, sorted(part), town) for town in (start, end)]
        metres = sum(_distance(network, node, town) for node, town in zip(ends, (start, end),
                                                                          strict=True))
        if metres < best and ends[0] != ends[1]:
            best, found = metres, (ends[0], ends[1])
    return found


def _distance(network: Network, node: str, town: Node) -> float:
    point = network.nodes.geometry.iloc[network.node_index[node]]
    return float(_GEOD.inv(town.lon, town.lat, point.x, point.y)[2])


def nearest_node(network: Network, candidates: Sequence[str], town: Node) -> str:
    """The candidate node nearest (geodesic) to a town; ties go to the smaller id.

    Parameters
    ----------
    network : Network
        The network holding the candidates.
    candidates : sequence of str
        Node ids.
    town : Node
        The town.

    Returns
    -------
    str
    """
    points = network.nodes.set_index("node_id").geometry.loc[list(candidates)]
    metres = _GEOD.inv(np.full(len(points), town.lon), np.full(len(points), town.lat),
                       points.x.to_numpy(), points.y.to_numpy())[2]
    order = np.lexsort((np.array(candidates, dtype=str), np.round(metres, 3)))
    return str(candidates[order[0]])


def add_bridges(network: Network, specs: Sequence[Mapping[str, Any]],
                towns: Mapping[str, Node]) -> tuple[Network, list[str]]:
    """Split every bridge of ``corridors.yaml`` out of its road.

    Parameters
    ----------
    network : Network
        The road network (facilities already attached).
    specs : sequence of mapping
        ``bridges:`` of ``corridors.yaml``.
    towns : mapping
        Node id -> Node, the GeoNames towns.

    Returns
    -------
    (Network, list of str)
        The network with its bridge links, and one report line per bridge.
    """
    report = []
    for i, spec in enumerate(specs):
        require(spec, BRIDGE_KEYS, f"{SPEC.name} bridges[{i}]")
        network, line = _add_bridge(network, spec, towns)
        report.append(line)
    return network, report


def _add_bridge(network: Network, spec: Mapping[str, Any],
                towns: Mapping[str, Node]) -> tuple[Network, str]:
    where = f"{SPEC.name} bridges {spec['id']}"
    ends = [towns.get(f"mx:{name}") for name in spec["between"]]
    if None in ends or len(ends) != 2:
        raise AuthoringError(f"{where}: between should name two town ids, got {spec['between']}")
    path = stretch(network, spec["ref"], ends[0], ends[1])
    line_m = _metric_line(network.edges.geometry.iloc[path])
    total = line_m.length
    length = float(spec["length_km"]) * 1000.0
    start = _start(spec, line_m, towns, where)
    if not 0 <= start < start + length < total:
        raise AuthoringError(f"{where}: the bridge (from {start:.0f} m, {length:.0f} m long) "
                             f"does not fit its {total:.0f} m stretch")
    points = gpd.GeoSeries([line_m.interpolate(start), line_m.interpolate(start + length)],
                           crs=METRIC_CRS).to_crs(CRS)
    eligible = np.zeros(len(network.edges), dtype=bool)
    eligible[path] = True
    link_ids = set(network.edges["link_id"].iloc[path])
    eligible |= network.edges["link_id"].isin(link_ids).to_numpy()
    prefix = f"mx:{spec['id']}_"
    try:
        net, (a, b) = add_bridge(
            network, points.x.to_numpy(), points.y.to_numpy(), eligible=eligible,
            link_id=f"{spec['ref'].lower()}:{spec['id']}", end_ids=(f"{prefix}a", f"{prefix}b"),
            name=spec["name"], source=f"bridge: {spec['fact']}; position: {spec['position']}",
            length_method=f"a {spec['length_km']} km bridge cut out of the SICT segment line "
                          "(its length: see source)",
            end_source=f"bridge end: {spec['position']}", where=where)
    except DataFileError as exc:
        raise AuthoringError(str(exc)) from None
    return net, (
        f"bridge {spec['ref'].lower()}:{spec['id']}: {start / 1000:.2f} km into the "
        f"{total / 1000:.1f} km {spec['ref']} stretch {'–'.join(spec['between'])}, "
        f"{length:.0f} m, ends {a} / {b}")


def _metric_line(lines: gpd.GeoSeries) -> shapely.LineString:
    """One metric line along consecutive directed edges (shared vertices dropped)."""
    coords = [shapely.get_coordinates(g) for g in gpd.GeoSeries(lines, crs=CRS).to_crs(
        METRIC_CRS)]
    joined = np.concatenate([coords[0], *(c[1:] for c in coords[1:])])
    return shapely.LineString(joined)


def _start(spec: Mapping[str, Any], line_m: shapely.LineString, towns: Mapping[str, Node],
           where: str) -> float:
    """Metres along the stretch where the bridge starts."""
    at = spec["at"]
    if "fraction" in at:
        return float(at["fraction"]) * line_m.length
    if "nearest_to" in at:
        town = towns.get(f"mx:{at['nearest_to']}")
        if town is None:
            raise AuthoringError(f"{where}: at.nearest_to names no town ({at['nearest_to']})")
        point = gpd.GeoSeries([shapely.Point(town.point)], crs=CRS).to_crs(METRIC_CRS).iloc[0]
        return float(line_m.project(point))
    raise AuthoringError(f"{where}: at should be {{fraction: f}} or {{nearest_to: town}}")

"""Selectors: which edges a disruption, a random event or a corridor touches.

A ``Selector`` is the YAML form ("MEX-45D bridges between León and Silao");
``select_edges`` turns it into a boolean mask over a network's edges.
``resolve_selectors`` is the one place that resolves selectors for every
analysis (scenario disruptions, Monte Carlo generators, sourcing stress cases,
corridors) and says, with the file and line, which one matches nothing.
Selectors never read files: a ``polygon`` selector's area is read by the
caller (``corredor.boundaries.read_area``) and passed in ``areas``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely
from pydantic import Field, field_validator, model_validator

from corredor.config import StrictModel
from corredor.errors import CorredorError
from corredor.network import Network

#: Farthest a ``between`` node may be from the road it names (km): a town is joined to a
#: road passing within this distance (its zone connectors are shorter).
BETWEEN_MAX_KM = 25.0

__all__ = ["Near", "Selector", "canonical_ref", "fold", "resolve_selectors", "select_edges"]


class Near(StrictModel):
    """Edges passing within ``radius_km`` of a point."""

    lon: float = Field(ge=-180, le=180, description="longitude, degrees (-180..180)")
    lat: float = Field(ge=-90, le=90, description="latitude, degrees (-90..90)")
    radius_km: float = Field(gt=0, le=5000, description="radius in km (0 < r <= 5000)")


class Selector(StrictModel):
    """Which edges a disruption touches. All given criteria must hold (AND)."""

    edges: list[str] | None = None
    links: list[str] | None = None
    nodes: list[str] | None = None
    ref: str | None = None
    between: tuple[str, str] | None = None
    near: Near | None = None
    polygon: Path | None = None
    crossing: str | None = None
    port: str | None = None
    plant: str | None = None
    bridge: bool | None = None
    road_class: list[str] | None = None
    state: list[str] | None = None
    optional: bool = False

    @field_validator("road_class", "state", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("state", mode="after")
    @classmethod
    def _state_codes(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        return [f"{int(code):02d}" if str(code).isdigit() else str(code) for code in value]

    @model_validator(mode="after")
    def _something_selected(self) -> Selector:
        if not self.criteria():
            raise ValueError(
                "selects nothing: give at least one of edges, links, nodes, ref, near, "
                "polygon, crossing, port, plant, bridge, road_class, state"
            )
        if self.between is not None and self.ref is None:
            raise ValueError("'between' needs a 'ref' (the road to follow between the nodes)")
        return self

    def criteria(self) -> dict[str, Any]:
        """The criteria given (everything but ``optional``), for messages."""
        return self.model_dump(exclude={"optional"}, exclude_none=True)


def select_edges(
    network: Network,
    selector: Selector,
    *,
    areas: Mapping[Path, shapely.Geometry] | None = None,
) -> np.ndarray:
    """Boolean mask of the edges matching every criterion of ``selector``.

    Parameters
    ----------
    network : Network
        The network whose edges are selected.
    selector : Selector
        The criteria (all must hold).
    areas : mapping, optional
        The geometry (EPSG:4326) of each ``polygon`` path a selector names, read by the
        caller with ``corredor.boundaries.read_area``.

    Returns
    -------
    numpy.ndarray
        One bool per edge, in edge order.

    Raises
    ------
    CorredorError
        A criterion cannot be evaluated: an unknown node in ``between``, a road that does not
        run between them, an unknown port or plant name, a polygon not in ``areas``.
    """
    edges = network.edges
    mask = np.ones(len(edges), dtype=bool)
    if selector.edges is not None:
        mask &= edges["edge_id"].isin(selector.edges).to_numpy()
    if selector.links is not None:
        mask &= _column(edges, "link_id").isin(selector.links).to_numpy()
    if selector.nodes is not None:
        mask &= (edges["u"].isin(selector.nodes) | edges["v"].isin(selector.nodes)).to_numpy()
    if selector.ref is not None:
        on_ref = _on_ref(edges, selector.ref)
        if selector.between is not None:
            on_ref = on_ref & _between(network, on_ref, *selector.between)
        mask &= on_ref
    if selector.near is not None:
        mask &= _near(edges, selector.near)
    if selector.polygon is not None:
        mask &= _inside(edges, selector.polygon, areas or {})
    for kind, value in (("port", selector.port), ("plant", selector.plant)):
        if value is not None:
            mask &= _facility_edges(network, kind, value)
    if selector.crossing is not None:
        names = edges["name"].map(fold)
        mask &= (
            edges["road_class"].eq("border")
            & names.str.contains(fold(selector.crossing), regex=False)
        ).to_numpy()
    return mask & _filters(edges, selector)


def resolve_selectors(
    network: Network,
    selectors: Sequence[tuple[str, Selector]],
    *,
    areas: Mapping[Path, shapely.Geometry] | None = None,
) -> tuple[list[np.ndarray], list[str]]:
    """Masks for labelled selectors, and a problem for each that fails or matches nothing.

    Parameters
    ----------
    network : Network
        The network to select on.
    selectors : sequence of (str, Selector)
        Each selector with the label its problems start with, e.g.
        ``"scenario.yaml:12: disruptions.0.select (MEX-45D bridge)"``.
    areas : mapping, optional
        Polygon geometries, as for ``select_edges``.

    Returns
    -------
    masks : list of numpy.ndarray
        One edge mask per selector (all False where it failed).
    problems : list of str
        One message per selector that could not be evaluated or that matches no edge
        without ``optional: true``.
    """
    masks, problems = [], []
    for label, selector in selectors:
        try:
            mask = select_edges(network, selector, areas=areas)
        except CorredorError as exc:
            mask = np.zeros(len(network.edges), dtype=bool)
            problems.append(f"{label}: {exc}")
        else:
            if not mask.any() and not selector.optional:
                problems.append(f"{label} matches no edge: {selector.criteria()} "
                                "(add optional: true if that is expected)")
        masks.append(mask)
    return masks, problems


def fold(text: str) -> str:
    """Case- and accent-insensitive form for name matching ('Lázaro' ~ 'lazaro').

    Parameters
    ----------
    text : str
        Any name.

    Returns
    -------
    str
        ASCII, case-folded.
    """
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return plain.casefold()


def canonical_ref(ref: str) -> str:
    """A route number in one spelling: ``'mex 45d'`` -> ``'MEX-45D'``.

    Parameters
    ----------
    ref : str
        A route number as written.

    Returns
    -------
    str
        Upper case, spaces as hyphens, stripped.
    """
    return str(ref).strip().upper().replace(" ", "-")


# -- helpers ----------------------------------------------------------------------


def _filters(edges: gpd.GeoDataFrame, selector: Selector) -> np.ndarray:
    """The attribute filters: bridge, road class, state."""
    mask = np.ones(len(edges), dtype=bool)
    if selector.bridge is not None:
        mask &= edges["bridge"].eq(selector.bridge).to_numpy()
    if selector.road_class is not None:
        mask &= edges["road_class"].isin(selector.road_class).to_numpy()
    if selector.state is not None:
        states = edges["state"].str.split(";")
        wanted = set(selector.state)
        mask &= states.map(lambda codes: bool(wanted & set(codes))).to_numpy()
    return mask


def _column(edges: gpd.GeoDataFrame, name: str) -> pd.Series:
    if name not in edges.columns:
        raise CorredorError(f"the network's edges have no '{name}' column")
    return edges[name]


def _on_ref(edges: gpd.GeoDataFrame, ref: str) -> np.ndarray:
    """Edges whose ref (or any of their ``refs``, ';'-separated) is ``ref``."""
    wanted = canonical_ref(ref)
    match = edges["ref"].map(canonical_ref).eq(wanted)
    if "refs" in edges.columns:
        match |= (
            edges["refs"]
            .fillna("")
            .map(lambda refs: wanted in {canonical_ref(r) for r in str(refs).split(";")})
        )
    return match.to_numpy()


def _between(network: Network, on_ref: np.ndarray, start: str, end: str) -> np.ndarray:
    """Edges (both directions) on the shortest stretch of the road between two nodes.

    The nodes need not lie on the road: a town is usually a zone joined to the road by a
    connector. Each node is taken to the road node nearest to it (geodesic distance), in
    the connected part of the road whose two nearest nodes are closest in sum and
    distinct; a node on the road is its own nearest node, so a stretch between two road
    nodes is exactly the shortest path between them. A node farther than
    ``BETWEEN_MAX_KM`` from the road is not on it.
    """
    edges = network.edges
    for node in (start, end):
        if node not in network.node_index:
            raise CorredorError(f"'between' names {node!r}, which is not a node of the network")
    road = edges[on_ref]
    graph = nx.Graph()
    for edge in road.itertuples():
        graph.add_edge(edge.u, edge.v, weight=edge.length_km)
    ends = _nearest_road_ends(network, graph, start, end)
    if ends is None:
        raise CorredorError(f"the road does not run between {start} and {end} in this network")
    path = nx.shortest_path(graph, *ends, weight="weight")
    pairs = {frozenset(pair) for pair in pairwise(path)}
    pair_of = [frozenset((u, v)) for u, v in zip(edges["u"], edges["v"], strict=True)]
    return on_ref & np.array([pair in pairs for pair in pair_of])


def _nearest_road_ends(
    network: Network, graph: nx.Graph, start: str, end: str
) -> tuple[str, str] | None:
    """The road nodes standing for ``start`` and ``end`` (see ``_between``), or None."""
    geod = pyproj.Geod(ellps="WGS84")
    points = network.nodes.geometry.to_numpy()
    index = network.node_index
    best: tuple[float, tuple[str, str] | None] = (np.inf, None)
    for part in nx.connected_components(graph):
        members = sorted(part)
        xy = shapely.get_coordinates(points[[index[n] for n in members]])
        chosen, metres, far = [], 0.0, False
        for town in (start, end):
            x, y = shapely.get_coordinates(points[index[town]])[0]
            distance = geod.inv(np.full(len(members), x), np.full(len(members), y),
                                xy[:, 0], xy[:, 1])[2]
            chosen.append(members[int(np.argmin(distance))])
            metres += float(distance.min())
            far |= float(distance.min()) > BETWEEN_MAX_KM * 1000
        if not far and chosen[0] != chosen[1] and metres < best[0]:
            best = (metres, (chosen[0], chosen[1]))
    return best[1]


def _near(edges: gpd.GeoDataFrame, near: Near) -> np.ndarray:
    """Edges within ``radius_km`` of the point, measured in an equidistant projection."""
    local = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={near.lat} +lon_0={near.lon} +units=m")
    projected = edges.geometry.to_crs(local)
    return (
        shapely.distance(projected.to_numpy(), shapely.Point(0, 0)) <= near.radius_km * 1000
    ).astype(bool)


def _inside(
    edges: gpd.GeoDataFrame, polygon: Path, areas: Mapping[Path, shapely.Geometry]
) -> np.ndarray:
    """Edges intersecting the area read from ``polygon``."""
    if polygon not in areas:
        raise CorredorError(f"polygon {polygon}: the area was not read (pass it in areas)")
    return np.asarray(edges.geometry.intersects(areas[polygon]), dtype=bool)


def _facility_edges(network: Network, kind: str, name: str) -> np.ndarray:
    """Edges touching the port or plant whose name (or id) contains ``name``."""
    nodes = network.nodes[network.nodes["kind"] == kind]
    wanted = fold(name)
    hits = nodes[
        nodes["name"].map(fold).str.contains(wanted, regex=False)
        | nodes["node_id"].map(fold).str.contains(wanted, regex=False)
    ]
    if hits.empty:
        known = ", ".join(sorted(nodes["name"]))[:300]
        raise CorredorError(f"no {kind} named {name!r} (known: {known})")
    ids = set(hits["node_id"])
    return (network.edges["u"].isin(ids) | network.edges["v"].isin(ids)).to_numpy()

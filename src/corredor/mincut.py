"""Redundancy without demand: minimum cuts between regions and each link's own detour.

The edge connectivity from region A (say the Bajío plants) to region B (the
US Midwest) is the number of links that must all fail before no truck can get
from A to B; by Menger's theorem it equals the number of link-disjoint routes.
The cut set is one such smallest set of links. Both come from a max-flow with
unit capacities (scipy's Dinic) between a super source on A and a super sink
on B; with trucks/day capacities the same gives the most trucks per day that
can get from A to B at all and the links that limit it.

A link's own detour is the cheapest way round it between its two ends (what
Deltares ra2ce calls single-link redundancy): how far a truck already on the
link must go if it closes, whatever the demand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, dijkstra, maximum_flow

from corredor.closures import Closures
from corredor.errors import CorredorError
from corredor.graph import MIN_WEIGHT
from corredor.network import NODE_KINDS, Network
from corredor.routing import edge_weights

__all__ = ["ABROAD_CLASSES", "UNCUTTABLE", "Cut", "local_detours", "min_cut", "region_nodes"]

#: Fields a region spec may filter on.
REGION_FIELDS = ("kind", "state", "node")
#: Road classes outside Mexico: in the bundled model a stylised connection to the destination
#: regions (data/mexico/README.md), one interstate per region, so their closures and cuts are
#: artefacts of the model rather than findings about the corridors.
ABROAD_CLASSES = ("us_highway", "foreign_highway")
#: Road classes never cut by default: a plant connector or port access road is the facility's
#: own driveway in the model, and the links abroad are stylised (``ABROAD_CLASSES``).
UNCUTTABLE = ("connector", "port_access", *ABROAD_CLASSES)

#: Own detours are searched first within this multiple of the link's own weight, then
#: everywhere: a speed setting only, the result is exact either way.
DETOUR_SEARCH_FACTOR = 20.0

_INT32_MAX = 2**31 - 1


def region_nodes(network: Network, spec: str) -> list[str]:
    """Node ids matching ``spec``: ``FIELD=V1,V2`` clauses joined by ``;`` (all must hold).

    Fields: ``kind`` (node kind), ``state`` (INEGI code, ``11`` or ``1``),
    ``node`` (node ids). Example: ``kind=plant;state=01,11,22``.

    Parameters
    ----------
    network : Network
        Any network.
    spec : str
        The region.

    Returns
    -------
    list of str
        Node ids.

    Raises
    ------
    CorredorError
        A malformed clause, an unknown kind or node, or a region with no node.
    """
    nodes = network.nodes
    mask = np.ones(len(nodes), dtype=bool)
    for clause in spec.split(";"):
        key, sep, text = clause.partition("=")
        key = key.strip().lower()
        values = [value.strip() for value in text.split(",") if value.strip()]
        if not sep or key not in REGION_FIELDS or not values:
            raise CorredorError(
                f"region {spec!r}: {clause.strip()!r} is not FIELD=VALUE[,VALUE] with FIELD one "
                f"of {', '.join(REGION_FIELDS)} (e.g. 'kind=plant;state=01,11,22')"
            )
        if key == "kind":
            unknown = sorted(set(values) - NODE_KINDS)
            if unknown:
                raise CorredorError(
                    f"region {spec!r}: unknown kind(s) {', '.join(unknown)} "
                    f"(valid: {', '.join(sorted(NODE_KINDS))})"
                )
            mask &= nodes["kind"].isin(values).to_numpy()
        elif key == "state":
            codes = [f"{int(v):02d}" if v.isdigit() else v for v in values]
            mask &= nodes["state"].isin(codes).to_numpy()
        else:
            unknown = sorted(set(values) - set(network.node_index))
            if unknown:
                raise CorredorError(
                    f"region {spec!r}: node id(s) not in the network: {', '.join(unknown[:10])}"
                )
            mask &= nodes["node_id"].isin(values).to_numpy()
    if not mask.any():
        raise CorredorError(f"region {spec!r} matches no node of the network")
    return nodes.loc[mask, "node_id"].tolist()


@dataclass(frozen=True, eq=False)
class Cut:
    """A minimum cut from ``sources`` to ``sinks``.

    ``connectivity`` is the number of directed edges in the smallest cut
    (``edges``; for two-way roads, one per physical link); ``max_trucks_day``
    the max-flow with capacities and ``bottleneck`` its cut edges. Both are
    ``inf`` (and the edge lists empty) when uncuttable edges join the regions.
    """

    name: str
    sources: tuple[str, ...]
    sinks: tuple[str, ...]
    connectivity: float
    edges: np.ndarray
    max_trucks_day: float
    bottleneck: np.ndarray

    def table(self, network: Network) -> pd.DataFrame:
        """One row per cut edge (``cut`` = ``links`` or ``capacity``), with its description."""
        columns = [c for c in ("edge_id", "link_id", "ref", "name", "road_class",
                               "capacity_trucks_day") if c in network.edges]
        parts = []
        for kind, edges, value in (("links", self.edges, self.connectivity),
                                   ("capacity", self.bottleneck, self.max_trucks_day)):
            part = network.edges.iloc[edges][columns].reset_index(drop=True)
            part.insert(0, "cut_value", value)
            part.insert(0, "cut", kind)
            parts.append(part)
        table = pd.concat(parts, ignore_index=True)
        table.insert(0, "region_pair", self.name)
        return table


def min_cut(
    network: Network,
    source_spec: str,
    sink_spec: str,
    *,
    capacity: str | np.ndarray | None = "capacity_trucks_day",
    uncuttable: tuple[str, ...] = UNCUTTABLE,
) -> Cut:
    """Edge connectivity and minimum cut sets between two regions (``region_nodes`` specs).

    ``capacity`` (a column or array, trucks/day, rounded to whole trucks; NaN
    or inf: unlimited) gives the bottleneck cut; None skips it. Edges of the
    ``uncuttable`` road classes get unlimited capacity.

    Parameters
    ----------
    network : Network
        Any network.
    source_spec, sink_spec : str
        The two regions (disjoint).
    capacity : str, numpy.ndarray or None, default "capacity_trucks_day"
        Capacities for the bottleneck cut.
    uncuttable : tuple of str
        Road classes never cut.

    Returns
    -------
    Cut

    Raises
    ------
    CorredorError
        Overlapping or empty regions.
    """
    sources = region_nodes(network, source_spec)
    sinks = region_nodes(network, sink_spec)
    both = sorted(set(sources) & set(sinks))
    if both:
        raise CorredorError(
            f"regions {source_spec!r} and {sink_spec!r} share node(s) {', '.join(both[:5])}; "
            "a cut needs two disjoint regions"
        )
    graph = network.compiled
    src, snk = graph.positions(sources), graph.positions(sinks)
    cuttable = ~network.edges["road_class"].isin(uncuttable).to_numpy()
    links, cut = _cut(graph.edge_u, graph.edge_v, np.where(cuttable, 1.0, np.inf), src, snk,
                      graph.n_nodes)
    trucks, bottleneck = np.nan, np.zeros(0, dtype=np.int64)
    if capacity is not None:
        values = (network.edges[capacity].to_numpy(dtype=float) if isinstance(capacity, str)
                  else np.asarray(capacity, dtype=float))
        values = np.where(cuttable & ~np.isnan(values), np.rint(values), np.inf)
        trucks, bottleneck = _cut(graph.edge_u, graph.edge_v, values, src, snk, graph.n_nodes)
    return Cut(f"{source_spec} -> {sink_spec}", tuple(sources), tuple(sinks), links, cut,
               trucks, bottleneck)


def local_detours(
    network: Network, closures: Closures, *, weight: str | np.ndarray = "length_km"
) -> np.ndarray:
    """Each link's own detour: cheapest path from its first edge's tail to its head without it.

    What Deltares ra2ce calls single-link redundancy (``alt_length``), for
    closures that share no edge (``Closures.links``); inf where the link leaves
    no way round. One Dijkstra per link on the compiled graph with the
    link's entries switched off (a parallel edge of another link takes over),
    searching first within ``DETOUR_SEARCH_FACTOR`` times the link's weight.

    Parameters
    ----------
    network : Network
        Any network.
    closures : Closures
        Link closures sharing no edge.
    weight : str or numpy.ndarray, default "length_km"
        Edge column (or array) the detour is measured in.

    Returns
    -------
    numpy.ndarray
        One detour per closure.
    """
    graph = network.compiled
    members = closures.members.tocsr()
    if np.any(np.diff(members.indptr) > 1):
        raise ValueError("local_detours needs closures that share no edge (Closures.links)")
    owner = np.full(graph.n_edges, -1, dtype=np.int64)
    owner[np.diff(members.indptr) > 0] = members.indices
    weights = edge_weights(network, weight)
    csr = graph.weighted(weights)
    usable = np.flatnonzero(np.isfinite(weights))
    slot = np.searchsorted(csr.keys, graph.edge_u[usable] * graph.n_nodes + graph.edge_v[usable])
    spare = np.full(len(csr.keys), np.inf)
    other = owner[usable] != owner[csr.edge_of[slot]]
    np.minimum.at(spare, slot[other], np.maximum(weights[usable[other]], MIN_WEIGHT))
    entry = np.full(graph.n_edges, -1, dtype=np.int64)
    entry[csr.edge_of] = np.arange(len(csr.edge_of))
    matrix = csr.matrix.copy()
    first = closures.first_edge()
    limit = DETOUR_SEARCH_FACTOR * np.maximum(weights[first], MIN_WEIGHT)
    detour = np.full(len(closures.ids), np.nan)
    indices, indptr = closures.members.indices, closures.members.indptr
    for j in np.flatnonzero(first >= 0):
        closed = entry[indices[indptr[j]:indptr[j + 1]]]
        closed = closed[closed >= 0]
        saved = matrix.data[closed]
        matrix.data[closed] = spare[closed]
        tail, head = graph.edge_u[first[j]], graph.edge_v[first[j]]
        found = dijkstra(matrix, directed=True, indices=tail, limit=limit[j])[head]
        if not np.isfinite(found):
            found = dijkstra(matrix, directed=True, indices=tail)[head]
        matrix.data[closed] = saved
        detour[j] = found
    return detour


def _cut(
    tails: np.ndarray, heads: np.ndarray, capacity: np.ndarray, sources: np.ndarray,
    sinks: np.ndarray, n: int,
) -> tuple[float, np.ndarray]:
    """Max-flow value and the cut edges nearest the sources (inf and none if unbounded)."""
    unlimited = np.isinf(capacity)
    if _reaches(tails[unlimited], heads[unlimited], sources, sinks, n):
        return np.inf, np.zeros(0, dtype=np.int64)
    finite = capacity[~unlimited & (capacity > 0)]
    big = int(min(finite.sum() + 1, _INT32_MAX // max(len(sources), len(sinks), 1)))
    usable = capacity > 0
    weights = np.where(unlimited, big, capacity)[usable].astype(np.int64)
    s, t = n, n + 1
    rows = np.concatenate([tails[usable], np.full(len(sources), s), sinks])
    cols = np.concatenate([heads[usable], sources, np.full(len(sinks), t)])
    data = np.concatenate([weights, np.full(len(sources) + len(sinks), big)]).astype(np.int32)
    matrix = csr_matrix((data, (rows, cols)), shape=(n + 2, n + 2))
    result = maximum_flow(matrix, s, t, method="dinic")
    residual = (matrix - result.flow).tocsr()
    residual.data = (residual.data > 0).astype(np.int32)
    residual.eliminate_zeros()
    side = np.zeros(n + 2, dtype=bool)
    side[breadth_first_order(residual, s, directed=True, return_predecessors=False)] = True
    crossing = np.flatnonzero(usable & side[tails] & ~side[heads])
    return float(result.flow_value), crossing


def _reaches(tails: np.ndarray, heads: np.ndarray, sources: np.ndarray, sinks: np.ndarray,
             n: int) -> bool:
    """Whether some source reaches some sink along the given edges alone."""
    s = n
    rows = np.concatenate([tails, np.full(len(sources), s)])
    cols = np.concatenate([heads, sources])
    matrix = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n + 1, n + 1))
    reached = breadth_first_order(matrix, s, directed=True, return_predecessors=False)
    return bool(np.isin(sinks, reached).any())

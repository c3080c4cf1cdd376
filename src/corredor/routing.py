"""Shortest paths and OD cost matrices on a compiled (CSR) form of the network.

networkx is the interchange format; this is the engine. The network's edges
are compiled once into integer arrays (``CompiledGraph``); for a given weight
vector the cheapest of any parallel edges is kept and a CSR matrix is built
whose entries remember which edge they stand for, so every path comes back as
edge indices (rows of ``Network.edges``), not just node sequences.
scipy.sparse.csgraph's Dijkstra does the search, one run per distinct origin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra

from corredor.errors import CorredorError
from corredor.graph import WeightedCSR
from corredor.network import Network

__all__ = ["PathSet", "edge_weights", "od_cost_matrix", "shortest_paths"]

_NO_PREDECESSOR = -9999  # scipy.sparse.csgraph's marker


@dataclass(frozen=True, eq=False)
class PathSet:
    """Shortest paths for a list of OD pairs: cost and edge indices per pair.

    ``cost[i]`` is ``inf`` and ``edges[i]`` empty when pair i has no path.
    """

    origins: list[str]
    destinations: list[str]
    cost: np.ndarray
    edges: list[np.ndarray]

    @property
    def reachable(self) -> np.ndarray:
        return np.isfinite(self.cost)


def edge_weights(network: Network, weight: str | np.ndarray) -> np.ndarray:
    """One float per edge: a column of ``network.edges`` or an explicit array.

    Parameters
    ----------
    network : Network
        Any network.
    weight : str or numpy.ndarray
        A numeric edge column, or one value per edge.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    CorredorError
        No such column.
    """
    if isinstance(weight, str):
        if weight not in network.edges.columns:
            raise CorredorError(
                f"edges have no column {weight!r} to route on "
                f"(numeric columns: {', '.join(network.edges.select_dtypes('number').columns)})"
            )
        return network.edges[weight].to_numpy(dtype=float)
    return np.asarray(weight, dtype=float)


def shortest_paths(
    network: Network,
    pairs: Sequence[tuple[str, str]],
    *,
    weight: str | np.ndarray = "length_km",
    removed: np.ndarray | None = None,
) -> PathSet:
    """Cheapest path for every (origin, destination) pair, as edge indices.

    Dijkstra runs once per distinct origin over all its destinations.

    Parameters
    ----------
    network : Network
        Any network.
    pairs : sequence of (str, str)
        Origin and destination node ids.
    weight : str or numpy.ndarray, default "length_km"
        Edge column or array (non-negative; non-finite means absent).
    removed : numpy.ndarray, optional
        Edges to leave out.

    Returns
    -------
    PathSet

    Raises
    ------
    CorredorError
        Unknown node ids or negative weights.
    """
    graph = network.compiled
    csr = graph.weighted(edge_weights(network, weight), removed=removed)
    origins = [o for o, _ in pairs]
    destinations = [d for _, d in pairs]
    origin_pos = graph.positions(origins)
    dest_pos = graph.positions(destinations)
    unique_origins, inverse = np.unique(origin_pos, return_inverse=True)
    dist, pred = dijkstra(
        csr.matrix, directed=True, indices=unique_origins, return_predecessors=True
    )
    cost = dist[inverse, dest_pos]
    paths = _trace_all(pred, inverse, np.asarray(dest_pos, dtype=np.int64), np.isfinite(cost),
                       csr, graph.n_nodes)
    return PathSet(origins=origins, destinations=destinations, cost=cost, edges=paths)


def od_cost_matrix(
    network: Network,
    origins: Sequence[str],
    destinations: Sequence[str],
    *,
    weight: str | np.ndarray = "length_km",
    removed: np.ndarray | None = None,
) -> pd.DataFrame:
    """Least cost from each origin (rows) to each destination (columns); ``inf`` if none.

    Parameters
    ----------
    network : Network
        Any network.
    origins, destinations : sequence of str
        Node ids.
    weight : str or numpy.ndarray, default "length_km"
        Edge column or array.
    removed : numpy.ndarray, optional
        Edges to leave out.

    Returns
    -------
    pandas.DataFrame
    """
    graph = network.compiled
    csr = graph.weighted(edge_weights(network, weight), removed=removed)
    origin_pos = graph.positions(origins)
    dest_pos = graph.positions(destinations)
    unique_origins, inverse = np.unique(origin_pos, return_inverse=True)
    dist = dijkstra(csr.matrix, directed=True, indices=unique_origins)
    return pd.DataFrame(
        dist[np.ix_(inverse, dest_pos)], index=list(origins), columns=list(destinations)
    )


_EMPTY = np.empty(0, dtype=np.int64)


def _trace_all(predecessors: np.ndarray, rows: np.ndarray, targets: np.ndarray,
               reachable: np.ndarray, csr: WeightedCSR, n_nodes: int) -> list[np.ndarray]:
    """Edge indices of every path, all walked back from their targets together.

    Each round follows one predecessor for every path still going (row ``rows[i]``
    of ``predecessors``), so the rounds are as many as the longest path has nodes,
    not as many as all paths have together; the edges come from one vectorised
    lookup.
    """
    n = len(targets)
    current, going = targets.copy(), reachable.copy()
    steps = [targets.copy()]
    while True:
        previous = np.full(n, _NO_PREDECESSOR, dtype=np.int64)
        previous[going] = predecessors[rows[going], current[going]]
        going &= previous != _NO_PREDECESSOR
        if not going.any():
            break
        current = np.where(going, previous, current)
        steps.append(np.where(going, previous, -1))
    nodes = np.stack(steps, axis=1)  # target first, -1 after each path's origin
    lengths = (nodes >= 0).sum(axis=1)
    heads, tails = nodes[:, :-1], nodes[:, 1:]
    edges = np.full(heads.shape, -1, dtype=np.int64)
    joined = tails >= 0
    if joined.any():
        edges[joined] = csr.edges_between(tails[joined], heads[joined], n_nodes)
    return [edges[i, :lengths[i] - 1][::-1].copy() if reachable[i] and lengths[i] > 1
            else _EMPTY for i in range(n)]

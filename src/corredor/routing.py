"""Shortest paths and OD cost matrices on a compiled (CSR) form of the network.

networkx is the interchange format; this is the engine. The network's edges
are compiled once into integer arrays (``CompiledGraph``); for a given weight
vector the cheapest of any parallel edges is kept and a CSR matrix is built
whose entries remember which edge they stand for, so every path comes back as
edge indices (rows of ``Network.edges``), not just node sequences.
scipy.sparse.csgraph's Dijkstra does the search, one run per distinct origin.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from corredor.errors import CorredorError

if TYPE_CHECKING:
    from corredor.network import Network

#: csgraph drops explicit zeros in some code paths; weights below this are raised to it.
MIN_WEIGHT = 1e-12

_NO_PREDECESSOR = -9999  # scipy.sparse.csgraph's marker


@dataclass(frozen=True, eq=False)
class WeightedCSR:
    """A CSR adjacency for one weight vector; ``edge_of[k]`` is the edge behind entry k."""

    matrix: csr_matrix
    edge_of: np.ndarray
    keys: np.ndarray  # sorted u * n_nodes + v of every entry, for edge look-ups

    def edges_between(self, tails: np.ndarray, heads: np.ndarray, n_nodes: int) -> np.ndarray:
        """Edge indices used between consecutive path nodes (vectorised)."""
        positions = np.searchsorted(self.keys, tails.astype(np.int64) * n_nodes + heads)
        return self.edge_of[positions]


@dataclass(frozen=True, eq=False)
class CompiledGraph:
    """Integer form of a network: node positions and each edge's tail/head positions."""

    node_ids: np.ndarray
    node_position: dict[str, int]
    edge_u: np.ndarray
    edge_v: np.ndarray

    @classmethod
    def from_network(cls, network: Network) -> CompiledGraph:
        node_ids = network.nodes["node_id"].to_numpy(dtype=object)
        position = dict(network.node_index)
        edge_u = network.edges["u"].map(position).to_numpy(dtype=np.int64)
        edge_v = network.edges["v"].map(position).to_numpy(dtype=np.int64)
        return cls(node_ids=node_ids, node_position=position, edge_u=edge_u, edge_v=edge_v)

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        return len(self.edge_u)

    def weighted(self, weights: np.ndarray, *, removed: np.ndarray | None = None) -> WeightedCSR:
        """CSR adjacency for ``weights`` (one per edge), without ``removed`` edges.

        Edges with a non-finite weight are treated as absent; among parallel edges
        the cheapest wins (ties: lowest edge index).
        """
        weights = np.asarray(weights, dtype=float)
        if weights.shape != (self.n_edges,):
            raise ValueError(f"need one weight per edge ({self.n_edges}), got {weights.shape}")
        if np.any(weights < 0):
            raise CorredorError("edge weights must be non-negative for shortest paths")
        usable = np.isfinite(weights)
        if removed is not None:
            usable &= ~np.asarray(removed, dtype=bool)
        edge_idx = np.flatnonzero(usable)
        tails, heads = self.edge_u[edge_idx], self.edge_v[edge_idx]
        order = np.lexsort((edge_idx, weights[edge_idx], heads, tails))
        edge_idx, tails, heads = edge_idx[order], tails[order], heads[order]
        keys = tails * self.n_nodes + heads
        first = np.ones(len(keys), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        edge_idx, tails, heads, keys = edge_idx[first], tails[first], heads[first], keys[first]
        data = np.maximum(weights[edge_idx], MIN_WEIGHT)
        indptr = np.zeros(self.n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(tails, minlength=self.n_nodes), out=indptr[1:])
        matrix = csr_matrix((data, heads, indptr), shape=(self.n_nodes, self.n_nodes))
        return WeightedCSR(matrix=matrix, edge_of=edge_idx, keys=keys)

    def positions(self, node_ids: Iterable[str]) -> np.ndarray:
        """Node positions for ids; an unknown id is a ``CorredorError`` naming it."""
        ids = list(node_ids)
        unknown = [node for node in ids if node not in self.node_position]
        if unknown:
            raise CorredorError(f"unknown node id(s): {', '.join(map(str, unknown[:10]))}")
        return np.array([self.node_position[node] for node in ids], dtype=np.int64)


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
    """One float per edge: a column of ``network.edges`` or an explicit array."""
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
    paths = [
        _trace(pred[row], int(target), csr, graph.n_nodes) if np.isfinite(c) else _EMPTY
        for row, target, c in zip(inverse, dest_pos, cost, strict=True)
    ]
    return PathSet(origins=origins, destinations=destinations, cost=cost, edges=paths)


def od_cost_matrix(
    network: Network,
    origins: Sequence[str],
    destinations: Sequence[str],
    *,
    weight: str | np.ndarray = "length_km",
    removed: np.ndarray | None = None,
) -> pd.DataFrame:
    """Least cost from each origin (rows) to each destination (columns); ``inf`` if none."""
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


def _trace(predecessors: np.ndarray, target: int, csr: WeightedCSR, n_nodes: int) -> np.ndarray:
    """Edge indices of the path ending at ``target`` in one Dijkstra predecessor row."""
    nodes = [target]
    while (previous := predecessors[nodes[-1]]) != _NO_PREDECESSOR:
        nodes.append(int(previous))
    if len(nodes) == 1:
        return _EMPTY
    sequence = np.array(nodes[::-1], dtype=np.int64)
    return csr.edges_between(sequence[:-1], sequence[1:], n_nodes)

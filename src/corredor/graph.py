"""The compiled form of a network: integer node positions and CSR adjacency matrices.

``CompiledGraph`` holds each edge's tail and head as node positions; for a
weight vector, ``weighted`` builds a CSR matrix whose entries remember which
edge they stand for (the cheapest of parallel edges), so searches on it give
paths as edge indices. It knows nothing of GeoDataFrames: ``Network.compiled``
builds it once per network, and ``corredor.routing`` searches on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix

from corredor.errors import CorredorError

__all__ = ["MIN_WEIGHT", "CompiledGraph", "WeightedCSR"]

#: csgraph drops explicit zeros in some code paths; weights below this are raised to it.
MIN_WEIGHT = 1e-12


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
    def from_ids(cls, node_ids: Sequence[str], tails: Sequence[str], heads: Sequence[str]
                 ) -> CompiledGraph:
        """Compile node ids and each edge's tail and head node ids (all ids known)."""
        ids = np.asarray(node_ids, dtype=object)
        position = {node: i for i, node in enumerate(ids)}
        edge_u = np.fromiter((position[node] for node in tails), dtype=np.int64,
                             count=len(tails))
        edge_v = np.fromiter((position[node] for node in heads), dtype=np.int64,
                             count=len(heads))
        return cls(node_ids=ids, node_position=position, edge_u=edge_u, edge_v=edge_v)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return len(self.edge_u)

    def reversed(self) -> CompiledGraph:
        """The same graph with every edge turned round (for searches towards a node)."""
        return CompiledGraph(self.node_ids, self.node_position, self.edge_v, self.edge_u)

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

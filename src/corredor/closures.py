"""What fails together: closures (edge sets) and named corridors.

A *closure* is a set of edges that fail together: one road link (both
directions by default), one border crossing, or every edge of a node.
``Closures`` stores them as a sparse edges x closures membership matrix, the
form the criticality scan and the local detours work on. A ``Corridor`` is a
named set of edges (route numbers and/or an area) whose fragility is
summarised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csc_matrix

from corredor.errors import CorredorError
from corredor.network import Network
from corredor.selectors import Selector, select_edges

__all__ = ["Closures", "Corridor"]


@dataclass(frozen=True, eq=False)
class Closures:
    """Edge sets that fail together: column j of ``members`` (edges x closures) is closure j."""

    ids: np.ndarray
    members: csc_matrix

    @classmethod
    def links(cls, network: Network, *, both_directions: bool = True) -> Closures:
        """One closure per link_id (both directions) or, without it, per edge."""
        edges = network.edges
        key = edges["link_id"] if both_directions and "link_id" in edges else edges["edge_id"]
        codes, ids = pd.factorize(key.astype(str))
        rows = np.arange(len(edges))
        return cls(np.asarray(ids, dtype=object), _membership(rows, codes, len(edges), len(ids)))

    @classmethod
    def nodes(cls, network: Network, node_ids: Sequence[str]) -> Closures:
        """One closure per node: every edge into or out of it."""
        graph = network.compiled
        column = np.full(graph.n_nodes, -1, dtype=np.int64)
        column[graph.positions(node_ids)] = np.arange(len(node_ids))
        rows = np.concatenate([np.arange(graph.n_edges)] * 2)
        cols = np.concatenate([column[graph.edge_u], column[graph.edge_v]])
        keep = cols >= 0
        members = _membership(rows[keep], cols[keep], graph.n_edges, len(node_ids))
        return cls(np.asarray(node_ids, dtype=object), members)

    def mask(self, j: int) -> np.ndarray:
        """Boolean edge mask of closure ``j``."""
        mask = np.zeros(self.members.shape[0], dtype=bool)
        mask[self.members.indices[self.members.indptr[j]:self.members.indptr[j + 1]]] = True
        return mask

    def first_edge(self) -> np.ndarray:
        """Lowest edge index of each closure (-1 if empty): the row that describes it."""
        first = np.full(len(self.ids), -1, dtype=np.int64)
        counts = np.diff(self.members.indptr)
        first[counts > 0] = self.members.indices[self.members.indptr[:-1][counts > 0]]
        return first


@dataclass(frozen=True)
class Corridor:
    """A named corridor: edges on any of ``refs`` or crossing an area.

    ``polygon`` is the file the area came from (for messages and tables); ``area`` its
    geometry, read by the caller (``corredor.boundaries.read_area``).
    """

    name: str
    refs: tuple[str, ...] = ()
    polygon: Path | None = None
    area: shapely.Geometry | None = None

    @classmethod
    def from_spec(cls, spec: str) -> Corridor:
        """``NAME=REF[,REF...]`` (e.g. ``Bajio=MEX-45D,MEX-45``) or ``NAME=@area.geojson``."""
        name, sep, value = (part.strip() for part in spec.partition("="))
        refs = tuple(ref.strip() for ref in value.split(",") if ref.strip())
        if not (sep and name and refs):
            raise CorredorError(f"corridor {spec!r}: expected NAME=REF[,REF] (e.g. "
                                "Bajio=MEX-45D,MEX-45) or NAME=@polygon.geojson")
        return cls(name, polygon=Path(value[1:])) if value.startswith("@") else cls(name, refs)

    def with_area(self, area: shapely.Geometry) -> Corridor:
        """The same corridor with its polygon's geometry."""
        return Corridor(self.name, self.refs, self.polygon, area)

    def mask(self, network: Network) -> np.ndarray:
        """The corridor's edges; ``CorredorError`` when it matches none."""
        mask = np.zeros(len(network.edges), dtype=bool)
        for ref in self.refs:
            mask |= select_edges(network, Selector(ref=ref))
        if self.polygon is not None:
            if self.area is None:
                raise CorredorError(f"corridor {self.name}: the area of {self.polygon} was not "
                                    "read (Corridor.area)")
            areas = {self.polygon: self.area}
            mask |= select_edges(network, Selector(polygon=self.polygon), areas=areas)
        if not mask.any():
            raise CorredorError(f"corridor {self.name} ({self.definition}) matches no edge; "
                                "refs are edge refs such as MEX-45D")
        return mask

    @property
    def definition(self) -> str:
        """How the corridor was defined: its refs and/or polygon file."""
        return "; ".join([",".join(self.refs)] * bool(self.refs)
                         + [f"polygon {self.polygon}"] * bool(self.polygon))


def _membership(rows: np.ndarray, cols: np.ndarray, n_edges: int, n_closures: int) -> csc_matrix:
    members = csc_matrix((np.ones(len(rows), bool), (rows, cols)), shape=(n_edges, n_closures))
    members.sum_duplicates()
    members.sort_indices()
    return members

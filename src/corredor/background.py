"""Background traffic: the cars and buses that share the roads with the trucks.

The capacity layer (``corredor.layers.capacity``) gives every SICT road edge its
total capacity in passenger-car equivalents (``capacity_pce_day``, per
direction), the PCE/day its counted cars and buses use (``background_pce_day``)
and the PCE of one truck there (``truck_pce``); the trucks get what the
background leaves, but never less than their counted share of the capacity
(``truck_floor_day``). Edges without counts (OSM roads, crossings, ports,
connectors) have no background: their truck capacity is what the layer gave.

**When an edge loses capacity, its background traffic diverts.** A disruption
that multiplies an edge's capacity by ``m`` (``close``: 0, ``capacity_factor``,
the recovery ramp) keeps the share ``m`` of its background on it and sends the
share ``1 - m`` away, so its truck capacity is ``m`` times the baseline. The
diverted cars take the **quickest open path** (free-flow ``travel_time_h``; the
closed and disrupted edges left out) between the ends of the disrupted stretch
and load every edge on it: each diverted PCE takes ``1 / truck_pce`` truck of
that edge's capacity (down to its floor). A *stretch* is a chain of consecutive
disrupted edges in one direction (a flooded valley, a closed motorway from
junction to junction): its cars are the same cars from one end to the other, so
the stretch diverts its largest lost background once, from its first tail to
its last head. Cars with no open way round are lost (the trips are not made).
The diversion is all or nothing on one path (the diverted cars are not
re-assigned by congestion); on the edges it loads, the diverted PCE also raises
the volume-to-capacity ratio of the trucks' delay function (``corredor.congestion``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corredor.network import Network
from corredor.routing import shortest_paths

__all__ = ["BACKGROUND_COLUMNS", "Background"]

#: Edge columns of the background traffic, written by the capacity layer.
BACKGROUND_COLUMNS = ("background_pce_day", "truck_pce", "truck_floor_day")


@dataclass(frozen=True, eq=False)
class Background:
    """The background traffic of a weighted network and how it diverts.

    Attributes
    ----------
    network : Network
        The weighted network (for the detour searches).
    pce : numpy.ndarray
        Background PCE/day per edge and direction (0 where there is none).
    truck_pce : numpy.ndarray
        PCE of one truck on each edge (1 where there is no background).
    floor : numpy.ndarray
        Trucks/day an edge keeps whatever the background (its counted share of
        capacity; 0 where there is no background).
    """

    network: Network
    pce: np.ndarray
    truck_pce: np.ndarray
    floor: np.ndarray

    @classmethod
    def of(cls, network: Network) -> Background | None:
        """The background of ``network``, or None when its edges carry none."""
        edges = network.edges
        if not set(BACKGROUND_COLUMNS) <= set(edges.columns):
            return None
        pce = np.nan_to_num(edges["background_pce_day"].to_numpy(dtype=float))
        if not np.any(pce > 0):
            return None
        truck_pce = edges["truck_pce"].to_numpy(dtype=float)
        floor = np.nan_to_num(edges["truck_floor_day"].to_numpy(dtype=float))
        return cls(network, pce, np.where(truck_pce >= 1, truck_pce, 1.0), floor)

    def diverted_pce(self, capacity_mult: np.ndarray, closed: np.ndarray) -> np.ndarray:
        """PCE/day each edge receives from disrupted stretches' background (see module).

        Parameters
        ----------
        capacity_mult : numpy.ndarray
            Each edge's capacity multiplier on the day (1: undisrupted).
        closed : numpy.ndarray
            Edges closed on the day (left out of the detours, as are the disrupted
            edges themselves).

        Returns
        -------
        numpy.ndarray
            Extra PCE/day per edge.
        """
        lost = self.pce * np.clip(1.0 - capacity_mult, 0.0, 1.0)
        extra = np.zeros(len(lost))
        stretches = _stretches(self.network, np.flatnonzero(lost > 0))
        if not stretches:
            return extra
        u, v = self.network.edges["u"].to_numpy(), self.network.edges["v"].to_numpy()
        pairs = [(u[chain[0]], v[chain[-1]]) for chain in stretches]
        paths = shortest_paths(self.network, pairs, weight="travel_time_h",
                               removed=closed | (lost > 0))
        for chain, path in zip(stretches, paths.edges, strict=True):
            extra[path] += lost[chain].max()
        return extra

    def truck_capacity(self, base: np.ndarray, capacity_mult: np.ndarray,
                       diverted: np.ndarray) -> np.ndarray:
        """Trucks/day per edge on a day: ``m`` x baseline, less the diverted cars, >= floor.

        Parameters
        ----------
        base : numpy.ndarray
            Baseline truck capacity per edge (``capacity_trucks_day``).
        capacity_mult : numpy.ndarray
            Capacity multipliers of the day.
        diverted : numpy.ndarray
            PCE/day diverted onto each edge (``diverted_pce``).

        Returns
        -------
        numpy.ndarray
        """
        capacity = base * capacity_mult
        loaded = diverted > 0
        if np.any(loaded):
            floor = self.floor[loaded] * capacity_mult[loaded]
            capacity[loaded] = np.maximum(
                capacity[loaded] - diverted[loaded] / self.truck_pce[loaded],
                np.minimum(floor, capacity[loaded]))
        return capacity


def _stretches(network: Network, disrupted: np.ndarray) -> list[np.ndarray]:
    """Disrupted edges grouped into chains: consecutive, one direction, no branching.

    A node is inside a chain when the disrupted edges at it join exactly two
    neighbours (a road passing through, in one or both directions); a chain runs
    on through it to the edge that does not turn back.
    """
    if len(disrupted) == 0:
        return []
    graph = network.compiled
    tails, heads = graph.edge_u[disrupted], graph.edge_v[disrupted]
    neighbours: dict[int, set[int]] = {}
    leaving: dict[int, list[int]] = {}
    for edge, tail, head in zip(disrupted.tolist(), tails.tolist(), heads.tolist(), strict=True):
        neighbours.setdefault(tail, set()).add(head)
        neighbours.setdefault(head, set()).add(tail)
        leaving.setdefault(tail, []).append(edge)

    def follows(edge: int) -> int | None:
        tail, head = int(graph.edge_u[edge]), int(graph.edge_v[edge])
        if len(neighbours[head]) != 2:
            return None
        onward = [e for e in leaving.get(head, []) if int(graph.edge_v[e]) != tail]
        return onward[0] if len(onward) == 1 else None

    has_before = {after for e in disrupted.tolist() if (after := follows(e)) is not None}
    chains: list[np.ndarray] = []
    seen: set[int] = set()

    def walk(edge: int) -> None:
        chain = [edge]
        while (after := follows(chain[-1])) is not None and after not in seen and after != edge:
            chain.append(after)
        seen.update(chain)
        chains.append(np.array(chain))

    for edge in disrupted.tolist():
        if edge not in has_before:
            walk(edge)  # the first edge of its chain
    for edge in disrupted.tolist():  # closed loops have no first edge
        if edge not in seen:
            walk(edge)
    return chains

"""Network states: the per-edge arrays a rerouting solve takes, and how disruptions change them.

The baseline state comes from the layer columns (cost, capacity, travel time);
``state_on_day`` applies every disruption active on a day to it. A
disruption's effect scales with its timing's intensity (1 while active,
falling linearly during recovery). Equal states (``EdgeArrays.key``) are the
same rerouting problem, so the timeline, Monte Carlo and sourcing solve or
route each distinct state once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from corredor.background import Background
from corredor.congestion import Curves, DelayModel
from corredor.layers.cost import CostParams
from corredor.network import Network
from corredor.scenario import Disruption, Effect, Timing

__all__ = ["ActiveDisruption", "EdgeArrays", "baseline_arrays", "state_on_day"]


@dataclass(frozen=True)
class EdgeArrays:
    """Per-edge inputs of one network state (all arrays have one entry per edge).

    ``background`` is the network's background traffic (``corredor.background``) and
    ``delay`` its delay functions (``corredor.congestion``), the same objects in every
    state of a network; None when the edges carry none. ``capacity_mult``,
    ``diverted_pce`` and ``wait_shift_h`` are the state's changes to the delay
    functions (None: the baseline's 1, 0 and 0).
    """

    cost_usd: np.ndarray
    capacity: np.ndarray
    travel_time_h: np.ndarray
    closed: np.ndarray
    disrupted: np.ndarray
    background: Background | None = None
    delay: DelayModel | None = None
    capacity_mult: np.ndarray | None = None
    diverted_pce: np.ndarray | None = None
    wait_shift_h: np.ndarray | None = None

    def key(self) -> str:
        """A fingerprint: equal keys mean the same rerouting problem."""
        digest = hashlib.sha1(usedforsecurity=False)
        for array in (self.cost_usd, self.capacity, self.closed, self.capacity_mult,
                      self.diverted_pce, self.wait_shift_h):
            digest.update(b"-" if array is None else np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()

    def curves(self, breakpoints: tuple[float, ...],
               load: np.ndarray | None = None) -> Curves | None:
        """The state's piecewise-linear delay costs (None without delay functions).

        ``load``: fixed trucks/day per edge, for the curves of the room left
        (``corredor.congestion.DelayModel.curves``).
        """
        if self.delay is None:
            return None
        return self.delay.curves(self.capacity, breakpoints, load=load, **self._changes())

    def changed(self, base: EdgeArrays) -> np.ndarray:
        """Edges whose cost, capacity, closure or delay inputs differ from ``base``'s."""
        mask = ((self.cost_usd != base.cost_usd) | (self.capacity != base.capacity)
                | (self.closed != base.closed))
        for mine, theirs, neutral in ((self.capacity_mult, base.capacity_mult, 1.0),
                                      (self.diverted_pce, base.diverted_pce, 0.0),
                                      (self.wait_shift_h, base.wait_shift_h, 0.0)):
            if mine is not None or theirs is not None:
                a = np.full(len(mask), neutral) if mine is None else mine
                b = np.full(len(mask), neutral) if theirs is None else theirs
                mask |= a != b
        return mask

    def delay_h(self, flow: np.ndarray) -> np.ndarray:
        """Congestion and queue hours per truck on every edge at ``flow`` (0 without delay)."""
        if self.delay is None:
            return np.zeros(len(self.capacity))
        return self.delay.hours_per_truck(flow, self.capacity, **self._changes())

    def _changes(self) -> dict[str, np.ndarray | None]:
        return {"capacity_mult": self.capacity_mult, "diverted_pce": self.diverted_pce,
                "wait_shift_h": self.wait_shift_h}


@dataclass(frozen=True)
class ActiveDisruption:
    """An effect with its timing and the edges it applies to (a resolved disruption).

    ``kind`` groups random events for reporting (``flood``, ``bridge failure`` or the
    generator's name); empty for a scenario's named disruptions.
    """

    name: str
    effect: Effect
    timing: Timing
    mask: np.ndarray
    kind: str = ""

    @classmethod
    def from_disruption(cls, disruption: Disruption, mask: np.ndarray) -> ActiveDisruption:
        """A scenario disruption with the edge mask its selector resolved to."""
        return cls(disruption.name, disruption.effect, disruption.timing, mask)


def baseline_arrays(network: Network) -> EdgeArrays:
    """The undisrupted state from the layer columns (``apply_layers`` must have run).

    Parameters
    ----------
    network : Network
        A weighted network.

    Returns
    -------
    EdgeArrays
    """
    edges = network.edges
    capacity = edges["capacity_trucks_day"].to_numpy(dtype=float)
    return EdgeArrays(
        cost_usd=edges["cost_usd"].to_numpy(dtype=float),
        capacity=np.where(np.isnan(capacity), np.inf, capacity),
        travel_time_h=edges["travel_time_h"].to_numpy(dtype=float),
        closed=np.zeros(len(edges), dtype=bool),
        disrupted=np.zeros(len(edges), dtype=bool),
        background=Background.of(network),
        delay=DelayModel.of(network),
    )


def state_on_day(
    network: Network,
    base: EdgeArrays,
    active: Sequence[ActiveDisruption],
    day: int,
    cost_params: CostParams,
) -> EdgeArrays:
    """Apply every disruption active on ``day`` to the baseline arrays.

    Factors from overlapping disruptions multiply; surcharges and waits add. A
    closed edge is removed while its disruption is fully active and reopens
    with capacity growing linearly through the recovery days. The background
    traffic an edge loses with its capacity loads its detour
    (``corredor.background``). ``wait_minutes`` shifts the queue of a crossing or
    port gate (``corredor.congestion``); on an edge without a queue a positive
    shift is a fixed wait like ``wait_hours`` and a negative one does nothing.
    ``lanes`` scales capacity by the open lanes over the edge's ``lanes``.

    Parameters
    ----------
    network : Network
        The weighted network (for the cost components).
    base : EdgeArrays
        The baseline state.
    active : sequence of ActiveDisruption
        The disruptions.
    day : int
        The day (0-based).
    cost_params : CostParams
        For pricing waits.

    Returns
    -------
    EdgeArrays
    """
    edges = network.edges
    n = len(edges)
    capacity_mult = np.ones(n)
    speed_mult = np.ones(n)
    theft_mult = np.ones(n)
    surcharge = np.zeros(n)
    wait_h = np.zeros(n)
    shift_h = np.zeros(n)
    closed = np.zeros(n, dtype=bool)
    disrupted = np.zeros(n, dtype=bool)
    for item in active:
        level = item.timing.intensity(day)
        if level <= 0:
            continue
        effect, mask = item.effect, item.mask
        disrupted |= mask
        if effect.close:
            if level >= 1.0:
                closed |= mask
            capacity_mult[mask] *= 1.0 - level
        if effect.capacity_factor is not None:
            capacity_mult[mask] *= 1.0 - level * (1.0 - effect.capacity_factor)
        if effect.speed_factor is not None:
            speed_mult[mask] *= 1.0 - level * (1.0 - effect.speed_factor)
        if effect.theft_factor is not None:
            theft_mult[mask] *= 1.0 + level * (effect.theft_factor - 1.0)
        if effect.cost_surcharge_usd is not None:
            surcharge[mask] += level * effect.cost_surcharge_usd
        if effect.cost_surcharge_pct is not None:
            surcharge[mask] += level * effect.cost_surcharge_pct / 100.0 * base.cost_usd[mask]
        if effect.wait_hours is not None:
            wait_h[mask] += level * effect.wait_hours
        if effect.wait_minutes is not None:
            shift_h[mask] += level * effect.wait_minutes / 60.0
        if effect.lanes is not None:
            lanes = edges["lanes"].to_numpy(dtype=float)[mask]
            factor = np.where(lanes > 0, np.minimum(effect.lanes / lanes, 10.0), 1.0)
            capacity_mult[mask] *= 1.0 - level * (1.0 - factor)
    queued = (np.zeros(n, dtype=bool) if base.delay is None else base.delay.kind == "queue")
    wait_h += np.where(queued, 0.0, np.maximum(shift_h, 0.0))
    shift_h = np.where(queued, shift_h, 0.0)
    time_cost = edges["cost_time_usd"].to_numpy(dtype=float)
    theft_cost = edges["cost_theft_usd"].to_numpy(dtype=float)
    cost = (
        base.cost_usd
        + time_cost * (1.0 / speed_mult - 1.0)
        + theft_cost * (theft_mult - 1.0)
        + wait_h * cost_params.value_of_time_usd_h
        + surcharge
    )
    capacity = base.capacity * capacity_mult
    diverted = None
    if base.background is not None and np.any(capacity_mult < 1):
        diverted = base.background.diverted_pce(capacity_mult, closed | (capacity <= 0))
        capacity = base.background.truck_capacity(base.capacity, capacity_mult, diverted)
    changed = np.any(capacity_mult != 1)
    return EdgeArrays(
        cost_usd=cost,
        capacity=capacity,
        travel_time_h=base.travel_time_h / speed_mult + wait_h,
        closed=closed | (base.capacity * capacity_mult <= 0),
        disrupted=disrupted,
        background=base.background,
        delay=base.delay,
        capacity_mult=capacity_mult if changed else None,
        diverted_pce=diverted if diverted is not None and np.any(diverted > 0) else None,
        wait_shift_h=shift_h if np.any(shift_h != 0) else None,
    )

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
from corredor.layers.cost import CostParams
from corredor.network import Network
from corredor.scenario import Disruption, Effect, Timing

__all__ = ["ActiveDisruption", "EdgeArrays", "baseline_arrays", "state_on_day"]


@dataclass(frozen=True)
class EdgeArrays:
    """Per-edge inputs of one network state (all arrays have one entry per edge).

    ``background`` is the network's background traffic (``corredor.background``), the
    same object in every state of a network; None when the edges carry none.
    """

    cost_usd: np.ndarray
    capacity: np.ndarray
    travel_time_h: np.ndarray
    closed: np.ndarray
    disrupted: np.ndarray
    background: Background | None = None

    def key(self) -> str:
        """A fingerprint: equal keys mean the same rerouting problem."""
        digest = hashlib.sha1(usedforsecurity=False)
        for array in (self.cost_usd, self.capacity, self.closed):
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()


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
    (``corredor.background``).

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
    if base.background is not None and np.any(capacity_mult < 1):
        capacity = base.background.truck_capacity(base.capacity, capacity_mult,
                                                  closed | (capacity <= 0))
    return EdgeArrays(
        cost_usd=cost,
        capacity=capacity,
        travel_time_h=base.travel_time_h / speed_mult + wait_h,
        closed=closed | (base.capacity * capacity_mult <= 0),
        disrupted=disrupted,
        background=base.background,
    )

"""The disruption timeline: network states day by day, each distinct state solved once.

A disruption's effect scales with its timing's intensity (1 while active,
falling linearly during recovery). On a given day the active effects turn the
baseline edge arrays (cost, capacity, travel time) into a *network state*;
days with identical states share one rerouting solve. KPIs compare each day
with the undisrupted baseline, solved the same way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from corredor.layers.cost import CostParams
from corredor.network import Network
from corredor.reroute import RerouteModel, RerouteParams, RerouteResult
from corredor.scenario import Disruption, Effect, Timing

#: Utilisation above which an edge counts as a bottleneck in the daily KPIs.
SATURATION = 0.9


@dataclass(frozen=True)
class EdgeArrays:
    """Per-edge inputs of one network state (all arrays have one entry per edge)."""

    cost_usd: np.ndarray
    capacity: np.ndarray
    travel_time_h: np.ndarray
    closed: np.ndarray
    disrupted: np.ndarray

    def key(self) -> str:
        """A fingerprint: equal keys mean the same rerouting problem."""
        digest = hashlib.sha1(usedforsecurity=False)
        for array in (self.cost_usd, self.capacity, self.closed):
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()


@dataclass(frozen=True)
class ActiveDisruption:
    """An effect with its timing and the edges it applies to (a resolved disruption)."""

    name: str
    effect: Effect
    timing: Timing
    mask: np.ndarray

    @classmethod
    def from_disruption(cls, disruption: Disruption, mask: np.ndarray) -> ActiveDisruption:
        return cls(disruption.name, disruption.effect, disruption.timing, mask)


def baseline_arrays(network: Network) -> EdgeArrays:
    """The undisrupted state from the layer columns (``apply_layers`` must have run)."""
    edges = network.edges
    capacity = edges["capacity_trucks_day"].to_numpy(dtype=float)
    return EdgeArrays(
        cost_usd=edges["cost_usd"].to_numpy(dtype=float),
        capacity=np.where(np.isnan(capacity), np.inf, capacity),
        travel_time_h=edges["travel_time_h"].to_numpy(dtype=float),
        closed=np.zeros(len(edges), dtype=bool),
        disrupted=np.zeros(len(edges), dtype=bool),
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
    with capacity growing linearly through the recovery days.
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
    return EdgeArrays(
        cost_usd=cost,
        capacity=base.capacity * capacity_mult,
        travel_time_h=base.travel_time_h / speed_mult + wait_h,
        closed=closed | (base.capacity * capacity_mult <= 0),
        disrupted=disrupted,
    )


@dataclass(frozen=True)
class SimulationResult:
    """Baseline and disrupted solutions, the daily timeline and its totals."""

    baseline: RerouteResult
    baseline_arrays: EdgeArrays
    states: dict[str, tuple[EdgeArrays, RerouteResult]]
    day_state: list[str]
    timeline: pd.DataFrame
    facility_flows: pd.DataFrame
    totals: dict[str, float]

    @property
    def worst_day(self) -> int:
        """The day with the highest extra cost (day 0 if nothing happened)."""
        return int(self.timeline["extra_cost_usd"].idxmax())

    @property
    def worst_state(self) -> tuple[EdgeArrays, RerouteResult]:
        """Edge arrays and solution of the worst day."""
        return self.states[self.day_state[self.worst_day]]


def simulate(
    network: Network,
    demand: pd.DataFrame,
    active: Sequence[ActiveDisruption],
    *,
    horizon_days: int,
    cost_params: CostParams,
    reroute_params: RerouteParams,
    progress: Callable[[int, int], None] | None = None,
) -> SimulationResult:
    """Solve the baseline and every distinct daily state over the horizon."""
    base = baseline_arrays(network)
    baseline = solve_state(network, demand, base, reroute_params)
    states: dict[str, tuple[EdgeArrays, RerouteResult]] = {base.key(): (base, baseline)}
    day_state: list[str] = []
    for day in range(horizon_days):
        arrays = state_on_day(network, base, active, day, cost_params)
        key = arrays.key()
        if key not in states:
            states[key] = (
                arrays,
                solve_state(network, demand, arrays, reroute_params, warm=baseline),
            )
        day_state.append(key)
        if progress is not None:
            progress(day + 1, horizon_days)
    value = demand["value_usd_per_truck"].to_numpy(dtype=float)
    # an undelivered truck still travels later (at its baseline cost) and its cargo waits
    deferred = np.nan_to_num(baseline.od["cost_usd_per_truck"].to_numpy(dtype=float))
    unmet_cost = deferred + value * reroute_params.delay_cost_share_per_day
    kpis = {
        key: state_kpis(network, value, unmet_cost, *states[key])
        for key in {base.key(), *day_state}
    }
    timeline = _timeline(kpis, base.key(), day_state)
    flows = facility_flows(network, baseline, states, day_state)
    return SimulationResult(baseline, base, states, day_state, timeline, flows, _totals(timeline))


def facility_flows(
    network: Network,
    baseline: RerouteResult,
    states: dict[str, tuple[EdgeArrays, RerouteResult]],
    day_state: list[str],
) -> pd.DataFrame:
    """Trucks/day through each border crossing (northbound) and seaport, per day.

    Columns: ``facility``, ``kind``, ``baseline`` and one column per day.
    """
    edges = network.edges
    crossing = (edges["road_class"] == "border").to_numpy()
    northbound = crossing & edges["edge_id"].str.endswith(":fwd").to_numpy()
    port_ids = set(network.nodes.loc[network.nodes["kind"] == "port", "node_id"])
    port_edge = (edges["road_class"] == "port_access").to_numpy()
    groups = [
        (name, "crossing", (edges["name"] == name).to_numpy() & northbound)
        for name in edges.loc[northbound, "name"].unique()
    ]
    names = network.nodes.set_index("node_id")["name"]
    groups += [
        (names[port], "port", port_edge & (edges["u"].eq(port) | edges["v"].eq(port)).to_numpy())
        for port in sorted(port_ids)
    ]
    rows = []
    for name, kind, mask in groups:
        row = {"facility": name, "kind": kind, "baseline": float(baseline.edge_flow[mask].sum())}
        for day, key in enumerate(day_state):
            row[f"day_{day}"] = float(states[key][1].edge_flow[mask].sum())
        rows.append(row)
    return pd.DataFrame(rows)


def solve_state(
    network: Network,
    demand: pd.DataFrame,
    arrays: EdgeArrays,
    params: RerouteParams,
    *,
    warm: RerouteResult | None = None,
) -> RerouteResult:
    """Reroute one network state, warm-started from ``warm``'s paths when given."""
    model = RerouteModel.from_network(
        network,
        demand,
        cost=arrays.cost_usd,
        capacity=arrays.capacity,
        closed=arrays.closed,
        params=params,
        initial_paths=None if warm is None else warm.paths,
    )
    return model.solve()


def state_kpis(
    network: Network,
    value_usd: np.ndarray,
    unmet_cost_usd: np.ndarray,
    arrays: EdgeArrays,
    result: RerouteResult,
) -> dict[str, float]:
    """Economic KPIs of one state.

    ``cost_usd`` is what the day really costs: the generalised transport cost of
    the trucks that move, plus, for each truck that cannot, its baseline trip
    (it travels later) and one day of delay (cargo value x daily delay share).
    The LP's unmet-demand penalty is a routing device and is not counted.
    """
    flow = result.edge_flow
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation = np.where(arrays.capacity > 0, flow / arrays.capacity, 0.0)
    unmet = result.od["unmet_trucks_day"].to_numpy()
    unmet = np.where(unmet > 1e-9, unmet, 0.0)  # LP round-off, not trucks
    length = network.edges["length_km"].to_numpy(dtype=float)
    transport = float(flow @ arrays.cost_usd)
    delay = float(unmet @ unmet_cost_usd)
    return {
        "cost_usd": transport + delay,
        "transport_cost_usd": transport,
        "delay_cost_usd": delay,
        "truck_hours": float(flow @ arrays.travel_time_h),
        "truck_km": float(flow @ length),
        "unmet_trucks": float(unmet.sum()),
        "cargo_value_delayed_usd": float(unmet @ value_usd),
        "edges_over_90pct": int(np.sum(utilisation > SATURATION)),
        "disrupted_edges": int(arrays.disrupted.sum()),
        "closed_edges": int(arrays.closed.sum()),
    }


def _timeline(
    kpis: dict[str, dict[str, float]], base_key: str, day_state: list[str]
) -> pd.DataFrame:
    reference = kpis[base_key]
    rows = []
    for day, key in enumerate(day_state):
        state = kpis[key]
        rows.append(
            {
                "day": day,
                "state": key[:10],
                "disrupted_edges": state["disrupted_edges"],
                "closed_edges": state["closed_edges"],
                "cost_usd": state["cost_usd"],
                "extra_cost_usd": state["cost_usd"] - reference["cost_usd"],
                "extra_transport_cost_usd": state["transport_cost_usd"]
                - reference["transport_cost_usd"],
                "delay_cost_usd": state["delay_cost_usd"],
                "extra_truck_hours": state["truck_hours"] - reference["truck_hours"],
                "extra_truck_km": state["truck_km"] - reference["truck_km"],
                "unmet_trucks": state["unmet_trucks"],
                "cargo_value_delayed_usd": state["cargo_value_delayed_usd"],
                "edges_over_90pct": state["edges_over_90pct"],
            }
        )
    return pd.DataFrame(rows)


def _totals(timeline: pd.DataFrame) -> dict[str, float]:
    active = timeline["disrupted_edges"] > 0
    return {
        "days": len(timeline),
        "disrupted_days": int(active.sum()),
        "extra_cost_usd": float(timeline["extra_cost_usd"].sum()),
        "extra_cost_usd_per_disrupted_day": float(
            timeline.loc[active, "extra_cost_usd"].mean() if active.any() else 0.0
        ),
        "extra_truck_hours": float(timeline["extra_truck_hours"].sum()),
        "extra_truck_km": float(timeline["extra_truck_km"].sum()),
        "unmet_truck_days": float(timeline["unmet_trucks"].sum()),
        "cargo_value_delayed_usd": float(timeline["cargo_value_delayed_usd"].sum()),
        "max_edges_over_90pct": int(timeline["edges_over_90pct"].max()),
    }


def edge_table(network: Network, result: SimulationResult) -> pd.DataFrame:
    """Per edge: baseline and worst-day flows, their change, utilisation and flags.

    The "disrupted" columns describe the day with the highest extra cost.
    """
    arrays, worst = result.worst_state
    base = result.baseline
    base_capacity = result.baseline_arrays.capacity
    with np.errstate(divide="ignore", invalid="ignore"):
        base_util = np.where(base_capacity > 0, base.edge_flow / base_capacity, np.nan)
        worst_util = np.where(arrays.capacity > 0, worst.edge_flow / arrays.capacity, np.nan)
    edges = network.edges
    return pd.DataFrame(
        {
            "edge_id": edges["edge_id"].to_numpy(),
            "baseline_flow_trucks_day": base.edge_flow,
            "disrupted_flow_trucks_day": worst.edge_flow,
            "flow_change_trucks_day": worst.edge_flow - base.edge_flow,
            "baseline_utilisation": np.where(np.isfinite(base_util), base_util, np.nan),
            "disrupted_utilisation": np.where(np.isfinite(worst_util), worst_util, np.nan),
            "disrupted_capacity_trucks_day": np.where(
                np.isfinite(arrays.capacity), arrays.capacity, np.nan
            ),
            "bottleneck_price_usd": worst.edge_dual_usd,
            "disrupted_cost_usd": arrays.cost_usd,
            "is_disrupted": arrays.disrupted | _ever_disrupted(result),
            "is_closed": arrays.closed,
            "over_90pct": np.nan_to_num(worst_util) > SATURATION,
        }
    )


def _ever_disrupted(result: SimulationResult) -> np.ndarray:
    flags = np.zeros_like(result.baseline_arrays.disrupted)
    for arrays, _ in result.states.values():
        flags |= arrays.disrupted
    return flags

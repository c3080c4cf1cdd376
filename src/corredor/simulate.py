"""The disruption timeline: network states day by day, each distinct state solved once.

On a given day the active disruptions turn the baseline edge arrays into a
network state (``corredor.states.state_on_day``); days with identical states
share one rerouting solve. KPIs (``corredor.kpis``) compare each day with the
undisrupted baseline, solved the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from corredor.congestion import Curves
from corredor.kpis import SATURATION, Valuation
from corredor.layers.cost import CostParams
from corredor.network import Network
from corredor.reroute import FLOW_EPS, RerouteModel, RerouteParams, RerouteResult, SegmentLimit
from corredor.states import ActiveDisruption, EdgeArrays, baseline_arrays, state_on_day

__all__ = ["SimulationResult", "edge_table", "facility_flows", "facility_waits", "simulate",
           "solve_state"]


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
    limits: tuple[SegmentLimit, ...] = (),
) -> SimulationResult:
    """Solve the baseline and every distinct daily state over the horizon.

    Parameters
    ----------
    network : Network
        The weighted network.
    demand : pandas.DataFrame
        The demand rerouted every day.
    active : sequence of ActiveDisruption
        The resolved disruptions.
    horizon_days : int
        Days simulated.
    cost_params, reroute_params
        How effects are priced and states rerouted.
    progress : callable, optional
        Called as ``progress(day, horizon_days)``.

    Returns
    -------
    SimulationResult
    """
    base = baseline_arrays(network)
    baseline = solve_state(network, demand, base, reroute_params, limits=limits)
    states: dict[str, tuple[EdgeArrays, RerouteResult]] = {base.key(): (base, baseline)}
    day_state: list[str] = []
    for day in range(horizon_days):
        arrays = state_on_day(network, base, active, day, cost_params)
        key = arrays.key()
        if key not in states:
            states[key] = (
                arrays,
                solve_state(network, demand, arrays, reroute_params, warm=baseline, base=base,
                            limits=limits),
            )
        day_state.append(key)
        if progress is not None:
            progress(day + 1, horizon_days)
    valuation = Valuation.of(demand, baseline, reroute_params)
    kpis = {key: valuation.kpis(network, *states[key]) for key in {base.key(), *day_state}}
    timeline = _timeline(kpis, base.key(), day_state)
    flows = facility_flows(network, baseline, states, day_state)
    totals = _totals(timeline, kpis[base.key()]["unmet_trucks"])
    return SimulationResult(baseline, base, states, day_state, timeline, flows, totals)


def facility_flows(
    network: Network,
    baseline: RerouteResult,
    states: dict[str, tuple[EdgeArrays, RerouteResult]],
    day_state: list[str],
) -> pd.DataFrame:
    """Trucks/day through each border crossing (northbound) and seaport, per day.

    Columns: ``facility``, ``kind``, ``baseline`` and one column per day.

    Parameters
    ----------
    network : Network
        The network solved.
    baseline : RerouteResult
        The undisrupted solution.
    states : dict
        State key -> (arrays, solution).
    day_state : list of str
        The state key of each day.

    Returns
    -------
    pandas.DataFrame
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
    columns = ["facility", "kind", "baseline", *(f"day_{day}" for day in range(len(day_state)))]
    return pd.DataFrame(rows, columns=columns)  # columns even without crossings or ports


def _scaled(limit: SegmentLimit, arrays: EdgeArrays) -> SegmentLimit:
    """``limit`` times the smallest capacity multiplier of the state on its edges."""
    if arrays.capacity_mult is None or not limit.edges.any():
        return limit
    factor = float(np.clip(arrays.capacity_mult[limit.edges].min(), 0.0, 1.0))
    return SegmentLimit(limit.name, limit.edges, limit.rows, limit.trucks_day * factor)


def _residual(limit: SegmentLimit, paths: pd.DataFrame, path_edges: tuple[np.ndarray, ...],
              fixed: np.ndarray) -> SegmentLimit:
    """``limit`` less what the fixed paths of its rows use of it."""
    used = sum(float(flow) * int(limit.edges[edges].sum())
               for k, flow, edges, keep in zip(paths["od"], paths["flow_trucks_day"], path_edges,
                                               fixed, strict=True) if keep and limit.rows[k])
    return SegmentLimit(limit.name, limit.edges, limit.rows, max(limit.trucks_day - used, 0.0))


def facility_waits(network: Network, arrays: EdgeArrays, flow: np.ndarray) -> pd.DataFrame:
    """Queue waits at border crossings (northbound) and port gates in one state.

    Columns: ``facility``, ``kind``, ``flow_trucks_day``, ``capacity_trucks_day``,
    ``utilisation``, ``wait_min`` (the queueing delay at ``flow``; for a port, the
    flow-weighted mean of its two gate directions), ``published_wait_min`` (NaN where
    none) and ``wait_source``. Empty without delay functions.

    Parameters
    ----------
    network : Network
        The weighted network.
    arrays : EdgeArrays
        The state.
    flow : numpy.ndarray
        Trucks/day per edge.

    Returns
    -------
    pandas.DataFrame
    """
    columns = ["facility", "kind", "flow_trucks_day", "capacity_trucks_day", "utilisation",
               "wait_min", "published_wait_min", "wait_source"]
    if arrays.delay is None:
        return pd.DataFrame(columns=columns)
    edges = network.edges
    wait = arrays.delay_h(flow) * 60.0
    queue = arrays.delay.kind == "queue"
    north = queue & (edges["road_class"] == "border").to_numpy() & edges["edge_id"].str.endswith(
        ":fwd").to_numpy()
    published = edges.get("wait_published_min", pd.Series(np.nan, index=edges.index))
    source = edges.get("wait_source", pd.Series("", index=edges.index)).fillna("")
    rows = []
    for i in np.flatnonzero(north):
        rows.append((edges["name"].iat[i], "crossing", flow[i], arrays.capacity[i], wait[i],
                     published.iat[i], source.iat[i]))
    gate = queue & (edges["road_class"] == "port_access").to_numpy()
    port_names = network.nodes.set_index("node_id")["name"]
    ports = np.where(edges["u"].isin(port_names.index) & edges["u"].str.startswith("port"),
                     edges["u"], edges["v"])
    for port in sorted(set(ports[gate])):
        mask = gate & (ports == port)
        total = float(flow[mask].sum())
        mean = float(flow[mask] @ wait[mask] / total) if total > 0 else float(wait[mask].mean())
        rows.append((port_names.get(port, port), "port", total, float(arrays.capacity[mask].sum()),
                     mean, np.nan, source[mask].iat[0]))
    table = pd.DataFrame(rows, columns=[c for c in columns if c != "utilisation"])
    with np.errstate(divide="ignore", invalid="ignore"):
        table.insert(4, "utilisation", table["flow_trucks_day"] / table["capacity_trucks_day"])
    return table


def solve_state(
    network: Network,
    demand: pd.DataFrame,
    arrays: EdgeArrays,
    params: RerouteParams,
    *,
    warm: RerouteResult | None = None,
    base: EdgeArrays | None = None,
    limits: tuple[SegmentLimit, ...] = (),
) -> RerouteResult:
    """Reroute one network state, warm-started from ``warm``'s paths when given.

    ``warm`` (the baseline, in every caller) is also the reference of the minimal-
    change second stage (``RerouteParams.minimal_change``), so the flows that
    change are the ones the state's changes move. With ``base`` (the arrays
    ``warm`` was solved on) and ``RerouteParams.reassign == "affected"``, only the
    trips whose baseline route uses an edge the state changes (and the unmet ones)
    are re-routed; the others keep their baseline routes as a fixed load, which
    takes its capacity and raises the delay the re-routed trucks meet.

    Parameters
    ----------
    network : Network
        The weighted network.
    demand : pandas.DataFrame
        The demand.
    arrays : EdgeArrays
        The state's costs, capacities and closures.
    params : RerouteParams
        LP settings.
    warm : RerouteResult, optional
        A solution of another state whose paths seed the column pool.
    base : EdgeArrays, optional
        The state ``warm`` solves.
    limits : tuple of SegmentLimit, optional
        Caps on some demand rows' trucks through some edges (``corredor.reroute``);
        each shrinks with the smallest capacity multiplier of the state on its edges
        (a port's reefer positions go with its gates).

    Returns
    -------
    RerouteResult
    """
    limits = tuple(_scaled(limit, arrays) for limit in limits)
    if warm is not None and base is not None and params.reassign == "affected":
        return _solve_affected(network, demand, arrays, params, warm, base, limits)
    model = RerouteModel.from_network(
        network,
        demand,
        cost=arrays.cost_usd,
        capacity=arrays.capacity,
        closed=arrays.closed,
        params=params,
        initial_paths=warm,
        curves=arrays.curves(params.congestion_breakpoints),
        time_h=arrays.travel_time_h,
        limits=limits,
    )
    return model.solve(reference=warm)


def _solve_affected(network: Network, demand: pd.DataFrame, arrays: EdgeArrays,
                    params: RerouteParams, baseline: RerouteResult,
                    base: EdgeArrays, limits: tuple[SegmentLimit, ...]) -> RerouteResult:
    """``solve_state`` for the affected trips only, merged with the fixed ones.

    The affected trips are those whose baseline route uses an edge the state
    changes (and the unmet ones). When their new routes fill an edge beyond its
    baseline flow to ``RerouteParams.spillover_utilisation`` of its capacity, the
    trips whose routes use it join them and the solve is repeated (at most
    ``max_spillover_rounds`` times): a jam the detours cause moves the trips
    caught in it, and nothing else moves.
    """
    changed = arrays.changed(base)
    paths = baseline.paths
    path_od = paths["od"].to_numpy()
    affected = np.zeros(len(demand), dtype=bool)
    affected[path_od[[bool(changed[edges].any()) for edges in baseline.path_edges]]] = True
    affected |= (baseline.od["unmet_trucks_day"].to_numpy() > 0) & changed.any()
    if not affected.any():
        return baseline
    result, full = baseline, arrays.curves(params.congestion_breakpoints)
    for _ in range(params.max_spillover_rounds + 1):
        result = _solve_with_fixed(network, demand, arrays, params, baseline, affected, limits,
                                   full)
        with np.errstate(invalid="ignore"):
            raised = (result.edge_flow > baseline.edge_flow + FLOW_EPS) & (
                result.edge_flow >= params.spillover_utilisation * arrays.capacity)
        caught = np.zeros(len(demand), dtype=bool)
        caught[path_od[[bool(raised[edges].any()) for edges in baseline.path_edges]]] = True
        if not np.any(caught & ~affected):
            break
        affected |= caught
    return result


def _solve_with_fixed(network: Network, demand: pd.DataFrame, arrays: EdgeArrays,
                      params: RerouteParams, baseline: RerouteResult,
                      affected: np.ndarray, limits: tuple[SegmentLimit, ...],
                      full: Curves | None) -> RerouteResult:
    """Re-route the ``affected`` demand rows; the others keep their baseline paths.

    The fixed paths' trucks take their share of every capacity and segment limit;
    ``full`` (the state's delay curves) values the merged flows."""
    paths = baseline.paths
    fixed = ~affected[paths["od"].to_numpy()]
    n_edges = len(arrays.cost_usd)
    fixed_edges = [edges for edges, keep in zip(baseline.path_edges, fixed, strict=True) if keep]
    load = np.bincount(
        np.concatenate(fixed_edges) if fixed_edges else np.zeros(0, dtype=np.int64),
        weights=np.repeat(paths["flow_trucks_day"].to_numpy()[fixed],
                          [len(edges) for edges in fixed_edges]),
        minlength=n_edges)
    breakpoints = params.congestion_breakpoints
    model = RerouteModel.from_network(
        network,
        demand.assign(trucks_day=np.where(affected, demand["trucks_day"].to_numpy(dtype=float),
                                          0.0)),
        cost=arrays.cost_usd,
        capacity=np.maximum(arrays.capacity - load, 0.0),
        closed=arrays.closed,
        params=params,
        initial_paths=baseline,  # the fixed rows carry no trucks here: their paths are skipped
        curves=arrays.curves(breakpoints, load=load),
        time_h=arrays.travel_time_h,
        limits=tuple(_residual(limit, paths, baseline.path_edges, fixed) for limit in limits),
    )
    part = model.solve(reference=baseline)
    flow = load + part.edge_flow
    delay = (np.zeros(n_edges) if full is None else np.where(
        full.priced & np.isfinite(arrays.capacity), full.cost_usd(flow), 0.0))
    od = baseline.od.copy()
    od.loc[affected] = part.od.loc[affected]
    merged = pd.concat([paths[fixed], part.paths], ignore_index=True)
    edges_of = [*fixed_edges, *part.path_edges]
    order = merged.sort_values(["od", "flow_trucks_day"], ascending=[True, False],
                               kind="stable").index
    penalty = od["unmet_penalty_usd_per_truck"].to_numpy(dtype=float)
    objective = float(merged["flow_trucks_day"] @ merged["cost_usd_per_truck"]
                      + od["unmet_trucks_day"].to_numpy(dtype=float) @ penalty + delay.sum())
    usable = ~arrays.closed & (arrays.capacity > 0)
    return RerouteResult(
        objective_usd=objective,
        edge_flow=flow,
        edge_dual_usd=part.edge_dual_usd,
        capacity_trucks_day=np.where(usable, arrays.capacity, 0.0),
        od=od,
        paths=merged.loc[order].reset_index(drop=True),
        iterations=part.iterations,
        solver=part.solver,
        gap_usd=part.gap_usd,
        delay_cost_usd=delay,
        moved_trucks_day=part.moved_trucks_day,
        path_edges=tuple(edges_of[i] for i in order),
    )


def _timeline(
    kpis: dict[str, dict[str, float]], base_key: str, day_state: list[str]
) -> pd.DataFrame:
    """One row per day; every KPI but ``cost_usd`` is the increment over the baseline.

    Demand the baseline itself cannot route (no path with capacity) is not the
    disruption's doing: it is reported once, as ``baseline_unmet_trucks_day``.
    """
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
                "delay_cost_usd": state["delay_cost_usd"] - reference["delay_cost_usd"],
                "extra_truck_hours": state["truck_hours"] - reference["truck_hours"],
                "extra_truck_km": state["truck_km"] - reference["truck_km"],
                "unmet_trucks": state["unmet_trucks"] - reference["unmet_trucks"],
                "cargo_value_delayed_usd": state["cargo_value_delayed_usd"]
                - reference["cargo_value_delayed_usd"],
                "edges_over_90pct": state["edges_over_90pct"],
            }
        )
    return pd.DataFrame(rows)


def _totals(timeline: pd.DataFrame, baseline_unmet: float) -> dict[str, float]:
    active = timeline["disrupted_edges"] > 0
    return {
        "baseline_unmet_trucks_day": baseline_unmet,
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
    """Per edge: baseline and worst-day flows, their change, utilisation, delay and flags.

    The "disrupted" columns describe the day with the highest extra cost; the
    ``*_delay_min`` columns are the congestion or queue minutes per truck
    (``corredor.congestion``) and ``bottleneck_price_usd`` the worst day's marginal
    cost of one more truck on the edge (the LP's capacity dual).

    Parameters
    ----------
    network : Network
        The network simulated.
    result : SimulationResult
        The timeline.

    Returns
    -------
    pandas.DataFrame
        One row per edge, in edge order.
    """
    arrays, worst = result.worst_state
    base = result.baseline
    base_capacity = result.baseline_arrays.capacity
    with np.errstate(divide="ignore", invalid="ignore"):
        base_util = np.where(base_capacity > 0, base.edge_flow / base_capacity, np.nan)
        worst_util = np.where(arrays.capacity > 0, worst.edge_flow / arrays.capacity, np.nan)
    edges = network.edges
    base_delay = result.baseline_arrays.delay_h(base.edge_flow) * 60.0
    worst_delay = arrays.delay_h(worst.edge_flow) * 60.0
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
            "baseline_delay_min": base_delay,
            "disrupted_delay_min": worst_delay,
            "extra_delay_min": worst_delay - base_delay,
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

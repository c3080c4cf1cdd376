"""Delay functions in the LP: congestion, crossing queues, the second stage, affected trips."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from corredor.congestion import DelayModel, queue_j_for_wait, queue_wait_h
from corredor.layers import apply_layers
from corredor.layers.delay import DelayParams, apply_delay
from corredor.reroute import RerouteModel, RerouteParams, SegmentLimit
from corredor.scenario import Effect, Timing
from corredor.simulate import solve_state
from corredor.states import ActiveDisruption, EdgeArrays, baseline_arrays, state_on_day

from factories import make_network

VOT = 60.0


def bpr(free_h, *, alpha=0.15, beta=4.0) -> DelayModel:
    """A BPR delay model without background traffic (x = f / C)."""
    n = len(free_h)
    return DelayModel(kind=np.full(n, "bpr"), free_h=np.asarray(free_h, dtype=float),
                      vot=np.full(n, VOT), alpha=np.full(n, alpha), beta=np.full(n, beta),
                      j=np.zeros(n), hours=np.full(n, 24.0), capacity_pce=np.full(n, np.nan),
                      background_pce=np.zeros(n), truck_pce=np.ones(n))


def demand_of(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame({"origin": [r[0] for r in rows], "destination": [r[1] for r in rows],
                         "segment": "domestic", "trucks_day": [r[2] for r in rows],
                         "value_usd_per_truck": 50_000.0})


# -- the functions ----------------------------------------------------------------------------


def test_piecewise_cost_meets_the_convex_function_at_breakpoints_and_bounds_it_between():
    model = bpr([2.0, 0.5])
    capacity = np.array([1000.0, 400.0])
    breakpoints = (0.25, 0.5, 0.75, 0.9, 1.0)
    curves = model.curves(capacity, breakpoints)

    def exact(flow: np.ndarray) -> np.ndarray:
        return flow * model.hours_per_truck(flow, capacity) * VOT

    for r in breakpoints:
        flow = capacity * r
        np.testing.assert_allclose(curves.cost_usd(flow), exact(flow), rtol=1e-12)
    for r in np.linspace(0.01, 0.99, 37):
        flow = capacity * r
        assert np.all(curves.cost_usd(flow) >= exact(flow) - 1e-9)
    assert np.all(np.diff(curves.slope, axis=1) >= 0)  # convex: slopes never fall
    np.testing.assert_allclose(curves.width.sum(axis=1), capacity)  # the last breakpoint
    # BPR by hand at capacity: t0 * 0.15 hours per truck
    np.testing.assert_allclose(model.hours_per_truck(capacity, capacity), [0.3, 0.075])


def test_queue_wait_rises_with_utilisation_and_matches_its_calibration_point():
    capacity, hours = np.array([2000.0]), np.array([16.0])
    j = queue_j_for_wait(np.array([0.75]), np.array([0.9]), capacity, hours)
    np.testing.assert_allclose(queue_wait_h(np.array([0.9]), j, capacity, hours), [0.75])
    waits = queue_wait_h(np.linspace(0, 1.2, 25), j, capacity, hours)
    assert waits[0] == 0 and np.all(np.diff(waits) > 0)
    # M/M/1 at low utilisation: W ~ J x / (Q (1 - x)) with Q = C / H trucks per hour
    x = 0.1
    np.testing.assert_allclose(queue_wait_h(np.array([x]), np.array([1.0]), capacity, hours),
                               [x / (capacity[0] / hours[0] * (1 - x))], rtol=1e-3)


def crossing_network():
    """a - b road, b - us crossing (counted 800 northbound trucks/day of 1,000)."""
    network = make_network({"a": (-100.0, 25.0), "b": (-100.0, 26.0), "us": (-100.0, 26.1)},
                           [("a", "b", 100.0), ("b", "us", 2.0)],
                           road_class=["motorway", "border"], ref=["MEX-85", ""],
                           capacity_trucks_day=[5000.0, 1000.0],
                           observed_trucks_day=[float("nan"), 800.0])
    edges = network.edges.copy()
    edges.loc[edges["road_class"] == "border", "link_id"] = "border:b-us"
    return network.with_edges(edges)


def test_the_delay_layer_calibrates_a_crossing_queue_to_its_published_wait():
    waits = pd.DataFrame({"crossing_id": ["border:b-us"], "wait_minutes": [45.0],
                          "measure": ["average commercial wait"], "period": ["2024"],
                          "source": ["test"]})
    weighted = apply_delay(apply_layers(crossing_network()), waits=waits)
    edges = weighted.edges
    north = edges.index[edges["edge_id"] == "b-us-1:fwd"][0]
    south = edges.index[edges["edge_id"] == "b-us-1:rev"][0]
    assert list(edges["delay_kind"]) == ["bpr", "bpr", "queue", "queue"]
    model = DelayModel.of(weighted)
    capacity = edges["capacity_trucks_day"].to_numpy(dtype=float)
    flow = np.zeros(len(edges))
    flow[north] = 800.0
    assert model.hours_per_truck(flow, capacity)[north] == pytest.approx(0.75)
    assert edges.at[north, "wait_published_min"] == 45.0
    assert "test" in edges.at[north, "wait_source"]
    assert "assumption" in edges.at[south, "wait_source"]  # no published southbound wait
    off = apply_layers(crossing_network(), delay_params=DelayParams(enabled=False))
    assert DelayModel.of(off) is None


def test_a_wait_cut_lowers_the_queue_and_lanes_scale_capacity():
    weighted = apply_layers(crossing_network())
    base = baseline_arrays(weighted)
    crossing = (weighted.edges["road_class"] == "border").to_numpy()
    cut = ActiveDisruption("cut", Effect(wait_minutes=-10), Timing(days=1), crossing)
    lane = ActiveDisruption("lane", Effect(lanes=1), Timing(days=1), crossing)
    flow = np.where(crossing, 800.0, 0.0)
    before = base.delay_h(flow)
    after = state_on_day(weighted, base, [cut], 0, weighted_cost_params()).delay_h(flow)
    np.testing.assert_allclose(after[crossing], np.maximum(before[crossing] - 10 / 60, 0))
    narrow = state_on_day(weighted, base, [lane], 0, weighted_cost_params())
    np.testing.assert_allclose(narrow.capacity[crossing], base.capacity[crossing] / 2)
    assert np.all(narrow.delay_h(flow)[crossing] > before[crossing])


def weighted_cost_params():
    from corredor.layers.cost import CostParams
    return CostParams()


# -- the LP -----------------------------------------------------------------------------------


def grid_case():
    network = make_network(
        {"a": (-100, 20), "b": (-99, 20), "c": (-99, 21), "d": (-100, 21)},
        [("a", "b", 100.0), ("b", "c", 100.0), ("a", "d", 120.0), ("d", "c", 90.0),
         ("a", "c", 260.0)])
    cost = network.edges["length_km"].to_numpy() * 1.2
    capacity = np.array([500.0, 500, 400, 400, 300, 300, 600, 600, 900, 900])
    demand = demand_of(("a", "c", 1200.0), ("c", "a", 300.0), ("b", "d", 200.0))
    return network, cost, capacity, demand


def test_one_breakpoint_reproduces_the_hard_capacity_lp():
    network, cost, capacity, demand = grid_case()
    hard = RerouteModel.from_network(network, demand, cost=cost, capacity=capacity).solve()
    zero = bpr(np.ones(len(cost)), alpha=0.0).curves(capacity, (1.0,))
    same = RerouteModel.from_network(network, demand, cost=cost, capacity=capacity,
                                     curves=zero).solve()
    assert same.objective_usd == pytest.approx(hard.objective_usd, rel=1e-9)
    np.testing.assert_allclose(same.edge_flow, hard.edge_flow, atol=1e-6)
    # with a real delay function one segment is a constant G(C) / C per truck: the hard LP
    # on costs raised by it
    curves = bpr(network.edges["length_km"].to_numpy() / 80).curves(capacity, (1.0,))
    priced = RerouteModel.from_network(network, demand, cost=cost, capacity=capacity,
                                       curves=curves).solve()
    shifted = RerouteModel.from_network(network, demand, cost=cost + curves.slope[:, 0],
                                        capacity=capacity).solve()
    assert priced.objective_usd == pytest.approx(shifted.objective_usd, rel=1e-9)
    np.testing.assert_allclose(priced.edge_flow, shifted.edge_flow, atol=1e-6)


def test_two_routes_split_where_their_marginal_costs_are_equal():
    network = make_network({"o": (-100, 20), "d": (-99, 20)},
                           [("o", "d", 100.0), ("o", "d", 130.0)], two_way=False)
    cost = np.array([100.0, 130.0])
    capacity = np.array([800.0, 800.0])
    model = bpr([2.0, 2.0])
    breakpoints = tuple(np.linspace(0.005, 1.0, 200))
    result = RerouteModel.from_network(
        network, demand_of(("o", "d", 1000.0)), cost=cost, capacity=capacity,
        curves=model.curves(capacity, breakpoints)).solve()

    def marginal(f: float) -> float:  # d/df [f t0 0.15 (f / C)^4 VOT] = 5 t0 0.15 (f / C)^4 VOT
        return 5 * 2.0 * 0.15 * (f / 800) ** 4 * VOT

    lo, hi = 0.0, 1000.0  # bisection on f_A: c_A + m(f_A) = c_B + m(1000 - f_A)
    for _ in range(100):
        f = (lo + hi) / 2
        lo, hi = (f, hi) if 100 + marginal(f) < 130 + marginal(1000 - f) else (lo, f)
    assert result.edge_flow[0] == pytest.approx(lo, abs=4.0)  # one segment = 4 trucks
    assert result.edge_flow.sum() == pytest.approx(1000.0)
    assert 500 < result.edge_flow[0] < 800  # both used, the cheaper one more


def two_regions():
    """East: e1 -> e2 over two equal parallel roads. West: w1 -> w2 direct, or round via w3."""
    network = make_network(
        {"e1": (-90, 20), "e2": (-89, 20), "w1": (-110, 20), "w2": (-109, 20),
         "w3": (-109.5, 21)},
        [("e1", "e2", 100.0), ("e1", "e2", 100.0), ("w1", "w2", 100.0), ("w1", "w3", 80.0),
         ("w3", "w2", 80.0)],
        capacity_trucks_day=[300.0, 300.0, 1000.0, 1000.0, 1000.0])
    weighted = apply_layers(network, delay_params=DelayParams(bpr_alpha=0.0))
    demand = demand_of(("e1", "e2", 400.0), ("w1", "w2", 500.0))
    close = ActiveDisruption("west", Effect(close=True), Timing(days=1),
                             weighted.edges["link_id"].eq("w1-w2-2").to_numpy())
    return weighted, demand, close


@pytest.mark.parametrize("reassign", ["all", "affected"])
def test_a_closure_changes_no_flow_in_a_region_it_cannot_influence(reassign):
    weighted, demand, close = two_regions()
    params = RerouteParams(reassign=reassign)
    base = baseline_arrays(weighted)
    baseline = solve_state(weighted, demand, base, params)
    state = state_on_day(weighted, base, [close], 0, weighted_cost_params())
    result = solve_state(weighted, demand, state, params, warm=baseline, base=base)
    east = weighted.edges["u"].str.startswith("e").to_numpy()
    np.testing.assert_allclose(result.edge_flow[east], baseline.edge_flow[east], atol=1e-9)
    west_detour = weighted.edges["edge_id"].isin(["w1-w3-3:fwd", "w3-w2-4:fwd"]).to_numpy()
    np.testing.assert_allclose(result.edge_flow[west_detour], 500.0)


def test_the_second_stage_keeps_cost_within_tolerance_and_moves_no_unaffected_flow():
    weighted, demand, close = two_regions()
    base = baseline_arrays(weighted)
    params = RerouteParams(reassign="all")
    baseline = solve_state(weighted, demand, base, params)
    state = state_on_day(weighted, base, [close], 0, weighted_cost_params())
    optimum = solve_state(weighted, demand, state, params.model_copy(
        update={"minimal_change": False}), warm=baseline, base=base)
    stable = solve_state(weighted, demand, state, params, warm=baseline, base=base)
    tolerance = max(params.minimal_change_tolerance * optimum.objective_usd, 1.0)
    assert stable.objective_usd <= optimum.objective_usd + tolerance + 1e-6
    east = weighted.edges["u"].str.startswith("e").to_numpy()
    np.testing.assert_allclose(stable.edge_flow[east], baseline.edge_flow[east], atol=1e-9)
    assert stable.moved_trucks_day == pytest.approx(2 * 500.0)  # off the closed road, onto w3


def knock_on_case():
    """Trip A (a -> d) shares m -> d with trip B's detour when b -> d closes."""
    network = make_network(
        {"a": (-100, 20), "b": (-100, 19), "m": (-99, 19.5), "d": (-98, 19.5)},
        [("a", "m", 100.0), ("m", "d", 100.0), ("a", "d", 215.0), ("b", "d", 190.0),
         ("b", "m", 100.0)],
        two_way=False, capacity_trucks_day=[2000.0, 900.0, 2000.0, 2000.0, 2000.0])
    weighted = apply_layers(network)
    demand = demand_of(("a", "d", 600.0), ("b", "d", 400.0))
    close = ActiveDisruption("b-d", Effect(close=True), Timing(days=1),
                             weighted.edges["link_id"].eq("b-d-3").to_numpy())
    return weighted, demand, close


def solve_knock_on(**params):
    weighted, demand, close = knock_on_case()
    base = baseline_arrays(weighted)
    params = RerouteParams(**params)
    baseline = solve_state(weighted, demand, base, params)
    state = state_on_day(weighted, base, [close], 0, weighted_cost_params())
    return weighted, baseline, solve_state(weighted, demand, state, params, warm=baseline,
                                           base=base)


def test_affected_reassignment_keeps_the_untouched_trips_on_their_routes():
    # no spill-over: trip A keeps its route as a fixed load and trip B gets the room left
    weighted, baseline, fixed = solve_knock_on(max_spillover_rounds=0)
    trip_a = baseline.paths[baseline.paths["od"] == 0].reset_index(drop=True)
    kept = fixed.paths[fixed.paths["od"] == 0].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, trip_a)
    assert list(trip_a["edge_ids"]) == ["a-m-0:fwd;m-d-1:fwd"]
    m_d = weighted.edges["edge_id"].eq("m-d-1:fwd").to_numpy()
    assert fixed.edge_flow[m_d][0] == pytest.approx(900.0)  # 600 of A + the 300 left for B
    assert fixed.od.at[1, "unmet_trucks_day"] == pytest.approx(100.0)
    # with spill-over (the default) the jam on m -> d catches trip A: it gives way and all of
    # B is served, as in the full re-optimisation
    _, _, spilled = solve_knock_on()
    _, _, everything = solve_knock_on(reassign="all")
    assert spilled.od["unmet_trucks_day"].sum() == 0
    a_direct = weighted.edges["edge_id"].eq("a-d-2:fwd").to_numpy()
    assert spilled.edge_flow[a_direct][0] > baseline.edge_flow[a_direct][0] + 1.0
    assert spilled.objective_usd == pytest.approx(everything.objective_usd, rel=1e-6)
    assert everything.objective_usd <= fixed.objective_usd


def test_breakpoints_must_end_at_the_capacity():
    with pytest.raises(ValueError, match="exactly 1"):
        RerouteParams(congestion_breakpoints=(0.5, 0.9))
    with pytest.raises(ValueError, match="increase"):
        RerouteParams(congestion_breakpoints=(0.5, 0.4, 1.0))


def test_edge_arrays_changed_names_exactly_the_edges_a_state_touches():
    weighted, _, close = knock_on_case()
    base = baseline_arrays(weighted)
    state = state_on_day(weighted, base, [close], 0, weighted_cost_params())
    assert list(weighted.edges["edge_id"][state.changed(base)]) == ["b-d-3:fwd"]
    assert not EdgeArrays.changed(base, base).any()


def test_the_bajio_closure_moves_on_mex15_north_of_mazatlan_only_trips_through_the_bridges():
    """Flow changes caused by the disruption only: on MEX-15 in Sonora and Sinaloa only the
    trips whose baseline route crossed the closed León-Silao bridges change; with every trip
    re-optimised (reassign: all), unrelated ones moved there (e.g. Los Angeles-Querétaro)."""
    from corredor import pipeline

    prepared = pipeline.prepare("scenarios/bajio-bridges-2024.yaml")
    network, demand = prepared.network, prepared.demand
    base = baseline_arrays(network)
    baseline = solve_state(network, demand, base, prepared.reroute_params)
    state = state_on_day(network, base, prepared.active, 3, prepared.cost_params)
    result = solve_state(network, demand, state, prepared.reroute_params, warm=baseline,
                         base=base)
    everything = solve_state(network, demand, state, prepared.reroute_params.model_copy(
        update={"reassign": "all"}), warm=baseline, base=base)
    edges = network.edges
    mazatlan = network.nodes.set_index("node_id").geometry["mx:mazatlan"].y
    north = (edges["ref"].astype(str).str.contains("MEX-15", regex=False)
             & (edges.geometry.representative_point().y > mazatlan)).to_numpy()

    def on_north(solution) -> pd.Series:
        flows = [(k, f) for k, f, e in zip(solution.paths["od"], solution.paths["flow_trucks_day"],
                                           solution.path_edges, strict=True) if north[e].any()]
        return pd.DataFrame(flows, columns=["od", "flow"]).groupby("od")["flow"].sum()

    def moved(solution) -> set[int]:
        change = on_north(solution).sub(on_north(baseline), fill_value=0.0)
        return set(change.index[change.abs() > 1e-6])

    changed = state.changed(base)
    through = {k for k, e in zip(baseline.paths["od"], baseline.path_edges, strict=True)
               if changed[e].any()}
    assert moved(result) and moved(result) <= through  # trips to and from the closed stretch
    assert not moved(everything) <= through


# -- perishables and segment limits --------------------------------------------------------


def two_speeds():
    """o -> d: a fast toll road (cost 200, 1 h) or a slow free road (cost 150, 3 h)."""
    network = make_network({"o": (-100, 20), "d": (-99, 20), "g": (-99.5, 20.5)},
                           [("o", "d", 80.0), ("o", "g", 60.0), ("g", "d", 60.0)],
                           two_way=False)
    cost = np.array([200.0, 75.0, 75.0])
    time_h = np.array([1.0, 1.5, 1.5])
    return network, cost, time_h


def test_perishable_cargo_takes_the_faster_road_when_its_hours_cost_more():
    network, cost, time_h = two_speeds()
    demand = demand_of(("o", "d", 10.0), ("o", "d", 10.0)).assign(
        value_usd_per_truck=[50_000.0, 50_000.0], value_loss_pct_per_hour=[np.nan, 0.1])
    result = RerouteModel.from_network(network, demand, cost=cost, capacity=np.full(3, np.inf),
                                       time_h=time_h).solve()
    fast = result.paths[result.paths["edge_ids"] == "o-d-0:fwd"]
    # ordinary row: 150 < 200; perishable: 150 + 3 h x USD 50 = 300 > 200 + 1 h x 50 = 250
    assert list(fast["od"]) == [1]
    assert result.od.at[1, "cost_usd_per_truck"] == pytest.approx(250.0)
    assert result.od.at[0, "cost_usd_per_truck"] == pytest.approx(150.0)
    assert result.paths.loc[fast.index, "cargo_time_usd_per_truck"].iloc[0] == pytest.approx(50)
    # a day waiting loses 24 x 0.1 % of the value instead of the default 0.6 %
    from corredor.reroute import delay_shares
    np.testing.assert_allclose(delay_shares(demand, RerouteParams()), [0.006, 0.024])


def test_a_segment_limit_caps_only_its_rows_through_its_edges():
    network, cost, time_h = two_speeds()
    demand = demand_of(("o", "d", 100.0), ("o", "d", 100.0)).assign(
        segment=["domestic", "perishable"])
    toll = network.edges["edge_id"].eq("o-d-0:fwd").to_numpy()
    cost = np.array([100.0, 75.0, 75.0])  # the toll road is now the cheap one
    limit = SegmentLimit("reefer", toll, (demand["segment"] == "perishable").to_numpy(), 60.0)
    result = RerouteModel.from_network(network, demand, cost=cost, capacity=np.full(3, np.inf),
                                       time_h=time_h, limits=(limit,)).solve()
    on_toll = result.paths[result.paths["edge_ids"] == "o-d-0:fwd"].groupby("od")[
        "flow_trucks_day"].sum()
    assert on_toll[0] == pytest.approx(100.0)  # the other segment is not limited
    assert on_toll[1] == pytest.approx(60.0)  # 40 perishable trucks take the free road
    assert result.od.at[1, "cost_usd_per_truck"] == pytest.approx((60 * 100 + 40 * 150) / 100)


def test_a_segment_limit_shrinks_with_the_capacity_of_its_edges():
    weighted, demand, _ = knock_on_case()
    base = baseline_arrays(weighted)
    gate = weighted.edges["edge_id"].eq("b-d-3:fwd").to_numpy()
    limit = SegmentLimit("gate", gate, np.array([False, True]), 400.0)
    half = ActiveDisruption("half", Effect(capacity_factor=0.5), Timing(days=1), gate)
    state = state_on_day(weighted, base, [half], 0, weighted_cost_params())
    params = RerouteParams(reassign="all")
    result = solve_state(weighted, demand, state, params, limits=(limit,))
    assert result.edge_flow[gate][0] == pytest.approx(200.0)  # 400 x 0.5
    assert result.od["unmet_trucks_day"].sum() == pytest.approx(0.0)  # the rest via m


def test_a_bad_value_loss_is_reported_with_its_line(tmp_path):
    from corredor.demand import read_demand
    from corredor.errors import DataFileError

    path = tmp_path / "demand.csv"
    path.write_text("origin,destination,segment,trucks_day,value_usd_per_truck,"
                    "value_loss_pct_per_hour\na,b,x,1,100,\na,b,x,1,100,150\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"value_loss_pct_per_hour.*line\(s\) \[3\]"):
        read_demand(path)

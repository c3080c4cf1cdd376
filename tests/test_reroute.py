"""Rerouting LP: hand-checkable networks, the arc formulation as reference, warm starts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from corredor.errors import CorredorError, SolverError
from corredor.reroute import (
    RerouteModel,
    RerouteParams,
    path_cost_bound,
)

from arc_formulation import solve_arc_formulation
from factories import make_network, random_network


def od(*rows, value=78_471.0):
    """A demand table from (origin, destination, trucks_day) rows."""
    return pd.DataFrame(
        [(o, d, "test", float(t), value) for o, d, t in rows],
        columns=["origin", "destination", "segment", "trucks_day", "value_usd_per_truck"],
    )


def mask(network, *edge_ids):
    return network.edges["edge_id"].isin(edge_ids).to_numpy(copy=True)


@pytest.fixture(scope="module")
def ladder():
    """Two rails a0-a1-a2-a3 and b0-b1-b2-b3 (10 km a step), rungs ai-bi of 1 km."""
    coords = {f"{rail}{i}": (-101.0 + i * 0.1, 21.0 + (rail == "b") * 0.1)
              for rail in "ab" for i in range(4)}
    links = [(f"{rail}{i}", f"{rail}{i + 1}", 10.0) for rail in "ab" for i in range(3)]
    links += [(f"a{i}", f"b{i}", 1.0) for i in range(4)]
    return make_network(coords, links)


def rung(i, tag="fwd"):
    return f"a{i}-b{i}-{6 + i}:{tag}"


@pytest.fixture(scope="module")
def two_routes():
    """s -> t directly (cost 10) or via m (5 + 10 = 15)."""
    coords = {"s": (-101.0, 21.0), "m": (-100.5, 21.5), "t": (-100.0, 21.0)}
    return make_network(coords, [("s", "t", 10.0), ("s", "m", 5.0), ("m", "t", 10.0)],
                        two_way=False)


def length_cost(network):
    return network.edges["length_km"].to_numpy(dtype=float, copy=True)


def uncapacitated(network):
    return np.full(len(network.edges), np.inf)


def test_ladder_open_uses_the_rung_and_closing_it_forces_the_known_detour(ladder):
    demand = od(("a0", "b0", 40))
    cost = length_cost(ladder)
    base = RerouteModel.from_network(ladder, demand, cost=cost,
                                     capacity=uncapacitated(ladder)).solve()
    assert base.objective_usd == pytest.approx(40 * 1.0)
    assert base.paths["edge_ids"].tolist() == [rung(0)]

    closed = mask(ladder, rung(0), rung(0, "rev"))
    detour = RerouteModel.from_network(ladder, demand, cost=cost, capacity=uncapacitated(ladder),
                                       closed=closed).solve()
    assert detour.objective_usd == pytest.approx(40 * 21.0)  # a0-a1, a1-b1, b1-b0
    assert detour.paths["edge_ids"].tolist() == [f"a0-a1-0:fwd;{rung(1)};b0-b1-3:rev"]
    assert detour.od.loc[0, "cost_usd_per_truck"] == pytest.approx(21.0)
    assert detour.edge_flow[closed].sum() == 0.0

    closed |= mask(ladder, rung(1), rung(1, "rev"))
    longer = RerouteModel.from_network(ladder, demand, cost=cost, capacity=uncapacitated(ladder),
                                       closed=closed).solve()
    assert longer.objective_usd == pytest.approx(40 * 41.0)  # over rung 2


def test_capacity_forces_a_split_with_known_cost_and_bottleneck_price(two_routes):
    capacity = np.array([30.0, np.inf, np.inf])  # only the direct s-t edge is limited
    result = RerouteModel.from_network(two_routes, od(("s", "t", 50)),
                                       cost=length_cost(two_routes), capacity=capacity).solve()
    assert result.objective_usd == pytest.approx(30 * 10 + 20 * 15)
    assert result.edge_flow.tolist() == pytest.approx([30.0, 20.0, 20.0])
    # one more truck/day on the direct edge saves the 5 USD detour premium
    assert result.edge_dual_usd.tolist() == pytest.approx([5.0, 0.0, 0.0])
    row = result.od.iloc[0]
    assert row["n_paths"] == 2
    assert row["cost_usd_per_truck"] == pytest.approx(600 / 50)
    assert row["unmet_trucks_day"] == 0.0
    frame = result.edges_frame(two_routes)
    assert frame.loc[0, "utilisation"] == pytest.approx(1.0)
    assert frame["dual_usd"].tolist() == pytest.approx([5.0, 0.0, 0.0])


@pytest.mark.filterwarnings("ignore:PULP_CBC_CMD is deprecated:DeprecationWarning")
def test_cbc_reaches_the_same_split_and_prices(two_routes):
    capacity = np.array([30.0, np.inf, 25.0])
    params = RerouteParams(solver="cbc")
    result = RerouteModel.from_network(two_routes, od(("s", "t", 60)), cost=length_cost(two_routes),
                                       capacity=capacity, params=params).solve()
    highs = RerouteModel.from_network(two_routes, od(("s", "t", 60)), cost=length_cost(two_routes),
                                      capacity=capacity).solve()
    assert result.solver == "cbc" and highs.solver == "highs"
    assert result.objective_usd == pytest.approx(highs.objective_usd)
    assert result.od["unmet_trucks_day"].iloc[0] == pytest.approx(60 - 30 - 25)
    assert result.edge_dual_usd == pytest.approx(highs.edge_dual_usd)


@pytest.mark.parametrize("trucks", [10.0, 39.0, 40.0, 41.0, 70.0])
def test_unmet_demand_appears_exactly_when_the_cut_is_smaller_than_demand(ladder, trucks):
    # the cut between the a0/b0 end and the rest: rails a0-a1 (15) and b0-b1 (25) = 40
    capacity = uncapacitated(ladder)
    capacity[mask(ladder, "a0-a1-0:fwd")] = 15.0
    capacity[mask(ladder, "b0-b1-3:fwd")] = 25.0
    result = RerouteModel.from_network(ladder, od(("a0", "a3", trucks)), cost=length_cost(ladder),
                                       capacity=capacity).solve()
    unmet = result.od.loc[0, "unmet_trucks_day"]
    assert unmet == pytest.approx(max(trucks - 40.0, 0.0), abs=1e-7)
    if trucks > 40:
        # the cut edges are worth the penalty minus the path cost behind them
        penalty = result.od.loc[0, "unmet_penalty_usd_per_truck"]
        assert result.edge_dual_usd[mask(ladder, "a0-a1-0:fwd")][0] == pytest.approx(penalty - 30)
        assert result.edge_dual_usd[mask(ladder, "b0-b1-3:fwd")][0] == pytest.approx(penalty - 32)


@pytest.mark.parametrize("seed", range(6))
def test_column_generation_matches_the_arc_formulation_on_random_networks(seed):
    network = random_network(seed, n_nodes=14, n_links=40)
    rng = np.random.default_rng(seed)
    n = len(network.edges)
    cost = rng.uniform(1, 20, n)
    capacity = np.where(rng.random(n) < 0.7, rng.uniform(5, 40, n), np.inf)
    closed = rng.random(n) < 0.1
    nodes = network.nodes["node_id"].tolist()
    rows = [(nodes[i], nodes[j], rng.uniform(1, 30)) for i, j in rng.integers(0, 14, (12, 2))]
    demand = od(*rows)
    demand.loc[0, "trucks_day"] = 0.0  # a zero row must not disturb anything
    params = RerouteParams(unmet_penalty_usd_per_truck=120.0) if seed % 2 else RerouteParams()
    model = RerouteModel.from_network(network, demand, cost=cost, capacity=capacity,
                                      closed=closed, params=params)
    result = model.solve()
    arc = solve_arc_formulation(network, demand, cost=cost, capacity=capacity, closed=closed,
                                params=params)
    assert result.objective_usd == pytest.approx(arc.objective_usd, rel=1e-6)
    assert np.all(result.edge_flow <= np.where(closed, 0.0, capacity) + 1e-6)
    assert np.all(arc.edge_flow <= np.where(closed, 0.0, capacity) + 1e-6)
    od_frame = result.od
    total = (od_frame["delivered_trucks_day"] + od_frame["unmet_trucks_day"]).to_numpy()
    assert total == pytest.approx(demand["trucks_day"].to_numpy())
    # path flows add up to the edge flows
    index = network.edge_index
    rebuilt = np.zeros(n)
    for ids, flow in zip(result.paths["edge_ids"], result.paths["flow_trucks_day"], strict=True):
        for edge in filter(None, ids.split(";")):
            rebuilt[index[edge]] += flow
    assert rebuilt == pytest.approx(result.edge_flow)


def test_default_penalty_is_cargo_delay_cost_or_a_floor_above_any_path(ladder):
    cost = length_cost(ladder)
    bound = path_cost_bound(ladder, cost)
    assert bound > 10 + 10 + 10 + 1 + 10 + 10 + 10  # the longest simple path, a0..a3-b3..b0
    cheap = RerouteModel.from_network(ladder, od(("a0", "a3", 1), value=1_000.0), cost=cost,
                                      capacity=uncapacitated(ladder)).solve()
    assert cheap.od.loc[0, "unmet_penalty_usd_per_truck"] == pytest.approx(bound + 1.0)
    dear = RerouteModel.from_network(ladder, od(("a0", "a3", 1), value=1e6), cost=cost,
                                     capacity=uncapacitated(ladder)).solve()
    assert dear.od.loc[0, "unmet_penalty_usd_per_truck"] == pytest.approx(1e6 * 0.006)
    fixed = RerouteModel.from_network(ladder, od(("a0", "a3", 1)), cost=cost,
                                      capacity=uncapacitated(ladder),
                                      params=RerouteParams(unmet_penalty_usd_per_truck=5.0)).solve()
    # a penalty below the path cost leaves the truck waiting, and says so
    assert fixed.od.loc[0, "unmet_trucks_day"] == 1.0
    assert fixed.objective_usd == pytest.approx(5.0)


def test_unreachable_destination_is_all_unmet_and_origin_equal_destination_is_free(ladder):
    closed = mask(ladder, *[e for e in ladder.edges["edge_id"] if e.startswith(("a0-", "b0-"))])
    closed |= ladder.edges["v"].isin(["a0", "b0"]).to_numpy()
    result = RerouteModel.from_network(ladder, od(("a0", "a3", 7), ("a2", "a2", 3)),
                                       cost=length_cost(ladder), capacity=uncapacitated(ladder),
                                       closed=closed).solve()
    assert result.od["unmet_trucks_day"].tolist() == [7.0, 0.0]
    assert result.od["delivered_trucks_day"].tolist() == [0.0, 3.0]
    assert result.edge_flow.sum() == 0.0


def test_resolve_and_initial_paths_warm_start_to_the_same_optimum(ladder):
    capacity = uncapacitated(ladder)
    capacity[mask(ladder, "a1-a2-1:fwd")] = 20.0
    demand = od(("a0", "a3", 30), ("b0", "a3", 12), ("a1", "b3", 9))
    cost = length_cost(ladder)
    model = RerouteModel.from_network(ladder, demand, cost=cost, capacity=capacity)
    base = model.solve()
    closed = mask(ladder, "a2-a3-2:fwd")
    cold = RerouteModel.from_network(ladder, demand, cost=cost, capacity=capacity,
                                     closed=closed).solve()
    warm = model.resolve(closed=closed)
    seeded = RerouteModel.from_network(ladder, demand, cost=cost, capacity=capacity,
                                       closed=closed, initial_paths=base.paths).solve()
    for result in (warm, seeded):
        assert result.objective_usd == pytest.approx(cold.objective_usd)
        assert result.edge_flow[closed].sum() == 0.0
        assert not result.paths["edge_ids"].str.contains("a2-a3-2:fwd").any()
    # the base model is untouched and solving it again gives the same answer
    assert model.resolve().objective_usd == pytest.approx(base.objective_usd)


def test_results_are_deterministic(ladder):
    capacity = np.full(len(ladder.edges), 12.0)
    demand = od(("a0", "a3", 30), ("b0", "a3", 12), ("a1", "b3", 9), ("b3", "a0", 14))
    runs = [RerouteModel.from_network(ladder, demand, cost=length_cost(ladder),
                                      capacity=capacity).solve() for _ in range(2)]
    pd.testing.assert_frame_equal(runs[0].paths, runs[1].paths)
    pd.testing.assert_frame_equal(runs[0].od, runs[1].od)


def test_too_few_iterations_is_a_solver_error(ladder):
    capacity = np.full(len(ladder.edges), 5.0)
    with pytest.raises(SolverError, match="max_iterations=1"):
        RerouteModel.from_network(ladder, od(("a0", "a3", 30)), cost=length_cost(ladder),
                                  capacity=capacity,
                                  params=RerouteParams(max_iterations=1)).solve()


def test_bad_inputs_name_the_field_and_the_edges(ladder):
    cost = length_cost(ladder)
    cost[0] = -1.0
    with pytest.raises(CorredorError) as caught:
        RerouteModel.from_network(ladder, od(("a0", "nowhere", 1)), cost=cost,
                                  capacity=np.zeros(3))
    message = str(caught.value)
    assert "demand.destination" in message and "nowhere" in message
    assert "cost: must be finite and >= 0" in message and "a0-a1-0:fwd" in message
    assert "capacity: need one value per edge" in message
    with pytest.raises(ValueError, match="solver"):
        RerouteParams(solver="gurobi")


def test_bundled_national_baseline_delivers_within_capacity(national, national_demand):
    from corredor.layers import apply_layers

    network = apply_layers(national)
    capacity = network.edges["capacity_trucks_day"].to_numpy(dtype=float)
    result = RerouteModel.from_network(
        network, national_demand, cost=network.edges["cost_usd"].to_numpy(dtype=float),
        capacity=capacity,
    ).solve()
    assert result.gap_usd <= 1e-6 * result.objective_usd
    assert np.all(result.edge_flow <= np.nan_to_num(capacity, nan=np.inf) + 1e-6)
    assert len(result.od) == len(national_demand)
    delivered = result.od["delivered_trucks_day"].sum()
    assert delivered + result.od["unmet_trucks_day"].sum() == pytest.approx(
        national_demand["trucks_day"].sum())


def test_initial_paths_from_another_demand_table_are_refused(ladder):
    cost, capacity = length_cost(ladder), uncapacitated(ladder)
    base = RerouteModel.from_network(ladder, od(("a0", "a3", 5)), cost=cost,
                                     capacity=capacity).solve()
    with pytest.raises(CorredorError, match="do not lead from b0 to a3"):
        RerouteModel.from_network(ladder, od(("b0", "a3", 5)), cost=cost, capacity=capacity,
                                  initial_paths=base.paths)


def test_no_demand_is_an_empty_solution(ladder):
    result = RerouteModel.from_network(ladder, od(("a0", "a3", 0)), cost=length_cost(ladder),
                                       capacity=uncapacitated(ladder)).solve()
    assert result.objective_usd == 0.0
    assert result.paths.empty
    assert result.edges_frame(ladder)["flow_trucks_day"].sum() == 0.0

"""Background traffic: cars and buses use capacity, and divert when their road closes."""

from __future__ import annotations

import numpy as np
import pytest

from corredor.background import Background
from corredor.layers import apply_layers
from corredor.layers.capacity import CapacityParams, apply_capacity
from corredor.scenario import Effect, Timing
from corredor.states import ActiveDisruption, baseline_arrays, state_on_day

from factories import make_network

# a - b - c is the main road; a - d - c the way round; e - f a road elsewhere
COORDS = {"a": (-101.0, 21.0), "b": (-100.9, 21.0), "c": (-100.8, 21.0),
          "d": (-100.9, 21.1), "e": (-99.0, 19.0), "f": (-98.9, 19.0)}
LINKS = [("a", "b", 10.0), ("b", "c", 10.0), ("a", "d", 14.0), ("d", "c", 14.0),
         ("e", "f", 10.0)]
# SICT fields per link: FS_E 2,000 veh/h two-way, K 0.1, D 0.5 -> 10,000 veh/day/direction
SICT = {
    "fs_e_veh_h": [2000.0] * 5,
    "k_factor": [0.1] * 5,
    "d_factor": [0.5] * 5,
    "tdpa": [6000.0, 6000.0, 2000.0, 2000.0, 6000.0],
    "car_share": [0.7] * 5,
    "bus_share": [0.1] * 5,
    "truck_share": [0.2] * 5,
    "terrain": ["L"] * 5,  # rolling: E_T = 2.5
}


@pytest.fixture
def network():
    return make_network(COORDS, LINKS, **SICT)


def test_trucks_get_the_capacity_the_counted_cars_and_buses_leave(network):
    edges = apply_capacity(network).edges.set_index("edge_id")
    main = edges.loc["a-b-0:fwd"]
    # 10,000 veh/day x mean PCE (0.7 + 0.3 x 2.5 = 1.45) = 14,500 PCE/day; background
    # 3,000 x (0.7 + 0.1 x 2.5) = 2,850 PCE/day; trucks (14,500 - 2,850) / 2.5 = 4,660
    assert main["capacity_pce_day"] == pytest.approx(14500.0)
    assert main["background_pce_day"] == pytest.approx(2850.0)
    assert main["capacity_trucks_day"] == pytest.approx(4660.0)
    assert main["truck_floor_day"] == pytest.approx(2000.0)  # 10,000 x truck share 0.2
    # without background the trucks get their counted share only
    share = apply_capacity(network, params=CapacityParams(background=False)).edges
    assert share.set_index("edge_id").loc["a-b-0:fwd", "capacity_trucks_day"] == (
        pytest.approx(2000.0))


def test_a_road_counted_beyond_capacity_carries_its_count(network):
    busy = make_network(COORDS, LINKS, **{**SICT, "tdpa": [28000.0] * 5})
    edges = apply_capacity(busy).edges.set_index("edge_id")
    # 14,000 veh/day/direction counted against 10,000 at FS_E: capacity raised to the count,
    # so the trucks get exactly their count (14,000 x 0.2)
    assert edges.loc["a-b-0:fwd", "capacity_trucks_day"] == pytest.approx(2800.0)
    assert "raised to the count" in edges.loc["a-b-0:fwd", "capacity_method"]


def closure(network, *links: str, factor: float | None = None) -> ActiveDisruption:
    mask = network.edges["link_id"].isin(links).to_numpy()
    effect = Effect(close=True) if factor is None else Effect(capacity_factor=factor)
    return ActiveDisruption("closure", effect, Timing(start_day=0, days=10), mask)


def test_a_closed_roads_cars_load_the_way_round_and_nothing_else(network):
    weighted = apply_layers(network)
    base = baseline_arrays(weighted)
    assert base.background is not None
    day = state_on_day(weighted, base, [closure(weighted, "b-c-1")], 1,
                       weighted_cost_params())
    ids = weighted.edges["edge_id"].tolist()
    changed = {ids[i] for i in np.flatnonzero(~np.isclose(day.capacity, base.capacity))}
    # b -> c is closed; its 2,850 PCE go b -> a -> d -> c, the reverse c -> b via c -> d -> a -> b
    assert changed == {"b-c-1:fwd", "b-c-1:rev", "a-b-0:rev", "a-d-2:fwd", "d-c-3:fwd",
                       "d-c-3:rev", "a-d-2:rev", "a-b-0:fwd"}
    detour = ids.index("a-d-2:fwd")
    assert base.capacity[detour] - day.capacity[detour] == pytest.approx(2850.0 / 2.5)
    assert day.capacity[ids.index("b-c-1:fwd")] == 0


def test_a_closed_stretch_diverts_its_cars_once_not_per_edge(network):
    weighted = apply_layers(network)
    base = baseline_arrays(weighted)
    day = state_on_day(weighted, base, [closure(weighted, "a-b-0", "b-c-1")], 1,
                       weighted_cost_params())
    detour = weighted.edges["edge_id"].tolist().index("a-d-2:fwd")
    # a -> b -> c is one stretch: 2,850 PCE divert a -> d -> c once (not 5,700)
    assert base.capacity[detour] - day.capacity[detour] == pytest.approx(2850.0 / 2.5)


def test_a_lane_closure_diverts_the_share_of_capacity_lost(network):
    weighted = apply_layers(network)
    base = baseline_arrays(weighted)
    day = state_on_day(weighted, base, [closure(weighted, "b-c-1", factor=0.6)], 1,
                       weighted_cost_params())
    ids = weighted.edges["edge_id"].tolist()
    assert day.capacity[ids.index("b-c-1:fwd")] == pytest.approx(0.6 * 4660.0)
    detour = ids.index("a-d-2:fwd")
    assert base.capacity[detour] - day.capacity[detour] == pytest.approx(0.4 * 2850 / 2.5)


def test_diverted_cars_never_push_trucks_below_their_counted_share(network):
    # the way round already carries 8,550 PCE/day of its own: (14,500 - 8,550) / 2.5 = 2,380
    # trucks; the 2,850 diverted PCE would leave 1,240, below the floor of 2,000
    weighted = apply_layers(make_network(COORDS, LINKS, **{
        **SICT, "tdpa": [6000.0, 6000.0, 18000.0, 18000.0, 6000.0]}))
    base = baseline_arrays(weighted)
    day = state_on_day(weighted, base, [closure(weighted, "b-c-1")], 1, weighted_cost_params())
    detour = weighted.edges["edge_id"].tolist().index("a-d-2:fwd")
    floor = weighted.edges["truck_floor_day"].to_numpy()[detour]
    assert base.capacity[detour] == pytest.approx(2380.0)
    assert day.capacity[detour] == pytest.approx(floor) == 2000.0


def test_a_network_without_counts_has_no_background():
    plain = apply_layers(make_network(COORDS, LINKS))
    assert Background.of(plain) is None
    assert baseline_arrays(plain).background is None


def weighted_cost_params():
    from corredor.layers.cost import CostParams

    return CostParams()

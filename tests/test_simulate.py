"""The disruption timeline on hand-checkable networks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import corredor.simulate as simulate_module
from corredor.layers.cost import CostParams
from corredor.reroute import RerouteParams
from corredor.scenario import Disruption
from corredor.simulate import simulate
from corredor.states import ActiveDisruption, baseline_arrays, state_on_day

from factories import make_network

# a ladder: bottom rail a-b-c, top rail d-e-f, rungs a-d, b-e, c-f (km)
COORDS = {
    "a": (-101.0, 21.0), "b": (-100.9, 21.0), "c": (-100.8, 21.0),
    "d": (-101.0, 21.1), "e": (-100.9, 21.1), "f": (-100.8, 21.1),
}
LINKS = [("a", "b", 10.0), ("b", "c", 10.0), ("d", "e", 12.0), ("e", "f", 12.0),
         ("a", "d", 5.0), ("b", "e", 5.0), ("c", "f", 5.0)]
USD_PER_KM = 2.0


def weighted_ladder(capacity: float = 1000.0):
    """The ladder with layer columns: cost = 2 USD/km, all of it time cost, 80 km/h."""
    network = make_network(COORDS, LINKS)
    edges = network.edges.assign(
        capacity_trucks_day=capacity,
        travel_time_h=network.edges["length_km"] / 80.0,
        cost_usd=network.edges["length_km"] * USD_PER_KM,
        cost_time_usd=network.edges["length_km"] * USD_PER_KM,
        cost_theft_usd=0.0,
    )
    return network.with_edges(edges)


DEMAND = pd.DataFrame(
    {"origin": ["a"], "destination": ["c"], "segment": ["test"], "trucks_day": [100.0],
     "value_usd_per_truck": [50_000.0]}
)


def disruption(network, link, *, start=2, days=3, recovery=0, **effect):
    effect = effect or {"close": True}
    item = Disruption.model_validate({
        "name": f"{link} event", "select": {"links": [link]}, "effect": effect,
        "timing": {"start_day": start, "days": days, "recovery_days": recovery},
    })
    return ActiveDisruption.from_disruption(item, network.edges["link_id"].eq(link).to_numpy())


def run(network, active, horizon=8):
    return simulate(network, DEMAND, active, horizon_days=horizon, cost_params=CostParams(),
                    reroute_params=RerouteParams())


def test_closing_a_rail_forces_the_known_detour_only_while_closed():
    network = weighted_ladder()
    result = run(network, [disruption(network, "b-c-1")])
    extra = result.timeline["extra_cost_usd"].to_numpy()
    detour_km = (10 + 5 + 12 + 5) - (10 + 10)  # a-b-e-f-c instead of a-b-c
    expected = 100 * detour_km * USD_PER_KM
    assert extra.tolist() == pytest.approx([0, 0, expected, expected, expected, 0, 0, 0])
    assert result.timeline["extra_truck_km"].max() == pytest.approx(100 * detour_km)
    assert result.totals["extra_cost_usd"] == pytest.approx(3 * expected)
    assert result.totals["unmet_truck_days"] == 0


def test_each_distinct_state_is_solved_once(monkeypatch):
    calls = []
    original = simulate_module.solve_state
    monkeypatch.setattr(simulate_module, "solve_state",
                        lambda *args, **kw: calls.append(1) or original(*args, **kw))
    network = weighted_ladder()
    result = run(network, [disruption(network, "b-c-1", days=4)], horizon=20)
    assert len(calls) == 2  # the baseline and the one closed state
    assert len(set(result.day_state)) == 2


def test_capacity_below_demand_leaves_exactly_the_shortfall_unmet():
    network = weighted_ladder(capacity=1000.0)
    # both rungs on the right cut: only a 60-truck lane remains open into c
    active = [disruption(network, "c-f-6", start=0, days=5),
              disruption(network, "b-c-1", start=0, days=5, capacity_factor=0.06)]
    result = run(network, active, horizon=5)
    assert result.timeline["unmet_trucks"].tolist() == pytest.approx([40.0] * 5)
    assert result.totals["cargo_value_delayed_usd"] == pytest.approx(5 * 40 * 50_000)


def test_recovery_ramps_capacity_back_linearly():
    network = weighted_ladder()
    item = disruption(network, "b-c-1", start=1, days=2, recovery=3)
    base = baseline_arrays(network)
    mask = item.mask
    capacities = [
        state_on_day(network, base, [item], day, CostParams()).capacity[mask][0]
        for day in range(7)
    ]
    assert capacities == pytest.approx([1000, 0, 0, 250, 500, 750, 1000])


def test_effects_change_cost_as_documented():
    network = weighted_ladder()
    base = baseline_arrays(network)
    params = CostParams()
    slow = disruption(network, "a-b-0", start=0, speed_factor=0.5, wait_hours=2.0,
                      cost_surcharge_usd=10.0)
    state = state_on_day(network, base, [slow], 0, params)
    i = int(np.flatnonzero(slow.mask)[0])
    assert state.cost_usd[i] == pytest.approx(
        20.0 * 2 + 2.0 * params.value_of_time_usd_h + 10.0
    )
    assert state.travel_time_h[i] == pytest.approx(10 / 80 * 2 + 2.0)
    untouched = ~slow.mask
    assert np.array_equal(state.cost_usd[untouched], base.cost_usd[untouched])

"""Monte Carlo years: reproducible per seed, independent of the number of processes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from corredor.layers.cost import CostParams
from corredor.montecarlo import run_monte_carlo
from corredor.pipeline import event_drawer
from corredor.reroute import RerouteParams
from corredor.scenario import Duration, MonteCarlo

from factories import make_network

COORDS = {"a": (-101.0, 21.0), "b": (-100.9, 21.0), "c": (-100.8, 21.0),
          "d": (-101.0, 21.1), "e": (-100.9, 21.1), "f": (-100.8, 21.1)}
LINKS = [("a", "b", 10.0), ("b", "c", 10.0), ("d", "e", 12.0), ("e", "f", 12.0),
         ("a", "d", 5.0), ("b", "e", 5.0), ("c", "f", 5.0)]
DEMAND = pd.DataFrame({"origin": ["a"], "destination": ["c"], "segment": ["t"],
                       "trucks_day": [100.0], "value_usd_per_truck": [50_000.0]})


@pytest.fixture(scope="module")
def ladder():
    network = make_network(COORDS, LINKS, bridge=[False, True, False, False, False, False, False])
    length = network.edges["length_km"]
    rail = network.edges["link_id"].str.startswith("a-b").to_numpy()
    return network.with_edges(network.edges.assign(
        capacity_trucks_day=1000.0, travel_time_h=length / 80.0, cost_usd=length * 2.0,
        cost_time_usd=length * 2.0, cost_theft_usd=0.0,
        flood_rp10_depth_max_m=np.where(rail, 0.2, 0.0),
        flood_rp100_depth_max_m=np.where(rail, 2.0, 0.0),
    ))


def spec(**fields) -> MonteCarlo:
    return MonteCarlo.model_validate({"runs": 12, "seed": 7, "horizon_days": 60, **fields})


def run(network, mc, jobs=1):
    return run_monte_carlo(network, DEMAND, event_drawer(network, mc), cost_params=CostParams(),
                           reroute_params=RerouteParams(), jobs=jobs)


def test_certain_bridge_failure_costs_exactly_the_detour_for_its_duration(ladder):
    mc = spec(bridge_failures={"annual_probability": 1.0,
                               "duration": {"distribution": "fixed", "days": 4}})
    result = run(ladder, mc)
    detour_cost = 100 * ((10 + 5 + 12 + 5) - 20) * 2.0  # a-b-e-f-c instead of a-b-c
    assert (result.runs["events"] == 1).all()
    assert result.runs["extra_cost_usd"].to_numpy() == pytest.approx([4 * detour_cost] * 12)
    assert result.percentiles.set_index("kpi").loc["extra_cost_usd", "p50"] == pytest.approx(
        4 * detour_cost)


def test_same_seed_same_runs_and_jobs_do_not_change_results(ladder):
    mc = spec(
        floods={"season": [0, 50]},
        blockades=[{"name": "block", "rate_per_year": 30, "select": {"road_class": "motorway"},
                    "duration": {"distribution": "uniform", "min_days": 1, "max_days": 3}}],
    )
    first, again, parallel = run(ladder, mc), run(ladder, mc), run(ladder, mc, jobs=2)
    pd.testing.assert_frame_equal(first.runs, again.runs)
    pd.testing.assert_frame_equal(first.runs, parallel.runs)
    other = run(ladder, mc.model_copy(update={"seed": 8}))
    assert not first.runs["events"].equals(other.runs["events"])
    assert first.runs["events"].sum() > 0


def test_exceedance_curve_is_sorted_with_plotting_positions(ladder):
    mc = spec(blockades=[{"name": "b", "rate_per_year": 20, "select": {"road_class": "motorway"},
                          "duration": {"distribution": "fixed", "days": 2}}])
    curve = run(ladder, mc).exceedance
    assert curve["exceedance_probability"].tolist() == pytest.approx(
        [i / 13 for i in range(1, 13)])
    assert (np.diff(curve["extra_cost_usd"]) <= 0).all()


def test_durations_draw_whole_days_within_bounds():
    rng = np.random.default_rng(1)
    uniform = Duration(distribution="uniform", min_days=2, max_days=5)
    draws = [uniform.draw(rng) for _ in range(200)]
    assert min(draws) >= 2 and max(draws) <= 5
    capped = Duration(distribution="lognormal", days=30, sigma=2.0, max_days=40)
    assert max(capped.draw(rng) for _ in range(200)) <= 40
    with pytest.raises(ValueError, match="needs sigma"):
        Duration(distribution="lognormal", days=30)

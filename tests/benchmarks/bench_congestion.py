"""What congestion and queues cost in solve time, against the hard-capacity LP in the same run.

Opt-in: ``CORREDOR_BENCH=1 pytest tests/benchmarks/bench_congestion.py -m benchmark -s``
(``make bench PYTEST_ARGS="-k congestion"``).

1. The national baseline reroute with the delay layer (piecewise-linear congestion and
   queue costs) against the same solve with ``layers.delay.enabled: false`` (hard
   capacities only), median of 3 each.
2. ``scenarios/bajio-bridges-2024.yaml`` end to end (``pipeline.run``) with the delay
   layer, re-routing the affected trips (the default) and every trip
   (``reroute.reassign: all``), against the hard-capacity LP run the same way.

Prints timings and ratios; asserts only that each run produced a timeline.
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import numpy as np
import pytest

from corredor.demand import bundled_demand
from corredor.layers import DelayParams, apply_layers
from corredor.networks.national import load_national
from corredor.pipeline import prepare, run, weight_network
from corredor.reroute import RerouteParams
from corredor.simulate import solve_state
from corredor.states import baseline_arrays

pytestmark = [
    pytest.mark.benchmark,
    pytest.mark.skipif(os.environ.get("CORREDOR_BENCH") != "1", reason="set CORREDOR_BENCH=1"),
]

BAJIO = Path(__file__).resolve().parents[2] / "scenarios" / "bajio-bridges-2024.yaml"


def median_time(function, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def test_national_baseline_with_delay_against_hard_capacity():
    network = load_national()
    timings, results = {}, {}
    for label, enabled in (("hard capacity", False), ("congestion + queues", True)):
        weighted = apply_layers(network, delay_params=DelayParams(enabled=enabled))
        demand = bundled_demand(weighted)
        arrays = baseline_arrays(weighted)
        results[label] = solve_state(weighted, demand, arrays, RerouteParams())
        timings[label] = median_time(lambda w=weighted, d=demand, a=arrays: solve_state(
            w, d, a, RerouteParams()))
    hard, delay = timings["hard capacity"], timings["congestion + queues"]
    print(f"\nnational baseline reroute (median of 3): hard capacity {hard:.2f} s "
          f"({results['hard capacity'].iterations} rounds), congestion + queues {delay:.2f} s "
          f"({results['congestion + queues'].iterations} rounds): {delay / hard:.2f}x")
    assert results["congestion + queues"].delay_cost_usd.sum() > 0


def test_bajio_with_delay_against_hard_capacity():
    prepared = prepare(BAJIO)
    layers = prepared.scenario.layers.model_copy(update={"delay": DelayParams(enabled=False)})
    hard_network, _ = weight_network(load_national(), layers)
    cases = {
        "hard capacity": dataclasses.replace(prepared, network=hard_network),
        "congestion, affected trips": prepared,
        "congestion, all trips": dataclasses.replace(
            prepared, reroute_params=prepared.reroute_params.model_copy(
                update={"reassign": "all"})),
    }
    timings = {}
    for label, case in cases.items():
        started = time.perf_counter()
        result = run(case)
        timings[label] = time.perf_counter() - started
        assert len(result.simulation.timeline) > 0
    hard = timings["hard capacity"]
    print("\nbajio-bridges-2024 pipeline.run: " + "; ".join(
        f"{label} {seconds:.1f} s ({seconds / hard:.2f}x)" for label, seconds in timings.items()))

"""The bundled national model end to end: baseline, the Bajío scenario, criticality of every link.

Opt-in: ``CORREDOR_BENCH=1 pytest tests/benchmarks/bench_national.py -m benchmark -s``
(``make bench PYTEST_ARGS="-k national"``).

1. Baseline: ``load_national`` (median of 5), ``apply_layers``, and the capacitated
   baseline reroute as ``simulate`` solves it, against an all-or-nothing assignment
   (cheapest path per OD pair) measured in the same run.
2. ``scenarios/bajio-bridges-2024.yaml`` through ``pipeline.prepare`` and
   ``pipeline.run``, against the baseline solve of 1.
3. Criticality of every link (``scan_closures``, both directions closed together) and
   the whole ``assess_criticality`` analysis, against a networkx full recompute of
   every OD pair on a random sample of links, extrapolated to all links.

Prints timings and ratios; asserts only that the sampled results agree.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from corredor.closures import Closures
from corredor.criticality import assess_criticality, scan_closures
from corredor.demand import bundled_demand
from corredor.layers import apply_layers
from corredor.networks.national import load_national
from corredor.pipeline import prepare, run
from corredor.reroute import RerouteParams
from corredor.routing import shortest_paths
from corredor.simulate import solve_state
from corredor.states import baseline_arrays
from test_fragility import naive_impact

pytestmark = [
    pytest.mark.benchmark,
    pytest.mark.skipif(os.environ.get("CORREDOR_BENCH") != "1", reason="set CORREDOR_BENCH=1"),
]

BAJIO = Path(__file__).resolve().parents[2] / "scenarios" / "bajio-bridges-2024.yaml"
#: Links closed one by one in the networkx recompute (a random sample, fixed seed).
SAMPLE_LINKS = 40


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - started


def median_time(function, repeats: int = 5) -> float:
    return float(np.median([timed(function)[1] for _ in range(repeats)]))


@pytest.fixture(scope="module")
def weighted():
    return apply_layers(load_national())


@pytest.fixture(scope="module")
def baseline_solve_s(weighted):
    demand = bundled_demand(weighted)
    solve_state(weighted, demand, baseline_arrays(weighted), RerouteParams())  # warm imports
    return median_time(lambda: solve_state(weighted, demand, baseline_arrays(weighted),
                                           RerouteParams()), repeats=3)


def test_baseline_load_layers_and_solve(weighted, baseline_solve_s):
    load_s = median_time(load_national)
    network = load_national()
    layered, layers_s = timed(apply_layers, network)
    demand = bundled_demand(layered)
    result = solve_state(layered, demand, baseline_arrays(layered), RerouteParams())
    pairs = list(zip(demand["origin"], demand["destination"], strict=True))
    paths, aon_s = timed(shortest_paths, layered, pairs, weight="cost_usd")
    total = load_s + layers_s + baseline_solve_s
    print(f"\nnational model ({len(network.nodes):,} nodes, {len(network.edges):,} edges, "
          f"{len(demand)} OD rows): load_national {load_s:.3f} s (median of 5), apply_layers "
          f"{layers_s:.2f} s, baseline reroute {baseline_solve_s:.2f} s (median of 3; "
          f"{result.iterations} column-generation rounds), total {total:.2f} s\n"
          f"all-or-nothing cheapest paths for the same OD rows: {aon_s:.3f} s; the "
          f"capacitated baseline takes {baseline_solve_s / aon_s:,.0f}x that; load is "
          f"{load_s / total:.0%} and layers {layers_s / total:.0%} of the total")
    assert paths.reachable.all()


def test_bajio_scenario_end_to_end(baseline_solve_s):
    prepared, prepare_s = timed(prepare, BAJIO)
    result, run_s = timed(run, prepared)
    days = len(result.simulation.timeline)
    print(f"\nbajio-bridges-2024: prepare {prepare_s:.2f} s (load, layers, selectors), run "
          f"{run_s:.2f} s ({days} days, {len(result.simulation.states)} distinct network "
          f"states re-solved), end to end {prepare_s + run_s:.2f} s = "
          f"{(prepare_s + run_s) / baseline_solve_s:.1f}x one baseline reroute")
    assert days > 0


def test_criticality_of_every_link_against_networkx(weighted):
    demand = bundled_demand(weighted)
    closures = Closures.links(weighted)
    scan_closures(weighted, demand, closures)  # compile the graph once, as a session would
    ours = median_time(lambda: scan_closures(weighted, demand, closures).table(margin=0.1),
                       repeats=3)
    table = scan_closures(weighted, demand, closures).table(margin=0.1)
    rng = np.random.default_rng(13)
    sample = np.sort(rng.choice(len(closures.ids), SAMPLE_LINKS, replace=False))
    subset = Closures(closures.ids[sample], closures.members[:, sample])
    (_, extra, unmet), naive_s = timed(naive_impact, weighted, demand, subset, "cost_usd")
    per_link = naive_s / SAMPLE_LINKS
    full, full_s = timed(assess_criticality, weighted, demand)
    print(f"\ncriticality of all {len(closures.ids):,} links ({len(demand)} OD rows): subtree "
          f"scan {ours:.3f} s (median of 3); networkx full recompute {per_link:.3f} s per link "
          f"on {SAMPLE_LINKS} sampled links -> {per_link * len(closures.ids):,.0f} s for all "
          f"links, ratio {per_link * len(closures.ids) / ours:,.0f}x\n"
          f"assess_criticality (scan, nodes, crossings, corridors, capacity-aware top "
          f"links, local detours): {full_s:.1f} s = {full_s / ours:.0f}x the scan "
          f"({len(full.links):,} links, {len(full.nodes):,} nodes ranked)")
    np.testing.assert_allclose(table["extra_cost_usd_day"].to_numpy()[sample], extra,
                               rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(table["unmet_trucks_day"].to_numpy()[sample], unmet, rtol=1e-12)

"""Monte Carlo throughput on the national model: runs per minute with 1 and 2 processes.

Opt-in: ``CORREDOR_BENCH=1 pytest tests/benchmarks/bench_montecarlo.py -m benchmark -s``.
Uses the shipped ``flood-season-montecarlo`` scenario with ``CORREDOR_BENCH_RUNS`` runs
(default 40); prints runs/minute, LP solves and the 2-job speed-up; asserts only that
both job counts give identical results.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd
import pytest

from corredor.montecarlo import run_monte_carlo
from corredor.pipeline import prepare

pytestmark = [
    pytest.mark.benchmark,
    pytest.mark.skipif(os.environ.get("CORREDOR_BENCH") != "1", reason="set CORREDOR_BENCH=1"),
]

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "flood-season-montecarlo.yaml"


def test_monte_carlo_runs_per_minute():
    prepared = prepare(str(SCENARIO))
    scenario = prepared.scenario_file.scenario
    runs = int(os.environ.get("CORREDOR_BENCH_RUNS", "40"))
    spec = scenario.monte_carlo.model_copy(update={"runs": runs})
    timings, results = {}, {}
    for jobs in (1, 2):
        start = time.perf_counter()
        results[jobs] = run_monte_carlo(
            prepared.network, prepared.demand, spec, cost_params=scenario.layers.cost,
            reroute_params=scenario.reroute, jobs=jobs,
        )
        timings[jobs] = time.perf_counter() - start
    for jobs, seconds in timings.items():
        print(f"\n{runs} Monte Carlo years, {jobs} job(s): {seconds:.1f} s = "
              f"{runs / seconds * 60:.1f} runs/minute, {results[jobs].solves} LP solves")
    print(f"speed-up with 2 jobs: {timings[1] / timings[2]:.2f}x")
    pd.testing.assert_frame_equal(results[1].runs, results[2].runs)

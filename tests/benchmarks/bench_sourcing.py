"""Dual sourcing on the national model: 1,000 Monte Carlo draws x 10 candidates, and the MILP.

Opt-in: ``CORREDOR_BENCH=1 pytest tests/benchmarks/bench_sourcing.py -m benchmark -s``.
Uses the shipped ``sourcing-leon-san-antonio`` spec with five more candidates (10 in all)
and ``CORREDOR_BENCH_RUNS`` draws (default 1000). The baseline, measured in the same run,
is drawing the same random years alone (``montecarlo.draw_events``), which every analysis
of them pays; the script prints the time per stage, its ratio to that baseline and the
2-job speed-up, and asserts only that 1 and 2 jobs give identical draws.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from corredor.montecarlo import draw_events
from corredor.pipeline import prepare_sourcing
from corredor.sourcing import SourcingFile, load_sourcing_spec
from corredor.sourcing.allocation import allocation_model
from corredor.sourcing.draws import run_draws

pytestmark = [
    pytest.mark.benchmark,
    pytest.mark.skipif(os.environ.get("CORREDOR_BENCH") != "1", reason="set CORREDOR_BENCH=1"),
]

SPEC = Path(__file__).resolve().parents[2] / "scenarios" / "sourcing-leon-san-antonio.yaml"
MORE = ["mx:aguascalientes", "mx:monterrey", "mx:chihuahua", "mx:hermosillo", "mx:puebla"]


def test_thousand_draws_ten_candidates_and_the_milp():
    spec_file = load_sourcing_spec(SPEC)
    spec = spec_file.model
    runs = int(os.environ.get("CORREDOR_BENCH_RUNS", "1000"))
    extra = [spec.candidates[1].model_copy(update={"name": node, "node": node})
             for node in MORE]
    spec = spec.model_copy(update={
        "candidates": [*spec.candidates, *extra],
        "monte_carlo": spec.monte_carlo.model_copy(update={"runs": runs}),
    })
    spec_file = SourcingFile(spec, spec_file.path, spec_file.lines)

    start = time.perf_counter()
    case = prepare_sourcing(spec_file).case
    setup = time.perf_counter() - start

    start = time.perf_counter()
    draw_events(case.drawer)
    drawing = time.perf_counter() - start

    timings, draws = {}, {}
    for jobs in (1, 2):
        start = time.perf_counter()
        draws[jobs] = run_draws(case, jobs=jobs)
        timings[jobs] = time.perf_counter() - start
    np.testing.assert_array_equal(draws[1].shortfall_days, draws[2].shortfall_days)

    model = allocation_model(case, draws[1])
    lambdas = sorted({*spec.frontier, spec.risk_aversion})
    start = time.perf_counter()
    frontier = [model.solve(lam) for lam in lambdas]
    milp = time.perf_counter() - start
    print(f"\n{runs} draws x {len(spec.candidates)} candidates on the national model")
    print(f"baseline, drawing the events alone: {drawing:.1f} s "
          f"({drawing / runs * 1000:.1f} ms/draw)")
    print(f"case setup (network, layers, routes, critical links, stress scenarios): "
          f"{setup:.2f} s")
    for jobs, seconds in timings.items():
        print(f"draws + route checks, {jobs} job(s): {seconds:.1f} s = "
              f"{seconds / drawing:.2f}x the baseline")
    print(f"route checks alone (1 job): {(timings[1] - drawing) / runs * 1000:.1f} ms/draw")
    print(f"speed-up with 2 jobs: {timings[1] / timings[2]:.2f}x")
    print(f"MILP over {runs} draws: {milp / len(lambdas):.2f} s per risk aversion, "
          f"{milp:.2f} s for the {len(lambdas)}-point frontier = {milp / drawing:.3f}x the "
          "baseline")
    print(f"recommended at lambda={spec.risk_aversion:g}: "
          f"{frontier[lambdas.index(spec.risk_aversion)].label()}")

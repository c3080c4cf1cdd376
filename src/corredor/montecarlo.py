"""Monte Carlo years: random floods, bridge failures, blockades and theft surges.

Each run draws its events from its own seed (``SeedSequence(seed).spawn``), so
a run's result does not depend on how many processes share the work. A run is
split into segments between event starts and ends; each segment's network
state is rerouted once (states repeat across runs and are cached per process),
and a state that only makes unused edges worse keeps the baseline solution,
which stays optimal there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from corredor.demand import DEMAND_COLUMNS
from corredor.errors import CorredorError
from corredor.layers.cost import CostParams
from corredor.layers.flood import FragilityCurve
from corredor.network import Network, link_keys
from corredor.reroute import RerouteParams, RerouteResult
from corredor.scenario import Effect, MonteCarlo, RandomEvents, Timing, select_edges
from corredor.simulate import (
    ActiveDisruption,
    EdgeArrays,
    baseline_arrays,
    solve_state,
    state_kpis,
    state_on_day,
)

PERCENTILES = (50, 90, 99)
_CLOSE = Effect(close=True)


@dataclass(frozen=True)
class MonteCarloResult:
    """One row per run, the percentiles and the exceedance curves of the KPIs."""

    runs: pd.DataFrame
    percentiles: pd.DataFrame
    exceedance: pd.DataFrame
    solves: int


@dataclass(frozen=True)
class _Inputs:
    """What every worker needs, pickled once per process."""

    network: Network
    demand: pd.DataFrame
    spec: MonteCarlo
    cost_params: CostParams
    reroute_params: RerouteParams
    curve: FragilityCurve
    base: EdgeArrays
    baseline: RerouteResult
    baseline_kpis: dict[str, float]
    unmet_cost: np.ndarray
    region_of_link: dict[str, np.ndarray]
    region_depths: dict[str, np.ndarray]
    flood_rps: list[int]
    bridge_links: list[np.ndarray]
    blockade_masks: list[np.ndarray]
    surge_masks: list[np.ndarray]


def run_monte_carlo(
    network: Network,
    demand: pd.DataFrame,
    spec: MonteCarlo,
    *,
    cost_params: CostParams,
    reroute_params: RerouteParams,
    curve: FragilityCurve | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> MonteCarloResult:
    """Draw and evaluate ``spec.runs`` random years; ``jobs`` processes share the runs."""
    inputs = _prepare(network, demand, spec, cost_params, reroute_params, curve)
    seeds = np.random.SeedSequence(spec.seed).spawn(spec.runs)
    chunks = [list(range(start, spec.runs, max(jobs, 1))) for start in range(max(jobs, 1))]
    rows: list[dict] = []
    solves = 0
    if jobs <= 1:
        evaluator = _Evaluator(inputs)
        for i, seed in enumerate(seeds):
            rows.append(evaluator.run(i, seed))
            if progress is not None:
                progress(i + 1, spec.runs)
        solves = evaluator.solves
    else:
        with ProcessPoolExecutor(
            max_workers=jobs, initializer=_init_worker, initargs=(inputs,)
        ) as pool:
            futures = [
                pool.submit(_work_chunk, [(i, seeds[i]) for i in chunk])
                for chunk in chunks
                if chunk
            ]
            for future in as_completed(futures):
                chunk_rows, chunk_solves = future.result()
                rows += chunk_rows
                solves += chunk_solves
                if progress is not None:
                    progress(len(rows), spec.runs)
    runs = pd.DataFrame(sorted(rows, key=lambda row: row["run"]))
    return MonteCarloResult(runs, _percentiles(runs), _exceedance(runs), solves)


# -- preparation ------------------------------------------------------------------


def _prepare(network, demand, spec, cost_params, reroute_params, curve) -> _Inputs:
    base = baseline_arrays(network)
    baseline = solve_state(network, demand, base, reroute_params)
    value = demand["value_usd_per_truck"].to_numpy(dtype=float)
    unmet_cost = (
        np.nan_to_num(baseline.od["cost_usd_per_truck"].to_numpy(dtype=float))
        + value * reroute_params.delay_cost_share_per_day
    )
    links = link_keys(network)
    flood_rps: list[int] = []
    region_of_link: dict[str, np.ndarray] = {}
    region_depths: dict[str, np.ndarray] = {}
    if spec.floods is not None:
        flood_rps = sorted(
            int(c.removeprefix("flood_rp").removesuffix("_depth_max_m"))
            for c in network.edges.columns
            if c.startswith("flood_rp") and c.endswith("_depth_max_m")
        )
        if not flood_rps:
            raise CorredorError(
                "monte_carlo.floods needs the flood layer (layers.flood: screening or rasters)"
            )
        eligible = (
            select_edges(network, spec.floods.select)
            if spec.floods.select
            else np.ones(len(network.edges), dtype=bool)
        )
        region = network.edges["state"].str.split(";").str[0].fillna("")
        depth = network.edges[[f"flood_rp{rp}_depth_max_m" for rp in flood_rps]].to_numpy(
            dtype=float
        )
        for code in sorted(set(region[eligible]) - {""}):
            region_of_link[code] = region.eq(code).to_numpy() & eligible
            region_depths[code] = depth[region_of_link[code]]  # read once, not per draw
    bridge_links = []
    if spec.bridge_failures is not None:
        mask = select_edges(network, spec.bridge_failures.select)
        bridge_links = [links == key for key in sorted(set(links[mask]))]
    return _Inputs(
        network=network,
        demand=demand,
        spec=spec,
        cost_params=cost_params,
        reroute_params=reroute_params,
        curve=curve or FragilityCurve(),
        base=base,
        baseline=baseline,
        baseline_kpis=state_kpis(network, value, unmet_cost, base, baseline),
        unmet_cost=unmet_cost,
        region_of_link=region_of_link,
        region_depths=region_depths,
        flood_rps=flood_rps,
        bridge_links=bridge_links,
        blockade_masks=[select_edges(network, b.select) for b in spec.blockades],
        surge_masks=[select_edges(network, t.select) for t in spec.theft_surges],
    )


# -- one run ----------------------------------------------------------------------


class _Evaluator:
    """Draws and evaluates runs, caching the solution of every state it meets."""

    def __init__(self, inputs: _Inputs) -> None:
        self.inputs = inputs
        self.cache: dict[str, dict[str, float]] = {}
        self.solves = 0
        self.links = link_keys(inputs.network)

    def run(self, index: int, seed: np.random.SeedSequence) -> dict:
        rng = np.random.default_rng(seed)
        events = self.draw(rng)
        horizon = self.inputs.spec.horizon_days
        cuts = {0, horizon}
        for event in events:
            cuts |= {
                min(event.timing.start_day, horizon),
                min(event.timing.start_day + event.timing.days, horizon),
            }
        bounds = sorted(cuts)
        totals = dict.fromkeys(
            (
                "extra_cost_usd",
                "extra_truck_hours",
                "extra_truck_km",
                "unmet_truck_days",
                "cargo_value_delayed_usd",
            ),
            0.0,
        )
        disrupted_days = 0
        reference = self.inputs.baseline_kpis
        for start, end in pairwise(bounds):
            active = [e for e in events if e.timing.intensity(start) > 0]
            if not active:
                continue
            kpis = self.evaluate(active, start)
            days = end - start
            disrupted_days += days
            totals["extra_cost_usd"] += days * (kpis["cost_usd"] - reference["cost_usd"])
            totals["extra_truck_hours"] += days * (kpis["truck_hours"] - reference["truck_hours"])
            totals["extra_truck_km"] += days * (kpis["truck_km"] - reference["truck_km"])
            totals["unmet_truck_days"] += days * kpis["unmet_trucks"]
            totals["cargo_value_delayed_usd"] += days * kpis["cargo_value_delayed_usd"]
        return {"run": index, "events": len(events), "disrupted_days": disrupted_days, **totals}

    def evaluate(self, active: list[ActiveDisruption], day: int) -> dict[str, float]:
        inputs = self.inputs
        arrays = state_on_day(inputs.network, inputs.base, active, day, inputs.cost_params)
        key = arrays.key()
        if key not in self.cache:
            if _baseline_still_optimal(inputs.base, inputs.baseline, arrays):
                result = inputs.baseline
            else:
                result = solve_state(
                    inputs.network,
                    inputs.demand,
                    arrays,
                    inputs.reroute_params,
                    warm=inputs.baseline,
                )
                self.solves += 1
            value = inputs.demand["value_usd_per_truck"].to_numpy(dtype=float)
            self.cache[key] = state_kpis(inputs.network, value, inputs.unmet_cost, arrays, result)
        return self.cache[key]

    def draw(self, rng: np.random.Generator) -> list[ActiveDisruption]:
        spec, inputs = self.inputs.spec, self.inputs
        events: list[ActiveDisruption] = []
        if spec.floods is not None:
            events += self._floods(rng)
        if spec.bridge_failures is not None:
            failing = rng.random(len(inputs.bridge_links)) < spec.bridge_failures.annual_probability
            for mask in (m for m, fails in zip(inputs.bridge_links, failing, strict=True) if fails):
                events.append(
                    self._event(
                        "bridge failure", mask, _CLOSE, spec.bridge_failures.duration.draw(rng), rng
                    )
                )
        for generator, mask in zip(spec.blockades, inputs.blockade_masks, strict=True):
            events += self._arrivals(generator, mask, rng)
        for generator, mask in zip(spec.theft_surges, inputs.surge_masks, strict=True):
            events += self._arrivals(generator, mask, rng)
        return events

    def _floods(self, rng: np.random.Generator) -> list[ActiveDisruption]:
        inputs = self.inputs
        rps = np.array(inputs.flood_rps, dtype=float)
        events = []
        season = inputs.spec.floods.season
        for code, mask in inputs.region_of_link.items():
            period = 1.0 / max(rng.random(), 1e-12)  # annual-maximum return period
            if period < inputs.curve.channel_rp:
                continue
            depths = inputs.region_depths[code]
            at = np.clip(np.log(period), np.log(rps[0]), np.log(rps[-1]))
            below = period < rps[0]
            depth = np.array(
                [
                    0.0
                    if below or np.isnan(row).all()
                    else np.interp(at, np.log(rps), np.nan_to_num(row))
                    for row in depths
                ]
            )
            links = self.links[mask]
            closes = inputs.curve.closure_probability(depth)
            start = int(rng.integers(season[0], season[1] + 1))
            for link in sorted(set(links[closes > 0])):
                worst = float(depth[links == link].max())
                if rng.random() >= float(inputs.curve.closure_probability(worst)):
                    continue
                days = float(np.interp(worst, inputs.curve.days_depth_m, inputs.curve.days_closed))
                events.append(
                    ActiveDisruption(
                        f"flood {code} RP{period:.0f}",
                        _CLOSE,
                        Timing(
                            start_day=min(start, inputs.spec.horizon_days - 1),
                            days=max(1, math.ceil(days)),
                        ),
                        self.links == link,
                    )
                )
        return events

    def _arrivals(
        self, generator: RandomEvents, mask: np.ndarray, rng: np.random.Generator
    ) -> list[ActiveDisruption]:
        horizon = self.inputs.spec.horizon_days
        count = rng.poisson(generator.rate_per_year * horizon / 365.0)
        candidates = sorted(set(self.links[mask]))
        events = []
        for _ in range(count):
            if generator.scope == "all":
                hit = mask
            else:
                hit = self.links == candidates[int(rng.integers(len(candidates)))]
            events.append(
                self._event(
                    generator.name, hit, generator.effect, generator.duration.draw(rng), rng
                )
            )
        return events

    def _event(self, name, mask, effect, days, rng) -> ActiveDisruption:
        start = int(rng.integers(0, self.inputs.spec.horizon_days))
        return ActiveDisruption(name, effect, Timing(start_day=start, days=days), mask)


def _baseline_still_optimal(base: EdgeArrays, baseline: RerouteResult, arrays: EdgeArrays) -> bool:
    """True when the state only worsens edges the baseline does not use (or still fits).

    The baseline flow stays feasible (it fits every capacity and avoids closed
    edges) and no option became cheaper, so it is still an optimum.
    """
    flow = baseline.edge_flow
    no_cheaper = np.all(arrays.cost_usd >= base.cost_usd - 1e-9)
    fits = np.all(flow <= arrays.capacity + 1e-9)
    avoids_closed = not np.any(flow[arrays.closed] > 1e-9)
    return bool(no_cheaper and fits and avoids_closed)


# -- processes --------------------------------------------------------------------

_WORKER: _Evaluator | None = None


def _init_worker(inputs: _Inputs) -> None:
    global _WORKER
    _WORKER = _Evaluator(inputs)


def _work_chunk(items: list[tuple[int, np.random.SeedSequence]]) -> tuple[list[dict], int]:
    if _WORKER is None:
        raise RuntimeError("worker used before _init_worker ran")
    before = _WORKER.solves
    rows = [_WORKER.run(i, seed) for i, seed in items]
    return rows, _WORKER.solves - before


# -- statistics -------------------------------------------------------------------

_KPIS = ("extra_cost_usd", "unmet_truck_days", "cargo_value_delayed_usd", "extra_truck_hours")


def _percentiles(runs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for kpi in _KPIS:
        values = runs[kpi].to_numpy()
        rows.append(
            {
                "kpi": kpi,
                "mean": float(values.mean()),
                **{f"p{q}": float(np.percentile(values, q)) for q in PERCENTILES},
            }
        )
    return pd.DataFrame(rows)


def _exceedance(runs: pd.DataFrame) -> pd.DataFrame:
    """Each KPI sorted descending with its empirical exceedance probability i/(n+1)."""
    n = len(runs)
    frame = {"exceedance_probability": np.arange(1, n + 1) / (n + 1)}
    for kpi in ("extra_cost_usd", "unmet_truck_days"):
        frame[kpi] = np.sort(runs[kpi].to_numpy())[::-1]
    return pd.DataFrame(frame)


# -- events for other analyses ------------------------------------------------------


def draw_events(
    network: Network,
    spec: MonteCarlo,
    *,
    runs: Sequence[int] | None = None,
    curve: FragilityCurve | None = None,
) -> list[list[ActiveDisruption]]:
    """The events of runs ``runs`` (default all), exactly as ``run_monte_carlo`` draws them.

    For analyses that evaluate the same random years their own way (dual sourcing):
    run i gets the same seed and hence the same events here as in ``run_monte_carlo``.
    No demand is routed, so the baseline solve is on an empty demand table.
    """
    no_demand = pd.DataFrame(columns=DEMAND_COLUMNS).astype(
        {"trucks_day": float, "value_usd_per_truck": float}
    )
    inputs = _prepare(network, no_demand, spec, CostParams(), RerouteParams(), curve)
    evaluator = _Evaluator(inputs)
    seeds = np.random.SeedSequence(spec.seed).spawn(spec.runs)
    chosen = range(spec.runs) if runs is None else runs
    return [evaluator.draw(np.random.default_rng(seeds[i])) for i in chosen]

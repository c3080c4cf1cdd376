"""Monte Carlo years: random floods, bridge failures, blockades and theft surges.

Each run draws its events from its own seed (``SeedSequence(seed).spawn``), so
a run's result does not depend on how many processes share the work. A run is
split into segments between event starts and ends; each segment's network
state is rerouted once (states repeat across runs and are cached per process),
and a state that only makes unused edges worse keeps the baseline solution,
which stays optimal there.

Drawing (``EventDrawer``) needs only the network, the generators and the edge
masks their selectors resolved to (``corredor.pipeline.prepare`` resolves
them, so ``corredor validate`` checks them); evaluating needs the demand and
its baseline solution. Dual sourcing draws the same years without routing any
demand (``draw_events``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from corredor.errors import CorredorError
from corredor.kpis import Valuation
from corredor.layers.cost import CostParams
from corredor.layers.flood import FragilityCurve, flood_return_periods
from corredor.network import Network, link_keys
from corredor.reroute import RerouteParams, RerouteResult
from corredor.scenario import Effect, MonteCarlo, RandomEvents, Timing
from corredor.simulate import solve_state
from corredor.states import ActiveDisruption, EdgeArrays, baseline_arrays, state_on_day

__all__ = [
    "PERCENTILES",
    "EventDrawer",
    "EventMasks",
    "MonteCarloResult",
    "draw_events",
    "run_monte_carlo",
]

PERCENTILES = (50, 90, 99)
_CLOSE = Effect(close=True)


@dataclass(frozen=True)
class MonteCarloResult:
    """What the random years say.

    Attributes
    ----------
    runs : pandas.DataFrame
        One row per run: its KPIs (increments over the baseline), events, disrupted days
        and ``events: <kind>`` counts.
    percentiles : pandas.DataFrame
        Mean, P50, P90, P99 of every KPI over the runs.
    exceedance : pandas.DataFrame
        Extra cost and unmet truck-days sorted, with exceedance probability i / (n + 1).
    event_types : pandas.DataFrame
        Per kind of event: mean events per run and share of runs with at least one.
    links : pandas.DataFrame
        Per physical link, expected per run: extra cost, unmet truck-days and disrupted
        days attributed to it (a state's totals split evenly among the links it disrupts).
    solves : int
        LP solves (distinct states) this process pool ran.
    """

    runs: pd.DataFrame
    percentiles: pd.DataFrame
    exceedance: pd.DataFrame
    event_types: pd.DataFrame
    links: pd.DataFrame
    solves: int


@dataclass(frozen=True, eq=False)
class EventMasks:
    """The edges each generator of a ``MonteCarlo`` spec may hit (its resolved selectors).

    ``floods`` is the eligible edges of the flood generator (all edges when it has no
    ``select``), ``bridges`` those of the bridge-failure generator, then one mask per
    blockade and theft-surge generator, in order. None where the generator is absent.
    """

    floods: np.ndarray | None
    bridges: np.ndarray | None
    blockades: list[np.ndarray]
    theft_surges: list[np.ndarray]


@dataclass(frozen=True, eq=False)
class EventDrawer:
    """Draws the events of a run: everything the generators need, computed once.

    Build it with ``EventDrawer.of``; ``draw(rng)`` returns one run's events.
    """

    spec: MonteCarlo
    curve: FragilityCurve
    links: np.ndarray
    link_codes: np.ndarray
    link_ids: np.ndarray
    region_of_link: dict[str, np.ndarray]
    region_depths: dict[str, np.ndarray]
    flood_rps: list[int]
    bridge_links: list[np.ndarray]
    masks: EventMasks

    @classmethod
    def of(cls, network: Network, spec: MonteCarlo, masks: EventMasks, *,
           curve: FragilityCurve | None = None) -> EventDrawer:
        """Prepare the draws of ``spec`` on a weighted network.

        Parameters
        ----------
        network : Network
            The weighted network (with the flood layer's columns when ``spec.floods``).
        spec : MonteCarlo
            The generators.
        masks : EventMasks
            The edges each generator may hit.
        curve : FragilityCurve, optional
            Depth to closure probability and days (default curve).

        Returns
        -------
        EventDrawer

        Raises
        ------
        CorredorError
            ``spec.floods`` is given but the network has no flood layer.
        """
        links = link_keys(network)
        flood_rps: list[int] = []
        region_of_link: dict[str, np.ndarray] = {}
        region_depths: dict[str, np.ndarray] = {}
        if spec.floods is not None:
            flood_rps = flood_return_periods(network)
            if not flood_rps:
                raise CorredorError("monte_carlo.floods needs the flood layer "
                                    "(layers.flood: screening or rasters)")
            eligible = masks.floods if masks.floods is not None else np.ones(
                len(network.edges), dtype=bool)
            region = network.edges["state"].str.split(";").str[0].fillna("")
            depth = network.edges[[f"flood_rp{rp}_depth_max_m" for rp in flood_rps]].to_numpy(
                dtype=float)
            for code in sorted(set(region[eligible]) - {""}):
                region_of_link[code] = region.eq(code).to_numpy() & eligible
                region_depths[code] = depth[region_of_link[code]]  # read once, not per draw
        bridge_links = []
        if spec.bridge_failures is not None and masks.bridges is not None:
            bridge_links = [links == key for key in sorted(set(links[masks.bridges]))]
        codes, ids = pd.factorize(pd.Series(links, dtype=object), sort=False)
        return cls(spec, curve or FragilityCurve(), links, codes, np.asarray(ids, dtype=object),
                   region_of_link, region_depths, flood_rps, bridge_links, masks)

    def seeds(self) -> list[np.random.SeedSequence]:
        """One seed per run, spawned from the spec's seed."""
        return np.random.SeedSequence(self.spec.seed).spawn(self.spec.runs)

    def draw(self, rng: np.random.Generator) -> list[ActiveDisruption]:
        """The events of one run, drawn from ``rng``."""
        spec = self.spec
        events: list[ActiveDisruption] = []
        if spec.floods is not None:
            events += self._floods(rng)
        if spec.bridge_failures is not None:
            failing = rng.random(len(self.bridge_links)) < spec.bridge_failures.annual_probability
            for mask in (m for m, fails in zip(self.bridge_links, failing, strict=True) if fails):
                events.append(self._event(
                    "bridge failure", mask, _CLOSE, spec.bridge_failures.duration.draw(rng), rng))
        for generator, mask in zip(spec.blockades, self.masks.blockades, strict=True):
            events += self._arrivals(generator, mask, rng)
        for generator, mask in zip(spec.theft_surges, self.masks.theft_surges, strict=True):
            events += self._arrivals(generator, mask, rng)
        return events

    def _floods(self, rng: np.random.Generator) -> list[ActiveDisruption]:
        events = []
        for code, mask in self.region_of_link.items():
            period = 1.0 / max(rng.random(), 1e-12)  # annual-maximum return period
            if period < self.curve.channel_rp:
                continue
            depth = self._depth_at(self.region_depths[code], period)
            links = self.links[mask]
            closes = self.curve.closure_probability(depth)
            first, last = self.spec.floods.season if self.spec.floods is not None else (0, 0)
            start = int(rng.integers(first, last + 1))
            for link in sorted(set(links[closes > 0])):
                worst = float(depth[links == link].max())
                if rng.random() >= float(self.curve.closure_probability(worst)):
                    continue
                days = float(np.interp(worst, self.curve.days_depth_m, self.curve.days_closed))
                timing = Timing(start_day=min(start, self.spec.horizon_days - 1),
                                days=max(1, math.ceil(days)))
                events.append(ActiveDisruption(f"flood {code} RP{period:.0f}", _CLOSE, timing,
                                               self.links == link, kind="flood"))
        return events

    def _depth_at(self, depths: np.ndarray, period: float) -> np.ndarray:
        """Each edge's depth at return period ``period`` (log-interpolated, 0 below the table)."""
        rps = np.array(self.flood_rps, dtype=float)
        at = np.clip(np.log(period), np.log(rps[0]), np.log(rps[-1]))
        below = period < rps[0]
        return np.array([
            0.0 if below or np.isnan(row).all() else np.interp(at, np.log(rps), np.nan_to_num(row))
            for row in depths
        ])

    def _arrivals(self, generator: RandomEvents, mask: np.ndarray, rng: np.random.Generator
                  ) -> list[ActiveDisruption]:
        horizon = self.spec.horizon_days
        count = rng.poisson(generator.rate_per_year * horizon / 365.0)
        candidates = sorted(set(self.links[mask]))
        events: list[ActiveDisruption] = []
        if not candidates:  # an optional selector that matched nothing: no event can happen
            return events
        for _ in range(count):
            if generator.scope == "all":
                hit = mask
            else:
                hit = self.links == candidates[int(rng.integers(len(candidates)))]
            events.append(self._event(generator.name, hit, generator.effect,
                                      generator.duration.draw(rng), rng))
        return events

    def _event(self, name: str, mask: np.ndarray, effect: Effect, days: int,
               rng: np.random.Generator) -> ActiveDisruption:
        start = int(rng.integers(0, self.spec.horizon_days))
        return ActiveDisruption(name, effect, Timing(start_day=start, days=days), mask, kind=name)


@dataclass(frozen=True, eq=False)
class _Inputs:
    """What every worker needs, pickled once per process."""

    network: Network
    demand: pd.DataFrame
    drawer: EventDrawer
    cost_params: CostParams
    reroute_params: RerouteParams
    base: EdgeArrays
    baseline: RerouteResult
    valuation: Valuation
    baseline_kpis: dict[str, float]


def run_monte_carlo(
    network: Network,
    demand: pd.DataFrame,
    drawer: EventDrawer,
    *,
    cost_params: CostParams,
    reroute_params: RerouteParams,
    baseline: RerouteResult | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> MonteCarloResult:
    """Draw and evaluate every random year of ``drawer.spec``.

    Parameters
    ----------
    network : Network
        The weighted network.
    demand : pandas.DataFrame
        The demand rerouted in every state.
    drawer : EventDrawer
        The generators, prepared on ``network``.
    cost_params, reroute_params
        How effects are priced and states rerouted.
    baseline : RerouteResult, optional
        The undisrupted solution of ``demand`` (solved here when not given).
    jobs : int, default 1
        Processes sharing the runs; results do not depend on it.
    progress : callable, optional
        Called as ``progress(done, total)`` after each run.

    Returns
    -------
    MonteCarloResult
    """
    base = baseline_arrays(network)
    baseline = baseline or solve_state(network, demand, base, reroute_params)
    valuation = Valuation.of(demand, baseline, reroute_params)
    inputs = _Inputs(network, demand, drawer, cost_params, reroute_params, base, baseline,
                     valuation, valuation.kpis(network, base, baseline))
    rows, solves, attributed = _evaluate(inputs, jobs, progress)
    runs = pd.DataFrame(sorted(rows, key=lambda row: row["run"]))
    kinds = sorted(c for c in runs.columns if c.startswith("events: "))
    runs[kinds] = runs[kinds].fillna(0).astype(int)
    runs = runs[[c for c in runs.columns if c not in kinds] + kinds]
    return MonteCarloResult(runs, _percentiles(runs), _exceedance(runs), _event_types(runs),
                            _link_table(drawer, attributed / drawer.spec.runs), solves)


def _evaluate(inputs: _Inputs, jobs: int, progress: Callable[[int, int], None] | None
              ) -> tuple[list[dict], int, np.ndarray]:
    """Every run's totals, the LP solves and the per-link sums, in this process or ``jobs``."""
    seeds = inputs.drawer.seeds()
    total = inputs.drawer.spec.runs
    rows: list[dict] = []
    if jobs <= 1:
        evaluator = _Evaluator(inputs)
        for i, seed in enumerate(seeds):
            rows.append(evaluator.run(i, seed))
            if progress is not None:
                progress(i + 1, total)
        return rows, evaluator.solves, evaluator.attributed
    solves = 0
    attributed = np.zeros((len(inputs.drawer.link_ids), 3))
    chunks = [list(range(start, total, jobs)) for start in range(jobs)]
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker,
                             initargs=(inputs,)) as pool:
        futures = [pool.submit(_work_chunk, [(i, seeds[i]) for i in chunk])
                   for chunk in chunks if chunk]
        for future in as_completed(futures):
            chunk_rows, chunk_solves, chunk_attributed = future.result()
            rows += chunk_rows
            solves += chunk_solves
            attributed += chunk_attributed
            if progress is not None:
                progress(len(rows), total)
    return rows, solves, attributed


def draw_events(drawer: EventDrawer, *, runs: Sequence[int] | None = None
                ) -> list[list[ActiveDisruption]]:
    """The events of runs ``runs`` (default all), exactly as ``run_monte_carlo`` draws them.

    For analyses that evaluate the same random years their own way (dual sourcing):
    run i gets the same seed and hence the same events here as in ``run_monte_carlo``.

    Parameters
    ----------
    drawer : EventDrawer
        The prepared generators.
    runs : sequence of int, optional
        Run indices (default: every run).

    Returns
    -------
    list of list of ActiveDisruption
        The events of each requested run, in the order asked.
    """
    seeds = drawer.seeds()
    chosen = range(drawer.spec.runs) if runs is None else runs
    return [drawer.draw(np.random.default_rng(seeds[i])) for i in chosen]


# -- one run ----------------------------------------------------------------------


class _Evaluator:
    """Draws and evaluates runs, caching the solution of every state it meets."""

    def __init__(self, inputs: _Inputs) -> None:
        self.inputs = inputs
        # a year needs only the KPIs, which the minimal-change second stage leaves within its
        # tolerance: the years skip it (it was about a third of the solve time)
        self.params = inputs.reroute_params.model_copy(update={"minimal_change": False})
        self.cache: dict[str, dict[str, float]] = {}
        self.solves = 0
        #: per link: extra cost, unmet truck-days and disrupted days, summed over runs
        self.attributed = np.zeros((len(inputs.drawer.link_ids), 3))

    def run(self, index: int, seed: np.random.SeedSequence) -> dict:
        """One run's totals (increments over the baseline) and its events by kind."""
        rng = np.random.default_rng(seed)
        events = self.inputs.drawer.draw(rng)
        horizon = self.inputs.drawer.spec.horizon_days
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
            totals["unmet_truck_days"] += days * (kpis["unmet_trucks"] - reference["unmet_trucks"])
            totals["cargo_value_delayed_usd"] += days * (
                kpis["cargo_value_delayed_usd"] - reference["cargo_value_delayed_usd"])
            self._attribute(active, days, kpis, reference)
        kinds = Counter(f"events: {event.kind}" for event in events)
        return {"run": index, "events": len(events), "disrupted_days": disrupted_days, **totals,
                **kinds}

    def _attribute(self, active: list[ActiveDisruption], days: int, kpis: dict[str, float],
                   reference: dict[str, float]) -> None:
        """Split a segment's extra cost and unmet truck-days evenly among its disrupted links."""
        touched = np.logical_or.reduce([event.mask for event in active])
        links = np.unique(self.inputs.drawer.link_codes[touched])
        if not len(links):
            return
        share = days / len(links)
        self.attributed[links, 0] += share * (kpis["cost_usd"] - reference["cost_usd"])
        self.attributed[links, 1] += share * (kpis["unmet_trucks"] - reference["unmet_trucks"])
        self.attributed[links, 2] += days

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
                    self.params,
                    warm=inputs.baseline,
                    base=inputs.base,
                )
                self.solves += 1
            self.cache[key] = inputs.valuation.kpis(inputs.network, arrays, result)
        return self.cache[key]


def _baseline_still_optimal(base: EdgeArrays, baseline: RerouteResult, arrays: EdgeArrays) -> bool:
    """True when the state only worsens edges the baseline does not use.

    The baseline flow meets the same costs, capacities and delays (every edge it
    uses is unchanged) and no option became cheaper or roomier, so it is still an
    optimum.
    """
    used = baseline.edge_flow > 1e-9
    no_cheaper = np.all(arrays.cost_usd >= base.cost_usd - 1e-9)
    no_roomier = np.all(arrays.capacity <= base.capacity) and (
        arrays.wait_shift_h is None or np.all(arrays.wait_shift_h >= 0))
    return bool(no_cheaper and no_roomier and not np.any(arrays.changed(base) & used))


# -- processes --------------------------------------------------------------------

_WORKER: _Evaluator | None = None


def _init_worker(inputs: _Inputs) -> None:
    global _WORKER
    _WORKER = _Evaluator(inputs)


def _work_chunk(items: list[tuple[int, np.random.SeedSequence]]
                ) -> tuple[list[dict], int, np.ndarray]:
    if _WORKER is None:
        raise RuntimeError("worker used before _init_worker ran")
    before, sums = _WORKER.solves, _WORKER.attributed.copy()
    rows = [_WORKER.run(i, seed) for i, seed in items]
    return rows, _WORKER.solves - before, _WORKER.attributed - sums


# -- statistics -------------------------------------------------------------------

#: The per-run KPIs summarised (mean and percentiles), in report order.
_KPIS = ("extra_cost_usd", "extra_truck_hours", "extra_truck_km", "unmet_truck_days",
         "cargo_value_delayed_usd", "disrupted_days", "events")


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


def _event_types(runs: pd.DataFrame) -> pd.DataFrame:
    """Per kind of event: mean events per run and the share of runs with at least one."""
    rows = [{"kind": column.removeprefix("events: "),
             "mean_events_per_run": float(runs[column].mean()),
             "share_of_runs": float((runs[column] > 0).mean())}
            for column in runs.columns if column.startswith("events: ")]
    return pd.DataFrame(rows, columns=["kind", "mean_events_per_run", "share_of_runs"])


def _link_table(drawer: EventDrawer, expected: np.ndarray) -> pd.DataFrame:
    """Links with an expected attribution per run, largest extra cost first."""
    table = pd.DataFrame({
        "link_id": drawer.link_ids,
        "expected_extra_cost_usd": expected[:, 0],
        "expected_unmet_truck_days": expected[:, 1],
        "expected_disrupted_days": expected[:, 2],
    })
    table = table[table["expected_disrupted_days"] > 0]
    return table.sort_values(["expected_extra_cost_usd", "link_id"], ascending=[False, True],
                             ignore_index=True)

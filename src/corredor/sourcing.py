"""Dual sourcing: which second supplier really diversifies route risk, and what split to buy.

All candidates are routed to the buyer over the *same* Monte Carlo draws
(``monte_carlo:`` of a scenario), so suppliers behind one bridge or crossing
fail together. Per draw and supplier (Simchi-Levi's TTR / TTS logic):

- a day is *cut* when no path from the supplier to the buyer exists on that
  day's network state (``simulate.state_on_day``: closed edges removed, costs
  with the day's effects), or the cheapest one costs more than
  ``(1 + max_detour_cost_increase)`` x the baseline route's generalised cost;
- an *outage* is a run of consecutive cut days; its time-to-recover TTR is its
  length, and the buyer's inventory cover TTS (``inventory_days``) absorbs the
  first TTS days: shortfall days = sum over outages of max(0, TTR - TTS);
- delivered fraction = 1 - shortfall days / horizon; shortfall cost l[d, s] =
  shortfall days x weekly truckloads / 7 x penalty per truckload.

Allocation (PuLP MILP, Rockafellar-Uryasev CVaR over the N draws)::

    min  sum_s C_s x_s + lambda (eta + 1 / ((1 - alpha) N) sum_d z_d)
    s.t. z_d >= sum_s l[d, s] x_s - eta,  z_d >= 0      for every draw d
         sum_s x_s = 1,  min_share y_s <= x_s <= max_share_s y_s,  sum_s y_s <= k
         y_s = 1 for incumbents,  y binary

with ``C_s`` the landed cost (price + generalised transport cost of the
baseline route) of all truckloads in the horizon. Model assumptions (each
labelled where its default is defined): shortfall is linear in the share
(each supplier's stream has its own TTS days of cover, the other supplier does
not surge), the cover is rebuilt between outages, capacities are not binding
for one buyer's trucks, and outages running past the horizon are cut there.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from itertools import combinations, pairwise
from pathlib import Path
from typing import Any

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import pulp
import pyogrio
import shapely
from pydantic import Field, NonNegativeFloat, PositiveFloat, model_validator
from pyproj import Geod

from corredor.errors import NoPathError, SolverError
from corredor.export import write_geojson
from corredor.mapping import dress_map
from corredor.montecarlo import draw_events
from corredor.network import CRS, Network, link_keys
from corredor.pipeline import prepare
from corredor.report import rounded
from corredor.routing import shortest_paths
from corredor.scenario import (
    LayerInputs,
    MonteCarlo,
    Scenario,
    ScenarioError,
    ScenarioFile,
    StrictModel,
    load_scenario,
    load_yaml_model,
    resolve_disruptions,
    yaml_line,
)
from corredor.simulate import ActiveDisruption, EdgeArrays, baseline_arrays, state_on_day

matplotlib.use("Agg")
import matplotlib.pyplot as plt

#: Draws per parallel task: small enough for a smooth progress bar, large enough that
#: drawing setup (one empty-demand baseline per task, ~40 ms on the national model) is noise.
CHUNK_DRAWS = 25

# -- the spec file ------------------------------------------------------------------


class Site(StrictModel):
    """A network node, or a lon/lat point snapped to the nearest node."""

    node: str | None = None
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)

    @model_validator(mode="after")
    def _node_or_point(self) -> Site:
        point = self.lon is not None and self.lat is not None
        if (self.node is None) == (not point) or (self.lon is None) != (self.lat is None):
            raise ValueError("give either node (a node id) or both lon and lat")
        return self


class Buyer(Site):
    name: str = Field(default="buyer", min_length=1)


class Candidate(Site):
    """A supplier the buyer could buy from."""

    name: str = Field(min_length=1)
    price_usd_per_truckload: PositiveFloat
    max_share: float = Field(default=1.0, gt=0, le=1)
    incumbent: bool = False


class SourcingSpec(StrictModel):
    """A sourcing spec file. Paths are relative to the file's folder."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    description: str = ""
    network: str = "bundled"
    layers: LayerInputs = Field(default_factory=LayerInputs)
    buyer: Buyer
    candidates: list[Candidate] = Field(min_length=1)
    weekly_truckloads: PositiveFloat
    inventory_days: float = Field(ge=0, description="time-to-survive TTS of the buyer")
    max_suppliers: int = Field(default=2, ge=1)
    min_share: float = Field(
        default=0.1, ge=0, lt=1,
        description="assumption: a chosen supplier gets at least 10 % of the volume, or it "
        "is not worth qualifying",
    )
    risk_aversion: float = Field(
        default=1.0, ge=0,
        description="assumption: lambda = 1, a dollar of tail (CVaR) shortfall cost weighs "
        "as much as a dollar of expected landed cost",
    )
    cvar_level: float = Field(0.95, gt=0, lt=1, description="assumption: the worst 5 % of draws")
    frontier: list[NonNegativeFloat] = Field(
        default=[0.0, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0], min_length=1,
        description="assumption: lambdas spanning no to strong risk aversion",
    )
    shortfall_penalty_usd_per_truckload: PositiveFloat = Field(
        default=100_000.0,
        description="assumption: lost production, premium freight and penalties per "
        "truckload that arrives after the buyer's cover ran out; a round planning number, "
        "not data: set your plant's figure",
    )
    max_detour_cost_increase: float | None = Field(
        default=0.5, ge=0,
        description="assumption: a detour costing over 50 % more than the baseline route "
        "(on a 1,000 km trip, ~10 truck-hours at the cost layer's value of time) misses a "
        "just-in-time buyer; null counts only physical cuts",
    )
    max_snap_km: PositiveFloat = Field(50.0, description="assumption: farthest snap of a site")
    monte_carlo: MonteCarlo
    stress_scenarios: list[Path] = Field(default_factory=list)

    @model_validator(mode="after")
    def _feasible(self) -> SourcingSpec:
        names = [c.name for c in self.candidates]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"candidate names must be unique (repeated: {', '.join(repeated)})")
        incumbents = [c for c in self.candidates if c.incumbent]
        if len(incumbents) > self.max_suppliers:
            raise ValueError(f"{len(incumbents)} incumbents but max_suppliers is "
                             f"{self.max_suppliers}")
        narrow = [c.name for c in self.candidates if c.max_share < self.min_share]
        if narrow:
            raise ValueError(f"max_share below min_share {self.min_share} for: {', '.join(narrow)}")
        others = sorted((c.max_share for c in self.candidates if not c.incumbent), reverse=True)
        best = sum(c.max_share for c in incumbents)
        best += sum(others[: self.max_suppliers - len(incumbents)])
        if best < 1 - 1e-9:
            raise ValueError(f"the max_share of any {self.max_suppliers} candidates sums to at "
                             f"most {best:.2f} < 1: no split can buy the whole volume")
        return self


@dataclass(frozen=True)
class SourcingFile:
    """A validated spec with where it came from (for paths and error lines)."""

    spec: SourcingSpec
    path: Path
    lines: dict[tuple, int]

    def where(self, *location: Any) -> str:
        """``file:line: a.b.c`` of a location such as ``("candidates", 2, "node")``."""
        dotted = ".".join(map(str, location))
        return f"{self.path}:{yaml_line(self.lines, location)}: {dotted}"


def load_sourcing_spec(path: str | Path) -> SourcingFile:
    """Parse and validate a sourcing spec; every problem is reported with its YAML line."""
    spec, lines = load_yaml_model(path, SourcingSpec, what="sourcing spec")
    return SourcingFile(spec=spec, path=Path(path), lines=lines)


def weighted_network(spec_file: SourcingFile) -> Network:
    """The spec's network with its layers, built exactly as a scenario's (``pipeline.prepare``)."""
    spec = spec_file.spec
    scenario = Scenario(name=spec.name, network=spec.network, horizon_days=1, layers=spec.layers)
    return prepare(ScenarioFile(scenario, spec_file.path, spec_file.lines)).network


# -- the case: sites, baseline routes, critical links -----------------------------------


@dataclass(frozen=True, eq=False)
class SourcingCase:
    """What every draw needs: nodes, baseline routes and the detour cost limits."""

    network: Network
    spec: SourcingSpec
    buyer: str
    nodes: list[str]
    snap_km: np.ndarray
    base: EdgeArrays
    paths: list[np.ndarray]
    cost: np.ndarray
    limit: np.ndarray
    critical: list[set[str]]
    stress: list[tuple[str, int, list[ActiveDisruption]]]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.spec.candidates]

    @property
    def landed_usd(self) -> np.ndarray:
        """Price + generalised transport cost of the baseline route, per truckload."""
        return self.cost + np.array([c.price_usd_per_truckload for c in self.spec.candidates])


def build_case(network: Network, spec_file: SourcingFile) -> SourcingCase:
    """Snap sites, route every candidate to the buyer; a candidate without a route is an error."""
    spec, problems = spec_file.spec, []
    buyer, _ = _site_node(network, spec.buyer, spec_file, ("buyer",), problems)
    sites = [_site_node(network, c, spec_file, ("candidates", i), problems)
             for i, c in enumerate(spec.candidates)]
    if problems:
        raise ScenarioError(spec_file.path, problems)
    nodes = [node for node, _ in sites]
    base = baseline_arrays(network)
    found = shortest_paths(network, [(n, buyer) for n in nodes], weight=base.cost_usd)
    stranded = [
        f"{spec_file.where('candidates', i)} ({c.name}): no route from {nodes[i]} to the "
        f"buyer {buyer} on this network (pick a node connected to the buyer)"
        for i, c in enumerate(spec.candidates)
        if not np.isfinite(found.cost[i])
    ]
    if stranded:
        raise NoPathError("\n".join(stranded))
    tolerance = spec.max_detour_cost_increase
    limit = np.full(len(nodes), np.inf) if tolerance is None else found.cost * (1 + tolerance)
    limit = limit + 1e-9
    stress = [_stress_events(network, spec_file, i) for i in range(len(spec.stress_scenarios))]
    critical = _critical_links(network, nodes, buyer, base, found.edges, limit)
    return SourcingCase(
        network, spec, buyer, nodes, np.array([km for _, km in sites]), base, found.edges,
        found.cost, limit, critical, stress,
    )


def _site_node(
    network: Network, site: Site, spec_file: SourcingFile, location: tuple, problems: list[str]
) -> tuple[str, float]:
    """The site's node id and how far its lon/lat was snapped (km)."""
    if site.node is not None:
        if site.node not in network.node_index:
            problems.append(f"{spec_file.where(*location, 'node')}: {site.node!r} is not a node "
                            "of the network (see `corredor info` or the nodes layer)")
        return site.node, 0.0
    nodes, n = network.nodes, len(network.nodes)
    lon, lat = nodes.geometry.x.to_numpy(), nodes.geometry.y.to_numpy()
    km = Geod(ellps="WGS84").inv(lon, lat, np.full(n, site.lon), np.full(n, site.lat))[2] / 1e3
    nearest = int(np.argmin(km))
    if km[nearest] > spec_file.spec.max_snap_km:
        problems.append(f"{spec_file.where(*location)}: ({site.lon}, {site.lat}) is "
                        f"{km[nearest]:.0f} km from the nearest node "
                        f"({nodes['node_id'].iloc[nearest]}); max_snap_km is "
                        f"{spec_file.spec.max_snap_km:g}")
    return str(nodes["node_id"].iloc[nearest]), float(km[nearest])


def _stress_events(
    network: Network, spec_file: SourcingFile, index: int
) -> tuple[str, int, list[ActiveDisruption]]:
    """A named scenario's disruptions, selected on this network (its own layers are ignored)."""
    path = spec_file.path.parent / spec_file.spec.stress_scenarios[index]  # absolute stays
    if not path.is_file():
        where = spec_file.where("stress_scenarios", index)
        raise ScenarioError(spec_file.path, [f"{where}: scenario file not found: {path}"])
    scenario_file = load_scenario(path)
    masks, scenario = resolve_disruptions(scenario_file, network), scenario_file.scenario
    return scenario.name, scenario.horizon_days, [
        ActiveDisruption.from_disruption(d, m)
        for d, m in zip(scenario.disruptions, masks, strict=True)
    ]


def _critical_links(
    network: Network, nodes: list[str], buyer: str, base: EdgeArrays,
    paths: list[np.ndarray], limit: np.ndarray,
) -> list[set[str]]:
    """Per candidate, the links on its route whose loss alone cuts it (no detour within limit)."""
    links = link_keys(network)
    on_route = [set(links[path]) for path in paths]
    critical: list[set[str]] = [set() for _ in nodes]
    for link in sorted(set().union(*on_route)):
        users = [s for s, route in enumerate(on_route) if link in route]
        found = shortest_paths(network, [(nodes[s], buyer) for s in users],
                               weight=base.cost_usd, removed=links == link)
        for s, cost in zip(users, found.cost, strict=True):
            if cost > limit[s]:
                critical[s].add(link)
    return critical


# -- draws ----------------------------------------------------------------------------


def cut_days(case: SourcingCase, events: Sequence[ActiveDisruption], horizon: int) -> np.ndarray:
    """Boolean (candidate x day): the supplier has no route within its cost limit that day.

    The network state only changes at event boundaries (and daily during a
    recovery); a candidate is re-routed only when an edge of its current path is
    closed or the path became too dear.
    """
    n = len(case.nodes)
    cut = np.zeros((n, horizon), dtype=bool)
    bounds = {0, horizon}
    for event in events:
        end = event.timing.start_day + event.timing.days
        bounds |= {event.timing.start_day, *range(end, end + event.timing.recovery_days + 1)}
    current = list(case.paths)
    for start, stop in pairwise(sorted(b for b in bounds if 0 <= b <= horizon)):
        active = [e for e in events if e.timing.intensity(start) > 0]
        if not active:
            current = list(case.paths)
            continue
        touched = np.logical_or.reduce([e.mask for e in active])
        suspects = [s for s in range(n) if touched[current[s]].any()]
        if not suspects:
            continue
        state = state_on_day(case.network, case.base, active, start, case.spec.layers.cost)
        stale = [s for s in suspects if state.closed[current[s]].any()
                 or state.cost_usd[current[s]].sum() > case.limit[s]]
        if not stale:
            continue
        found = shortest_paths(case.network, [(case.nodes[s], case.buyer) for s in stale],
                               weight=state.cost_usd, removed=state.closed)
        for s, cost, path in zip(stale, found.cost, found.edges, strict=True):
            if cost <= case.limit[s]:
                current[s] = path
            else:
                cut[s, start:stop] = True
                current[s] = case.paths[s]
    return cut


def outage_stats(cut: np.ndarray, inventory_days: float) -> tuple[np.ndarray, ...]:
    """Per candidate: cut days (TTR summed), longest outage and shortfall days.

    Shortfall days = sum over outages of max(0, TTR - TTS); assumption: the cover
    is rebuilt between outages.
    """
    padded = np.pad(cut.astype(np.int8), ((0, 0), (1, 1)))
    edges = np.diff(padded, axis=1)
    ttr, longest, shortfall = cut.sum(axis=1), np.zeros(len(cut)), np.zeros(len(cut))
    for s in range(len(cut)):
        lengths = np.flatnonzero(edges[s] == -1) - np.flatnonzero(edges[s] == 1)
        if len(lengths):
            longest[s] = lengths.max()
            shortfall[s] = np.maximum(lengths - inventory_days, 0).sum()
    return ttr.astype(float), longest, shortfall


@dataclass(frozen=True)
class DrawTable:
    """Per draw (rows) and candidate (columns); ``joint[d, s, t]``: s and t cut on a common day."""

    events: np.ndarray
    ttr_days: np.ndarray
    longest_days: np.ndarray
    shortfall_days: np.ndarray
    joint: np.ndarray


def _evaluate(case: SourcingCase, runs: Sequence[int]) -> list[tuple]:
    spec = case.spec
    rows = []
    for events in draw_events(case.network, spec.monte_carlo, runs=runs):
        cut = cut_days(case, events, spec.monte_carlo.horizon_days)
        as_int = cut.astype(np.int32)
        rows.append((len(events), *outage_stats(cut, spec.inventory_days), as_int @ as_int.T > 0))
    return rows


_CASE: SourcingCase | None = None


def _init_worker(case: SourcingCase) -> None:
    global _CASE
    _CASE = case


def _work(runs: list[int]) -> list[tuple]:
    if _CASE is None:
        raise RuntimeError("worker used before _init_worker ran")
    return _evaluate(_CASE, runs)


def run_draws(
    case: SourcingCase, *, jobs: int = 1, progress: Callable[[int, int], None] | None = None
) -> DrawTable:
    """Evaluate every Monte Carlo draw for all candidates; results do not depend on ``jobs``."""
    total = case.spec.monte_carlo.runs
    chunks = [list(range(i, min(i + CHUNK_DRAWS, total))) for i in range(0, total, CHUNK_DRAWS)]
    rows: list[tuple] = []
    if jobs <= 1:
        for chunk in chunks:
            rows += _evaluate(case, chunk)
            if progress is not None:
                progress(len(rows), total)
    else:
        with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(case,)) as pool:
            for chunk_rows in pool.map(_work, chunks):  # in order: deterministic
                rows += chunk_rows
                if progress is not None:
                    progress(len(rows), total)
    return DrawTable(*(np.array(column) for column in zip(*rows, strict=True)))


# -- allocation -------------------------------------------------------------------------


def cvar(losses: np.ndarray, alpha: float) -> float:
    """Mean of the worst (1 - alpha) share of equally likely losses (fractional draw included)."""
    ordered = np.sort(np.asarray(losses, dtype=float))[::-1]
    tail = (1 - alpha) * len(ordered)
    whole = min(int(np.floor(tail)), len(ordered))
    partial = ordered[whole] * (tail - whole) if whole < len(ordered) else 0.0
    return float((ordered[:whole].sum() + partial) / tail)


@dataclass(frozen=True)
class Allocation:
    """An optimal split: shares by candidate (chosen ones only) and its cost and tail risk."""

    risk_aversion: float
    shares: dict[str, float]
    expected_landed_cost_usd: float
    expected_shortfall_cost_usd: float
    cvar_shortfall_usd: float
    objective_usd: float
    solver: str

    def label(self) -> str:
        return " + ".join(f"{name} {share:.0%}" for name, share in self.shares.items())


class AllocationModel:
    """At most k suppliers and their shares, min expected cost + lambda x CVaR (see module doc).

    ``cost[s]``: landed cost of all volume from s; ``losses[d, s]``: shortfall
    cost in draw d of all volume from s.
    """

    def __init__(
        self, names: Sequence[str], cost: np.ndarray, losses: np.ndarray, *,
        max_share: Sequence[float], forced: Sequence[bool], max_suppliers: int,
        min_share: float, alpha: float,
    ) -> None:
        self.names, self.cost = list(names), np.asarray(cost, dtype=float)
        self.losses = np.asarray(losses, dtype=float)
        if self.losses.shape != (self.losses.shape[0], len(self.names)) or not len(self.losses):
            raise ValueError(f"losses must be draws x {len(self.names)} candidates")
        self.max_share, self.forced = list(max_share), list(forced)
        self.max_suppliers, self.min_share, self.alpha = max_suppliers, min_share, alpha

    def solve(self, risk_aversion: float) -> Allocation:
        """Solve to proven optimality (HiGHS, CBC fallback); ``SolverError`` otherwise."""
        n, draws = len(self.names), len(self.losses)
        problem = pulp.LpProblem("sourcing", pulp.LpMinimize)
        x = [problem.add_variable(f"x{s}", 0, self.max_share[s]) for s in range(n)]
        y = [problem.add_variable(f"y{s}", cat=pulp.LpBinary) for s in range(n)]
        eta = problem.add_variable("eta")
        z = [problem.add_variable(f"z{d}", 0) for d in range(draws)]
        tail = eta + pulp.lpSum(z) / ((1 - self.alpha) * draws)
        problem += pulp.lpDot(self.cost, x) + risk_aversion * tail
        problem += pulp.lpSum(x) == 1
        problem += pulp.lpSum(y) <= self.max_suppliers
        for s in range(n):
            problem += x[s] <= self.max_share[s] * y[s]
            problem += x[s] >= self.min_share * y[s]
            if self.forced[s]:
                problem += y[s] == 1
        for d in range(draws):
            row = self.losses[d]
            problem += z[d] >= pulp.lpDot(row[row > 0], [x[s] for s in np.flatnonzero(row)]) - eta
        highs = pulp.HiGHS(msg=False, gapRel=1e-9)
        solver, name = (highs, "highs") if highs.available() else (
            pulp.PULP_CBC_CMD(msg=False, gapRel=1e-9), "cbc")
        status = problem.solve(solver)
        if status != pulp.LpStatusOptimal:
            raise SolverError(f"{name} did not solve the sourcing MILP to optimality (status "
                              f"{pulp.LpStatus[status]}); check max_share, min_share and "
                              "max_suppliers")
        shares = np.array([v.varValue or 0.0 for v in x])
        shares = np.where(shares > 1e-7, shares, 0.0)
        shares /= shares.sum()
        tail_usd = cvar(self.losses @ shares, self.alpha)  # eta is free when lambda = 0
        return Allocation(
            risk_aversion=risk_aversion,
            shares={self.names[s]: float(shares[s]) for s in np.flatnonzero(shares)},
            expected_landed_cost_usd=float(self.cost @ shares),
            expected_shortfall_cost_usd=float((self.losses @ shares).mean()),
            cvar_shortfall_usd=tail_usd,
            objective_usd=float(self.cost @ shares + risk_aversion * tail_usd),
            solver=name,
        )


# -- the whole analysis -------------------------------------------------------------------


@dataclass(frozen=True)
class SourcingResult:
    """Ranked candidates and pairs, the recommended split, its frontier and stress tests."""

    case: SourcingCase
    draws: DrawTable
    candidates: pd.DataFrame
    pairs: pd.DataFrame
    recommended: Allocation
    frontier: list[Allocation]
    stress: pd.DataFrame


def analyse(
    network: Network, spec_file: SourcingFile, *, jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> SourcingResult:
    """Exposure, common-mode risk, allocation and stress tests for a weighted network."""
    case = build_case(network, spec_file)
    draws = run_draws(case, jobs=jobs, progress=progress)
    model = allocation_model(case, draws)
    lambdas = sorted({*case.spec.frontier, case.spec.risk_aversion})
    frontier = [model.solve(lam) for lam in lambdas]
    recommended = frontier[lambdas.index(case.spec.risk_aversion)]
    return SourcingResult(
        case, draws, _candidate_table(case, draws, model), _pair_table(case, draws, model.losses),
        recommended, frontier, _stress_table(case, recommended),
    )


def allocation_model(case: SourcingCase, draws: DrawTable) -> AllocationModel:
    """The allocation MILP of a case over its draws: landed costs and shortfall losses."""
    spec = case.spec
    return AllocationModel(
        case.names, case.landed_usd * spec.weekly_truckloads * spec.monte_carlo.horizon_days / 7,
        draws.shortfall_days * _loss_per_day(spec),
        max_share=[c.max_share for c in spec.candidates],
        forced=[c.incumbent for c in spec.candidates], max_suppliers=spec.max_suppliers,
        min_share=spec.min_share, alpha=spec.cvar_level,
    )


def run_sourcing(
    path: str | Path, *, jobs: int = 1, progress: Callable[[int, int], None] | None = None
) -> SourcingResult:
    """Load a spec, weight its network and analyse it."""
    spec_file = load_sourcing_spec(path)
    return analyse(weighted_network(spec_file), spec_file, jobs=jobs, progress=progress)


def _loss_per_day(spec: SourcingSpec) -> float:
    return spec.weekly_truckloads / 7 * spec.shortfall_penalty_usd_per_truckload


def _candidate_table(case, draws, model) -> pd.DataFrame:
    spec, edges, cost, losses = case.spec, case.network.edges, model.cost, model.losses
    alpha, lam = spec.cvar_level, spec.risk_aversion
    rows = []
    for s, candidate in enumerate(spec.candidates):
        route = edges.iloc[case.paths[s]]
        flood = route.get("flood_closure_prob_year")
        sole_cvar = cvar(losses[:, s], alpha)
        rows.append({
            "candidate": candidate.name, "node": case.nodes[s], "snapped_km": case.snap_km[s],
            "price_usd": candidate.price_usd_per_truckload, "transport_usd": case.cost[s],
            "landed_usd": case.landed_usd[s], "route_km": route["length_km"].sum(),
            "theft_loss_usd": route.get("theft_loss_usd", pd.Series(0.0)).sum(),
            # assumption: edges flood independently (the layer gives one probability per edge)
            "flood_closure_prob_year": np.nan if flood is None
            else 1 - np.prod(1 - flood.fillna(0.0).to_numpy()),
            "crossings": "; ".join(route.loc[route["road_class"] == "border", "name"]),
            "bridges": int(route["bridge"].sum()),
            "critical_links": "; ".join(_link_label(case.network, k)
                                        for k in sorted(case.critical[s])),
            "p_cut": (draws.ttr_days[:, s] > 0).mean(),
            "mean_ttr_days": draws.ttr_days[:, s].mean(),
            "p_shortfall": (draws.shortfall_days[:, s] > 0).mean(),
            "mean_shortfall_days": draws.shortfall_days[:, s].mean(),
            "expected_shortfall_usd": losses[:, s].mean(), "cvar_shortfall_usd": sole_cvar,
            "sole_source_objective_usd": cost[s] + lam * sole_cvar,
        })
    table = pd.DataFrame(rows).sort_values(["sole_source_objective_usd", "candidate"])
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table.reset_index(drop=True)


def _pair_table(case, draws, losses) -> pd.DataFrame:
    links, edges = link_keys(case.network), case.network.edges
    length = edges["length_km"].to_numpy()
    structures = set(links[(edges["road_class"].eq("border") | edges["bridge"]).to_numpy()])
    delivered = 1 - draws.shortfall_days / case.spec.monte_carlo.horizon_days
    short = draws.shortfall_days > 0
    rows = []
    for s, t in combinations(range(len(case.nodes)), 2):
        path, critical = case.paths[s], sorted(case.critical[s] & case.critical[t])
        common = list(set(links[path]) & set(links[case.paths[t]]))
        varies = delivered[:, s].std() > 0 and delivered[:, t].std() > 0
        rows.append({
            "a": case.names[s], "b": case.names[t], "p_joint_failure": draws.joint[:, s, t].mean(),
            "p_both_short": (short[:, s] & short[:, t]).mean(),
            "corr_delivered": np.corrcoef(delivered[:, s], delivered[:, t])[0, 1]
            if varies else np.nan,
            "shared_km": length[path][np.isin(links[path], common)].sum(),
            "shared_crossings_bridges": "; ".join(sorted({
                _link_label(case.network, k) for k in common if k in structures})),
            "n_shared_critical": len(critical),
            "shared_critical": "; ".join(_link_label(case.network, k) for k in critical),
            "cvar_50_50_usd": cvar((losses[:, s] + losses[:, t]) / 2, case.spec.cvar_level),
        })
    order = ["p_joint_failure", "n_shared_critical", "cvar_50_50_usd", "a", "b"]
    return pd.DataFrame(rows).sort_values(order).reset_index(drop=True)


def _stress_table(case: SourcingCase, recommended: Allocation) -> pd.DataFrame:
    """Each named scenario as one more draw: outages, shortfall and the split's cost."""
    rows, per_day = [], _loss_per_day(case.spec)
    for name, horizon, events in case.stress:
        cut = cut_days(case, events, horizon)
        ttr, longest, shortfall = outage_stats(cut, case.spec.inventory_days)
        for s, candidate in enumerate(case.names):
            share = recommended.shares.get(candidate, 0.0)
            rows.append({
                "scenario": name, "candidate": candidate, "cut_days": ttr[s],
                "longest_outage_days": longest[s], "shortfall_days": shortfall[s],
                "recommended_share": share,
                "shortfall_cost_usd_at_share": share * shortfall[s] * per_day,
            })
    return pd.DataFrame(rows)


def _link_label(network: Network, link: str) -> str:
    """``MEX-85 Monterrey – Nuevo Laredo``: ref and the stretch, or the crossing's name."""
    row = network.edges.loc[link_keys(network) == link].iloc[0]
    stretch = str(row["name"]).split(": ")[-1]
    return f"{row['ref']} {stretch}".strip()


# -- outputs ------------------------------------------------------------------------------


def routes_frame(result: SourcingResult) -> gpd.GeoDataFrame:
    """One row per candidate and route edge, with shared and critical links flagged."""
    case = result.case
    links = link_keys(case.network)
    users: dict[str, list[str]] = {}
    for name, path in zip(case.names, case.paths, strict=True):
        for link in set(links[path]):
            users.setdefault(link, []).append(name)
    critical_for = Counter(link for chosen in case.critical for link in chosen)
    columns = ["edge_id", "ref", "name", "road_class", "bridge", "length_km", "cost_usd",
               "geometry"]
    frames = []
    for s, (name, path) in enumerate(zip(case.names, case.paths, strict=True)):
        keys = links[path]
        frames.append(case.network.edges.iloc[path][columns].assign(
            candidate=name, share=result.recommended.shares.get(name, 0.0), link_id=keys,
            shared_with=["; ".join(u for u in users[k] if u != name) for k in keys],
            shared=[len(users[k]) > 1 for k in keys],
            critical=[k in case.critical[s] for k in keys],
            shared_critical=[k in case.critical[s] and critical_for[k] > 1 for k in keys],
        ))
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=CRS)


def sites_frame(result: SourcingResult) -> gpd.GeoDataFrame:
    """The buyer and candidate nodes as points, with the recommended shares."""
    case = result.case
    nodes = case.network.nodes.set_index("node_id").loc[[case.buyer, *case.nodes]]
    return gpd.GeoDataFrame({
        "site": [case.spec.buyer.name, *case.names], "node_id": nodes.index,
        "role": ["buyer"] + ["candidate"] * len(case.nodes),
        "share": [np.nan] + [result.recommended.shares.get(n, 0.0) for n in case.names],
    }, geometry=nodes.geometry.to_numpy(), crs=CRS)


def plot_routes(result: SourcingResult, path: Path) -> Path:
    """PNG map: each candidate's route in its colour, shared links black, sites labelled."""
    case = result.case
    routes, sites = routes_frame(result), sites_frame(result)
    fig, ax = plt.subplots(figsize=(11, 9), dpi=120)
    case.network.edges.plot(ax=ax, color="#dddddd", linewidth=0.5)
    for s, name in enumerate(case.names):
        share = result.recommended.shares.get(name, 0.0)
        routes[routes["candidate"] == name].plot(
            ax=ax, color=plt.get_cmap("tab10")(s % 10), linewidth=1.5 + 5 * share, alpha=0.8,
            label=f"{name} ({share:.0%})")
    shared = routes[routes["shared"]].drop_duplicates("link_id")
    if len(shared):
        shared.plot(ax=ax, color="black", linewidth=1.0, linestyle="--",
                    label=f"shared links ({len(shared)})")
    critical = routes[routes["shared_critical"]].drop_duplicates("link_id")
    if len(critical):
        middles = shapely.line_interpolate_point(critical.geometry.to_numpy(), 0.5,
                                                 normalized=True)
        ax.scatter(shapely.get_x(middles), shapely.get_y(middles), marker="X", s=80,
                   color="black", zorder=6, label=f"shared critical links ({len(critical)})")
    for site in sites.itertuples():
        buyer, xy = site.role == "buyer", (site.geometry.x, site.geometry.y)
        ax.scatter(*xy, zorder=7, edgecolor="black", marker="*" if buyer else "o",
                   s=160 if buyer else 50, color="white")
        ax.annotate(site.site, xy, fontsize=8, xytext=(4, 4), textcoords="offset points")
    west, south, east, north = routes.total_bounds
    pad = 0.1 * max(east - west, north - south, 1.0)
    ax.set(xlim=(west - pad, east + pad), ylim=(south - pad, north + pad))
    ax.set_title(f"{case.spec.name}: routes to {case.spec.buyer.name}\n"
                 f"recommended: {result.recommended.label()}")
    dress_map(ax, case.network)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
    return path


def frontier_table(result: SourcingResult) -> pd.DataFrame:
    """One row per risk aversion: the optimal split, its expected cost and its tail risk."""
    rows = [{"risk_aversion": a.risk_aversion, "split": a.label(), **asdict(a)}
            for a in result.frontier]
    return pd.DataFrame(rows).drop(columns=["shares", "solver"])


def draws_table(result: SourcingResult) -> pd.DataFrame:
    """Per draw: events, and each candidate's cut days and shortfall days."""
    draws, frame = result.draws, {"draw": np.arange(len(result.draws.events))}
    frame["events"] = draws.events
    for s, name in enumerate(result.case.names):
        frame[f"{name}: cut_days"] = draws.ttr_days[:, s]
        frame[f"{name}: shortfall_days"] = draws.shortfall_days[:, s]
    return pd.DataFrame(frame)


def summary(result: SourcingResult) -> dict:
    """The recommended split, the frontier and the assumptions, as plain JSON values."""
    spec, rec = result.case.spec, result.recommended
    return rounded({
        "name": spec.name, "buyer": result.case.buyer, "seed": spec.monte_carlo.seed,
        "draws": spec.monte_carlo.runs, "horizon_days": spec.monte_carlo.horizon_days,
        "recommended": asdict(rec),
        "frontier": [asdict(a) for a in result.frontier],
        "assumptions": {
            name: {"value": getattr(spec, name), "why": SourcingSpec.model_fields[name].description}
            for name in ("inventory_days", "min_share", "risk_aversion", "cvar_level",
                         "shortfall_penalty_usd_per_truckload", "max_detour_cost_increase")
        },
    }, digits=4)


def write_sourcing(result: SourcingResult, folder: Path) -> list[Path]:
    """Tables (CSV), ``summary.json``, ``routes.gpkg`` / ``.geojson`` and ``routes.png``."""
    written = []
    tables = {"candidates": result.candidates, "pairs": result.pairs,
              "frontier": frontier_table(result), "draws": draws_table(result)}
    if len(result.stress):
        tables["stress"] = result.stress
    for name, table in tables.items():
        table.round(4).to_csv(folder / f"{name}.csv", index=False)
        written.append(folder / f"{name}.csv")
    (folder / "summary.json").write_text(
        json.dumps(summary(result), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    routes, sites = routes_frame(result), sites_frame(result)
    gpkg = folder / "routes.gpkg"
    pyogrio.write_dataframe(routes, gpkg, layer="routes", driver="GPKG")
    pyogrio.write_dataframe(sites, gpkg, layer="sites", driver="GPKG", append=True)
    geojson = write_geojson([routes.assign(feature="route"), sites.assign(feature="site")],
                            folder / "routes.geojson")
    return [*written, folder / "summary.json", gpkg, geojson,
            plot_routes(result, folder / "routes.png")]


"""The case and its draws: each candidate's route to the buyer, cut days and shortfall.

Per draw and supplier (Simchi-Levi's TTR / TTS logic):

- a day is *cut* when no path from the supplier to the buyer exists on that
  day's network state (``corredor.states.state_on_day``: closed edges removed,
  costs with the day's effects), or the cheapest one costs more than
  ``(1 + max_detour_cost_increase)`` x the baseline route's generalised cost;
- an *outage* is a run of consecutive cut days; its time-to-recover TTR is its
  length, and the buyer's inventory cover TTS (``inventory_days``) absorbs the
  first TTS days: shortfall days = sum over outages of max(0, TTR - TTS).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import pairwise
from typing import NamedTuple

import numpy as np
from pyproj import Geod

from corredor.errors import NoPathError, ScenarioError
from corredor.montecarlo import EventDrawer, draw_events
from corredor.network import Network, link_keys
from corredor.routing import shortest_paths
from corredor.sourcing.spec import Site, SourcingFile, SourcingSpec
from corredor.states import ActiveDisruption, EdgeArrays, baseline_arrays, state_on_day

__all__ = ["DrawTable", "SourcingCase", "StressCase", "build_case", "cut_days", "outage_stats",
           "run_draws"]

#: Draws per parallel task: small enough for a smooth progress bar, large enough that the
#: per-task overhead is noise.
CHUNK_DRAWS = 25


class StressCase(NamedTuple):
    """A named scenario's disruptions, resolved on the sourcing network, as one more draw."""

    name: str
    horizon_days: int
    events: list[ActiveDisruption]


@dataclass(frozen=True, eq=False)
class SourcingCase:
    """What every draw needs: nodes, baseline routes, detour cost limits and the generators."""

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
    stress: list[StressCase]
    drawer: EventDrawer

    @property
    def names(self) -> list[str]:
        """Candidate names, in spec order."""
        return [c.name for c in self.spec.candidates]

    @property
    def landed_usd(self) -> np.ndarray:
        """Price + generalised transport cost of the baseline route, per truckload."""
        return self.cost + np.array([c.price_usd_per_truckload for c in self.spec.candidates])


def build_case(
    network: Network, spec_file: SourcingFile, *, drawer: EventDrawer, stress: list[StressCase]
) -> SourcingCase:
    """Snap sites and route every candidate to the buyer.

    Parameters
    ----------
    network : Network
        The weighted network.
    spec_file : SourcingFile
        The spec, for the sites and for error lines.
    drawer : EventDrawer
        The spec's Monte Carlo generators, prepared on ``network``.
    stress : list of StressCase
        The named scenarios, resolved on ``network``.

    Returns
    -------
    SourcingCase

    Raises
    ------
    ScenarioError
        A site is not a node, snaps too far, or a candidate is the buyer's own node.
    NoPathError
        A candidate has no route to the buyer.
    """
    spec, problems = spec_file.model, list[str]()
    buyer, _ = _site_node(network, spec.buyer, spec_file, ("buyer",), problems)
    sites = [_site_node(network, c, spec_file, ("candidates", i), problems)
             for i, c in enumerate(spec.candidates)]
    problems += [
        f"{spec_file.where('candidates', i)} ({c.name}): its node {node} is the buyer's "
        f"node; a candidate must be another place (or leave it out)"
        for i, (c, (node, _)) in enumerate(zip(spec.candidates, sites, strict=True))
        if node == buyer
    ]
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
    critical = _critical_links(network, nodes, buyer, base, found.edges, limit)
    return SourcingCase(
        network, spec, buyer, nodes, np.array([km for _, km in sites]), base, found.edges,
        found.cost, limit, critical, stress, drawer,
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
    if km[nearest] > spec_file.model.max_snap_km:
        problems.append(f"{spec_file.where(*location)}: ({site.lon}, {site.lat}) is "
                        f"{km[nearest]:.0f} km from the nearest node "
                        f"({nodes['node_id'].iloc[nearest]}); max_snap_km is "
                        f"{spec_file.model.max_snap_km:g}")
    return str(nodes["node_id"].iloc[nearest]), float(km[nearest])


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

    Parameters
    ----------
    case : SourcingCase
        Candidates, routes and cost limits.
    events : sequence of ActiveDisruption
        One draw's (or a stress scenario's) events.
    horizon : int
        Days.

    Returns
    -------
    numpy.ndarray
        Bool, candidates x days.
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

    Parameters
    ----------
    cut : numpy.ndarray
        Bool, candidates x days (``cut_days``).
    inventory_days : float
        The buyer's cover (TTS).

    Returns
    -------
    ttr_days, longest_days, shortfall_days : numpy.ndarray
        One value per candidate.
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
    for events in draw_events(case.drawer, runs=runs):
        cut = cut_days(case, events, spec.monte_carlo.horizon_days)
        as_int = cut.astype(np.int32)
        rows.append((len(events), *outage_stats(cut, spec.cover_days), as_int @ as_int.T > 0))
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
    """Evaluate every Monte Carlo draw for all candidates.

    Parameters
    ----------
    case : SourcingCase
        The prepared case.
    jobs : int, default 1
        Processes sharing the draws; results do not depend on it.
    progress : callable, optional
        Called as ``progress(done, total)``.

    Returns
    -------
    DrawTable
    """
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

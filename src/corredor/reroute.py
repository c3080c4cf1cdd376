"""Capacitated rerouting: where the freight goes when links close or fill up.

Path-based multi-commodity min-cost flow, one commodity per demand row ``k``
(rows with the same origin and destination stay separate commodities, each
with its own cargo value and unmet penalty)::

    min  sum_p c_p x_p + sum_k M_k u_k + sum_e sum_j m_ej s_ej
    s.t. sum_{p in P_k} x_p + u_k = d_k           for every commodity k  (dual pi_k)
         sum_{p ni e} x_p - sum_j s_ej <= 0       for every priced e     (dual mu_e <= 0)
         sum_{p ni e} x_p        <= cap_e         for every other capacitated e (dual mu_e)
         0 <= s_ej <= w_ej,  x, u >= 0

``x_p`` is trucks/day on path ``p``, ``c_p`` its cost (sum of the edge costs),
``u_k`` the unmet trucks/day of commodity ``k`` priced at ``M_k``. The unmet
variables make every state feasible, so a closed network still has an answer.
``s_ej`` fills segment ``j`` of edge ``e``'s piecewise-linear delay cost
(``corredor.congestion.Curves``: width ``w_ej`` trucks/day, slope ``m_ej`` USD per
truck, non-decreasing, so the cheap segments fill first and the widths add up
to the capacity, the last breakpoint); an edge without a delay function keeps
its plain capacity row. With a single breakpoint and zero slopes the LP is the
hard-capacity LP.

Column generation: the restricted master starts from each commodity's
cheapest path (plus any warm-start paths) and is solved by HiGHS through PuLP
(presolve off: about 10x faster on these LPs, measured). Pricing is one
Dijkstra per origin (``corredor.routing.shortest_paths``) on reduced edge costs
``c_e + p_e`` with ``p_e = -mu_e`` (for a priced edge, its marginal delay cost);
a path enters when its reduced cost ``sp_k - pi_k`` is below
``-tolerance * max(1, |pi_k|)``. The loop stops when no path enters or when the
Lagrangian bound ``sum_k d_k min(sp_k, M_k) - sum_{hard e} p_e cap_e + sum_{priced e}
sum_j w_ej min(0, m_ej - p_e)`` is within ``tolerance`` (relative) of the
master's objective; both prove optimality of the full LP to that tolerance.
Capacity rows are created only for edges some column uses: an edge without a
row carries no flow, and its price is 0 (hard capacity) or its first slope
``m_e1`` (priced), so the reported duals are a dual solution of the full problem.

**Perishable cargo and segment limits.** A demand row with
``value_loss_pct_per_hour`` (perishables) values each hour of its trip at
``value x pct / 100`` on top of the truck's cost: its path costs are
``c_p + tau_k h_p`` (``h_p`` the free-flow hours of the path; congestion delay
stays valued at the truck's value of time) and pricing runs one search per
distinct ``tau``. A ``SegmentLimit`` caps the trucks/day of some demand rows
through some edges (a port's reefer positions): row
``sum_{p of those rows} n_pe x_p <= cap`` with ``n_pe`` the limit's edges on
``p``, whose dual is added to those edges in the rows' pricing.

**Minimal change** (``RerouteParams.minimal_change``): among the many optima of
a disrupted state (equal-cost paths, trucks of different ODs swapping a
crossing), column generation returns an arbitrary one, and the flow change
against the baseline would show that reshuffling. ``solve(reference=baseline)``
therefore solves a second stage over the final column pool: minimise
``sum_p |x_p - b_p| + sum_k |u_k - b_k|`` (``b``: the reference solution's path
flows and unmet trucks) subject to the same rows and the cost staying within
``minimal_change_tolerance`` (relative, at least 1 USD) of the optimum. The pool
holds every reference path that is still open (the warm start), so trucks whose
paths the disruption does not touch keep them. Duals and prices stay those of
the cost-optimal stage.

Unmet penalty (``RerouteParams``): by default ``M_k = max(value_usd_per_truck x
0.6 % per day, floor)``, the share from Hummels & Schaur (2013) and the floor
an upper bound on any simple path's cost (``path_cost_bound``) plus 1 USD, so
no open path with room is dearer than leaving a truck unmet: unmet demand
means the capacity is not there (for one commodity, exactly the min-cut rule).

The PuLP problem is built once and only grows: new columns are added to the
existing objective and rows (``LpConstraint.addInPlace``). PuLP's HiGHS
interface cannot re-solve (it rebuilds and cold-starts HiGHS on every
``solve``), so after PuLP's first solve the new rows and columns are appended
to the HiGHS model PuLP built (``problem.solverModel``) and it is re-run from
its previous basis. With CBC every round is a fresh PuLP solve.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
import pulp
from pydantic import Field, field_validator

from corredor.config import StrictModel
from corredor.congestion import Curves
from corredor.demand import DEMAND_COLUMNS, LOSS_COLUMN
from corredor.errors import CorredorError, SolverError
from corredor.lp import solve as lp_solve
from corredor.network import Network
from corredor.routing import shortest_paths

__all__ = ["RerouteModel", "RerouteParams", "RerouteResult", "SegmentLimit", "delay_shares",
           "path_cost_bound"]



#: HiGHS options for these LPs: presolve off was ~10x faster on multi-commodity flow (measured).
HIGHS_OPTIONS = {"presolve": "off"}
#: HiGHS ``simplex_strategy`` for re-solves: new columns keep the basis primal feasible, so
#: primal simplex continues from it (about 2x faster than HiGHS's default choice, measured).
PRIMAL_SIMPLEX = 4
#: Flows below this (trucks/day) are reported as 0 (solver round-off).
FLOW_EPS = 1e-9
#: Margin (USD) by which the default unmet penalty floor exceeds the path-cost bound.
PENALTY_MARGIN_USD = 1.0


class RerouteParams(StrictModel):
    """Settings of the rerouting LP; ``RerouteParams(**overrides)`` from a scenario."""

    unmet_penalty_usd_per_truck: float | None = Field(
        None, gt=0,
        description="USD per truck/day of demand left unmet, for every OD. None: "
        "max(value_usd_per_truck x delay_cost_share_per_day, floor), the floor being an "
        "upper bound on the cost of any simple path plus 1 USD, so no open path with room "
        "is dearer than leaving a truck unmet",
    )
    delay_cost_share_per_day: float = Field(
        0.006, ge=0,
        description="share of cargo value lost per day of delay: Hummels & Schaur, 'Time as a "
        "Trade Barrier', American Economic Review 103(7), 2013: each day in transit is "
        "equivalent to an ad-valorem tariff of 0.6 to 2.1 percent; the lower bound is used "
        "(parts and components, at the top of the range, may warrant 0.021)",
    )
    solver: Literal["highs", "cbc"] = Field(
        "highs",
        description="LP solver via PuLP: HiGHS (presolve off) or CBC; HiGHS falls back to "
        "CBC when highspy is not installed (RerouteResult.solver says which ran)",
    )
    max_iterations: int = Field(
        500, gt=0,
        description="assumption: column-generation rounds before giving up with SolverError "
        "(the bundled national model converges in a handful)",
    )
    tolerance: float = Field(
        1e-6, gt=0, lt=1,
        description="relative optimality tolerance of column generation (reduced costs and "
        "the Lagrangian gap)",
    )
    congestion_breakpoints: tuple[float, ...] = Field(
        (0.5, 0.7, 0.85, 0.95, 1.0), min_length=1, max_length=20,
        description="assumption: fractions of each edge's truck capacity where the piecewise-"
        "linear delay cost meets the delay function (increasing, the last 1: the hard capacity)",
    )
    reassign: Literal["affected", "all"] = Field(
        "affected",
        description="which trucks a disrupted state re-routes: 'affected' (the trips whose "
        "baseline route uses an edge the state changes, the unmet ones, and those caught in "
        "the jams the detours cause, see spillover_utilisation; every other trip keeps its "
        "baseline route as a fixed load) or 'all' (the whole system optimum again)",
    )
    spillover_utilisation: float = Field(
        0.99, gt=0, le=1,
        description="assumption: with reassign 'affected', a trip that kept its route is re-"
        "routed too when the re-routed trucks fill an edge on its route to this share of its "
        "capacity (a jam the detours cause)",
    )
    max_spillover_rounds: int = Field(
        10, ge=0, le=100,
        description="re-solves that widen the re-routed trips by spill-over (reassign "
        "'affected')",
    )
    minimal_change: bool = Field(
        True,
        description="second stage after a disrupted solve: the optimum closest to the baseline "
        "flows (see corredor.reroute)",
    )
    minimal_change_tolerance: float = Field(
        1e-6, ge=0, lt=0.1,
        description="relative cost the second stage may add to the optimum (at least 1 USD)",
    )

    @field_validator("congestion_breakpoints")
    @classmethod
    def _increasing_to_one(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        points = np.asarray(value, dtype=float)
        if not (np.all(points > 0) and np.all(np.diff(points) > 0) and points[-1] == 1.0):
            raise ValueError(f"must increase from above 0 to exactly 1 (the capacity), got "
                             f"{list(value)}")
        return value


@dataclass(frozen=True, eq=False)
class SegmentLimit:
    """At most ``trucks_day`` trucks/day of the demand rows ``rows`` through ``edges``.

    Attributes
    ----------
    name : str
        What the limit is ("Lázaro Cárdenas reefer positions").
    edges : numpy.ndarray
        Boolean mask per edge (a path counts once per masked edge it uses).
    rows : numpy.ndarray
        Boolean mask per demand row.
    trucks_day : float
        The cap (>= 0).
    """

    name: str
    edges: np.ndarray
    rows: np.ndarray
    trucks_day: float


def delay_shares(demand: pd.DataFrame, params: RerouteParams) -> np.ndarray:
    """Share of cargo value lost per day of delay, per demand row.

    ``value_loss_pct_per_hour`` x 24 / 100 where a row gives it, else
    ``params.delay_cost_share_per_day``.

    Parameters
    ----------
    demand : pandas.DataFrame
        The demand rows.
    params : RerouteParams
        For the default share.

    Returns
    -------
    numpy.ndarray
    """
    pct = _loss_pct(demand)
    return np.where(np.isfinite(pct), pct * 24.0 / 100.0, params.delay_cost_share_per_day)


def _loss_pct(demand: pd.DataFrame) -> np.ndarray:
    """Each row's ``value_loss_pct_per_hour`` (NaN where it gives none)."""
    if LOSS_COLUMN not in demand.columns:
        return np.full(len(demand), np.nan)
    return pd.to_numeric(demand[LOSS_COLUMN], errors="coerce").to_numpy(dtype=float)


@dataclass(frozen=True, eq=False)
class RerouteResult:
    """An optimal rerouting: flows, costs, unmet demand and bottleneck prices.

    ``edge_dual_usd`` is the marginal cost of one more truck/day on the edge beyond
    its own cost (>= 0): the slope of its delay cost where it has one, plus what
    one more truck/day of capacity would save where the capacity binds. ``od`` has one row
    per demand row, in demand order; ``paths`` one row per path carrying flow,
    with ``od`` the demand row position and ``edge_ids`` the ';'-joined edges.
    ``capacity_trucks_day`` is the capacity the LP saw (0 on closed edges).
    ``gap_usd`` bounds how far ``objective_usd`` can be above the full LP optimum.
    ``delay_cost_usd`` is the piecewise-linear delay cost per edge (0 without delay
    functions); ``moved_trucks_day`` the second stage's ``sum |x - b|`` (NaN when
    there was no second stage). ``path_edges`` holds the edge indices of each row
    of ``paths``.
    """

    objective_usd: float
    edge_flow: np.ndarray
    edge_dual_usd: np.ndarray
    capacity_trucks_day: np.ndarray
    od: pd.DataFrame
    paths: pd.DataFrame
    iterations: int
    solver: str
    gap_usd: float
    delay_cost_usd: np.ndarray
    moved_trucks_day: float = float("nan")
    path_edges: tuple[np.ndarray, ...] = ()

    def edges_frame(self, network: Network) -> pd.DataFrame:
        """Per edge: flow, capacity, utilisation (NaN where capacity is 0) and dual price."""
        with np.errstate(divide="ignore", invalid="ignore"):
            utilisation = self.edge_flow / self.capacity_trucks_day
        return pd.DataFrame(
            {
                "edge_id": network.edges["edge_id"].to_numpy(),
                "flow_trucks_day": self.edge_flow,
                "capacity_trucks_day": self.capacity_trucks_day,
                "utilisation": utilisation,
                "dual_usd": self.edge_dual_usd,
            }
        )


class _Master(NamedTuple):
    """One solve of the restricted master: values per column, per commodity, per edge."""

    solver: str
    x: np.ndarray  # trucks/day per column
    u: np.ndarray  # unmet trucks/day per active commodity
    pi: np.ndarray  # demand-row duals per active commodity
    price: np.ndarray  # capacity price per edge, -mu_e >= 0
    s: np.ndarray  # trucks/day per segment variable
    nu: np.ndarray  # price per segment limit, >= 0


@dataclass(frozen=True, eq=False)
class _State:
    """Checked inputs of one network state: arrays per edge, demand per commodity."""

    demand: pd.DataFrame
    trucks: np.ndarray
    penalty: np.ndarray
    cost: np.ndarray
    capacity: np.ndarray  # inf where uncapacitated
    closed: np.ndarray
    curves: Curves | None
    time_value: np.ndarray  # USD per truck-hour of cargo value lost, per demand row
    time_h: np.ndarray  # free-flow hours per edge
    limits: tuple[SegmentLimit, ...]

    @cached_property
    def groups(self) -> list[tuple[np.ndarray, float, tuple[int, ...]]]:
        """Positions in ``active`` priced alike: (positions, tau, limits that apply)."""
        keys = [(float(self.time_value[k]),
                 tuple(i for i, limit in enumerate(self.limits) if limit.rows[k]))
                for k in self.active]
        return [(np.array([i for i, other in enumerate(keys) if other == key], dtype=np.int64),
                 *key) for key in sorted(set(keys))]

    @cached_property
    def priced(self) -> np.ndarray:
        """Edges whose capacity row carries delay segments."""
        if self.curves is None:
            return np.zeros(len(self.cost), dtype=bool)
        return self.curves.priced & np.isfinite(self.capacity)

    @cached_property
    def zero_price(self) -> np.ndarray:
        """Each edge's price without a row: its first slope where priced, else 0."""
        if self.curves is None:
            return np.zeros(len(self.cost))
        return np.where(self.priced, self.curves.slope[:, 0], 0.0)

    def lagrangian_edges(self, price: np.ndarray) -> float:
        """The edges' part of the Lagrangian bound at capacity prices ``price``."""
        hard = np.isfinite(self.capacity) & ~self.priced
        total = float(-price[hard] @ self.capacity[hard])
        if self.curves is not None and self.priced.any():
            e = self.priced
            total += float(np.sum(self.curves.width[e]
                                  * np.minimum(0.0, self.curves.slope[e] - price[e, None])))
        return total

    @cached_property
    def usable(self) -> np.ndarray:
        """Edges a path may use: open and with capacity > 0."""
        return ~self.closed & (self.capacity > 0)

    @cached_property
    def active(self) -> np.ndarray:
        return np.flatnonzero(self.trucks > 0)

    def pairs(self, rows: list[int]) -> list[tuple[str, str]]:
        """(origin, destination) of demand rows, for ``shortest_paths``."""
        origin = self.demand["origin"].astype(str).to_numpy()
        destination = self.demand["destination"].astype(str).to_numpy()
        return [(origin[k], destination[k]) for k in rows]


class RerouteModel:
    """The restricted master problem and its column pool, built ``from_network``.

    ``problem`` is the PuLP problem (always complete: every column is in it);
    ``columns`` lists ``(demand row, edge indices, cost, variable)`` in the
    order they entered. ``solve`` adds columns until optimal; ``resolve``
    solves another state of the same network starting from this model's columns.
    """

    def __init__(self, network: Network, state: _State, params: RerouteParams) -> None:
        self.network = network
        self.state = state
        self.params = params
        self.problem = pulp.LpProblem("reroute", pulp.LpMinimize)
        self.columns: list[tuple[int, np.ndarray, float, pulp.LpVariable]] = []
        self.unmet: dict[int, pulp.LpVariable] = {}
        self.demand_rows: dict[int, pulp.LpConstraint] = {}
        self.capacity_rows: dict[int, pulp.LpConstraint] = {}
        self.segments: list[tuple[int, float, pulp.LpVariable]] = []  # (edge, slope, variable)
        self.limit_rows: dict[int, pulp.LpConstraint] = {}  # by position in ``state.limits``
        self._limit_pos: dict[int, int] = {}  # HiGHS row of each limit row
        self._seen: dict[int, set[bytes]] = defaultdict(set)
        self._highs = None  # the HiGHS model PuLP built, kept for warm re-solves
        self._col_pos: list[int] = []  # HiGHS column of each entry of ``columns``
        self._row_pos: dict[int, int] = {}  # HiGHS row of each capacity row, by edge
        self._seg_pos: list[int] = []  # HiGHS column of each entry of ``segments``
        objective = pulp.LpAffineExpression()
        for k in state.active:
            unmet = self.problem.add_variable(f"u{k:07d}", lowBound=0)
            objective.addterm(unmet, float(state.penalty[k]))
            row = pulp.LpConstraint(
                pulp.LpAffineExpression([(unmet, 1.0)]), pulp.LpConstraintEQ,
                f"d{k:07d}", float(state.trucks[k]),
            )
            self.problem.addConstraint(row)
            self.unmet[int(k)], self.demand_rows[int(k)] = unmet, row
        self.problem.setObjective(objective)

    @classmethod
    def from_network(
        cls,
        network: Network,
        demand: pd.DataFrame,
        *,
        cost: np.ndarray,
        capacity: np.ndarray,
        closed: np.ndarray | None = None,
        params: RerouteParams | None = None,
        initial_paths: pd.DataFrame | RerouteResult | None = None,
        curves: Curves | None = None,
        time_h: np.ndarray | None = None,
        limits: tuple[SegmentLimit, ...] = (),
    ) -> RerouteModel:
        """A model seeded with each commodity's cheapest open path.

        ``cost`` is USD per truck trip per edge (>= 0), ``capacity`` trucks/day
        per edge (``inf`` or NaN: uncapacitated; 0 behaves as closed), ``closed``
        a mask of unavailable edges, ``curves`` the delay costs of the state
        (``EdgeArrays.curves``; None: hard capacities only). ``initial_paths`` (a
        ``RerouteResult.paths`` solved with the same demand table, or the result
        itself, whose paths need no parsing) warm-starts the pool; paths through
        closed edges and of rows without trucks are dropped. ``time_h`` (free-flow hours
        per edge) is needed when the demand has ``value_loss_pct_per_hour``;
        ``limits`` cap some rows' trucks through some edges (``SegmentLimit``).
        """
        params = params or RerouteParams()
        state = _check_state(network, demand, cost, capacity, closed, params, curves, time_h,
                             limits)
        model = cls(network, state, params)
        if initial_paths is not None:
            for k, edges in _known_paths(network, state, initial_paths):
                model._add_column(k, edges)
        model._seed()
        return model

    def resolve(
        self,
        *,
        cost: np.ndarray | None = None,
        capacity: np.ndarray | None = None,
        closed: np.ndarray | None = None,
        curves: Curves | None = None,
        reference: RerouteResult | None = None,
    ) -> RerouteResult:
        """Solve another state of the same network and demand, warm-started from this pool.

        Arguments left out keep this model's values (pass an all-False ``closed``
        to reopen everything; ``curves`` must be given again when the capacity
        changes). Columns through closed edges are dropped; this model is left
        unchanged. ``reference`` is passed on to ``solve``.
        """
        old = self.state
        state = _check_state(
            self.network,
            old.demand,
            old.cost if cost is None else cost,
            old.capacity if capacity is None else capacity,
            old.closed if closed is None else closed,
            self.params,
            old.curves if curves is None else curves,
            old.time_h,
            old.limits,
        )
        model = type(self)(self.network, state, self.params)
        for k, edges, _, _ in self.columns:
            model._add_column(k, edges)
        model._seed()
        return model.solve(reference=reference)

    def solve(self, *, reference: RerouteResult | None = None) -> RerouteResult:
        """Column generation to optimality; ``SolverError`` on anything else.

        With ``reference`` (a solution of another state of this network and demand,
        usually the baseline) and ``RerouteParams.minimal_change``, the optimum
        closest to it is returned (the module's second stage).
        """
        state, tol = self.state, self.params.tolerance
        ks = np.array(list(self.demand_rows), dtype=np.int64)
        if not len(ks):
            empty = np.zeros(0)
            none = _Master("none", empty, empty, empty, np.zeros(len(state.cost)), empty,
                           np.zeros(len(state.limits)))
            return self._result(none, 0, 0.0)
        gap = objective = np.inf
        for iteration in range(1, self.params.max_iterations + 1):
            master = self._solve_master()
            pi, price = master.pi, master.price
            objective = self._objective(master)
            found_cost, found_edges = self._price(price, master.nu)
            caps = np.array([limit.trucks_day for limit in state.limits])
            bound = (state.lagrangian_edges(price) - float(master.nu @ caps if len(caps) else 0)
                     + float(state.trucks[ks] @ np.minimum(found_cost, state.penalty[ks])))
            gap = max(objective - bound, 0.0)
            entering = np.flatnonzero(found_cost - pi < -tol * np.maximum(1.0, np.abs(pi)))
            if gap <= tol * max(1.0, abs(objective)) or not any(
                [self._add_column(int(ks[i]), found_edges[i]) for i in entering]
            ):
                if reference is not None and self.params.minimal_change:
                    return self._minimal_change(master, reference, objective, iteration, gap)
                return self._result(master, iteration, gap)
        raise SolverError(
            f"column generation did not converge in reroute.max_iterations="
            f"{self.params.max_iterations} rounds (gap {gap:.6g} USD on {objective:.6g}); "
            "raise max_iterations or tolerance"
        )

    # -- internals --------------------------------------------------------------

    def _price(self, price: np.ndarray, nu: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Cheapest path of each active commodity at edge prices ``price``, limit prices ``nu``."""
        state = self.state
        ks = state.active
        cost, edges = np.full(len(ks), np.inf), [np.zeros(0, dtype=np.int64)] * len(ks)
        for positions, tau, limits in state.groups:
            weight = state.cost + price + tau * state.time_h
            for i in limits:
                weight = weight + nu[i] * state.limits[i].edges
            found = shortest_paths(self.network, state.pairs(list(ks[positions])),
                                   weight=weight, removed=~state.usable)
            cost[positions] = found.cost
            for position, path in zip(positions, found.edges, strict=True):
                edges[position] = path
        return cost, edges

    def _seed(self) -> None:
        """Add each commodity's cheapest open path (unreachable ones keep only ``u_k``)."""
        if not len(self.state.active):
            return
        cost, paths = self._price(self.state.zero_price, np.zeros(len(self.state.limits)))
        for k, edges, c in zip(self.state.active, paths, cost, strict=True):
            if np.isfinite(c):
                self._add_column(int(k), edges)

    def _add_column(self, k: int, edges: np.ndarray) -> bool:
        """Add path ``edges`` for commodity ``k`` unless known or unusable; True if added."""
        key = edges.tobytes()
        if k not in self.demand_rows or key in self._seen[k] or not self.state.usable[edges].all():
            return False
        self._seen[k].add(key)
        state = self.state
        cost = float(state.cost[edges].sum() + state.time_value[k] * state.time_h[edges].sum())
        var = self.problem.add_variable(f"x{len(self.columns):07d}", lowBound=0)
        self.problem.objective.addterm(var, cost)
        self.demand_rows[k].addInPlace(var)
        for e in edges[np.isfinite(state.capacity[edges])]:
            row = self.capacity_rows.get(int(e))
            if row is None:
                row = self._capacity_row(int(e))
            row.addInPlace(var)
        for i, count in self._limit_counts(k, edges):
            row = self.limit_rows.get(i)
            if row is None:
                row = pulp.LpConstraint(pulp.LpAffineExpression(), pulp.LpConstraintLE,
                                        f"l{i:03d}", float(state.limits[i].trucks_day))
                self.problem.addConstraint(row)
                self.limit_rows[i] = row
            row.addInPlace(pulp.LpAffineExpression([(var, float(count))]))
        self.columns.append((k, edges, cost, var))
        return True

    def _limit_counts(self, k: int, edges: np.ndarray) -> list[tuple[int, int]]:
        """(limit, number of its edges on the path) for each limit the path meets."""
        return [(i, count) for i, limit in enumerate(self.state.limits)
                if limit.rows[k] and (count := int(limit.edges[edges].sum()))]

    def _capacity_row(self, e: int) -> pulp.LpConstraint:
        """Edge ``e``'s capacity row: plain, or with its delay segments (module docstring)."""
        state = self.state
        if not state.priced[e]:
            row = pulp.LpConstraint(pulp.LpAffineExpression(), pulp.LpConstraintLE,
                                    f"c{e:07d}", float(state.capacity[e]))
        else:
            assert state.curves is not None
            terms = []
            for j, (width, slope) in enumerate(zip(state.curves.width[e], state.curves.slope[e],
                                                   strict=True)):
                segment = self.problem.add_variable(f"s{e:07d}_{j:02d}", lowBound=0,
                                                    upBound=float(width))
                self.problem.objective.addterm(segment, float(slope))
                self.segments.append((e, float(slope), segment))
                terms.append((segment, -1.0))
            row = pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintLE,
                                    f"c{e:07d}", 0.0)
        self.problem.addConstraint(row)
        self.capacity_rows[e] = row
        return row

    def _costs(self) -> np.ndarray:
        return np.array([cost for _, _, cost, _ in self.columns])

    def _objective(self, master: _Master) -> float:
        slopes = np.array([slope for _, slope, _ in self.segments])
        ks = list(self.demand_rows)
        return float(master.x @ self._costs() + master.u @ self.state.penalty[ks]
                     + (master.s @ slopes if len(slopes) else 0.0))

    def _solve_master(self) -> _Master:
        """Solve the restricted master.

        First through PuLP; with HiGHS, later rounds append to ``problem.solverModel``
        and re-run it warm (see the module docstring).
        """
        if self._highs is None:
            name = _run(self.problem, self.params)
            values = np.array([var.varValue or 0.0 for *_, var in self.columns])
            unmet = np.array([var.varValue or 0.0 for var in self.unmet.values()])
            pi = np.array([row.pi or 0.0 for row in self.demand_rows.values()])
            segments = np.array([var.varValue or 0.0 for *_, var in self.segments])
            nu = np.zeros(len(self.state.limits))
            for i, row in self.limit_rows.items():
                nu[i] = max(-(row.pi or 0.0), 0.0)
            price = self.state.zero_price.copy()
            for e, row in self.capacity_rows.items():
                price[e] = -(row.pi or 0.0)
            if name == "highs":
                self._highs = self.problem.solverModel
                self._col_pos = [var.index for *_, var in self.columns]
                self._row_pos = {e: row.index for e, row in self.capacity_rows.items()}
                self._seg_pos = [var.index for *_, var in self.segments]
                self._limit_pos = {i: row.index for i, row in self.limit_rows.items()}
            return _Master(name, values, unmet, pi, np.maximum(price, 0.0), segments, nu)
        highs = self._highs
        for e in sorted(self.capacity_rows.keys() - self._row_pos.keys()):
            self._row_pos[e] = highs.getNumRow()
            priced = bool(self.state.priced[e])
            highs.addRow(-np.inf, 0.0 if priced else float(self.state.capacity[e]), 0, [], [])
        for i in sorted(self.limit_rows.keys() - self._limit_pos.keys()):
            self._limit_pos[i] = highs.getNumRow()
            highs.addRow(-np.inf, float(self.state.limits[i].trucks_day), 0, [], [])
        for e, slope, var in self.segments[len(self._seg_pos):]:
            self._seg_pos.append(highs.getNumCol())
            highs.addCol(slope, 0.0, float(var.upBound), 1, np.array([self._row_pos[e]],
                                                                     dtype=np.int32),
                         np.array([-1.0]))
        for k, edges, cost, _ in self.columns[len(self._col_pos):]:
            rows = [self.demand_rows[k].index]
            rows += [self._row_pos[int(e)] for e in edges if int(e) in self._row_pos]
            values = [1.0] * len(rows)
            for i, count in self._limit_counts(k, edges):
                rows.append(self._limit_pos[i])
                values.append(float(count))
            self._col_pos.append(highs.getNumCol())
            highs.addCol(cost, 0.0, np.inf, len(rows), np.array(rows, dtype=np.int32),
                         np.array(values))
        highs.setOptionValue("simplex_strategy", PRIMAL_SIMPLEX)
        highs.run()
        status = highs.getModelStatus()
        if highs.modelStatusToString(status) != "Optimal":
            raise SolverError(
                f"highs did not re-solve the rerouting LP to optimality (status "
                f"{highs.modelStatusToString(status)}); try reroute.solver: cbc"
            )
        solution = highs.getSolution()
        col, dual = np.asarray(solution.col_value), np.asarray(solution.row_dual)
        price = self.state.zero_price.copy()
        edges_with_rows = np.fromiter(self._row_pos.keys(), dtype=np.int64)
        price[edges_with_rows] = -dual[np.fromiter(self._row_pos.values(), dtype=np.int64)]
        return _Master(
            "highs",
            col[self._col_pos],
            col[[var.index for var in self.unmet.values()]],
            dual[[row.index for row in self.demand_rows.values()]],
            np.maximum(price, 0.0),
            col[self._seg_pos] if self._seg_pos else np.zeros(0),
            _limit_prices(dual, self._limit_pos, len(self.state.limits)),
        )

    def _minimal_change(self, master: _Master, reference: RerouteResult, objective: float,
                        iterations: int, gap: float) -> RerouteResult:
        """The optimum closest to ``reference`` over the pool (module docstring).

        ``|x - b|`` is ``x - b + 2 y`` with ``y >= b - x, y >= 0``, so the second
        stage adds one variable and one row per reference path (and per unmet
        reference commodity) to a new problem sharing this model's variables and rows.
        """
        state = self.state
        flows: dict[tuple[int, bytes], float] = defaultdict(float)
        for (k, edges), flow in zip(_known_paths(self.network, state, reference),
                                    reference.paths["flow_trucks_day"], strict=True):
            flows[(k, edges.tobytes())] += float(flow)
        ref_unmet = reference.od["unmet_trucks_day"].to_numpy(dtype=float)
        if len(ref_unmet) != len(state.demand):
            raise CorredorError("minimal change: the reference solution is for another demand "
                                f"table ({len(ref_unmet)} rows, not {len(state.demand)})")
        stage = pulp.LpProblem("reroute_minimal_change", pulp.LpMinimize)
        for row in [*self.demand_rows.values(), *self.capacity_rows.values(),
                    *self.limit_rows.values()]:
            stage.addConstraint(row)
        budget = objective + max(self.params.minimal_change_tolerance * abs(objective), 1.0)
        stage.addConstraint(pulp.LpConstraint(self.problem.objective, pulp.LpConstraintLE,
                                              "budget", budget))
        deviation = pulp.LpAffineExpression()
        pairs = [(var, flows.get((k, edges.tobytes()), 0.0)) for k, edges, _, var in self.columns]
        pairs += [(var, float(ref_unmet[k])) for k, var in self.unmet.items()]
        for i, (var, b) in enumerate(pairs):
            deviation.addterm(var, 1.0)
            if b > FLOW_EPS:
                below = stage.add_variable(f"y{i:07d}", lowBound=0)
                deviation.addterm(below, 2.0)
                stage.addConstraint(pulp.LpConstraint(
                    pulp.LpAffineExpression([(below, 1.0), (var, 1.0)]), pulp.LpConstraintGE,
                    f"m{i:07d}", b))
        stage.setObjective(deviation)
        solver = _run(stage, self.params)
        x = np.array([var.varValue or 0.0 for *_, var in self.columns])
        u = np.array([var.varValue or 0.0 for var in self.unmet.values()])
        segments = np.array([var.varValue or 0.0 for *_, var in self.segments])
        pooled = {(k, edges.tobytes()) for k, edges, _, _ in self.columns}
        moved = float(sum(abs((var.varValue or 0.0) - b) for var, b in pairs)
                      + sum(b for key, b in flows.items()  # paths dropped as closed
                            if key not in pooled and key[0] in self.demand_rows))
        self._highs = None  # the HiGHS model no longer matches the variables' values
        return self._result(master._replace(solver=solver, x=x, u=u, s=segments), iterations,
                            gap, moved=moved)

    def _result(self, master: _Master, iterations: int, gap: float,
                moved: float = float("nan")) -> RerouteResult:
        """Tidy the final master solution; also leaves the values on ``problem``'s variables."""
        state = self.state
        n_rows, n_edges = len(state.demand), len(state.cost)
        flow = np.where(master.x < FLOW_EPS, 0.0, master.x)
        unmet = np.zeros(n_rows)
        unmet[list(self.demand_rows)] = np.where(master.u < FLOW_EPS, 0.0, master.u)
        for value, (*_, var) in zip(flow, self.columns, strict=True):
            var.varValue = float(value)
        for k, var in self.unmet.items():
            var.varValue = float(unmet[k])
        used = np.flatnonzero(flow)
        col_k = np.array([k for k, *_ in self.columns], dtype=np.int64)
        col_cost = self._costs()
        edge_lists = [self.columns[i][1] for i in used]
        lengths = np.array([len(e) for e in edge_lists], dtype=np.int64)
        edge_flow = np.bincount(
            np.concatenate(edge_lists) if edge_lists else np.zeros(0, dtype=np.int64),
            weights=np.repeat(flow[used], lengths), minlength=n_edges,
        )
        delivered = np.bincount(col_k[used], weights=flow[used], minlength=n_rows)
        spent = np.bincount(col_k[used], weights=flow[used] * col_cost[used], minlength=n_rows)
        marginal = np.full(n_rows, np.nan)
        marginal[list(self.demand_rows)] = master.pi
        with np.errstate(divide="ignore", invalid="ignore"):
            mean_cost = np.where(delivered > 0, spent / delivered, np.nan)
        od = state.demand[["origin", "destination", "segment", "trucks_day"]].copy()
        od["delivered_trucks_day"] = delivered
        od["unmet_trucks_day"] = unmet
        od["cost_usd_per_truck"] = mean_cost
        od["n_paths"] = np.bincount(col_k[used], minlength=n_rows)
        od["unmet_penalty_usd_per_truck"] = state.penalty
        od["marginal_cost_usd_per_truck"] = marginal
        edge_ids = self.network.edges["edge_id"].to_numpy(dtype=object)
        paths = pd.DataFrame(
            {
                "od": col_k[used],
                "flow_trucks_day": flow[used],
                "cost_usd_per_truck": col_cost[used],
                "cargo_time_usd_per_truck": [float(state.time_value[k] * state.time_h[e].sum())
                                             for k, e in zip(col_k[used], edge_lists,
                                                             strict=True)],
                "edge_ids": [";".join(edge_ids[e]) for e in edge_lists],
            }
        ).sort_values(["od", "flow_trucks_day"], ascending=[True, False], kind="stable")
        path_edges = tuple(edge_lists[i] for i in paths.index)
        delay = (np.zeros(n_edges) if state.curves is None
                 else np.where(state.priced, state.curves.cost_usd(edge_flow), 0.0))
        objective = float(spent.sum() + unmet @ state.penalty + delay.sum())
        return RerouteResult(
            objective_usd=objective,
            edge_flow=edge_flow,
            edge_dual_usd=master.price,
            capacity_trucks_day=np.where(state.usable, state.capacity, 0.0),
            od=od,
            paths=paths.reset_index(drop=True),
            iterations=iterations,
            solver=master.solver,
            gap_usd=gap,
            delay_cost_usd=delay,
            moved_trucks_day=moved,
            path_edges=path_edges,
        )


# -- helpers --------------------------------------------------------------------


def _limit_prices(dual: np.ndarray, positions: dict[int, int], n: int) -> np.ndarray:
    """Limit prices (>= 0) from HiGHS row duals."""
    nu = np.zeros(n)
    for i, row in positions.items():
        nu[i] = max(-float(dual[row]), 0.0)
    return nu


def _run(problem: pulp.LpProblem, params: RerouteParams) -> str:
    """Solve with the configured solver; ``SolverError`` unless the LP is proven optimal."""
    other = "cbc" if params.solver == "highs" else "highs"
    return lp_solve(problem, solver=params.solver, what="the rerouting LP",
                    hint=f"try reroute.solver: {other} or look for extreme costs or capacities",
                    **HIGHS_OPTIONS)


def _check_state(
    network: Network,
    demand: pd.DataFrame,
    cost: np.ndarray,
    capacity: np.ndarray,
    closed: np.ndarray | None,
    params: RerouteParams,
    curves: Curves | None = None,
    time_h: np.ndarray | None = None,
    limits: tuple[SegmentLimit, ...] = (),
) -> _State:
    """Validate demand and per-edge arrays; every fault in one ``CorredorError``."""
    n = len(network.edges)
    problems = []
    missing = [c for c in DEMAND_COLUMNS if c not in demand.columns]
    if missing:
        raise CorredorError(
            f"demand: missing column(s) {', '.join(missing)} (need {', '.join(DEMAND_COLUMNS)})"
        )
    demand = demand.reset_index(drop=True)
    for column in ("origin", "destination"):
        unknown = sorted(set(demand[column].astype(str)) - set(network.node_index))
        if unknown:
            problems.append(f"demand.{column} names node(s) not in the network: "
                            f"{', '.join(unknown[:10])}")
    trucks = pd.to_numeric(demand["trucks_day"], errors="coerce").to_numpy(dtype=float)
    value = pd.to_numeric(demand["value_usd_per_truck"], errors="coerce").to_numpy(dtype=float)
    for name, values, needed in (("trucks_day", trucks, True),
                                 ("value_usd_per_truck", value,
                                  params.unmet_penalty_usd_per_truck is None)):
        bad = np.flatnonzero(~(np.isfinite(values) & (values >= 0)))
        if needed and len(bad):
            problems.append(f"demand.{name} must be a finite number >= 0 (bad in rows "
                            f"{bad[:5].tolist()})")
    arrays = {}
    for name, values in (("cost", cost), ("capacity", capacity)):
        values = np.array(values, dtype=float)  # a copy: callers may reuse their buffers
        if values.shape != (n,):
            problems.append(f"{name}: need one value per edge ({n}), got shape {values.shape}")
            continue
        if name == "capacity":
            values = np.where(np.isnan(values), np.inf, values)
        bad = ~(values >= 0) | (np.isinf(values) if name == "cost" else False)
        if bad.any():
            ids = ", ".join(network.edges["edge_id"].to_numpy()[bad][:5])
            problems.append(f"{name}: must be {'finite and ' if name == 'cost' else ''}>= 0, "
                            f"not on {int(bad.sum())} edges (e.g. {ids})")
        arrays[name] = values
    closed = np.zeros(n, dtype=bool) if closed is None else np.array(closed, dtype=bool)
    if closed.shape != (n,):
        problems.append(f"closed: need one flag per edge ({n}), got shape {closed.shape}")
    if problems:
        raise CorredorError("rerouting input is invalid:\n" + "\n".join(
            f"  - {problem}" for problem in problems))
    cost, capacity = arrays["cost"], arrays["capacity"]
    if params.unmet_penalty_usd_per_truck is not None:
        penalty = np.full(len(demand), params.unmet_penalty_usd_per_truck)
    else:
        penalty = np.maximum(value * delay_shares(demand, params),
                             path_cost_bound(network, cost) + PENALTY_MARGIN_USD)
    if curves is not None and curves.width.shape[0] != n:
        raise CorredorError(f"curves: need one row per edge ({n}), got {curves.width.shape[0]}")
    time_value = np.nan_to_num(value * _loss_pct(demand) / 100.0)
    hours = np.zeros(n) if time_h is None else np.asarray(time_h, dtype=float)
    if np.any(time_value > 0) and time_h is None:
        raise CorredorError("demand has value_loss_pct_per_hour: the rerouting needs the edges' "
                            "free-flow hours (time_h)")
    for limit in limits:
        if limit.edges.shape != (n,) or limit.rows.shape != (len(demand),):
            raise CorredorError(f"segment limit {limit.name!r}: masks must have one flag per "
                                f"edge ({n}) and per demand row ({len(demand)})")
    return _State(demand, trucks, penalty, cost, capacity, closed, curves, time_value, hours,
                  tuple(limits))


def path_cost_bound(network: Network, cost: np.ndarray) -> float:
    """An upper bound on the cost of any simple path: each node's costliest out-edge, summed.

    A simple path leaves every node at most once, so it cannot cost more. It
    ignores closures and capacities so every state of a network shares it.

    Parameters
    ----------
    network : Network
        The network.
    cost : numpy.ndarray
        Cost per edge.

    Returns
    -------
    float
    """
    graph = network.compiled
    most = np.zeros(graph.n_nodes)
    np.maximum.at(most, graph.edge_u, np.asarray(cost, dtype=float))
    return float(most.sum())


def _known_paths(network: Network, state: _State, paths: pd.DataFrame | RerouteResult
                 ) -> list[tuple[int, np.ndarray]]:
    """(demand row, edge indices) of a result's paths, or of a paths table, parsed."""
    if isinstance(paths, RerouteResult) and len(paths.path_edges) == len(paths.paths):
        return list(zip(paths.paths["od"].astype(int).tolist(), paths.path_edges, strict=True))
    return _parse_paths(network, state, paths.paths if isinstance(paths, RerouteResult)
                        else paths)


def _parse_paths(
    network: Network, state: _State, paths: pd.DataFrame
) -> list[tuple[int, np.ndarray]]:
    """Edge-index arrays of warm-start paths, checked against the demand rows they serve."""
    graph, index = network.compiled, network.edge_index
    origin = graph.positions(state.demand["origin"])
    destination = graph.positions(state.demand["destination"])
    parsed = []
    for row, (k, text) in enumerate(zip(paths["od"], paths["edge_ids"], strict=True)):
        ids = [edge for edge in str(text).split(";") if edge]
        unknown = [edge for edge in ids if edge not in index]
        k = int(k)
        if unknown or not 0 <= k < len(state.demand):
            raise CorredorError(
                f"initial_paths row {row}: unknown edge id(s) {unknown[:3]} or demand row {k} "
                f"(valid: 0..{len(state.demand) - 1}); was it solved on this network and demand?"
            )
        edges = np.array([index[edge] for edge in ids], dtype=np.int64)
        nodes = np.concatenate([graph.edge_u[edges[:1]], graph.edge_v[edges]])
        joined = np.array_equal(graph.edge_u[edges[1:]], graph.edge_v[edges[:-1]])
        ends = (nodes[0], nodes[-1]) if len(edges) else (origin[k], origin[k])
        if not joined or ends != (origin[k], destination[k]):
            raise CorredorError(
                f"initial_paths row {row}: edges do not lead from {state.demand.at[k, 'origin']}"
                f" to {state.demand.at[k, 'destination']} (demand row {k}); was it solved with "
                "this demand table?"
            )
        parsed.append((k, edges))
    return parsed

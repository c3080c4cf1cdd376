"""The split: at most k suppliers and their shares, expected landed cost plus lambda x CVaR.

Allocation (PuLP MILP, Rockafellar-Uryasev CVaR over the N draws)::

    min  sum_s C_s x_s + lambda (eta + 1 / ((1 - alpha) N) sum_d z_d)
    s.t. z_d >= sum_s l[d, s] x_s - eta,  z_d >= 0      for every draw d
         sum_s x_s = 1,  min_share y_s <= x_s <= max_share_s y_s,  sum_s y_s <= k
         y_s = 1 for incumbents,  y binary

with ``C_s`` the landed cost (price + generalised transport cost of the
baseline route) of all truckloads in the horizon and ``l[d, s]`` the shortfall
cost in draw d of all volume from s: shortfall days x weekly truckloads / 7 x
penalty per truckload. Model assumptions (each labelled where its default is
defined): shortfall is linear in the share (each supplier's stream has its
own TTS days of cover, the other supplier does not surge), the cover is
rebuilt between outages, capacities are not binding for one buyer's trucks,
and outages running past the horizon are cut there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pulp

from corredor.lp import solve as lp_solve
from corredor.sourcing.draws import DrawTable, SourcingCase
from corredor.sourcing.spec import SourcingSpec

__all__ = ["Allocation", "AllocationModel", "allocation_model", "cvar", "loss_per_day"]


def cvar(losses: np.ndarray, alpha: float) -> float:
    """Mean of the worst (1 - alpha) share of equally likely losses (fractional draw included).

    Parameters
    ----------
    losses : numpy.ndarray
        One loss per draw.
    alpha : float
        The level (0.95: the worst 5 %).

    Returns
    -------
    float
    """
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
        """``León 40% + Ciudad Juárez 60%``."""
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
        name = lp_solve(problem, what="the sourcing MILP",
                        hint="check max_share, min_share and max_suppliers", gapRel=1e-9)
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


def allocation_model(case: SourcingCase, draws: DrawTable) -> AllocationModel:
    """The allocation MILP of a case over its draws: landed costs and shortfall losses.

    Parameters
    ----------
    case : SourcingCase
        Candidates, their landed costs and the spec's limits.
    draws : DrawTable
        Shortfall days per draw and candidate.

    Returns
    -------
    AllocationModel
    """
    spec = case.spec
    return AllocationModel(
        case.names, case.landed_usd * spec.weekly_truckloads * spec.monte_carlo.horizon_days / 7,
        draws.shortfall_days * loss_per_day(spec),
        max_share=[c.max_share for c in spec.candidates],
        forced=[c.incumbent for c in spec.candidates], max_suppliers=spec.max_suppliers,
        min_share=spec.min_share, alpha=spec.cvar_level,
    )


def loss_per_day(spec: SourcingSpec) -> float:
    """Shortfall cost of one day without deliveries: loads per day x penalty per load.

    Parameters
    ----------
    spec : SourcingSpec
        Volume and penalty.

    Returns
    -------
    float
        USD per day.
    """
    return spec.weekly_truckloads / 7 * spec.shortfall_penalty_usd_per_truckload

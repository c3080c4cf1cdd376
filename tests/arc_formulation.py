"""The rerouting LP in arc form: the reference column generation is tested against.

Kept with the tests (and the benchmark that times it), not in the package:
``origins x edges`` variables make it unusable on real networks.
"""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

import numpy as np
import pandas as pd
import pulp

from corredor.lp import solve
from corredor.network import Network
from corredor.reroute import HIGHS_OPTIONS, RerouteModel, RerouteParams


class ArcSolution(NamedTuple):
    """Optimum of the arc formulation (the reference for column generation)."""

    objective_usd: float
    edge_flow: np.ndarray


def solve_arc_formulation(
    network: Network,
    demand: pd.DataFrame,
    *,
    cost: np.ndarray,
    capacity: np.ndarray,
    closed: np.ndarray | None = None,
    params: RerouteParams | None = None,
) -> ArcSolution:
    """The same LP as ``RerouteModel`` in arc form, aggregated by origin.

    One flow variable per (origin, open edge) with flow conservation at every
    node: exact for this LP because costs and capacities do not depend on the
    commodity. ``origins x edges`` variables: the reference for tests and the
    benchmark, not for production use.
    """
    params = params or RerouteParams()
    state = RerouteModel.from_network(network, demand, cost=cost, capacity=capacity,
                                      closed=closed, params=params).state
    graph = network.compiled
    problem = pulp.LpProblem("reroute_arc", pulp.LpMinimize)
    objective = pulp.LpAffineExpression()
    open_edges = np.flatnonzero(state.usable)
    capped = {int(e): pulp.LpAffineExpression() for e in open_edges
              if np.isfinite(state.capacity[e])}
    unmet = {}
    for k in state.active:
        unmet[k] = problem.add_variable(f"u{k:07d}", lowBound=0)
        objective.addterm(unmet[k], float(state.penalty[k]))
    origin = graph.positions(state.demand["origin"])
    destination = graph.positions(state.demand["destination"])
    flows = []
    for o in np.unique(origin[state.active]):
        balance: dict[int, pulp.LpAffineExpression] = defaultdict(pulp.LpAffineExpression)
        supply: dict[int, float] = defaultdict(float)
        variables = [problem.add_variable(f"f{o:07d}_{e:07d}", lowBound=0) for e in open_edges]
        for var, e in zip(variables, open_edges, strict=True):
            balance[int(graph.edge_u[e])].addterm(var, 1.0)
            balance[int(graph.edge_v[e])].addterm(var, -1.0)
            objective.addterm(var, float(state.cost[e]))
            if int(e) in capped:
                capped[int(e)].addterm(var, 1.0)
        for k in state.active[origin[state.active] == o]:
            balance[int(o)].addterm(unmet[k], 1.0)
            balance[int(destination[k])].addterm(unmet[k], -1.0)
            supply[int(o)] += state.trucks[k]
            supply[int(destination[k])] -= state.trucks[k]
        for node in sorted(balance):
            problem.addConstraint(
                pulp.LpConstraint(balance[node], pulp.LpConstraintEQ, f"b{o:07d}_{node:07d}",
                                  supply[node])
            )
        flows.append(variables)
    for e, expression in capped.items():
        problem.addConstraint(
            pulp.LpConstraint(expression, pulp.LpConstraintLE, f"c{e:07d}",
                              float(state.capacity[e]))
        )
    problem.setObjective(objective)
    if state.active.size:
        solve(problem, solver=params.solver, what="the arc formulation", hint="", **HIGHS_OPTIONS)
    edge_flow = np.zeros(len(state.cost))
    for variables in flows:
        edge_flow[open_edges] += [var.varValue or 0.0 for var in variables]
    return ArcSolution(float(pulp.value(objective) or 0.0), edge_flow)

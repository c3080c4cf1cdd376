"""Solving a PuLP model: HiGHS when it is installed, CBC otherwise, optimal or an error.

The rerouting LP and the sourcing MILP both go through ``solve``, so the
solver choice, its fallback and the status check exist once.
"""

from __future__ import annotations

from typing import Any, Literal

import pulp

from corredor.errors import SolverError

__all__ = ["solve"]


def solve(
    problem: pulp.LpProblem,
    *,
    solver: Literal["highs", "cbc"] = "highs",
    what: str,
    hint: str,
    **options: Any,
) -> str:
    """Solve ``problem`` to proven optimality and say which solver did.

    Parameters
    ----------
    problem : pulp.LpProblem
        The model; its variables hold the solution afterwards.
    solver : {"highs", "cbc"}, default "highs"
        The preferred solver; HiGHS falls back to CBC when highspy is not installed.
    what : str
        What is solved ("the rerouting LP"), for the error message.
    hint : str
        What the user can try when it fails, appended to the message.
    **options
        Solver options (e.g. ``presolve="off"`` for HiGHS, ``gapRel=1e-9``).

    Returns
    -------
    str
        ``"highs"`` or ``"cbc"``.

    Raises
    ------
    SolverError
        The solver did not prove an optimum (infeasible, unbounded, a limit).
    """
    highs = pulp.HiGHS(msg=False, **options)
    if solver == "highs" and highs.available():
        chosen, name = highs, "highs"
    else:
        cbc_options = {key: value for key, value in options.items() if key == "gapRel"}
        chosen, name = pulp.PULP_CBC_CMD(msg=False, **cbc_options), "cbc"
    status = problem.solve(chosen)
    if status != pulp.LpStatusOptimal or problem.sol_status != pulp.LpSolutionOptimal:
        raise SolverError(
            f"{name} did not solve {what} to optimality (status {pulp.LpStatus[status]}, "
            f"solution {pulp.LpSolution[problem.sol_status]}); {hint}"
        )
    return name

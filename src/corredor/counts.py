"""Observed flows: the OD matrix estimated from traffic counts, and how well a model fits them.

Three pieces, each usable alone:

- ``holdout``: a deterministic split of count sites into estimation and hold-out
  sets (a hash of each site's id and the seed, so the split does not depend on
  row order or on which other sites exist).
- ``estimate_od``: OD-matrix estimation by regularised least squares toward a
  prior (the generalised-least-squares estimator of Cascetta, "Estimation of
  trip matrices from traffic counts and survey data: a generalized least
  squares estimator", Transportation Research B 18(4-5), 1984; Spiess, "A
  gradient approach for the O-D matrix adjustment problem", CRT-693,
  Université de Montréal, 1990, solves the same bilevel problem by gradient
  steps). With ``P`` the share of each OD's trucks that crosses each count
  site (from the assignment), ``y`` the counts and ``x0`` the prior::

      min_x  sum_a w_a (P_a . x - y_a)^2  +  lambda sum_k (x_k - x0_k)^2 / max(x0_k, floor)
      s.t.   x >= 0,   sum_{k in S} x_k = t_S  for each fixed total S (as heavy rows)

  ``w_a = 1 / max(y_a, 1)`` weighs errors relative to the count (the variance
  of a Poisson count), so a busy motorway does not drown a quiet road; the
  prior term pulls unobserved structure toward the prior. Solved with
  ``scipy.optimize.lsq_linear`` on the stacked sparse system.
- ``geh`` and ``fit_table``: the GEH statistic, sqrt(2 (M - C)^2 / (M + C)) on
  hourly flows (UK Design Manual for Roads and Bridges, vol. 12; the usual
  criterion is GEH < 5 on 85 % of counts), R^2 and the relative RMSE, overall
  and by group.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import lsq_linear

from corredor.errors import CorredorError

__all__ = ["GEH_TARGET", "ODEstimate", "estimate_od", "fit_table", "geh", "holdout"]

#: The usual acceptance criterion: GEH below 5 (UK DMRB).
GEH_TARGET = 5.0


def holdout(ids: Sequence[str], *, fraction: float = 0.2, seed: int = 2024) -> np.ndarray:
    """Which count sites are held out: a seeded hash of each id, independent of row order.

    Parameters
    ----------
    ids : sequence of str
        Count site ids (e.g. SICT segment ids).
    fraction : float, default 0.2
        Share held out (0..1).
    seed : int, default 2024
        The split's seed.

    Returns
    -------
    numpy.ndarray
        One bool per id: True where held out.
    """
    if not 0 <= fraction <= 1:
        raise CorredorError(f"holdout fraction {fraction!r} must be between 0 and 1")
    draws = np.array([
        int.from_bytes(hashlib.sha256(f"{seed}:{site}".encode()).digest()[:8], "big") / 2.0**64
        for site in ids
    ])
    return draws < fraction


@dataclass(frozen=True, eq=False)
class ODEstimate:
    """The estimated trucks/day per OD, the modelled count at each site, and the solver status."""

    trucks_day: np.ndarray
    modelled: np.ndarray
    status: str
    prior_weight: float


def estimate_od(
    prior: np.ndarray,
    assignment: sparse.spmatrix | np.ndarray,
    counts: np.ndarray,
    *,
    prior_weight: float = 1.0,
    prior_floor: float = 1.0,
    fixed_totals: Sequence[tuple[np.ndarray, float]] = (),
    fixed_weight: float = 1e4,
) -> ODEstimate:
    """Adjust a prior OD matrix so that its assigned flows match the counts (see module doc).

    Parameters
    ----------
    prior : numpy.ndarray
        Prior trucks/day per OD (>= 0).
    assignment : sparse matrix or numpy.ndarray
        Sites x ODs: the share of each OD's trucks crossing each count site.
    counts : numpy.ndarray
        Observed trucks/day per site (NaN: no count, left out).
    prior_weight : float, default 1.0
        lambda, the pull toward the prior (0: counts only).
    prior_floor : float, default 1.0
        Smallest prior used in the prior term's scale (trucks/day).
    fixed_totals : sequence of (mask, total)
        Groups of ODs whose sum must equal a known total (e.g. BTS trucks at a
        crossing), enforced as rows of weight ``fixed_weight``.
    fixed_weight : float, default 1e4
        Weight of a fixed-total row relative to a count row.

    Returns
    -------
    ODEstimate

    Raises
    ------
    CorredorError
        Shapes that do not match, negative or non-finite values.
    """
    prior = np.asarray(prior, dtype=float)
    matrix = sparse.csr_matrix(assignment, dtype=float)
    counts = np.asarray(counts, dtype=float)
    _check(prior, matrix, counts, prior_weight)
    seen = np.isfinite(counts)
    rows = [sparse.diags(1.0 / np.sqrt(np.maximum(counts[seen], 1.0))) @ matrix[seen]]
    targets = [counts[seen] / np.sqrt(np.maximum(counts[seen], 1.0))]
    if prior_weight > 0:
        scale = np.sqrt(prior_weight / np.maximum(prior, prior_floor))
        rows.append(sparse.diags(scale))
        targets.append(scale * prior)
    for mask, total in fixed_totals:
        group = np.asarray(mask, dtype=float)[None, :]
        weight = np.sqrt(fixed_weight / max(float(total), 1.0))
        rows.append(sparse.csr_matrix(group * weight))
        targets.append(np.array([weight * float(total)]))
    system = sparse.vstack(rows).tocsr()
    solved = lsq_linear(system, np.concatenate(targets), bounds=(0.0, np.inf),
                        lsmr_tol="auto", max_iter=2000, method="trf")
    trucks = np.maximum(solved.x, 0.0)
    return ODEstimate(trucks, matrix @ trucks, str(solved.message), prior_weight)


def geh(modelled: np.ndarray, counted: np.ndarray) -> np.ndarray:
    """GEH = sqrt(2 (M - C)^2 / (M + C)) per site (0 where both are 0).

    Parameters
    ----------
    modelled, counted : numpy.ndarray
        Flows in the same (hourly) unit.

    Returns
    -------
    numpy.ndarray
    """
    modelled, counted = np.asarray(modelled, float), np.asarray(counted, float)
    total = modelled + counted
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.sqrt(2.0 * (modelled - counted) ** 2 / total)
    return np.where(total > 0, value, 0.0)


def fit_table(modelled: np.ndarray, counted: np.ndarray, *, hour_factor: np.ndarray | float,
              groups: pd.DataFrame | None = None) -> pd.DataFrame:
    """Fit statistics overall and by group: sites, R^2, share with GEH < 5, relative RMSE.

    Parameters
    ----------
    modelled, counted : numpy.ndarray
        Daily flows per site.
    hour_factor : numpy.ndarray or float
        Design-hour share of the daily flow per site (the K factor): GEH is computed on
        ``daily x K``.
    groups : pandas.DataFrame, optional
        One column per grouping (e.g. ``road_class``, ``state``), one row per site.

    Returns
    -------
    pandas.DataFrame
        ``group, value, sites, r2, geh_under_5_share, rmse_pct, modelled_sum, counted_sum``.
    """
    modelled, counted = np.asarray(modelled, float), np.asarray(counted, float)
    value = geh(modelled * hour_factor, counted * hour_factor)
    rows = [_fit_row("all", "all", modelled, counted, value)]
    table = groups if groups is not None else pd.DataFrame(index=range(len(counted)))
    for column in table.columns:
        for key, index in table.groupby(column, sort=True).indices.items():
            rows.append(_fit_row(column, str(key), modelled[index], counted[index],
                                 value[index]))
    return pd.DataFrame(rows)


def _fit_row(group: str, key: str, modelled: np.ndarray, counted: np.ndarray,
             value: np.ndarray) -> dict:
    residual = modelled - counted
    spread = float(((counted - counted.mean()) ** 2).sum()) if len(counted) else 0.0
    return {
        "group": group, "value": key, "sites": len(counted),
        "r2": 1.0 - float((residual ** 2).sum()) / spread if spread > 0 else np.nan,
        "geh_under_5_share": float((value < GEH_TARGET).mean()) if len(value) else np.nan,
        "rmse_pct": 100.0 * float(np.sqrt((residual ** 2).mean())) / float(counted.mean())
        if len(counted) and counted.mean() > 0 else np.nan,
        "modelled_sum": float(modelled.sum()), "counted_sum": float(counted.sum()),
    }


def _check(prior: np.ndarray, matrix: sparse.csr_matrix, counts: np.ndarray,
           prior_weight: float) -> None:
    problems = []
    if matrix.shape != (len(counts), len(prior)):
        problems.append(f"assignment is {matrix.shape}, need sites x ODs = "
                        f"({len(counts)}, {len(prior)})")
    if not np.all(np.isfinite(prior) & (prior >= 0)):
        problems.append("prior trucks/day must be finite and >= 0")
    finite = counts[np.isfinite(counts)]
    if np.any(finite < 0):
        problems.append("counts must be >= 0")
    if not (np.isfinite(prior_weight) and prior_weight >= 0):
        problems.append(f"prior_weight {prior_weight!r} must be finite and >= 0")
    if problems:
        raise CorredorError("OD estimation: " + "; ".join(problems))

"""A plant's parts buffer day by day: production lost, days below plan, time-to-survive.

One plant, one day at a time, in units of *plan-days* (the parts one day of
planned production consumes; plan = annual production / 365, because the
demand's trucks per day are annual averages over calendar days):

* the inbound supply that arrives is ``1 - u`` plan-days, ``u`` the share of the
  plant's inbound trucks the network cannot deliver that day (unmet beyond the
  baseline's);
* a longer transit is a pipeline shift: when the trucks-weighted inbound transit
  time rises by ``d_t - d_{t-1}`` hours, that many hours of parts arrive later,
  so ``(d_t - d_{t-1}) / 24`` plan-days are missing at once (and come back when
  the transit shortens again);
* the plant builds ``P = min(1, stock + arrivals)``: production drops in
  proportion to the missing parts (the issue's rule; a single missing part
  number can stop a real line, so this is a lower bound on the loss);
* **recovery needs the backlog delivered**: the buffer's shortfall ``B - stock``
  is owed, and is shipped on top of the plan at ``refill_rate`` x the day's
  supply on days the plant's supply is whole (``u = 0``); the plant is
  recovered when its buffer is full again. Production lost is lost (no catch-up
  overtime) and the stock never exceeds the buffer (suppliers ship less).

Time-to-survive (Simchi-Levi, Schmidt, Wei et al., "Identifying risks and
mitigating disruptions in the automotive supply chain", Interfaces 45(5), 2015)
follows from the same rule for a steady failure with loss share ``u`` and
transit increase ``d``: ``TTS = (B - d/24) / u``, infinite when ``u = 0`` and the
delay fits in the buffer, 0 when it does not. A plant is at risk from an element
when the element's time-to-recover is longer: ``TTR > TTS``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import Field

from corredor.config import StrictModel

__all__ = ["EPS", "BufferRun", "PlantParams", "run_buffer", "time_to_survive", "vehicles_at_risk"]

#: Shares and plan-days below this are round-off, not parts.
EPS = 1e-9


class PlantParams(StrictModel):
    """The ``plants:`` section of a scenario: which table, and the buffer assumptions."""

    table: str = Field("bundled", description="'bundled' or a plant CSV (PLANT_COLUMNS)")
    buffer_scale: float = Field(
        1.0, gt=0, le=100,
        description="multiplies every plant's buffer_days (0 < x <= 100): the sensitivity knob "
        "(the buffers are assumptions)")
    buffer_days: dict[str, float] = Field(
        default_factory=dict,
        description="plant_id -> parts buffer in days (0..365), overriding the table")
    refill_rate: float = Field(
        0.25, ge=0, le=10,
        description="assumption: after a disruption suppliers and carriers ship the backlog at "
        "25 % above the plan per day until the buffer is full again")


@dataclass(frozen=True)
class BufferRun:
    """One plant's days: production share of plan, stock and the summary.

    Attributes
    ----------
    production : numpy.ndarray
        Share of the plan built each day (0..1).
    stock_days : numpy.ndarray
        Parts stock at the end of each day, plan-days (negative: parts owed by a
        pipeline shift that no buffer covered).
    lost_days : float
        Plan-days of production lost (sum of ``1 - production``).
    days_below_plan : int
        Days with production below plan.
    recovered_day : int or None
        First day after the last loss or drawdown on which production is at plan and the
        buffer is full again; ``None`` if that never happens within the horizon (or
        nothing happened).
    """

    production: np.ndarray
    stock_days: np.ndarray
    lost_days: float
    days_below_plan: int
    recovered_day: int | None


def run_buffer(unmet_share: np.ndarray, delay_h: np.ndarray, *, buffer_days: float,
               refill_rate: float) -> BufferRun:
    """Simulate a plant's buffer over the days of a timeline.

    Parameters
    ----------
    unmet_share : numpy.ndarray
        Per day, the share (0..1) of the plant's inbound trucks not delivered.
    delay_h : numpy.ndarray
        Per day, the trucks-weighted extra transit time of the delivered inbound trucks
        over the baseline, hours (day -1 is the baseline, 0).
    buffer_days : float
        Parts stock at the start, plan-days (the target the plant refills to).
    refill_rate : float
        Backlog shipped per day on top of the plan, as a share of the day's supply.

    Returns
    -------
    BufferRun
    """
    unmet = np.clip(np.asarray(unmet_share, dtype=float), 0.0, 1.0)
    delay = np.asarray(delay_h, dtype=float)
    shift = np.diff(np.concatenate([[0.0], delay])) / 24.0
    days = len(unmet)
    production, stock_days = np.ones(days), np.zeros(days)
    stock, touched, recovered = float(buffer_days), False, None
    for t in range(days):
        supply = 1.0 - unmet[t]
        refill = 0.0
        if unmet[t] <= EPS:
            refill = min(max(buffer_days - stock, 0.0), refill_rate * supply)
        available = stock + supply - shift[t] + refill
        production[t] = min(max(available, 0.0), 1.0)
        stock = min(available - production[t], float(buffer_days))
        stock_days[t] = stock
        short = production[t] < 1.0 - EPS or stock < buffer_days - EPS
        if short:
            touched, recovered = True, None
        elif touched and recovered is None:
            recovered = t
    lost = 1.0 - production
    return BufferRun(production, stock_days, float(lost.sum()),
                     int(np.sum(lost > EPS)), recovered)


def time_to_survive(buffer_days: np.ndarray | float, unmet_share: np.ndarray | float,
                    delay_h: np.ndarray | float) -> np.ndarray:
    """Days a plant keeps building at plan when an element fails for good.

    Parameters
    ----------
    buffer_days : float or numpy.ndarray
        The plant's buffer, plan-days.
    unmet_share : float or numpy.ndarray
        Share of its inbound trucks the failure leaves undelivered.
    delay_h : float or numpy.ndarray
        Trucks-weighted extra inbound transit time, hours.

    Returns
    -------
    numpy.ndarray
        TTS in days (``inf``: the plant never drops below plan).
    """
    buffer = np.asarray(buffer_days, dtype=float)
    unmet = np.clip(np.asarray(unmet_share, dtype=float), 0.0, 1.0)
    left = buffer - np.maximum(np.asarray(delay_h, dtype=float), 0.0) / 24.0
    with np.errstate(divide="ignore", invalid="ignore"):
        tts = np.where(unmet > EPS, np.maximum(left, 0.0) / unmet, np.inf)
    return np.where((unmet <= EPS) & (left < -EPS), 0.0, tts)


def vehicles_at_risk(plan_per_day: np.ndarray | float, buffer_days: np.ndarray | float,
                     unmet_share: np.ndarray | float, delay_h: np.ndarray | float,
                     ttr_days: np.ndarray | float) -> np.ndarray:
    """Vehicles not built while an element is down for ``ttr_days`` (steady failure).

    Beyond the buffer, the plant loses ``u`` of its plan per day until the element is
    back, plus the part of the transit shift the buffer could not cover.

    Parameters
    ----------
    plan_per_day : float or numpy.ndarray
        Planned vehicles per day.
    buffer_days, unmet_share, delay_h
        As in ``time_to_survive``.
    ttr_days : float or numpy.ndarray
        The element's time to recover, days.

    Returns
    -------
    numpy.ndarray
        Vehicles lost.
    """
    buffer = np.asarray(buffer_days, dtype=float)
    unmet = np.clip(np.asarray(unmet_share, dtype=float), 0.0, 1.0)
    shift = np.maximum(np.asarray(delay_h, dtype=float), 0.0) / 24.0
    ttr = np.asarray(ttr_days, dtype=float)
    tts = time_to_survive(buffer, unmet, shift * 24.0)
    drawn = np.where(np.isfinite(tts), np.maximum(ttr - tts, 0.0), 0.0) * unmet
    uncovered = np.where(ttr > 0, np.maximum(shift - buffer, 0.0), 0.0)
    return np.asarray(plan_per_day, dtype=float) * (drawn + uncovered)

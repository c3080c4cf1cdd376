"""Scenario files: the typed schema of a scenario YAML.

A scenario names a network, a demand table, layer inputs and a list of
disruptions, each a *selector* (which edges, ``corredor.selectors``), an
*effect* (what happens to them) and a *timing* (when), plus optional Monte
Carlo generators of random events. ``load_scenario`` parses a file and
reports every problem with its YAML line; what the file *refers to* (the
network, demand, rasters, polygons, and whether each selector matches
something) is checked by ``corredor.pipeline.prepare``, which ``corredor
validate`` and every analysis call alike.

Every number has a documented range (its ``description``); values outside it,
and infinite or NaN values, are errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from corredor.config import StrictModel, YamlFile, load_yaml
from corredor.layers.capacity import CapacityParams
from corredor.layers.cost import CostParams
from corredor.layers.crime import CrimeParams
from corredor.layers.delay import DelayParams
from corredor.production import PlantParams
from corredor.reroute import RerouteParams
from corredor.selectors import Selector

__all__ = [
    "BridgeFailures",
    "Disruption",
    "Duration",
    "Effect",
    "FloodEvents",
    "LayerInputs",
    "MonteCarlo",
    "RandomEvents",
    "Scenario",
    "ScenarioFile",
    "Timing",
    "load_scenario",
]

#: Longest horizon, event or recovery a scenario may ask for (days): ten years.
MAX_DAYS = 3650

class Effect(StrictModel):
    """What happens to the selected edges while the disruption is active."""

    close: bool = Field(False, description="remove the edges while fully active")
    capacity_factor: float | None = Field(
        None, ge=0, le=10,
        description="multiplies capacity: 0 closes, 1 leaves it, up to 10 (extra lanes)")
    speed_factor: float | None = Field(
        None, gt=0, le=10, description="multiplies speed (0 < factor <= 10)")
    cost_surcharge_usd: float | None = Field(
        None, ge=0, le=1e6, description="USD added per truck trip on each edge (0..1,000,000)")
    cost_surcharge_pct: float | None = Field(
        None, ge=0, le=1000, description="percent added to each edge's cost (0..1,000)")
    wait_hours: float | None = Field(
        None, ge=0, le=720, description="hours of waiting added per truck (0..720, a month)")
    wait_minutes: float | None = Field(
        None, ge=-1440, le=43200,
        description="minutes added to (negative: taken from) the queue wait of crossings and "
        "port gates, clamped at 0; on other edges a positive value is a fixed wait "
        "(-1440..43200)")
    lanes: int | None = Field(
        None, ge=0, le=40,
        description="lanes open per direction: capacity x lanes / the edge's lanes (0 closes; "
        "0..40)")
    theft_factor: float | None = Field(
        None, ge=0, le=100, description="multiplies the theft rate (0..100)")

    @model_validator(mode="after")
    def _does_something(self) -> Effect:
        if not self.close and all(
            value is None for key, value in self.model_dump().items() if key != "close"
        ):
            raise ValueError(
                "no effect: give close: true or one of capacity_factor, speed_factor, "
                "cost_surcharge_usd, cost_surcharge_pct, wait_hours, wait_minutes, lanes, "
                "theft_factor"
            )
        return self


class Timing(StrictModel):
    """When: full effect for ``days`` from ``start_day``, then linear recovery."""

    start_day: int = Field(0, ge=0, le=MAX_DAYS, description="first day (0-based, 0..3650)")
    days: int = Field(gt=0, le=MAX_DAYS, description="days at full effect (1..3650)")
    recovery_days: int = Field(
        0, ge=0, le=MAX_DAYS, description="days of linear recovery afterwards (0..3650)")

    def intensity(self, day: int) -> float:
        """1 while active, falling linearly to 0 over the recovery days, 0 otherwise."""
        end = self.start_day + self.days
        if self.start_day <= day < end:
            return 1.0
        if end <= day < end + self.recovery_days:
            return 1.0 - (day - end + 1) / (self.recovery_days + 1)
        return 0.0


class Disruption(StrictModel):
    """One named disruption: which edges, what happens to them, and when."""

    name: str = Field(min_length=1)
    select: Selector
    effect: Effect
    timing: Timing


class Duration(StrictModel):
    """How long an event lasts, drawn per event, in whole days (at least 1).

    ``fixed``: ``days``; ``uniform``: between ``min_days`` and ``max_days``;
    ``exponential``: mean ``days``; ``lognormal``: median ``days`` and log-sd
    ``sigma``. ``max_days`` caps any draw.
    """

    distribution: Literal["fixed", "uniform", "exponential", "lognormal"] = "fixed"
    days: float | None = Field(None, gt=0, le=MAX_DAYS, description="days (0 < d <= 3650)")
    min_days: float | None = Field(None, gt=0, le=MAX_DAYS, description="0 < d <= 3650")
    max_days: float | None = Field(None, gt=0, le=MAX_DAYS, description="0 < d <= 3650")
    sigma: float | None = Field(None, gt=0, le=5, description="log-sd (0 < sigma <= 5)")

    @model_validator(mode="after")
    def _parameters_given(self) -> Duration:
        needs = {
            "fixed": ("days",),
            "uniform": ("min_days", "max_days"),
            "exponential": ("days",),
            "lognormal": ("days", "sigma"),
        }[self.distribution]
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.distribution} duration needs {', '.join(missing)}")
        if self.distribution == "uniform" and (self.min_days or 0.0) > (self.max_days or 0.0):
            raise ValueError("min_days is above max_days")
        return self

    def draw(self, rng: np.random.Generator) -> int:
        """One duration in whole days (at least 1) from ``rng``."""
        days = self.days or 0.0  # the validator made sure the distribution's fields are set
        if self.distribution == "fixed":
            value = days
        elif self.distribution == "uniform":
            value = float(rng.uniform(self.min_days or 0.0, self.max_days or 0.0))
        elif self.distribution == "exponential":
            value = float(rng.exponential(days))
        else:
            value = days * float(np.exp(rng.normal(0.0, self.sigma or 0.0)))
        if self.max_days is not None:
            value = min(value, self.max_days)
        return max(1, round(value))


class FloodEvents(StrictModel):
    """Floods drawn from the flood layer: one annual-maximum return period per region.

    Each region (an INEGI state) draws ``T = 1/u``; every edge there gets the
    depth interpolated at ``T`` from the flood layer's return-period columns,
    closes with the fragility curve's probability (both directions of a link
    together) for the curve's closure days, starting on a day drawn in
    ``season`` (day-of-year window; default June-October, the Mexican rainy
    and hurricane season: assumption).
    """

    season: tuple[int, int] = Field(
        (152, 304), description="first and last day a flood may start (0 <= first <= last "
        "<= 365; before the Monte Carlo horizon ends)")
    select: Selector | None = None

    @model_validator(mode="after")
    def _season_in_a_year(self) -> FloodEvents:
        first, last = self.season
        if not 0 <= first <= last <= 365:
            raise ValueError(f"season {list(self.season)}: need 0 <= first <= last <= 365")
        return self


class BridgeFailures(StrictModel):
    """Each selected bridge link fails in a year with ``annual_probability``."""

    annual_probability: float = Field(gt=0, le=1, description="0 < p <= 1 per link and year")
    duration: Duration
    select: Selector = Field(default_factory=lambda: Selector(bridge=True))


class RandomEvents(StrictModel):
    """Poisson arrivals at ``rate_per_year``; each hits one link drawn from ``select``
    (``scope: link``) or all selected edges at once (``scope: all``)."""

    name: str = Field(min_length=1)
    rate_per_year: float = Field(ge=0, le=365, description="events per year (0..365)")
    select: Selector
    scope: Literal["link", "all"] = "link"
    duration: Duration
    effect: Effect = Field(default_factory=lambda: Effect(close=True))


class MonteCarlo(StrictModel):
    """Seeded random years of events; ``runs`` independent draws of ``horizon_days``."""

    runs: int = Field(gt=0, le=100_000, description="random years drawn (1..100,000)")
    seed: int = Field(ge=0, le=2**63 - 1, description="seed of the draws (>= 0)")
    horizon_days: int = Field(365, gt=0, le=MAX_DAYS, description="days per run (1..3650)")
    floods: FloodEvents | None = None
    bridge_failures: BridgeFailures | None = None
    blockades: list[RandomEvents] = Field(default_factory=list)
    theft_surges: list[RandomEvents] = Field(default_factory=list)

    @model_validator(mode="after")
    def _season_in_the_horizon(self) -> MonteCarlo:
        if self.floods is not None and self.floods.season[0] >= self.horizon_days:
            raise ValueError(f"floods.season starts on day {self.floods.season[0]}, after the "
                             f"horizon of {self.horizon_days} days")
        return self


class LayerInputs(StrictModel):
    """Layer inputs and overrides: the same options as ``corredor layers``."""

    crime: str = "bundled"
    boundaries: Path | None = None
    flood: Literal["screening", "none"] | dict[int, Path] = "screening"
    flood_band: int | None = Field(
        None, ge=1, le=1000, description="band of the flood rasters holding depths (required "
        "when they have more than one)")
    capacity: CapacityParams = Field(default_factory=CapacityParams)
    crime_params: CrimeParams = Field(default_factory=CrimeParams)
    cost: CostParams = Field(default_factory=CostParams)
    delay: DelayParams = Field(default_factory=DelayParams)


class SegmentLimitSpec(StrictModel):
    """At most ``trucks_day`` trucks/day of one demand segment through the selected edges."""

    name: str = Field(min_length=1)
    segment: str = Field(min_length=1, description="the demand rows' segment it applies to")
    select: Selector
    trucks_day: float = Field(ge=0, le=1e6, description="the cap, trucks/day (0..1,000,000)")


class Scenario(StrictModel):
    """A whole scenario file. Paths are relative to the file's folder."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    description: str = ""
    network: str = "bundled"
    demand: str = "bundled"
    extra_demand: list[str] = Field(
        default_factory=list, description="demand CSVs whose rows are added to demand")
    horizon_days: int = Field(gt=0, le=MAX_DAYS, description="days simulated (1..3650)")
    layers: LayerInputs = Field(default_factory=LayerInputs)
    reroute: RerouteParams = Field(default_factory=RerouteParams)
    disruptions: list[Disruption] = Field(default_factory=list)
    segment_limits: list[SegmentLimitSpec] = Field(default_factory=list)
    monte_carlo: MonteCarlo | None = None
    plants: PlantParams = Field(default_factory=PlantParams)

    @model_validator(mode="after")
    def _limits_without_monte_carlo(self) -> Scenario:
        if self.segment_limits and self.monte_carlo is not None:
            raise ValueError("segment_limits are not supported with monte_carlo yet (the "
                             "Monte Carlo years would solve without them); run them apart")
        return self

    @model_validator(mode="after")
    def _timings_fit_the_horizon(self) -> Scenario:
        for disruption in self.disruptions:
            if disruption.timing.start_day >= self.horizon_days:
                raise ValueError(
                    f"disruption {disruption.name!r} starts on day "
                    f"{disruption.timing.start_day}, after the horizon of "
                    f"{self.horizon_days} days"
                )
        return self


#: A scenario file: the validated ``Scenario`` with its path and YAML lines.
ScenarioFile = YamlFile[Scenario]


def load_scenario(path: str | Path) -> ScenarioFile:
    """Parse and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        A scenario YAML file.

    Returns
    -------
    ScenarioFile
        The scenario (``.model``), its path and the line of every key.

    Raises
    ------
    ScenarioError
        Listing every problem with its line.
    """
    return load_yaml(path, Scenario, what="scenario")

"""The sourcing spec: a buyer, candidate suppliers, volumes, cover, risk appetite and draws."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, model_validator

from corredor.config import StrictModel, YamlFile, load_yaml
from corredor.errors import CorredorError
from corredor.scenario import LayerInputs, MonteCarlo

__all__ = ["Buyer", "Candidate", "Site", "SourcingFile", "SourcingSpec", "load_sourcing_spec"]


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
    """The buying plant or warehouse: a node, a lon/lat point, or a plant of the plant table."""

    name: str = Field(default="buyer", min_length=1)
    plant: str | None = Field(
        None, description="a plant_id of the plant table (data/mexico/plants.csv): the buyer is "
        "that plant's node, and its parts buffer is the default inventory_days")

    @model_validator(mode="before")
    @classmethod
    def _plant_is_its_node(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("plant") is not None:
            if data.get("node") is not None or data.get("lon") is not None:
                raise ValueError("give plant, or node, or lon and lat: not several")
            data = {**data, "node": data["plant"]}
        return data


class Candidate(Site):
    """A supplier the buyer could buy from."""

    name: str = Field(min_length=1)
    price_usd_per_truckload: float = Field(
        gt=0, le=1e8, description="USD per truckload at the supplier (0 < p <= 100,000,000)")
    max_share: float = Field(default=1.0, gt=0, le=1, description="0 < share <= 1")
    incumbent: bool = False


class SourcingSpec(StrictModel):
    """A sourcing spec file. Paths are relative to the file's folder."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    description: str = ""
    network: str = "bundled"
    layers: LayerInputs = Field(default_factory=LayerInputs)
    buyer: Buyer
    candidates: list[Candidate] = Field(min_length=1)
    weekly_truckloads: float = Field(gt=0, le=1e5, description="0 < loads <= 100,000 a week")
    inventory_days: float | None = Field(
        None, ge=0, le=3650,
        description="time-to-survive TTS of the buyer, days (0..3650); default for a plant "
        "buyer: its buffer_days in the plant table")
    max_suppliers: int = Field(default=2, ge=1, le=50, description="1..50")
    min_share: float = Field(
        default=0.1, ge=0, lt=1,
        description="assumption: a chosen supplier gets at least 10 % of the volume, or it "
        "is not worth qualifying",
    )
    risk_aversion: float = Field(
        default=1.0, ge=0, le=1000,
        description="(0..1,000) assumption: lambda = 1, a dollar of tail (CVaR) shortfall "
        "cost weighs as much as a dollar of expected landed cost",
    )
    cvar_level: float = Field(0.95, gt=0, lt=1, description="assumption: the worst 5 % of draws")
    frontier: list[Annotated[float, Field(ge=0, le=1000)]] = Field(
        default=[0.0, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0], min_length=1,
        description="assumption: lambdas spanning no to strong risk aversion",
    )
    shortfall_penalty_usd_per_truckload: float = Field(
        default=100_000.0, gt=0, le=1e9,
        description="(0 < USD <= 1e9) assumption: lost production, premium freight and "
        "penalties per truckload that arrives after the buyer's cover ran out; a round "
        "planning number, not data: set your plant's figure",
    )
    max_detour_cost_increase: float | None = Field(
        default=0.5, ge=0, le=100,
        description="(0..100) assumption: a detour costing over 50 % more than the baseline route "
        "(on a 1,000 km trip, ~10 truck-hours at the cost layer's value of time) misses a "
        "just-in-time buyer; null counts only physical cuts",
    )
    max_snap_km: float = Field(
        50.0, gt=0, le=1000, description="(0 < km <= 1,000) assumption: farthest snap of a site")
    monte_carlo: MonteCarlo
    stress_scenarios: list[Path] = Field(default_factory=list)

    @property
    def cover_days(self) -> float:
        """The buyer's cover TTS in days: ``inventory_days`` (for a plant buyer, once
        ``corredor.pipeline.prepare_sourcing`` has filled in its buffer)."""
        if self.inventory_days is None:
            raise CorredorError("inventory_days is not set: prepare the spec with "
                                "corredor.pipeline.prepare_sourcing, which takes a plant "
                                "buyer's buffer from the plant table")
        return self.inventory_days

    @model_validator(mode="after")
    def _feasible(self) -> SourcingSpec:
        if self.inventory_days is None and self.buyer.plant is None:
            raise ValueError("inventory_days is required (days of cover at the buyer) unless "
                             "the buyer is a plant of the plant table (buyer: {plant: ...})")
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


#: A sourcing spec file: the validated ``SourcingSpec`` with its path and YAML lines.
SourcingFile = YamlFile[SourcingSpec]


def load_sourcing_spec(path: str | Path) -> SourcingFile:
    """Parse and validate a sourcing spec.

    Parameters
    ----------
    path : str or Path
        A sourcing spec YAML file.

    Returns
    -------
    SourcingFile
        The spec (``.model``), its path and the line of every key.

    Raises
    ------
    ScenarioError
        Listing every problem with its line.
    """
    return load_yaml(path, SourcingSpec, what="sourcing spec")

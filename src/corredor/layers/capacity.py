"""Capacity layer: how many trucks a day each edge can carry, per direction.

Rerouting needs a capacity on every edge, but only border crossings and ports
have measured or published figures. Every other edge gets a capacity derived
from its lanes and road class with the Highway Capacity Manual (HCM) logic::

    trucks/day = lanes x c_lane x P_T / (1 + P_T x (E_T - 1)) / K

where ``c_lane`` is the per-lane capacity in passenger cars per hour for the
class, ``P_T`` the truck share of the traffic stream, ``E_T`` the passenger-car
equivalent of a truck (so ``1 / (1 + P_T (E_T - 1))`` is HCM's heavy-vehicle
factor), and ``K`` the share of daily traffic in the peak hour (so dividing by
``K`` turns a peak-hour capacity into a daily one). Border crossings without
data get ``lanes x border_trucks_lane_day`` instead: their bottleneck is
inspection, not the road. Every constant is in ``CapacityParams`` with its
source; values already in the network (crossings, ports) take precedence and
every edge records how its capacity was obtained in ``capacity_method``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from corredor.config import StrictModel
from corredor.errors import CorredorError
from corredor.network import ROAD_CLASSES, Network

#: Per-lane capacity (passenger cars per hour per lane) by road class.
DEFAULT_LANE_CAPACITY_PC_H: dict[str, float] = {
    # HCM 2010 basic freeway segment capacity at a 65 mph (105 km/h) free-flow speed.
    "motorway": 2350.0,
    "us_highway": 2350.0,
    # HCM 2010 multilane highway capacity at a 55 mph (90 km/h) free-flow speed
    # (4-lane federal libre roads with at-grade access).
    "trunk": 2100.0,
    # HCM 2010 two-lane highway capacity: 1,700 pc/h in each direction.
    "primary": 1700.0,
    "secondary": 1700.0,
    "tertiary": 1700.0,
    "foreign_highway": 1700.0,
    # assumption: signalised urban approach = HCM base saturation flow 1,900 pc/h/ln
    # x green share 0.5.
    "port_access": 950.0,
    "connector": 950.0,
}

_DERIVED_CLASSES = frozenset(DEFAULT_LANE_CAPACITY_PC_H)
#: ``capacity_method`` of a value this layer computed (recomputed when the layer runs again).
DERIVED = "derived: "


class CapacityParams(StrictModel):
    """Constants of the capacity layer; ``CapacityParams(**overrides)`` from a scenario.

    ``lane_capacity_pc_h`` overrides are merged into the defaults, so
    ``{"motorway": 2200}`` changes only motorways. Unknown keys are errors.
    """

    lane_capacity_pc_h: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_LANE_CAPACITY_PC_H),
        description="pc/h per lane by road class (HCM 2010; see DEFAULT_LANE_CAPACITY_PC_H)",
    )
    truck_share: float = Field(
        0.25, gt=0, le=1,
        description="assumption: 25% heavy trucks in the traffic stream, the order found on "
        "Mexican federal freight corridors; use a count (SCT Datos Viales) for a given road",
    )
    truck_pce: float = Field(
        2.0, ge=1,
        description="assumption: passenger-car equivalent of a truck, between the HCM 2010 "
        "extended-segment values for level (1.5) and rolling (2.5) terrain",
    )
    peak_hour_share: float = Field(
        0.10, gt=0, le=1,
        description="assumption: K-factor, the peak hour carries 10% of daily traffic "
        "(a common rural design value)",
    )
    border_trucks_lane_day: float = Field(
        480.0, gt=0,
        description="assumption: one commercial inspection lane clears a truck every 3 minutes, "
        "24 h a day; used only for border edges without a data capacity",
    )

    @field_validator("lane_capacity_pc_h", mode="before")
    @classmethod
    def _merge_with_defaults(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        unknown = sorted(set(value) - _DERIVED_CLASSES)
        if unknown:
            raise ValueError(
                f"unknown road class(es) {unknown}; valid: {sorted(_DERIVED_CLASSES)}"
            )
        return {**DEFAULT_LANE_CAPACITY_PC_H, **value}

    @field_validator("lane_capacity_pc_h")
    @classmethod
    def _positive(cls, value: dict[str, float]) -> dict[str, float]:
        bad = sorted(k for k, v in value.items() if not v > 0)
        if bad:
            raise ValueError(f"lane capacities must be > 0 (not for {bad})")
        return value

    def trucks_per_lane_day(self, road_class: str) -> float:
        """Daily truck capacity of one lane of ``road_class`` (one direction)."""
        if road_class == "border":
            return self.border_trucks_lane_day
        heavy_vehicle_factor = 1.0 / (1.0 + self.truck_share * (self.truck_pce - 1.0))
        return (
            self.lane_capacity_pc_h[road_class]
            * self.truck_share
            * heavy_vehicle_factor
            / self.peak_hour_share
        )

    def method(self, road_class: str, lanes: float) -> str:
        """The sentence recorded in ``capacity_method`` for a derived capacity."""
        if road_class == "border":
            return (
                f"{DERIVED}assumption, {lanes:g} lanes x {self.border_trucks_lane_day:,.0f} "
                "trucks/lane/day (inspection-limited border crossing without data)"
            )
        return (
            f"{DERIVED}HCM, {lanes:g} lanes x {self.lane_capacity_pc_h[road_class]:,.0f} pc/h/ln "
            f"x truck share {self.truck_share:g} / (1 + {self.truck_share:g} x "
            f"({self.truck_pce:g} - 1)) / K {self.peak_hour_share:g}"
        )


def apply_capacity(network: Network, *, params: CapacityParams | None = None) -> Network:
    """Fill ``capacity_trucks_day`` (per direction) and add ``capacity_method``.

    A positive ``capacity_trucks_day`` already on an edge is data and is kept,
    with its existing ``capacity_method`` text (or ``data: ...`` when it has
    none); every other edge gets the derived value for its class and lanes.
    Values an earlier run derived (method ``derived: ...``) are derived again,
    so running the layer with new params updates them.
    """
    params = params or CapacityParams()
    edges = network.edges.copy()
    classes = edges["road_class"].astype(str)
    known = set(params.lane_capacity_pc_h) | {"border"}
    unknown = sorted(set(classes) - known)
    if unknown:
        raise CorredorError(
            f"edges: no capacity rule for road_class {unknown}; known classes: "
            f"{sorted(known)} (network.ROAD_CLASSES lists {sorted(ROAD_CLASSES)})"
        )
    lanes = pd.to_numeric(edges["lanes"], errors="coerce")
    bad_lanes = edges.loc[~(lanes > 0), "edge_id"]
    if len(bad_lanes):
        raise CorredorError(
            f"edges: 'lanes' (lanes per direction) must be > 0, not on "
            f"{len(bad_lanes)} edges (e.g. {', '.join(bad_lanes.head(5))})"
        )

    existing = (
        edges["capacity_method"].fillna("").astype(str).str.strip()
        if "capacity_method" in edges.columns
        else pd.Series("", index=edges.index)
    )
    data = pd.to_numeric(edges["capacity_trucks_day"], errors="coerce")
    has_data = ((data > 0) & ~existing.str.startswith(DERIVED)).to_numpy()
    per_lane = classes.map({c: params.trucks_per_lane_day(c) for c in classes.unique()})
    per_lane = per_lane.to_numpy(dtype=float)
    derived = lanes.to_numpy(dtype=float) * per_lane
    edges["capacity_trucks_day"] = np.where(has_data, data.to_numpy(dtype=float), derived)

    data_method = existing.where(
        existing != "", "data: capacity_trucks_day given in the network (see source)"
    )
    keys = list(zip(classes, lanes, strict=True))
    sentences = {key: params.method(*key) for key in set(keys)}
    derived_method = [sentences[key] for key in keys]
    edges["capacity_method"] = np.where(has_data, data_method, derived_method)
    return network.with_edges(edges)

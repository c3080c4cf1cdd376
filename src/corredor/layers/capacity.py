"""Capacity layer: how many trucks a day each edge can carry, per direction.

Rerouting needs a capacity on every edge. Border crossings and ports have
measured or published figures (kept as data). Roads from SICT/IMT Datos Viales
(the bundled model, ``corredor.networks.sict``) get theirs from SICT's own
capacity threshold; every other road (OpenStreetMap networks, traced SICT roads
without thresholds) from its lanes and road class with the HCM logic.

**SICT roads.** ``FS_E`` (``fs_e_veh_h``) is the service volume at the upper limit
of level of service E, i.e. capacity, in vehicles per hour **of the segment's own
traffic mix and terrain, both directions together**: SICT's level of service is
TDPA x K compared with FS_A..FS_E (it reproduces SICT's ``NS`` on 99.85 % of
segments, see ``corredor.networks.sict``). Each direction has half of it (a
symmetric cross-section, assumption). A direction reaches capacity in its peak
hour, when it carries the share D (``d_factor``, SICT's peak-direction share) of
the design-hour volume K x TDPA (``k_factor``); with the day's traffic split
evenly between the directions (TDPA / 2 each), that happens at::

    vehicles/day per direction = (FS_E / 2) / (2 D K) = FS_E / (4 D K)
    trucks/day per direction   = FS_E / (4 D K) x P_T

where P_T is the observed truck share (``truck_share``, SICT's CC: C2 to T3S2R4).
Either direction may be the peak one (morning or evening), so D applies to both
(assumption); at D = 0.5 this is FS_E / (2 K) x P_T: the trucks' **counted share**
of the capacity. No PCE enters that share: FS_E is already a count of the observed
mixed vehicles, with SICT's heavy-vehicle and terrain adjustment inside it.

**Background traffic** (``CapacityParams.background``, on by default): the counted
cars and buses use capacity and the trucks may use what they leave. In PCE, with
E_T the PCE of a truck or bus by terrain (``truck_pce_by_terrain``: HCM 2000
extended segments, 1.5 level, 2.5 rolling, 4.5 mountainous) and P_C the car share::

    capacity_pce_day   = FS_E / (4 D K) x (1 + (1 - P_C) (E_T - 1))    (mean PCE of the mix)
    background_pce_day = TDPA / 2 x (P_C + P_B E_T)                     (per direction)
    trucks/day         = max((capacity_pce_day - background_pce_day) / E_T,
                             FS_E / (4 D K) x P_T)

At SICT's own volume-to-capacity ratio 1 the two terms are equal; on a road with
room the trucks get more than their share. A road counted beyond its threshold
(LOS F, TDPA / 2 above FS_E / (4 D K)) evidently carries its count, so its
capacity is raised to it (TDPA / 2 vehicles per direction; its trucks then get
exactly their count), and on a road that diverted cars fill the trucks keep
their share of it (``truck_floor_day``). ``corredor.background``
diverts the background of a closed edge onto its detour. With
``CapacityParams.sict_truck_share`` set, FS_E is carried to the new mix with the
heavy-vehicle factor f_HV = 1 / (1 + P_HV (E_T - 1)) of the new mix over the
observed one (P_HV = buses + trucks).

**Other roads** (the HCM path, kept for OSM networks)::

    trucks/day = lanes x c_lane x P_T / (1 + P_T x (E_T - 1)) / K

where ``c_lane`` is the per-lane capacity in passenger cars per hour for the
class, ``P_T`` the truck share of the traffic stream, ``E_T`` the passenger-car
equivalent of a truck (so ``1 / (1 + P_T (E_T - 1))`` is HCM's heavy-vehicle
factor), and ``K`` the share of daily traffic in the peak hour (so dividing by
``K`` turns a peak-hour capacity into a daily one). Border crossings without
data get ``lanes x border_trucks_lane_day`` instead: their bottleneck is
inspection, not the road. Every constant is in ``CapacityParams`` with its
source; values already in the network (crossings, ports) take precedence and
every edge records how its capacity was obtained in ``capacity_method``
(``derived: SICT ...``, ``derived: HCM ...``, or the data's own text).
"""

from __future__ import annotations

from dataclasses import dataclass

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
    sict: bool = Field(
        True,
        description="derive the capacity of edges with SICT fields (fs_e_veh_h, k_factor, "
        "d_factor, truck_share) from FS_E / (4 D K) x truck share; false: HCM path for all",
    )
    background: bool = Field(
        True,
        description="SICT roads: the counted cars and buses (TDPA x car and bus shares, in "
        "PCE) use capacity and the trucks get the rest, at least their counted share of it; "
        "false: trucks get their counted share only (FS_E / (4 D K) x truck share)",
    )
    sict_truck_share: float | None = Field(
        None, gt=0, le=1,
        description="replace the observed SICT truck share by this one (FS_E is carried to "
        "the new mix with the heavy-vehicle factor and truck_pce_by_terrain); default: observed",
    )
    truck_pce_by_terrain: dict[str, float] = Field(
        default_factory=lambda: {"P": 1.5, "L": 2.5, "M": 4.5},
        description="HCM 2000 passenger-car equivalents of trucks and buses on extended "
        "segments, level (P) / rolling (L) / mountainous (M); used only with sict_truck_share",
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

    @field_validator("truck_pce_by_terrain")
    @classmethod
    def _terrain_pce(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - {"P", "L", "M"})
        if unknown:
            raise ValueError(f"unknown terrain code(s) {unknown}; valid: P (level), L (rolling), "
                             "M (mountainous)")
        bad = sorted(k for k, v in value.items() if not v >= 1)
        if bad:
            raise ValueError(f"passenger-car equivalents must be >= 1 (not for {bad})")
        return value

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
    none); every other edge gets the SICT-derived value when it has SICT's FS_E,
    K, D and a truck share above 0 (see the module docstring), else the HCM value
    for its class and lanes.
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

    sict_result = _sict_capacity(edges, params)
    sict, sict_method = sict_result.trucks, sict_result.method
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
    from_sict = np.isfinite(sict)
    derived = np.where(from_sict, sict, derived)
    edges["capacity_trucks_day"] = np.where(has_data, data.to_numpy(dtype=float), derived)

    data_method = existing.where(
        existing != "", "data: capacity_trucks_day given in the network (see source)"
    )
    keys = list(zip(classes, lanes, strict=True))
    sentences = {key: params.method(*key) for key in set(keys)}
    derived_method = np.where(from_sict, sict_method, [sentences[key] for key in keys])
    edges["capacity_method"] = np.where(has_data, data_method, derived_method)
    from_sict &= ~has_data
    edges["capacity_pce_day"] = np.where(from_sict, sict_result.capacity_pce, np.nan)
    edges["background_pce_day"] = np.where(from_sict, sict_result.background_pce, 0.0)
    edges["truck_pce"] = np.where(from_sict, sict_result.truck_pce, np.nan)
    edges["truck_floor_day"] = np.where(from_sict, sict_result.floor, np.nan)
    return network.with_edges(edges)


_SICT_COLUMNS = ("fs_e_veh_h", "k_factor", "d_factor", "truck_share")


@dataclass(frozen=True)
class _SictCapacity:
    """The SICT path's per-edge results (NaN / '' where an edge has no SICT data)."""

    trucks: np.ndarray
    method: np.ndarray
    capacity_pce: np.ndarray
    background_pce: np.ndarray
    truck_pce: np.ndarray
    floor: np.ndarray


def _sict_capacity(edges: pd.DataFrame, params: CapacityParams) -> _SictCapacity:
    """Per-direction truck capacity from SICT's FS_E, K, D and vehicle mix.

    See the module docstring for the derivation; edges without all four fields, or
    with no trucks counted, get NaN (and the HCM path).
    """
    n = len(edges)
    nan = np.full(n, np.nan)
    if not params.sict or not set(_SICT_COLUMNS) <= set(edges.columns):
        return _SictCapacity(nan, np.full(n, "", dtype=object), nan, nan, nan, nan)
    fs_e, k, d, share = (pd.to_numeric(edges[c], errors="coerce").to_numpy(dtype=float)
                         for c in _SICT_COLUMNS)
    fs_e = fs_e.copy()

    def column(name: str) -> np.ndarray:
        values = edges[name] if name in edges.columns else pd.Series(np.nan, index=edges.index)
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)

    buses, cars, tdpa = np.nan_to_num(column("bus_share")), column("car_share"), column("tdpa")
    terrain = edges.get("terrain", pd.Series("", index=edges.index)).astype(str)
    pce = terrain.map(params.truck_pce_by_terrain).fillna(
        params.truck_pce_by_terrain.get("L", 2.5)).to_numpy(dtype=float)
    text = "observed mix"
    if params.sict_truck_share is not None:
        new = params.sict_truck_share
        old_hv = 1.0 / (1.0 + (buses + share) * (pce - 1.0))
        new_hv = 1.0 / (1.0 + (buses + new) * (pce - 1.0))
        fs_e = fs_e * new_hv / old_hv
        share = np.full(n, new)
        text = (f"truck share set to {new:g}: FS_E rescaled by f_HV(new) / f_HV(observed), "
                "E_T by terrain")
    ok = (fs_e > 0) & (k > 0) & (d > 0) & (share > 0)
    vehicles = np.where(ok, fs_e / (4.0 * np.where(ok, d, 1) * np.where(ok, k, 1)), np.nan)
    # a road counted beyond SICT's threshold (LOS F) carries what is counted on it
    raised = ok & (tdpa / 2.0 > vehicles)
    vehicles = np.where(raised, tdpa / 2.0, vehicles)
    floor = vehicles * share
    counted = ok & (tdpa > 0) & np.isfinite(cars)
    with_background = params.background & counted
    mean_pce = 1.0 + (1.0 - np.nan_to_num(cars)) * (pce - 1.0)
    capacity_pce = np.where(counted, vehicles * mean_pce, np.nan)
    background = np.where(counted, tdpa / 2.0 * (np.nan_to_num(cars) + buses * pce), np.nan)
    residual = (capacity_pce - background) / pce
    trucks = np.where(with_background, np.fmax(residual, floor), floor)
    method = np.array([
        (f"{DERIVED}SICT, FS_E {f:,.0f} veh/h (two-way) / (4 x D {dd:.3f} x K {kk:.3f})"
         + (f" raised to the count TDPA / 2 = {v:,.0f} veh/day/direction (LOS F)" if up
            else f" = {v:,.0f} veh/day/direction") + f" ({text}); "
         + (f"x mean PCE {m:.3f} = {c:,.0f} PCE/day, less the counted cars and buses "
            f"{b:,.0f} PCE/day, / truck PCE {e:g}, at least the truck share {p:.4f} of it"
            if bg else f"x truck share {p:.4f}"))
        if good else ""
        for f, dd, kk, v, up, m, c, b, e, p, bg, good in zip(
            fs_e, d, k, vehicles, raised, mean_pce, capacity_pce, background, pce, share,
            with_background, ok, strict=True)
    ], dtype=object)
    return _SictCapacity(trucks=np.where(ok, trucks, np.nan), method=method,
                         capacity_pce=np.where(with_background, capacity_pce, np.nan),
                         background_pce=np.where(with_background, background, 0.0),
                         truck_pce=np.where(with_background, pce, np.nan),
                         floor=np.where(with_background, floor, np.nan))

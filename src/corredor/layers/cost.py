"""Generalised cost: what one truck trip over an edge costs, in USD, and why.

    cost_usd = travel_time_h x value of time              (cost_time_usd)
             + length_km x operating cost per km          (cost_distance_usd)
             + toll per km on cuota roads + border fee    (cost_toll_usd)
             + expected theft loss                        (cost_theft_usd)
             + expected flood delay                       (cost_flood_usd)

``travel_time_h = length_km / speed_kph``. The theft term is the crime layer's
``theft_loss_usd`` (expected loss per trip at the default cargo value). The
flood term is the chance that a trip meets a flood closure times the cost of
the delay it then suffers::

    cost_flood_usd = flood_closure_days_year / 365 x flood_delay_h x value of time

using the flood layer's ``flood_closure_days_year`` (expected closure days per
year). A missing layer contributes 0 and says so in ``cost_note``, so a planner
can tell "no risk" from "not assessed". Every component is kept as a column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field

from corredor.config import StrictModel
from corredor.errors import CorredorError
from corredor.network import Network

__all__ = ["COST_COLUMNS", "CostParams", "apply_cost"]

#: Edge columns this layer adds.
COST_COLUMNS = (
    "travel_time_h", "cost_time_usd", "cost_distance_usd", "cost_toll_usd", "cost_theft_usd",
    "cost_flood_usd", "cost_usd", "cost_note",
)
_COMPONENTS = (
    "cost_time_usd", "cost_distance_usd", "cost_toll_usd", "cost_theft_usd", "cost_flood_usd",
)


class CostParams(StrictModel):
    """Constants of the generalised cost; ``CostParams(**overrides)`` from a scenario.

    Unknown keys and negative values are validation errors.
    """

    value_of_time_usd_h: float = Field(
        71.57, ge=0,
        description="ATRI, An Analysis of the Operational Costs of Trucking, 2025 update: US "
        "carriers' 2024 operating cost per truck-hour excluding fuel (driver wages and "
        "benefits, equipment, insurance, maintenance); assumption: applied to Mexican trucks "
        "(override with a Mexican figure, e.g. IMT operating-cost publications)",
    )
    operating_cost_usd_km: float = Field(
        0.299, ge=0,
        description="ATRI 2025 update, 2024 fuel cost per mile = $2.260 total - $1.779 "
        "non-fuel = $0.481/mile = $0.299/km; the other running costs are in the value of time",
    )
    toll_usd_km: float = Field(
        0.36, ge=0,
        description="assumption: toll of a 5-axle truck per km of cuota road, the mean of "
        "three CAPUFE tariffs as reported in the press (2025: Mexico-Puebla 866 MXN over "
        "~120 km, Mexico-Queretaro 911 MXN over ~170 km; 2023: Queretaro-Irapuato 734 MXN "
        "over ~100 km for 4-5 axles; tolled lengths approximate) = 5.4-7.3 MXN/km, at an "
        "assumed 18.5 MXN/USD",
    )
    border_fee_usd: float = Field(
        31.10, ge=0,
        description="CBP commercial truck arrival fee FY2026 $7.35 (CBP Dec. 25-10, 90 FR 34665) "
        "+ Laredo international bridge commercial toll $4.75/axle x 5 axles = $23.75 (City of "
        "Laredo, unchanged since 2017 as reported in 2025); assumption: charged once per "
        "crossing edge in either direction, broker and APHIS fees excluded",
    )
    flood_delay_h: float = Field(
        6.0, ge=0,
        description="assumption: hours a trip loses (detour or wait) when it meets a flood "
        "closure on the edge",
    )


def apply_cost(network: Network, *, params: CostParams | None = None) -> Network:
    """Add the generalised cost and its breakdown (``COST_COLUMNS``) to the edges.

    Parameters
    ----------
    network : Network
        With ``length_km`` and ``speed_kph``; theft and flood columns when those layers ran.
    params : CostParams, optional
        The constants.

    Returns
    -------
    Network
        A copy with the columns added.
    """
    params = params or CostParams()
    edges = network.edges.copy()
    length = edges["length_km"].to_numpy(dtype=float)
    speed = pd.to_numeric(edges["speed_kph"], errors="coerce").to_numpy(dtype=float)
    slow = edges.loc[~(speed > 0), "edge_id"]
    if len(slow):
        raise CorredorError(
            f"edges: speed_kph must be > 0 to compute travel time, not on {len(slow)} edges "
            f"(e.g. {', '.join(slow.head(5))})"
        )
    time_h = length / speed
    edges["travel_time_h"] = time_h
    edges["cost_time_usd"] = time_h * params.value_of_time_usd_h
    edges["cost_distance_usd"] = length * params.operating_cost_usd_km
    tolled = edges["toll"].astype(bool).to_numpy()
    border = (edges["road_class"] == "border").to_numpy()
    edges["cost_toll_usd"] = (
        np.where(tolled, length * params.toll_usd_km, 0.0)
        + np.where(border, params.border_fee_usd, 0.0)
    )
    edges["cost_theft_usd"], theft_note = _layer_value(edges, "theft_loss_usd", "crime")
    closure_days, flood_note = _layer_value(edges, "flood_closure_days_year", "flood")
    edges["cost_flood_usd"] = (
        closure_days / 365.0 * params.flood_delay_h * params.value_of_time_usd_h
    )
    edges["cost_usd"] = edges[list(_COMPONENTS)].sum(axis=1)
    edges["cost_note"] = [
        "; ".join(filter(None, pair)) for pair in zip(theft_note, flood_note, strict=True)
    ]
    return network.with_edges(edges)


def _layer_value(edges: pd.DataFrame, column: str, layer: str) -> tuple[np.ndarray, np.ndarray]:
    """A layer's column with 0 where it is absent or blank, and a note per edge saying so."""
    if column not in edges.columns:
        note = f"no {layer} layer ({column} absent): counted as 0"
        return np.zeros(len(edges)), np.full(len(edges), note, dtype=object)
    values = pd.to_numeric(edges[column], errors="coerce").to_numpy(dtype=float)
    blank = ~np.isfinite(values)
    notes = np.where(blank, f"{column} unknown on this edge: counted as 0", "").astype(object)
    return np.where(blank, 0.0, values), notes

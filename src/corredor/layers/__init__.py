"""What weights an edge: capacity, cargo theft, flood exposure and the generalised cost.

Each layer is a function ``Network -> Network`` that adds edge columns;
``apply_layers`` runs them in the order the cost needs (capacity, crime,
flood, then cost, which reads the theft and flood columns, then the delay
functions of congestion and queues, ``corredor.layers.delay``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from corredor.layers.capacity import CapacityParams, apply_capacity
from corredor.layers.cost import CostParams, apply_cost
from corredor.layers.crime import (
    CARGO_THEFT,
    CrimeParams,
    apply_crime,
    cargo_theft_counts,
    read_sesnsp,
    scale_theft,
)
from corredor.layers.delay import DelayParams, apply_delay
from corredor.layers.flood import FragilityCurve, apply_flood
from corredor.network import Network

__all__ = [
    "CapacityParams",
    "CostParams",
    "CrimeParams",
    "DelayParams",
    "FragilityCurve",
    "apply_capacity",
    "apply_cost",
    "apply_crime",
    "apply_delay",
    "apply_flood",
    "apply_layers",
    "scale_theft",
]


def apply_layers(
    network: Network,
    *,
    crime: str | os.PathLike[str] | pd.DataFrame | None = None,
    boundaries: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    flood: Mapping[int, str | os.PathLike[str]] | None = None,
    capacity_params: CapacityParams | None = None,
    crime_params: CrimeParams | None = None,
    flood_curve: FragilityCurve | None = None,
    flood_grade: str = "user raster",
    flood_band: int | None = None,
    cost_params: CostParams | None = None,
    delay_params: DelayParams | None = None,
) -> Network:
    """Capacity, crime, flood (when rasters are given) and cost columns on every edge.

    ``crime`` is a SESNSP file (state or municipal) or a ``cargo_theft_counts``
    table; by default the bundled state table. ``boundaries`` (state or
    municipal polygons) switches theft assignment from the edges' ``state``
    column to length inside each polygon. ``flood`` maps return periods to
    depth rasters (``corredor.layers.flood.apply_flood``, with ``flood_curve``
    a ``FragilityCurve`` and ``flood_grade`` either "user raster" or
    "screening"); without it the cost counts flood delay as 0 and says so in
    ``cost_note``.

    Parameters
    ----------
    network : Network
        The network to weight.
    crime : str, path-like or pandas.DataFrame, optional
        SESNSP file or counts table (default: the bundled state table).
    boundaries : str, path-like or geopandas.GeoDataFrame, optional
        Polygons for length-weighted theft assignment.
    flood : mapping of int to path, optional
        Depth raster per return period.
    capacity_params, crime_params, cost_params, delay_params : optional
        Layer parameters (defaults documented in each class).
    flood_curve : FragilityCurve, optional
        Depth to closure probability and days.
    flood_grade : str, default "user raster"
        ``user raster`` or ``screening``.
    flood_band : int, optional
        The band of the rasters holding depths (required for multi-band rasters).

    Returns
    -------
    Network
        A copy with the layer columns added.
    """
    network = apply_capacity(network, params=capacity_params)
    counts = crime
    if crime is not None and not isinstance(crime, pd.DataFrame):
        counts = cargo_theft_counts(read_sesnsp(Path(crime), subtypes=[CARGO_THEFT]))
    network = apply_crime(network, counts, boundaries=boundaries, params=crime_params)
    if flood:
        network = apply_flood(network, flood, curve=flood_curve, grade=flood_grade,
                              band=flood_band)
    network = apply_cost(network, params=cost_params)
    return apply_delay(network, params=delay_params, cost_params=cost_params)

"""Flood susceptibility from terrain: height above the nearest river, as depth rasters.

Where no hazard map exists, terrain still says where water goes: land only a
little higher than a nearby river floods first. For every DEM cell this module
takes the height above the nearest river cell (straight-line nearest, a cheap
stand-in for HAND, "height above nearest drainage", Rennó et al. 2008, which
follows flow paths) and turns it into a depth per return period against an
assumed flood stage: ``depth = stage - height`` where positive and within
``max_distance_km`` of a river. The rasters feed ``flood.apply_flood`` like any
other, with ``grade="screening"``: they rank corridors by exposure, they are
not a flood model.
"""

from __future__ import annotations

import hashlib
import math
import os
from itertools import pairwise
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
from pydantic import Field, field_validator
from pyogrio.errors import DataSourceError
from rasterio.features import rasterize
from scipy.ndimage import distance_transform_edt
from shapely.geometry import box

from corredor.config import StrictModel
from corredor.errors import DataFileError
from corredor.layers.flood import write_depth_raster

#: km per degree of latitude (WGS84 mean) for cell sizes of geographic DEMs.
_KM_PER_DEG = 111.2


class SusceptibilityParams(StrictModel):
    """Flood stages and reach of the terrain-based screening; override from a scenario."""

    stage_m: dict[int, float] = Field(
        default_factory=lambda: {10: 1.0, 50: 2.0, 100: 2.5, 500: 4.0},
        description="assumption: water level above the river cell's ground for each return "
        "period (years); meant for ~1 km DEMs where a river cell's elevation is near its "
        "banks. Calibrate against a hazard map before trusting absolute depths",
    )
    max_distance_km: float = Field(
        10.0, gt=0,
        description="assumption: cells farther than this from a mapped river do not flood "
        "from it (keeps closed basins and distant lowlands out)",
    )

    @field_validator("stage_m")
    @classmethod
    def _check_stages(cls, stages: dict[int, float]) -> dict[int, float]:
        if not stages or any(rp <= 1 or depth < 0 for rp, depth in stages.items()):
            raise ValueError(f"stage_m needs return periods > 1 with stages >= 0, got {stages}")
        ordered = [stages[rp] for rp in sorted(stages)]
        if any(b < a for a, b in pairwise(ordered)):
            raise ValueError(f"stage_m must not fall as the return period grows, got {stages}")
        return stages


def height_above_river(
    dem_path: str | os.PathLike[str], rivers: gpd.GeoDataFrame
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Height above the nearest river cell (m, >= 0) and distance to it (km) on the DEM grid.

    Cells lower than their nearest river cell get 0 (most susceptible); DEM
    nodata gives NaN. Returns the two arrays and the DEM's rasterio profile.
    """
    dem_path = Path(dem_path)
    if not dem_path.is_file():
        raise DataFileError(f"{dem_path}: DEM not found")
    with rasterio.open(dem_path) as src:
        elevation = src.read(1, masked=True).astype(np.float64).filled(np.nan)
        profile = src.profile
        bounds, crs = src.bounds, src.crs
        cell_km = _cell_km(src)
    lines = rivers.to_crs(crs).clip(box(*bounds))
    lines = lines[~lines.geometry.is_empty]
    river = np.zeros(elevation.shape, dtype=bool)
    if len(lines):
        river = rasterize(((geom, 1) for geom in lines.geometry), out_shape=elevation.shape,
                          transform=profile["transform"], all_touched=True, dtype="uint8") > 0
    river &= np.isfinite(elevation)
    if not river.any():
        raise DataFileError(
            f"{dem_path}: no river line crosses a valid cell of this DEM (DEM bounds "
            f"{tuple(round(b, 4) for b in bounds)}); use a rivers file covering the same area"
        )
    distance, (near_row, near_col) = distance_transform_edt(
        ~river, sampling=cell_km, return_indices=True
    )
    height = np.maximum(elevation - elevation[near_row, near_col], 0.0)
    return height, distance, profile


def susceptibility_rasters(
    dem_path: str | os.PathLike[str],
    rivers_path: str | os.PathLike[str],
    cache_dir: str | os.PathLike[str],
    *,
    params: SusceptibilityParams | None = None,
) -> dict[int, Path]:
    """Screening depth GeoTIFFs per return period from a DEM and river lines (cached).

    Files are named by a hash of both inputs and the parameters, so identical
    inputs reuse (and reproduce byte for byte) the same files.
    """
    params = params or SusceptibilityParams()
    dem_path, rivers_path = Path(dem_path), Path(rivers_path)
    try:
        rivers = gpd.read_file(rivers_path)
    except DataSourceError as exc:
        raise DataFileError(f"{rivers_path}: not a readable vector file ({exc})") from exc
    if rivers.crs is None:
        raise DataFileError(f"{rivers_path}: river lines have no CRS")
    digest = hashlib.sha256(
        dem_path.read_bytes() + rivers_path.read_bytes() + params.model_dump_json().encode()
    ).hexdigest()[:12]
    cache_dir = Path(cache_dir)
    paths = {rp: cache_dir / f"flood_susceptibility_rp{rp}_{digest}.tif" for rp in params.stage_m}
    if all(path.is_file() for path in paths.values()):
        return dict(sorted(paths.items()))
    height, distance, profile = height_above_river(dem_path, rivers)
    near = (distance <= params.max_distance_km) & np.isfinite(height)
    for rp, stage in params.stage_m.items():
        depth = np.where(near, np.clip(stage - np.nan_to_num(height), 0.0, None), 0.0)
        write_depth_raster(
            paths[rp], depth.astype("float32"), crs=profile["crs"],
            transform=profile["transform"],
            tags={"grade": "screening", "method": "height above nearest river",
                  "stage_m": str(stage)},
        )
    return dict(sorted(paths.items()))


def _cell_km(src) -> tuple[float, float]:
    """(row, col) cell size in km: metres for projected DEMs, degrees at mid-latitude else."""
    res_x, res_y = src.res
    if src.crs.is_geographic:
        mid_lat = math.radians((src.bounds.top + src.bounds.bottom) / 2)
        return res_y * _KM_PER_DEG, res_x * _KM_PER_DEG * math.cos(mid_lat)
    metres = src.crs.linear_units_factor[1]
    return res_y * metres / 1000.0, res_x * metres / 1000.0

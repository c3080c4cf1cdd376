"""Flood layer: how deep floods get on each edge, and how many days a year they close it.

Three steps, each usable alone:

1. ``flood_overlay`` overlays edge lines on one flood-depth raster *exactly*:
   every edge is cut at the raster's cell boundaries and each piece gets the
   depth of the cell it lies in, so short bridges over a flooded river and long
   roads along a floodplain are both measured, which sampling points at nodes
   or vertices would miss.
2. ``apply_flood`` runs the overlay for several return periods (RP 10, 100, ...)
   and turns depth into an annual closure probability and expected closure
   days with a ``FragilityCurve``, integrating over annual exceedance
   probability. The cost layer reads ``flood_closure_days_year``.
3. ``screening_rasters`` rasterises the bundled table of documented flood-prone
   zones (``data/mexico/flood_zones.csv``) into GeoTIFFs, so the bundled model
   has a flood layer offline. It is a *screening* layer (``flood_grade =
   "screening"``): replace it with real hazard rasters (JRC, Aqueduct) when
   you have them.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import tempfile
import warnings
from collections.abc import Mapping
from itertools import pairwise
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from pydantic import Field, model_validator
from pyproj import CRS as ProjCRS
from pyproj import Geod, Transformer
from rasterio.enums import MaskFlags
from rasterio.errors import RasterioError, RasterioIOError
from rasterio.features import rasterize
from rasterio.transform import from_origin
from rasterio.windows import Window

from corredor.config import StrictModel
from corredor.errors import CorredorError, CorredorWarning, DataFileError
from corredor.network import Network
from corredor.networks.national import DATA_DIR, read_table

__all__ = [
    "FragilityCurve",
    "apply_flood",
    "flood_overlay",
    "flood_return_periods",
    "read_zones",
    "screening_rasters",
    "write_depth_raster",
]

#: Raster memory a windowed read may use. assumption: a quarter of an 8 GB laptop's
#: free memory is safe next to the network and the rest of a run.
DEFAULT_MEMORY_BUDGET_MB = 256.0

#: Depth at which a road is impassable: vehicle speed falls to zero at 300 mm of
#: standing water (Pregnolato et al. 2017, Transportation Research Part D 55:67-81);
#: 0.3 m is also the passenger-car trafficability limit of Kramer et al. 2016
#: (Int. J. Disaster Risk Reduction 17:77-84).
IMPASSABLE_DEPTH_M = 0.3

#: Deepest plausible flood depth on a road (m): a raster beyond it is probably in
#: centimetres or is a DEM. assumption: river floods over roads stay well below 30 m.
MAX_PLAUSIBLE_DEPTH_M = 30.0

#: Values for ``flood_grade``: where the depth rasters came from.
GRADES = ("screening", "user raster")

#: The bundled table of flood-prone zones that ``screening_rasters`` rasterises.
ZONES_CSV = DATA_DIR / "flood_zones.csv"

#: Screening grid: Mexico's bounding box (west, south, east, north) in degrees,
#: wide enough for the border crossings and the Guatemalan border.
SCREENING_BOUNDS = (-118.5, 14.5, -86.5, 33.0)
#: 0.01 degree cells (~1.1 km N-S, ~1.0 km E-W at 25 N): the scale of the zones.
SCREENING_CELL_DEG = 0.01

_GEOD = Geod(ellps="WGS84")
_WGS84 = ProjCRS.from_epsg(4326)
#: Pieces shorter than this (in cell widths) are rounding noise at cell corners.
_MIN_PIECE_CELLS = 1e-9
_ZONE_FIELDS = ["zone_id", "name", "state", "lon", "lat", "centre_source", "radius_km", "event",
                "source", "depth_source"]
_DEPTH_COLUMN = re.compile(r"^depth_rp(\d+)_m$")
_MAX_DEPTH_COLUMN = re.compile(r"^flood_rp(\d+)_depth_max_m$")


# -- overlay ----------------------------------------------------------------------


def flood_overlay(
    edges_gdf: gpd.GeoDataFrame,
    raster_path: str | os.PathLike[str],
    *,
    threshold_m: float = IMPASSABLE_DEPTH_M,
    memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
    nodata_as_dry: bool = True,
    band: int | None = None,
) -> pd.DataFrame:
    """Exact depth statistics of each edge line on a flood-depth raster (band 1, metres).

    Returns a DataFrame on ``edges_gdf.index`` with ``depth_max_m``,
    ``depth_mean_m`` (weighted by the length in each cell), ``km_above`` (km at
    or above ``threshold_m``) and ``km_covered`` (km inside the raster with a
    usable value). Lengths are geodesic on WGS84 whatever the raster's CRS: the
    edges are reprojected to the raster CRS to find the cells, and each
    vertex-to-vertex segment's geodesic length is split among its cells in
    proportion to the share of the segment inside each.

    Conventions a user should know:

    - Parts of an edge outside the raster are left out of the statistics; an
      edge entirely outside gets NaN. A raster that covers no edge at all is a
      ``DataFileError`` (usually a wrong file or CRS).
    - Nodata: flood-depth rasters usually store "dry" as nodata, so with
      ``nodata_as_dry`` (default) a nodata cell counts as depth 0; otherwise its
      length is left out like the outside of the raster.
    - A line running exactly along a cell boundary counts half in each
      neighbouring cell (so both reach the max, and the mean is their average).
    - Rasters larger than ``memory_budget_mb`` are read window by window, and
      only the windows that edges cross are read.

    Parameters
    ----------
    edges_gdf : geopandas.GeoDataFrame
        Lines in any CRS.
    raster_path : str or path-like
        A depth GeoTIFF (metres).
    threshold_m : float, default 0.3
        Depth counted in ``km_above``.
    memory_budget_mb : float
        Raster memory a windowed read may use.
    nodata_as_dry : bool, default True
        Count nodata cells as depth 0.
    band : int, optional
        The band holding depths; required when the raster has more than one.

    Raises
    ------
    DataFileError
        Missing, unreadable or truncated raster, no CRS, several bands without ``band``,
        no edge covered, or no data at all in the band.

    Warns
    -----
    CorredorWarning
        No data where the edges cross the raster (every edge counts as dry), or depths
        over ``MAX_PLAUSIBLE_DEPTH_M`` (centimetres or elevations rather than metres?).
    """
    _check_positive(threshold_m, "threshold_m", allow_zero=True)
    _check_positive(memory_budget_mb, "memory_budget_mb")
    path = Path(raster_path)
    with _open_raster(path) as src:
        segments = _Segments.from_edges(edges_gdf, src)
        edge, row, col, km = segments.pieces(src.width, src.height)
        if len(edge) == 0 and len(edges_gdf):
            lon0, lat0, lon1, lat1 = edges_gdf.to_crs(_WGS84).total_bounds
            raise DataFileError(
                f"{path}: the raster covers none of the {len(edges_gdf)} edges (raster bounds "
                f"{tuple(round(b, 4) for b in src.bounds)} in {src.crs}; edges span lon "
                f"{lon0:.3f}..{lon1:.3f}, lat {lat0:.3f}..{lat1:.3f}). Use a raster that "
                "overlaps the network, and check that its CRS is set correctly."
            )
        chosen = _band(src, band, path)
        try:
            depth, valid = _read_cells(src, row, col, int(memory_budget_mb * 2**20), chosen)
        except (RasterioError, OSError) as exc:
            raise DataFileError(f"{path}: cannot read band {chosen} ({exc}); is the file "
                                "complete (not truncated)?") from None
        _check_values(src, chosen, path, depth, valid)
    if nodata_as_dry:
        depth = np.where(valid, depth, 0.0)
    else:
        edge, km, depth = edge[valid], km[valid], depth[valid]
    return _edge_stats(edges_gdf.index, edge, km, depth, threshold_m)


class _Segments:
    """Every vertex-to-vertex segment of the edges, in pixel coordinates of a raster."""

    def __init__(self, x0, y0, x1, y1, km, edge):
        self.x0, self.y0, self.x1, self.y1 = x0, y0, x1, y1
        self.km = km
        self.edge = edge

    @classmethod
    def from_edges(cls, edges_gdf: gpd.GeoDataFrame, src) -> _Segments:
        if edges_gdf.crs is None:
            raise CorredorError("edges have no CRS; set it (the network uses EPSG:4326)")
        if src.crs is None:
            raise DataFileError(
                f"{src.name}: the raster has no CRS; set one (e.g. gdal_edit.py -a_srs EPSG:4326)"
            )
        geoms = edges_gdf.geometry.to_crs(_WGS84).to_numpy()
        if (shapely.get_type_id(geoms) == shapely.GeometryType.LINESTRING).all():
            parts, part_edge = geoms, np.arange(len(geoms))
        else:
            parts, part_edge = shapely.get_parts(geoms, return_index=True)
        coords, coord_part = shapely.get_coordinates(parts, return_index=True)
        same = coord_part[1:] == coord_part[:-1]
        start, end = coords[:-1][same], coords[1:][same]
        edge = part_edge[coord_part[:-1][same]]
        km = _GEOD.inv(start[:, 0], start[:, 1], end[:, 0], end[:, 1])[2] / 1000.0
        to_raster = Transformer.from_crs(_WGS84, src.crs, always_xy=True)
        inverse = ~src.transform
        ends = []
        for lonlat in (start, end):
            x, y = to_raster.transform(lonlat[:, 0], lonlat[:, 1])
            col = inverse.a * x + inverse.b * y + inverse.c
            row = inverse.d * x + inverse.e * y + inverse.f
            ends += [_snap(col), _snap(row)]
        x0, y0, x1, y1 = ends
        return cls(x0, y0, x1, y1, km=np.asarray(km), edge=edge)

    def pieces(self, width: int, height: int, chunk: int = 1 << 19):
        """(edge, row, col, km) of every piece of edge inside one raster cell.

        Segments are processed in chunks of about ``chunk`` pieces to bound memory.
        """
        x0, x1 = self.x0, self.x1
        # upper bound on pieces per segment: cells crossed in x plus in y, within the grid
        bound = np.minimum(np.abs(x1 - x0) + np.abs(self.y1 - self.y0), width + height) + 3
        bound = np.where(np.isfinite(bound), bound, 1)
        cut = np.searchsorted(np.cumsum(bound), np.arange(chunk, bound.sum() + chunk, chunk))
        starts = np.unique(np.concatenate([[0], cut]))
        out = [
            _segment_pieces(self, slice(a, b), width, height)
            for a, b in zip(starts, [*starts[1:], len(x0)], strict=True)
            if b > a
        ]
        if not out:
            return (np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0, np.int32),
                    np.empty(0))
        return tuple(np.concatenate(column) for column in zip(*out, strict=True))


def _segment_pieces(seg: _Segments, part: slice, width: int, height: int):
    """Exact traversal of segments ``part`` through a ``width`` x ``height`` grid.

    A segment is clipped to the grid, cut at every vertical cell line into
    column strips, and each strip is cut at the horizontal lines it crosses:
    each (strip, row) is one piece. Pieces come out in segment order, so no sort
    is needed; each carries its share of the segment's geodesic length.
    """
    x0, y0, x1, y1 = seg.x0[part], seg.y0[part], seg.x1[part], seg.y1[part]
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = _clip(x0, y0, dx, dy, width, height)
    inside = np.flatnonzero(t1 > t0)
    x0, y0, dx, dy, t0, t1 = (a[inside] for a in (x0, y0, dx, dy, t0, t1))
    seg_km = seg.km[part][inside]
    seg_edge = seg.edge[part][inside]

    # column strips: cut at the vertical lines k strictly inside the clipped x-range
    xa, xb = _snap(x0 + t0 * dx), _snap(x0 + t1 * dx)
    first = np.where(dx > 0, np.floor(xa) + 1, np.ceil(xa) - 1)
    n_cross = np.maximum(np.ceil(np.maximum(xa, xb)) - np.floor(np.minimum(xa, xb)) - 1, 0)
    n_cross = n_cross.astype(np.int64)
    strip_seg = np.repeat(np.arange(len(x0)), n_cross + 1)
    j = _ramp(n_cross + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        min_dt = _MIN_PIECE_CELLS / np.hypot(dx, dy)  # inf for zero-length segments
        inv_dx = 1.0 / dx
        inv_dy = 1.0 / dy
        # parameter of the j-th vertical line crossed, and of the next one
        t_line = (first - x0) * inv_dx
        t_step = np.sign(dx) * inv_dx
    enter = t_line[strip_seg] + (j - 1) * t_step[strip_seg]
    ta = np.where(j == 0, t0[strip_seg], enter)
    tb = np.where(j == n_cross[strip_seg], t1[strip_seg], enter + t_step[strip_seg])
    x0s, dxs, y0s, dys = x0[strip_seg], dx[strip_seg], y0[strip_seg], dy[strip_seg]
    col = np.floor(x0s + 0.5 * (ta + tb) * dxs)

    # rows crossed inside each strip
    ya, yb = y0s + ta * dys, y0s + tb * dys
    r_lo = np.floor(np.minimum(ya, yb))
    n_rows = (np.maximum(np.ceil(np.maximum(ya, yb)) - 1, r_lo) - r_lo + 1).astype(np.int64)
    piece_strip = np.repeat(np.arange(len(ta)), n_rows)
    row = r_lo[piece_strip] + _ramp(n_rows)
    s = strip_seg[piece_strip]
    with np.errstate(invalid="ignore"):
        r_t0 = (row - y0s[piece_strip]) * inv_dy[s]
        r_t1 = r_t0 + inv_dy[s]
    flat = dys[piece_strip] == 0
    lo = np.where(flat, -np.inf, np.minimum(r_t0, r_t1))
    hi = np.where(flat, np.inf, np.maximum(r_t0, r_t1))
    dt = np.minimum(tb[piece_strip], hi) - np.maximum(ta[piece_strip], lo)

    keep = dt > min_dt[s]
    s, row, col, dt = _share_grid_lines(s[keep], row[keep], col[piece_strip][keep], dt[keep],
                                        x0, y0, dx, dy)
    km = dt * seg_km[s]
    within = (row >= 0) & (row < height) & (col >= 0) & (col < width)
    return (seg_edge[s][within].astype(np.int32), row[within].astype(np.int32),
            col[within].astype(np.int32), km[within])


def _share_grid_lines(s, row, col, dt, x0, y0, dx, dy):
    """A piece lying on a grid line belongs half to each neighbouring cell: split it."""
    on_col_line = (dx[s] == 0) & (x0[s] == col)
    on_row_line = (dy[s] == 0) & (y0[s] == row)
    shared = on_col_line | on_row_line
    if shared.any():
        dt = np.where(shared, 0.5 * dt, dt)
        s = np.concatenate([s, s[shared]])
        row = np.concatenate([row, row[shared] - on_row_line[shared]])
        col = np.concatenate([col, col[shared] - on_col_line[shared]])
        dt = np.concatenate([dt, dt[shared]])
    return s, row, col, dt


def _clip(x0, y0, dx, dy, width, height):
    """Liang-Barsky: the parameter range [t0, t1] of each segment inside the grid box."""
    t0 = np.zeros_like(x0)
    t1 = np.ones_like(x0)
    for p, q in ((-dx, x0), (dx, width - x0), (-dy, y0), (dy, height - y0)):
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = q / p
        t0 = np.where(p < 0, np.maximum(t0, ratio), t0)
        t1 = np.where(p > 0, np.minimum(t1, ratio), t1)
        t1 = np.where((p == 0) & (q < 0), -1.0, t1)
    return t0, t1


def _snap(values: np.ndarray) -> np.ndarray:
    """Round pixel coordinates within 1e-9 cells of a grid line onto it (reprojection noise)."""
    nearest = np.rint(values)
    return np.where(np.abs(values - nearest) < 1e-9, nearest, values)


def _ramp(counts: np.ndarray) -> np.ndarray:
    """0..n-1 for each n in ``counts``, concatenated."""
    counts = np.asarray(counts, dtype=np.int64)
    return np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)


def _open_raster(path: Path):
    if not path.is_file():
        raise DataFileError(f"{path}: flood raster not found")
    try:
        return rasterio.open(path)
    except RasterioIOError as exc:
        raise DataFileError(f"{path}: not a readable raster ({exc})") from exc


def _band(src, band: int | None, path: Path) -> int:
    """The band to read: ``band``, or 1 when the raster has only one."""
    if band is None:
        if src.count > 1:
            raise DataFileError(f"{path}: the raster has {src.count} bands; say which holds the "
                                "depths (--band N, or layers: {flood_band: N} in a scenario)")
        return 1
    if not 1 <= band <= src.count:
        raise DataFileError(f"{path}: band {band} does not exist (the raster has {src.count})")
    return band


def _check_values(src, band: int, path: Path, depth: np.ndarray, valid: np.ndarray) -> None:
    """An all-nodata band is an error; no data over the network or huge depths warn."""
    if len(valid) and not valid.any():
        if not _has_data(src, band):
            raise DataFileError(f"{path}: band {band} holds no data at all (every cell is "
                                "nodata or NaN); is it the right file?")
        warnings.warn(f"{path}: no data where the network's edges cross the raster; every "
                      "edge counts as dry for this return period", CorredorWarning,
                      stacklevel=3)
    deepest = float(depth[valid].max()) if valid.any() else 0.0
    if deepest > MAX_PLAUSIBLE_DEPTH_M:
        warnings.warn(f"{path}: depths reach {deepest:,.1f} over the network; corredor reads "
                      f"depths in metres, and over {MAX_PLAUSIBLE_DEPTH_M:g} m is not a road "
                      "flood: are they centimetres, or elevations?", CorredorWarning,
                      stacklevel=3)


def _has_data(src, band: int) -> bool:
    """Whether any cell of ``band`` is valid, reading block by block until one is found."""
    nodata = src.nodata
    for _, window in src.block_windows(band):
        values = src.read(band, window=window, masked=True)
        finite = np.isfinite(values.filled(np.nan) if values.dtype.kind == "f" else values)
        if np.any(finite & ~np.ma.getmaskarray(values)) and (
                nodata is None or np.any(values.filled(nodata) != nodata)):
            return True
    return False


def _read_cells(src, row: np.ndarray, col: np.ndarray, budget_bytes: int, band: int = 1):
    """Band values and validity at (row, col), reading windows of at most ``budget_bytes``.

    The raster is cut into tiles that fit the budget (one tile if it all fits);
    for each tile some piece falls in, only the bounding box of those pieces
    is read. Invalid: the nodata value (compared in the band's own type), NaN,
    and cells masked by a mask band or alpha band when the raster has one.
    """
    dtype = np.dtype(src.dtypes[band - 1])
    flags = src.mask_flag_enums[band - 1]
    mask_band = MaskFlags.per_dataset in flags or MaskFlags.alpha in flags
    nodata = None if src.nodata is None else np.asarray(src.nodata).astype(dtype)
    max_cells = max(budget_bytes // (dtype.itemsize + mask_band), 1)
    groups: list[slice] | list[np.ndarray]
    if src.width * src.height <= max_cells:
        groups = [slice(None)]
    else:
        tile_h = min(src.height, max(math.isqrt(max_cells), 1))
        tile_w = min(src.width, max(max_cells // tile_h, 1))
        tile = (row // tile_h).astype(np.int64) * -(-src.width // tile_w) + col // tile_w
        order = np.argsort(tile, kind="stable")
        groups = np.split(order, np.flatnonzero(np.diff(tile[order])) + 1)
    depth = np.empty(len(row))
    valid = np.empty(len(row), dtype=bool)
    for group in groups:
        rows, cols = row[group], col[group]
        if not len(rows):
            continue
        r0, c0 = int(rows.min()), int(cols.min())
        window = Window(c0, r0, int(cols.max()) - c0 + 1, int(rows.max()) - r0 + 1)
        flat = (rows - r0).astype(np.int64) * window.width + (cols - c0)
        native = np.take(src.read(band, window=window), flat)
        values = native.astype(np.float64)
        ok = np.isfinite(values)
        if nodata is not None:
            ok &= native != nodata
        if mask_band:
            ok &= np.take(src.read_masks(band, window=window), flat) > 0
        depth[group] = values
        valid[group] = ok
    return depth, valid


def _edge_stats(index, edge, km, depth, threshold_m) -> pd.DataFrame:
    n = len(index)
    covered = np.bincount(edge, weights=km, minlength=n)
    weighted = np.bincount(edge, weights=km * depth, minlength=n)
    above = np.bincount(edge, weights=km * (depth >= threshold_m), minlength=n)
    deepest = np.full(n, -np.inf)
    np.maximum.at(deepest, edge, depth)
    seen = covered > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = weighted / covered
    return pd.DataFrame(
        {
            "depth_max_m": np.where(seen, deepest, np.nan),
            "depth_mean_m": np.where(seen, mean, np.nan),
            "km_above": np.where(seen, above, np.nan),
            "km_covered": covered,
        },
        index=index,
    )


# -- depth -> closure ---------------------------------------------------------------


class FragilityCurve(StrictModel):
    """How a flood's depth on an edge turns into closure: probability and days.

    Both curves are piecewise linear in the edge's *maximum* depth for the
    event (a road is closed where its deepest point is impassable), flat beyond
    their first and last points. Override any field from a scenario, e.g.
    ``FragilityCurve(depth_m=(0.2, 0.5), closure_prob=(0.0, 1.0))``.
    """

    depth_m: tuple[float, ...] = Field(
        (0.1, IMPASSABLE_DEPTH_M, 0.6, 1.1),
        description="depths (m) where closure_prob is given. 0.1 m: assumption, shallow water "
        "slows traffic (about 40 km/h at 0.1 m in Pregnolato et al. 2017) but does not close "
        "roads. 0.3 m: impassable for cars (Pregnolato et al. 2017; Kramer et al. 2016). "
        "0.6 m: limit for large and emergency vehicles (Kramer et al. 2016). 1.1 m: traffic "
        "interruption probability of heavy vehicles in still water reaches 1 at 1.1-1.5 m "
        "(Contreras-Jara et al. 2018, J. Advanced Transportation, art. 2850546)",
    )
    closure_prob: tuple[float, ...] = Field(
        (0.0, 0.5, 0.9, 1.0),
        description="probability the edge is closed at each depth_m. 0 and 1.0: as sourced "
        "above. 0.5 at 0.3 m and 0.9 at 0.6 m: assumption, trucks wade deeper than cars but "
        "road operators close roads that cars cannot use, and a raster cell's depth is only "
        "a proxy for the water on the carriageway",
    )
    days_depth_m: tuple[float, ...] = Field(
        (IMPASSABLE_DEPTH_M, 0.5, 2.5),
        description="depths (m) where days_closed is given",
    )
    days_closed: tuple[float, ...] = Field(
        (1.0, 1.0, 10.0),
        description="days an edge stays closed once a flood of that depth closes it. "
        "2.5 m -> 10 days: the Mexico-Puebla motorway at Valle de Chalco, flooded up to "
        "2.5 m deep in February 2010, reopened after 10 days (Conagua, reported by "
        "El Informador/SUN 2010-02-15). 0.5 m -> 1 day: assumption informed by the same "
        "motorway's April 2011 flood, reopened the same night (Conagua/CAPUFE via Expansion "
        "2011-04-18). 0.3 m -> 1 day: assumption, a closure costs at least a day",
    )
    channel_rp: float = Field(
        2.0, gt=1,
        description="floods more frequent than this return period (years) do no harm: "
        "assumption, they stay in the channel (bankfull discharge recurs about every 1.5-2 "
        "years, Leopold, Wolman & Miller 1964, Fluvial Processes in Geomorphology)",
    )
    impassable_depth_m: float = Field(
        IMPASSABLE_DEPTH_M, ge=0,
        description="threshold for the flood_rp{N}_km_above columns (Pregnolato et al. 2017)",
    )

    @model_validator(mode="after")
    def _check_curves(self) -> FragilityCurve:
        for xs, ys, name in (
            (self.depth_m, self.closure_prob, "depth_m/closure_prob"),
            (self.days_depth_m, self.days_closed, "days_depth_m/days_closed"),
        ):
            if len(xs) != len(ys) or not xs:
                raise ValueError(f"{name}: need the same number of values (>= 1) in both")
            if any(b <= a for a, b in pairwise(xs)):
                raise ValueError(f"{name}: depths must be strictly increasing, got {xs}")
            if min(xs) < 0:
                raise ValueError(f"{name}: depths must be >= 0, got {xs}")
        if not all(0 <= p <= 1 for p in self.closure_prob):
            raise ValueError(f"closure_prob must be within 0..1, got {self.closure_prob}")
        if min(self.days_closed) < 0:
            raise ValueError(f"days_closed must be >= 0, got {self.days_closed}")
        return self

    def closure_probability(self, depth_m) -> np.ndarray:
        """P(edge closed | max depth); NaN depth (no data) gives NaN."""
        return np.interp(depth_m, self.depth_m, self.closure_prob)

    def closure_days(self, depth_m) -> np.ndarray:
        """Expected days closed for an event of this max depth: P(closed) x days closed."""
        return self.closure_probability(depth_m) * np.interp(
            depth_m, self.days_depth_m, self.days_closed
        )

    def annual(self, return_periods, depth_m) -> tuple[np.ndarray, np.ndarray]:
        """Annual closure probability and expected annual closure days.

        ``depth_m`` has one column per return period. Each quantity is
        integrated over annual exceedance probability (1/RP) with the trapezoid
        rule, anchored at zero for ``channel_rp``; events rarer than the rarest
        raster are left out (a small underestimate, at most the rarest value
        / RP). The probability integral is the chance the year's worst flood
        closes the edge.
        """
        rps = np.asarray(return_periods, dtype=float)
        depth = np.atleast_2d(np.asarray(depth_m, dtype=float))
        order = np.argsort(-rps)  # rarest first = ascending exceedance probability
        aep = 1.0 / rps[order]
        depth = depth[:, order]
        prob = self.closure_probability(depth)
        days = self.closure_days(depth)
        if 1.0 / self.channel_rp > aep[-1]:
            aep = np.append(aep, 1.0 / self.channel_rp)
            prob = np.column_stack([prob, np.zeros(len(prob))])
            days = np.column_stack([days, np.zeros(len(days))])
        if len(aep) == 1:  # one raster at or below channel_rp: nothing to integrate
            nothing = np.where(np.isnan(depth[:, 0]), np.nan, 0.0)
            return nothing, nothing.copy()
        return np.trapezoid(prob, x=aep, axis=1), np.trapezoid(days, x=aep, axis=1)


def apply_flood(
    network: Network,
    rasters: Mapping[int, str | os.PathLike[str]],
    *,
    curve: FragilityCurve | None = None,
    grade: str = "user raster",
    nodata_as_dry: bool = True,
    memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
    band: int | None = None,
) -> Network:
    """Add the flood columns to every edge from depth rasters keyed by return period.

    Per return period N: ``flood_rpN_depth_max_m``, ``flood_rpN_depth_mean_m``,
    ``flood_rpN_km_above`` (km at or above ``curve.impassable_depth_m``). Then
    ``flood_closure_prob_year``, ``flood_closure_days_year`` and
    ``flood_grade``. An edge outside any of the rasters gets NaN closure
    columns, so a partial hazard picture is never mistaken for a low one.
    Flood columns from an earlier run are replaced.

    Parameters
    ----------
    network : Network
        The network.
    rasters : mapping of int to path
        Depth raster (metres) per return period (years > 1).
    curve : FragilityCurve, optional
        Depth to closure probability and days.
    grade : str, default "user raster"
        ``user raster`` or ``screening``.
    nodata_as_dry : bool, default True
        Count nodata cells as depth 0.
    memory_budget_mb : float
        Raster memory a windowed read may use.
    band : int, optional
        The band holding depths (required for multi-band rasters).

    Returns
    -------
    Network
        A copy with the columns added.
    """
    curve = curve or FragilityCurve()
    if grade not in GRADES:
        raise CorredorError(f"flood grade {grade!r} is not one of {list(GRADES)}")
    return_periods = _return_periods(rasters)
    edges = network.edges.drop(columns=[c for c in network.edges if c.startswith("flood_")])
    columns: dict[str, np.ndarray | str] = {}
    depth_max = np.empty((len(edges), len(return_periods)))
    for j, rp in enumerate(return_periods):
        stats = flood_overlay(
            edges, rasters[rp], threshold_m=curve.impassable_depth_m,
            memory_budget_mb=memory_budget_mb, nodata_as_dry=nodata_as_dry, band=band,
        )
        depth_max[:, j] = stats["depth_max_m"].to_numpy()
        columns[f"flood_rp{rp}_depth_max_m"] = depth_max[:, j]
        columns[f"flood_rp{rp}_depth_mean_m"] = stats["depth_mean_m"].to_numpy()
        columns[f"flood_rp{rp}_km_above"] = stats["km_above"].to_numpy()
    prob, days = curve.annual(return_periods, depth_max)
    columns["flood_closure_prob_year"] = prob
    columns["flood_closure_days_year"] = days
    columns["flood_grade"] = grade
    return network.with_edges(edges.assign(**columns))


def flood_return_periods(network: Network) -> list[int]:
    """The return periods whose depth columns the flood layer added to ``network``.

    Parameters
    ----------
    network : Network
        A weighted network.

    Returns
    -------
    list of int
        Sorted return periods in years (empty when the flood layer has not run).
    """
    found = (_MAX_DEPTH_COLUMN.match(column) for column in network.edges.columns)
    return sorted(int(match.group(1)) for match in found if match)


def _return_periods(rasters: Mapping[int, str | os.PathLike[str]]) -> list[int]:
    if not rasters:
        raise CorredorError("flood: no rasters given; pass at least one RP=path.tif")
    bad = [rp for rp in rasters if isinstance(rp, bool) or not isinstance(rp, int | np.integer)
           or rp <= 1]
    if bad:
        raise CorredorError(
            f"flood: return periods must be whole years > 1 (e.g. 10, 100), got {bad}"
        )
    return sorted(int(rp) for rp in rasters)


def _check_positive(value: float, name: str, *, allow_zero: bool = False) -> None:
    if not (math.isfinite(value) and (value >= 0 if allow_zero else value > 0)):
        limit = ">= 0" if allow_zero else "> 0"
        raise CorredorError(f"flood: {name} must be a finite number {limit}, got {value!r}")


# -- bundled screening layer ----------------------------------------------------------


def screening_rasters(
    cache_dir: str | os.PathLike[str], *, zones_csv: str | os.PathLike[str] = ZONES_CSV
) -> dict[int, Path]:
    """Depth GeoTIFFs per return period rasterised from the table of flood-prone zones.

    One EPSG:4326 GeoTIFF per ``depth_rp{N}_m`` column, ~1 km cells over
    ``SCREENING_BOUNDS``, depth uniform inside each zone's circle (the deepest
    zone wins where circles overlap), 0 elsewhere. Files are named by a hash of
    the table and the grid, so an edited table is rasterised again and an
    unchanged one is reused; identical inputs give byte-identical files.

    Parameters
    ----------
    cache_dir : str or path-like
        Where the GeoTIFFs are kept.
    zones_csv : str or path-like
        The zones table.

    Returns
    -------
    dict of int to Path
    """
    zones_csv = Path(zones_csv)
    zones, return_periods = read_zones(zones_csv)
    digest = hashlib.sha256(
        zones_csv.read_bytes() + repr((SCREENING_BOUNDS, SCREENING_CELL_DEG)).encode()
    ).hexdigest()[:12]
    cache_dir = Path(cache_dir)
    paths = {}
    for rp in return_periods:
        path = cache_dir / f"flood_screening_rp{rp}_{digest}.tif"
        if not path.is_file():
            _write_screening(path, zones, f"depth_rp{rp}_m")
        paths[rp] = path
    return paths


def read_zones(path: str | os.PathLike[str] = ZONES_CSV) -> tuple[pd.DataFrame, list[int]]:
    """The flood-zone table with numeric columns, and its return periods, checked.

    Parameters
    ----------
    path : str or path-like
        The zones table (default: the bundled one).

    Returns
    -------
    zones : pandas.DataFrame
    return_periods : list of int

    Raises
    ------
    DataFileError
        Listing every invalid value by line.
    """
    path = Path(path)
    table = read_table(path, _ZONE_FIELDS)
    return_periods = sorted(
        int(m.group(1)) for m in map(_DEPTH_COLUMN.match, table.columns) if m
    )
    depth_columns = [f"depth_rp{rp}_m" for rp in return_periods]
    problems = [] if return_periods else ["no depth_rp<N>_m columns (e.g. depth_rp100_m)"]
    for column in ["lon", "lat", "radius_km", *depth_columns]:
        table[column] = pd.to_numeric(table[column], errors="coerce")
    west, south, east, north = SCREENING_BOUNDS
    checks = {
        "lon": table["lon"].between(west, east),
        "lat": table["lat"].between(south, north),
        "radius_km": table["radius_km"] > 0,
        **{column: table[column] >= 0 for column in depth_columns},
    }
    limits = {"lon": f"within {west}..{east}", "lat": f"within {south}..{north}",
              "radius_km": "> 0"}
    for column, ok in checks.items():
        if not ok.all():
            lines = (table.index[~ok] + 2).tolist()[:5]
            problems.append(f"'{column}' must be a number {limits.get(column, '>= 0')} "
                            f"(line(s) {lines})")
    depths = table[depth_columns].to_numpy()
    falling = np.flatnonzero((np.diff(depths, axis=1) < 0).any(axis=1))
    if len(falling):
        problems.append(f"depths must not fall as the return period grows (line(s) "
                        f"{(falling + 2).tolist()[:5]})")
    for column in ("centre_source", "depth_source"):
        blank = table.index[table[column].str.strip() == ""]
        if len(blank):
            problems.append(f"empty '{column}' on line(s) {(blank + 2).tolist()[:5]}")
    if table["zone_id"].duplicated().any():
        twice = sorted(set(table.loc[table["zone_id"].duplicated(), "zone_id"]))
        problems.append(f"duplicate zone_id {twice}")
    if problems:
        raise DataFileError(f"{path}: " + "; ".join(problems))
    return table, return_periods


def _write_screening(path: Path, zones: pd.DataFrame, depth_column: str) -> None:
    west, south, east, north = SCREENING_BOUNDS
    width = round((east - west) / SCREENING_CELL_DEG)
    height = round((north - south) / SCREENING_CELL_DEG)
    transform = from_origin(west, north, SCREENING_CELL_DEG, SCREENING_CELL_DEG)
    ordered = zones.sort_values([depth_column, "zone_id"], kind="stable")
    shapes = [
        (_circle(row.lon, row.lat, row.radius_km), float(getattr(row, depth_column)))
        for row in ordered.itertuples(index=False)
    ]
    depth = rasterize(shapes, out_shape=(height, width), transform=transform, fill=0.0,
                      dtype="float32")
    write_depth_raster(
        path, depth, crs="EPSG:4326", transform=transform,
        tags={"grade": "screening", "depth": depth_column,
              "source": "corredor data/mexico/flood_zones.csv (see its source columns)"},
    )


def write_depth_raster(path: Path, depth: np.ndarray, *, crs, transform, tags: dict) -> Path:
    """Write a float32 depth GeoTIFF (deflate, tiled) atomically; same input, same bytes.

    Parameters
    ----------
    path : Path
        The GeoTIFF to write.
    depth : numpy.ndarray
        Rows x columns of depths.
    crs, transform
        The grid's CRS and affine transform.
    tags : dict
        Metadata tags.

    Returns
    -------
    Path
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(suffix=".tif", dir=path.parent, prefix=".tmp-")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with rasterio.open(
            tmp, "w", driver="GTiff", width=depth.shape[1], height=depth.shape[0], count=1,
            dtype="float32", crs=crs, transform=transform, compress="deflate", tiled=True,
            blockxsize=256, blockysize=256,
        ) as dst:
            dst.write(depth.astype("float32", copy=False), 1)
            dst.update_tags(**tags)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _circle(lon: float, lat: float, radius_km: float, n: int = 72) -> shapely.Polygon:
    """A geodesic circle as a lon/lat polygon."""
    azimuths = np.linspace(0.0, 360.0, n, endpoint=False)
    lons, lats, _ = _GEOD.fwd(np.full(n, lon), np.full(n, lat), azimuths,
                              np.full(n, radius_km * 1000.0))
    return shapely.Polygon(np.column_stack([lons, lats]))

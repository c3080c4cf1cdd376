"""Flood overlay speed and memory: 100,000 edges on a 4000 x 4000 raster, against exactextract.

Opt-in: ``CORREDOR_BENCH=1 pytest tests/benchmarks/bench_flood.py -m benchmark -s``.
Prints timings, the speed ratio against exactextract measured in the same run,
the largest difference in values, and peak memory; asserts only that values agree.
"""

from __future__ import annotations

import os
import time
import tracemalloc

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from corredor.layers.flood import flood_overlay

pytestmark = [
    pytest.mark.benchmark,
    pytest.mark.skipif(os.environ.get("CORREDOR_BENCH") != "1", reason="set CORREDOR_BENCH=1"),
]

SIZE = 4000
N_EDGES = 100_000
CELL_M = 30.0


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    """A 4000 x 4000 float32 depth raster (UTM 14N, 30 m) and 100k straight edges on it."""
    rng = np.random.default_rng(42)
    path = tmp_path_factory.mktemp("bench") / "depth.tif"
    transform = from_origin(500_000.0, 2_300_000.0, CELL_M, CELL_M)
    depth = rng.gamma(0.8, 0.6, size=(SIZE, SIZE)).astype("float32")
    depth[rng.random((SIZE, SIZE)) < 0.6] = 0.0
    with rasterio.open(
        path, "w", driver="GTiff", width=SIZE, height=SIZE, count=1, dtype="float32",
        crs="EPSG:32614", transform=transform, tiled=True, blockxsize=256, blockysize=256,
    ) as dst:
        dst.write(depth, 1)
    extent = SIZE * CELL_M
    start = rng.uniform([500_000 - 300, 2_300_000 - extent - 300],
                        [500_000 + extent + 300, 2_300_000 + 300], size=(N_EDGES, 2))
    angle = rng.uniform(0, 2 * np.pi, N_EDGES)
    length = rng.uniform(1, 30, N_EDGES) * CELL_M  # 1 to 30 cells
    end = start + np.column_stack([np.cos(angle), np.sin(angle)]) * length[:, None]
    utm = gpd.GeoDataFrame(
        geometry=shapely.linestrings(np.stack([start, end], axis=1)), crs="EPSG:32614"
    )
    return path, utm, utm.to_crs(4326)


def timed(function, *args, repeat=1, **kwargs):
    """Result and the best wall time of ``repeat`` calls."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        result = function(*args, **kwargs)
        best = min(best, time.perf_counter() - started)
    return result, best


def peak_mib(function, *args, **kwargs) -> float:
    """Peak of Python/numpy allocations during one call (tracemalloc; GDAL's own cache excluded)."""
    tracemalloc.start()
    function(*args, **kwargs)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def test_overlay_against_exactextract(case):
    exactextract = pytest.importorskip("exactextract")
    path, utm, lonlat = case
    flood_overlay(lonlat.head(1000), path)  # warm-up: imports, PROJ database, file cache
    ours, ours_s = timed(flood_overlay, lonlat, path, repeat=3)
    ours_mb = peak_mib(flood_overlay, lonlat, path)
    runs = {
        strategy: timed(exactextract.exact_extract, str(path), utm, ["mean", "max"],
                        output="pandas", strategy=strategy)
        for strategy in ("feature-sequential", "raster-sequential")
    }
    best = min(runs, key=lambda strategy: runs[strategy][1])
    theirs, theirs_s = runs[best]
    max_diff = np.nanmax(np.abs(ours.depth_max_m.to_numpy() - theirs["max"].to_numpy()))
    mean_diff = np.nanmax(np.abs(ours.depth_mean_m.to_numpy() - theirs["mean"].to_numpy()))
    print(
        f"\nflood overlay, {N_EDGES:,} edges on a {SIZE}x{SIZE} raster "
        f"({int(ours.depth_max_m.notna().sum()):,} edges covered)\n"
        f"  corredor     {ours_s:7.2f} s   (best of 3)  peak {ours_mb:.0f} MiB (tracemalloc)\n"
        + "".join(
            f"  exactextract {run[1]:7.2f} s   (1 run, strategy={strategy})\n"
            for strategy, run in runs.items()
        )
        + f"  speed-up vs fastest exactextract: {theirs_s / ours_s:.1f}x\n"
        f"  largest |difference|: max {max_diff:.2e} m, length-weighted mean {mean_diff:.2e} m"
    )
    assert (ours.depth_max_m.isna() == theirs["max"].isna()).all()
    assert max_diff <= 1e-6 and mean_diff <= 1e-6


def test_windowed_read_within_budget(case):
    path, _, lonlat = case
    raster_mb = SIZE * SIZE * 4 / 2**20  # float32 cells (no mask band to read)
    budget_mb = raster_mb / 8
    flood_overlay(lonlat.head(1000), path)
    in_memory, memory_s = timed(flood_overlay, lonlat, path, repeat=3)
    windowed, windowed_s = timed(flood_overlay, lonlat, path, repeat=3,
                                 memory_budget_mb=budget_mb)
    memory_mb = peak_mib(flood_overlay, lonlat, path)
    windowed_mb = peak_mib(flood_overlay, lonlat, path, memory_budget_mb=budget_mb)
    print(
        f"\nwindowed read: raster needs {raster_mb:.0f} MiB, budget {budget_mb:.0f} MiB "
        f"({raster_mb / budget_mb:.0f}x smaller)\n"
        f"  in memory {memory_s:6.2f} s (best of 3)  peak {memory_mb:6.1f} MiB\n"
        f"  windowed  {windowed_s:6.2f} s (best of 3)  peak {windowed_mb:6.1f} MiB"
    )
    pd.testing.assert_frame_equal(windowed, in_memory, check_exact=True)

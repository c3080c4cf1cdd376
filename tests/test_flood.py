"""Flood layer: exact overlay, windows, fragility curve, bundled screening rasters."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from pydantic import ValidationError
from pyproj import Geod, Transformer
from rasterio.transform import from_origin
from shapely.geometry import LineString, Point, box

from corredor.errors import CorredorError, DataFileError
from corredor.layers.flood import (
    SCREENING_BOUNDS,
    ZONES_CSV,
    FragilityCurve,
    apply_flood,
    flood_overlay,
    read_zones,
    screening_rasters,
)

from factories import make_network

GEOD = Geod(ellps="WGS84")
# 0.25-degree cells from (-100, 20): pixel coordinates map to exact binary fractions
GEO_TRANSFORM = from_origin(-100.0, 20.0, 0.25, 0.25)
UTM_TRANSFORM = from_origin(500_000.0, 2_300_000.0, 1000.0, 1000.0)
GRID = np.array([[10.0 * r + c for c in range(4)] for r in range(4)])  # value = 10 row + col


def write_raster(path, data, *, transform=GEO_TRANSFORM, crs="EPSG:4326", nodata=None):
    data = np.asarray(data, dtype="float32")
    with rasterio.open(
        path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
        dtype="float32", crs=crs, transform=transform, nodata=nodata,
    ) as dst:
        dst.write(data, 1)
    return path


def pixel_line(*pixels, transform=GEO_TRANSFORM, crs="EPSG:4326"):
    """A line through (col, row) pixel positions, returned in lon/lat."""
    xy = [transform @ pixel for pixel in pixels]
    if crs != "EPSG:4326":
        to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        xy = [to_lonlat.transform(x, y) for x, y in xy]
    return LineString(xy)


def edges_of(*lines):
    return gpd.GeoDataFrame({"edge_id": [f"e{i}" for i in range(len(lines))]},
                            geometry=list(lines), crs="EPSG:4326")


def geodesic_km(line):
    return GEOD.geometry_length(line) / 1000.0


# -- exact overlay against hand-computed answers ----------------------------------------


def test_line_through_known_cells(tmp_path):
    raster = write_raster(tmp_path / "d.tif", [[0, 0, 0, 0], [0.1, 0.5, 0.2, 1.0], [9, 9, 9, 9]])
    line = pixel_line((0.5, 1.5), (3.5, 1.5))  # half, whole, whole, half a cell of row 1
    stats = flood_overlay(edges_of(line), raster, threshold_m=0.3).iloc[0]
    assert stats.depth_mean_m == pytest.approx((0.5 * 0.1 + 0.5 + 0.2 + 0.5 * 1.0) / 3, rel=1e-7)
    assert stats.depth_max_m == pytest.approx(1.0)
    assert stats.km_covered == pytest.approx(geodesic_km(line), rel=1e-9)
    assert stats.km_above == pytest.approx(0.5 * stats.km_covered, rel=1e-12)  # cells 1 and 3


def test_diagonal_lines_through_corners_and_across_cells(tmp_path):
    raster = write_raster(tmp_path / "d.tif", GRID)
    corner_to_corner = pixel_line((0, 0), (4, 4))  # only touches the off-diagonal cells
    shallow = pixel_line((0, 0.25), (3, 1.75))  # cells (0,0) 1/3, (0,1) 1/6, (1,1) 1/6, (1,2) 1/3
    stats = flood_overlay(edges_of(corner_to_corner, shallow, shallow.reverse()), raster)
    assert stats.depth_mean_m.iloc[0] == pytest.approx((0 + 11 + 22 + 33) / 4, rel=1e-12)
    assert stats.depth_max_m.iloc[0] == 33
    assert stats.depth_mean_m.iloc[1] == pytest.approx(0 / 3 + 1 / 6 + 11 / 6 + 12 / 3, rel=1e-12)
    assert stats.depth_max_m.iloc[1] == 12
    # a two-way road is two edges with reversed geometry: both directions agree
    assert stats.iloc[2].to_numpy() == pytest.approx(stats.iloc[1].to_numpy(), rel=1e-12)


def test_line_along_cell_boundary_counts_half_in_each_neighbour(tmp_path):
    raster = write_raster(tmp_path / "d.tif", GRID)
    between_cols = pixel_line((2, 0), (2, 4))  # between columns 1 and 2, all rows
    raster_top = pixel_line((0, 0), (4, 0))  # the raster's top edge: half of it is outside
    stats = flood_overlay(edges_of(between_cols, raster_top), raster)
    assert stats.depth_mean_m.iloc[0] == pytest.approx(np.mean(GRID[:, 1:3]), rel=1e-12)
    assert stats.depth_max_m.iloc[0] == 32
    assert stats.km_covered.iloc[0] == pytest.approx(geodesic_km(between_cols), rel=1e-9)
    assert stats.depth_mean_m.iloc[1] == pytest.approx(1.5, rel=1e-12)
    assert stats.depth_max_m.iloc[1] == 3
    assert stats.km_covered.iloc[1] == pytest.approx(geodesic_km(raster_top) / 2, rel=1e-9)


def test_partly_outside_uses_the_inside_and_fully_outside_is_nan(tmp_path):
    raster = write_raster(tmp_path / "d.tif", GRID)
    half_out = pixel_line((2, 0.5), (6, 0.5))  # cells 2 and 3 of row 0, then outside
    outside = pixel_line((5, 5), (7, 6))
    stats = flood_overlay(edges_of(half_out, outside), raster)
    assert stats.depth_mean_m.iloc[0] == pytest.approx(2.5, rel=1e-12)
    assert stats.depth_max_m.iloc[0] == 3
    assert stats.km_covered.iloc[0] == pytest.approx(geodesic_km(half_out) / 2, rel=1e-9)
    assert stats.iloc[1][["depth_mean_m", "depth_max_m", "km_above"]].isna().all()
    assert stats.km_covered.iloc[1] == 0


def test_raster_covering_no_edge_is_an_error_naming_the_file(tmp_path):
    raster = write_raster(tmp_path / "elsewhere.tif", GRID)
    with pytest.raises(DataFileError, match=r"elsewhere\.tif.*covers none of the 1 edges"):
        flood_overlay(edges_of(LineString([(10, 10), (11, 11)])), raster)


def test_nodata_counts_as_dry_or_is_left_out(tmp_path):
    row = [-9999.0, 0.5, np.nan, 1.0]  # a nodata value and a NaN
    raster = write_raster(tmp_path / "d.tif", [[0] * 4, row, [0] * 4], nodata=-9999.0)
    line = pixel_line((0.5, 1.5), (3.5, 1.5))  # 1/6, 1/3, 1/3, 1/6 of its length per cell
    dry = flood_overlay(edges_of(line), raster).iloc[0]
    assert dry.depth_mean_m == pytest.approx((0.5 / 3 + 1.0 / 6), rel=1e-7)
    assert dry.km_covered == pytest.approx(geodesic_km(line), rel=1e-9)
    skipped = flood_overlay(edges_of(line), raster, nodata_as_dry=False).iloc[0]
    assert skipped.depth_mean_m == pytest.approx((0.5 / 3 + 1.0 / 6) / 0.5, rel=1e-7)
    assert skipped.km_covered == pytest.approx(geodesic_km(line) / 2, rel=1e-9)
    assert dry.depth_max_m == skipped.depth_max_m == 1.0


def test_projected_raster(tmp_path):
    raster = write_raster(
        tmp_path / "utm.tif", [[0, 0, 0, 0], [0.1, 0.5, 0.2, 1.0], [9, 9, 9, 9]],
        transform=UTM_TRANSFORM, crs="EPSG:32614",
    )
    line = pixel_line((0.5, 1.5), (3.5, 1.5), transform=UTM_TRANSFORM, crs="EPSG:32614")
    stats = flood_overlay(edges_of(line), raster).iloc[0]
    assert stats.depth_mean_m == pytest.approx(1.25 / 3, rel=1e-7)
    assert stats.depth_max_m == pytest.approx(1.0)
    assert stats.km_covered == pytest.approx(3.0, rel=1e-3)  # 3 cells of 1 km (UTM scale ~1)
    assert stats.km_above == pytest.approx(0.5 * stats.km_covered, rel=1e-9)


# -- agreement with independent references -------------------------------------------


def random_utm_case(tmp_path, seed, n_lines, n_vertices):
    rng = np.random.default_rng(seed)
    height, width, cell = 60, 80, 100.0
    transform = from_origin(500_000.0, 2_300_000.0, cell, cell)
    data = rng.gamma(1.0, 0.5, size=(height, width))
    raster = write_raster(tmp_path / f"r{seed}.tif", data, transform=transform, crs="EPSG:32614")
    start = rng.uniform([499_500, 2_293_500], [508_500, 2_300_500], size=(n_lines, 2))
    steps = rng.normal(0, 800, size=(n_lines, n_vertices - 1, 2))
    vertices = np.concatenate([start[:, None], start[:, None] + np.cumsum(steps, 1)], axis=1)
    utm = gpd.GeoDataFrame(geometry=[LineString(v) for v in vertices], crs="EPSG:32614")
    return raster, utm, transform, data.astype("float32").astype(float)


def test_agrees_with_exactextract_on_random_lines(tmp_path):
    exactextract = pytest.importorskip("exactextract")
    for n_vertices in (2, 4):
        raster, utm, _, _ = random_utm_case(tmp_path, n_vertices, 300, n_vertices)
        ours = flood_overlay(utm.to_crs(4326), raster)
        theirs = exactextract.exact_extract(str(raster), utm, ["mean", "max"], output="pandas")
        assert (ours.depth_max_m.isna() == theirs["max"].isna()).all()
        assert ours.depth_max_m.notna().sum() > 200
        np.testing.assert_allclose(ours.depth_max_m, theirs["max"], atol=1e-6)
        if n_vertices == 2:
            # exactextract weights by planar length in the raster CRS, corredor by geodesic
            # km; within one straight segment the two weightings are proportional
            np.testing.assert_allclose(ours.depth_mean_m, theirs["mean"], atol=1e-6)


def test_polylines_agree_with_cell_by_cell_intersection(tmp_path):
    raster, utm, transform, data = random_utm_case(tmp_path, 7, 40, 5)
    ours = flood_overlay(utm.to_crs(4326), raster, threshold_m=0.5)
    lonlat = utm.to_crs(4326)
    to_utm = Transformer.from_crs(4326, 32614, always_xy=True)
    for line, stats in zip(lonlat.geometry, ours.itertuples(), strict=True):
        km, depth = [], []
        for a, b in zip(line.coords[:-1], line.coords[1:], strict=True):
            seg_km = GEOD.inv(a[0], a[1], b[0], b[1])[2] / 1000.0
            piece = LineString([to_utm.transform(*a), to_utm.transform(*b)])
            (ca, ra), (cb, rb) = (~transform @ xy for xy in piece.coords)
            for r in range(max(math.floor(min(ra, rb)), 0), min(math.ceil(max(ra, rb)), 60)):
                for c in range(max(math.floor(min(ca, cb)), 0), min(math.ceil(max(ca, cb)), 80)):
                    x0, y1 = transform @ (c, r)
                    x1, y0 = transform @ (c + 1, r + 1)
                    inside = piece.intersection(box(x0, y0, x1, y1)).length
                    if inside > 0:
                        km.append(inside / piece.length * seg_km)
                        depth.append(data[r, c])
        km, depth = np.array(km), np.array(depth)
        if not len(km):
            assert math.isnan(stats.depth_mean_m)
            continue
        assert stats.depth_max_m == pytest.approx(depth.max())
        assert stats.depth_mean_m == pytest.approx((km * depth).sum() / km.sum(), rel=1e-9)
        assert stats.km_covered == pytest.approx(km.sum(), rel=1e-9)
        assert stats.km_above == pytest.approx(km[depth >= 0.5].sum(), rel=1e-9, abs=1e-12)


def test_windowed_read_matches_in_memory(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    data = rng.gamma(1.0, 0.5, size=(300, 400))
    data[rng.random(data.shape) < 0.2] = -9999.0
    transform = from_origin(-100.0, 20.0, 0.01, 0.01)
    raster = write_raster(tmp_path / "big.tif", data, transform=transform, nodata=-9999.0)
    start = rng.uniform([-100.2, 16.8], [-95.8, 20.2], size=(400, 2))
    lines = [LineString([p, p + rng.normal(0, 0.3, 2), p + rng.normal(0, 0.3, 2)]) for p in start]
    edges = edges_of(*lines)
    in_memory = flood_overlay(edges, raster)

    budget_mb = 0.05  # the raster needs 300 x 400 x 4 bytes = 0.46 MB
    windows = []
    read = rasterio.io.DatasetReader.read

    def spy(self, *args, **kwargs):
        windows.append(kwargs["window"])
        return read(self, *args, **kwargs)

    monkeypatch.setattr(rasterio.io.DatasetReader, "read", spy)
    windowed = flood_overlay(edges, raster, memory_budget_mb=budget_mb)
    pd.testing.assert_frame_equal(windowed, in_memory, check_exact=True)
    assert len(windows) > 10
    assert max(w.width * w.height * 4 for w in windows) <= budget_mb * 2**20


def test_bad_parameters_are_user_errors(tmp_path):
    raster = write_raster(tmp_path / "d.tif", GRID)
    edges = edges_of(pixel_line((0.5, 0.5), (2.5, 2.5)))
    with pytest.raises(CorredorError, match="memory_budget_mb"):
        flood_overlay(edges, raster, memory_budget_mb=0)
    with pytest.raises(DataFileError, match=r"missing\.tif"):
        flood_overlay(edges, tmp_path / "missing.tif")


# -- depth -> closure -----------------------------------------------------------------


def test_fragility_curve_annual_values_by_hand():
    prob, days = FragilityCurve().annual([100, 10], [[0.6, 0.0], [2.5, 0.3]])
    # edge 0: RP100 0.6 m -> P 0.9, days 1 + 0.1/2 x 9 = 1.45; RP10 dry; zero at RP2
    assert prob[0] == pytest.approx((0.1 - 0.01) * 0.9 / 2)
    assert days[0] == pytest.approx((0.1 - 0.01) * 0.9 * 1.45 / 2)
    # edge 1: RP100 2.5 m -> P 1, 10 days; RP10 0.3 m -> P 0.5, 1 day
    assert prob[1] == pytest.approx(0.09 * (1.0 + 0.5) / 2 + 0.4 * 0.5 / 2)
    assert days[1] == pytest.approx(0.09 * (10.0 + 0.5) / 2 + 0.4 * 0.5 / 2)


def uniform_rasters(tmp_path, depths: dict[int, float]):
    transform = from_origin(-102.0, 22.0, 0.5, 0.5)
    return {
        rp: write_raster(tmp_path / f"rp{rp}.tif", np.full((8, 8), depth), transform=transform)
        for rp, depth in depths.items()
    }


def small_network():
    coords = {"a": (-101.5, 21.0), "b": (-100.5, 20.5), "far": (-90.0, 20.0)}
    return make_network(coords, [("a", "b", 120.0), ("b", "far", 1100.0)])


def test_apply_flood_adds_documented_columns(tmp_path):
    network = apply_flood(small_network(), uniform_rasters(tmp_path, {10: 0.3, 100: 2.5}))
    edges = network.edges.set_index("edge_id")
    for rp in (10, 100):
        for stat in ("depth_max_m", "depth_mean_m", "km_above"):
            assert f"flood_rp{rp}_{stat}" in edges
    inside = edges.loc["a-b-0:fwd"]
    assert inside.flood_rp100_depth_max_m == pytest.approx(2.5)
    assert inside.flood_rp10_km_above == pytest.approx(geodesic_km(inside.geometry), rel=1e-9)
    assert inside.flood_closure_prob_year == pytest.approx(0.1675)
    assert inside.flood_closure_days_year == pytest.approx(0.5725)
    assert (edges.flood_grade == "user raster").all()
    # partly covered edges are measured on the covered part; the rest of the model is intact
    assert edges.loc["b-far-1:rev", "flood_closure_days_year"] == pytest.approx(0.5725)
    assert list(network.edges.columns[:14]) == list(small_network().edges.columns[:14])


def test_apply_flood_curve_override_and_rerun(tmp_path):
    rasters = uniform_rasters(tmp_path, {10: 0.3, 100: 2.5})
    strict = FragilityCurve(depth_m=(0.0, 0.2), closure_prob=(0.0, 1.0),
                            days_depth_m=(0.0,), days_closed=(2.0,))
    once = apply_flood(small_network(), rasters, curve=strict)
    twice = apply_flood(once, {100: rasters[100]}, curve=strict, grade="screening")
    assert once.edges.flood_closure_days_year.iloc[0] == pytest.approx(
        0.09 * 2.0 + 0.4 * 2.0 / 2
    )
    assert "flood_rp10_depth_max_m" not in twice.edges  # stale columns are dropped
    assert (twice.edges.flood_grade == "screening").all()


def test_edge_outside_every_raster_has_nan_closure(tmp_path):
    coords = {"a": (-101.5, 21.0), "b": (-100.5, 20.5), "x": (-80.0, 10.0), "y": (-79.0, 11.0)}
    network = make_network(coords, [("a", "b", 120.0), ("x", "y", 150.0)])
    edges = apply_flood(network, uniform_rasters(tmp_path, {10: 1.0, 100: 2.0})).edges
    assert edges.flood_closure_days_year.iloc[:2].notna().all()
    assert edges.flood_closure_days_year.iloc[2:].isna().all()


def test_invalid_curves_and_return_periods_are_rejected(tmp_path):
    with pytest.raises(ValidationError, match="strictly increasing"):
        FragilityCurve(depth_m=(0.5, 0.3), closure_prob=(0.0, 1.0))
    with pytest.raises(ValidationError, match=r"within 0\.\.1"):
        FragilityCurve(closure_prob=(0.0, 0.5, 0.9, 1.5))
    rasters = uniform_rasters(tmp_path, {10: 1.0})
    with pytest.raises(CorredorError, match="whole years > 1"):
        apply_flood(small_network(), {1: rasters[10]})
    with pytest.raises(CorredorError, match="grade"):
        apply_flood(small_network(), rasters, grade="official")


# -- bundled screening layer ------------------------------------------------------------


@pytest.fixture(scope="module")
def screening(tmp_path_factory):
    return screening_rasters(tmp_path_factory.mktemp("cache"))


def test_screening_rasters_are_deterministic_and_follow_the_table(screening, tmp_path):
    again = screening_rasters(tmp_path)
    assert sorted(screening) == [10, 50, 100, 500]
    for rp, path in screening.items():
        assert path.read_bytes() == again[rp].read_bytes()
    zones, _ = read_zones()
    villahermosa = zones.set_index("zone_id").loc["villahermosa"]
    with rasterio.open(screening[100]) as src:
        assert src.crs.to_epsg() == 4326
        assert src.tags()["grade"] == "screening"
        centre, chihuahua = src.sample([(villahermosa.lon, villahermosa.lat), (-106.08, 28.63)])
    assert centre[0] == pytest.approx(villahermosa.depth_rp100_m)
    assert chihuahua[0] == 0


def test_zone_table_faults_name_file_and_line(tmp_path):
    zones = pd.read_csv(ZONES_CSV, dtype=str, keep_default_na=False)
    zones.loc[1, "radius_km"] = "-3"
    zones.loc[2, "depth_rp500_m"] = "0.1"  # shallower than its RP100 depth
    zones.loc[3, "depth_source"] = ""
    bad = tmp_path / "zones.csv"
    zones.to_csv(bad, index=False)
    with pytest.raises(DataFileError) as error:
        screening_rasters(tmp_path / "cache", zones_csv=bad)
    message = str(error.value)
    assert "zones.csv" in message
    assert "'radius_km' must be a number > 0 (line(s) [3])" in message
    assert "must not fall as the return period grows (line(s) [4])" in message
    assert "empty 'depth_source' on line(s) [5]" in message


def test_bundled_network_gets_a_screening_flood_layer(national, screening):
    edges = apply_flood(national, screening, grade="screening").edges
    in_mexico = edges.geometry.within(box(*SCREENING_BOUNDS))
    flood_columns = [c for c in edges if c.startswith("flood_") and c != "flood_grade"]
    assert len(flood_columns) == 4 * 3 + 2
    assert edges.loc[in_mexico, flood_columns].notna().all().all()
    assert (edges.flood_grade == "screening").all()
    near = shapely.distance(edges.geometry.array, Point(-92.93, 17.99)) < 0.2  # degrees
    far = shapely.distance(edges.geometry.array, Point(-106.08, 28.63)) < 1.0
    assert near.sum() >= 4 and far.sum() >= 2  # roads into Villahermosa and Chihuahua
    assert edges.loc[near, "flood_closure_days_year"].min() > 0
    assert edges.loc[near, "flood_closure_days_year"].min() > edges.loc[
        far, "flood_closure_days_year"].max()

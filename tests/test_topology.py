"""Junctions from loose lines: snapping, T-junction splits, chain merges, threading, gaps."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Transformer
from shapely.geometry import LineString

from corredor.networks.topology import (
    METRIC_CRS,
    bridge_gaps,
    build_topology,
    components,
    thread_points,
)

TO_LONLAT = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
X0, Y0 = 2_500_000.0, 1_000_000.0  # a point in central Mexico, EPSG:6372 metres


def _line(*xy_m: tuple[float, float]) -> LineString:
    """A LineString given in metres relative to (X0, Y0), returned in lon/lat."""
    x, y = TO_LONLAT.transform([X0 + p[0] for p in xy_m], [Y0 + p[1] for p in xy_m])
    return LineString(zip(x, y, strict=True))


def _frame(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _lines(spec: dict[str, tuple]) -> gpd.GeoDataFrame:
    rows = []
    for name, (coords, ref, count) in spec.items():
        rows.append({"id": name, "ref": ref, "count": count, "km": 1.0,
                     "geometry": _line(*coords)})
    return _frame(rows)


def test_ends_closer_than_the_tolerance_become_one_junction():
    lines = _lines({
        "a": (((0, 0), (1000, 0)), "R", 1),
        "b": (((1010, 0), (2000, 0)), "R", 2),  # 10 m gap
    })
    topo = build_topology(lines, snap_m=25, id_column="id", merge_on=["ref", "count"])
    assert len(topo.nodes) == 3
    assert topo.stats["ends_snapped"] == 1
    a, b = topo.links.sort_values("ids").itertuples()
    assert a.v == b.u  # the shared junction
    assert len(set(components(topo))) == 1


def test_ends_farther_than_the_tolerance_stay_apart():
    lines = _lines({
        "a": (((0, 0), (1000, 0)), "R", 1),
        "b": (((1040, 0), (2000, 0)), "R", 1),  # 40 m gap, tolerance 25 m
    })
    topo = build_topology(lines, snap_m=25, id_column="id", merge_on=["ref", "count"])
    assert len(topo.nodes) == 4
    assert len(set(components(topo))) == 2


def test_an_end_on_another_lines_interior_splits_it_into_a_t_junction():
    lines = _lines({
        "main": (((0, 0), (2000, 0)), "R", 1),
        "side": (((700, 1500), (700, 8)), "S", 2),  # ends 8 m from main's interior
    })
    topo = build_topology(lines, snap_m=25, id_column="id", merge_on=["ref", "count"])
    assert topo.stats["t_junction_splits"] == 1
    links = topo.links
    assert sorted(links["ids"]) == ["main", "main", "side"]
    degree = np.bincount(np.r_[links["u"], links["v"]])
    assert sorted(degree) == [1, 1, 1, 3]
    junction = topo.nodes.geometry.iloc[int(np.argmax(degree))]
    x, y = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True).transform(
        junction.x, junction.y)
    assert x - X0 == pytest.approx(700, abs=1) and y - Y0 == pytest.approx(0, abs=1)


def test_split_pieces_share_additive_attributes_by_length():
    lines = _lines({"main": (((0, 0), (2000, 0)), "R", 1),
                    "side": (((500, 900), (500, 5)), "S", 2)})
    lines["km"] = [10.0, 3.0]
    topo = build_topology(lines, snap_m=25, id_column="id", merge_on=["ref"], additive=["km"])
    main = topo.links[topo.links["ids"] == "main"].sort_values("km")["km"].to_numpy()
    assert main == pytest.approx([2.5, 7.5], rel=1e-3)
    assert topo.links["km"].sum() == pytest.approx(13.0)


def test_degree_two_chains_merge_when_attributes_agree_and_keep_every_id():
    lines = _lines({
        "a": (((0, 0), (1000, 0)), "R", 5),
        "b": (((1000, 0), (2000, 0)), "R", 5),
        "c": (((3000, 0), (2000, 0)), "R", 5),  # drawn backwards
    })
    topo = build_topology(lines, snap_m=25, id_column="id", merge_on=["ref", "count"],
                          additive=["km"])
    assert len(topo.links) == 1
    link = topo.links.iloc[0]
    assert link["ids"] == "a;b;c"
    assert link["pieces"] == 3
    assert link["km"] == pytest.approx(3.0)
    assert len(link.geometry.coords) == 4  # joined, not duplicated, at the junctions


def test_different_counts_prevent_a_merge():
    lines = _lines({
        "a": (((0, 0), (1000, 0)), "R", 5),
        "b": (((1000, 0), (2000, 0)), "R", 5),
        "c": (((2000, 0), (3000, 0)), "R", 9),  # another count section
    })
    topo = build_topology(lines, snap_m=25, id_column="id", merge_on=["ref", "count"])
    assert sorted(topo.links["ids"]) == ["a;b", "c"]
    assert topo.stats["pieces_merged_away"] == 1


def test_three_roads_at_a_node_are_never_merged_through_it():
    lines = _lines({
        "a": (((0, 0), (1000, 0)), "R", 5),
        "b": (((1000, 0), (2000, 0)), "R", 5),
        "c": (((1000, 0), (1000, 1000)), "R", 5),
    })
    topo = build_topology(lines, snap_m=25, id_column="id", merge_on=["ref", "count"])
    assert sorted(topo.links["ids"]) == ["a", "b", "c"]


def test_thread_points_drops_an_inconsistent_station_and_cuts_at_gaps():
    xy = np.array([[0, 0], [1000, 0], [40_000, 0], [3000, 0], [70_000, 0], [200_000, 0]], float)
    km = np.array([0, 1, 2, 3, 70, 200.0])
    runs, dropped = thread_points(xy, km, max_gap_km=60)
    assert dropped == [2]  # 40 km from its neighbours but 1 km post apart
    assert runs == [[0, 1, 3], [4], [5]]  # 67 km and 130 km gaps cut the road


def test_bridge_gaps_joins_a_dangling_end_to_its_own_route_only():
    lines = _lines({
        "a": (((0, 0), (1000, 0)), "R", 1),
        "b": (((1600, 0), (3000, 0)), "R", 1),  # same route, 600 m gap
        "c": (((1000, 900), (1000, 3000)), "S", 1),  # other route, 900 m from a's end
    })
    refs = [{"R"}, {"R"}, {"S"}]
    found = bridge_gaps(lines.geometry, refs, snap_m=25, bridge_m=2000, any_m=250)
    assert [(i, end) for i, end, _ in found] == [(0, -1)]  # a's east end, once, not b->a too
    xy = found[0][2]
    assert np.hypot(*(xy[1] - xy[0])) == pytest.approx(600, abs=1)
    assert bridge_gaps(lines.geometry, refs, snap_m=25, bridge_m=500, any_m=250) == []

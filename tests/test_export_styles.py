"""Run GeoPackage layers with embedded QGIS styles, and RFC 7946 GeoJSON per layer."""

from __future__ import annotations

import itertools
import json
import sqlite3
from contextlib import closing

import numpy as np
import pandas as pd
import pyogrio
import pytest

from corredor.errors import DataFileError
from corredor.outputs.export import RUN_LAYERS, write_run_layers
from corredor.outputs.styles import LAYER_STYLES, STYLE_DIR, embed_styles

from factories import make_network

COORDS = {
    "a": (-101.68, 21.12), "b": (-101.43, 20.94), "c": (-101.35, 20.68), "d": (-100.39, 20.59),
}


@pytest.fixture
def run_output(tmp_path):
    """Three two-way links; the a-b link closed (both ways), trucks moved to a-c."""
    network = make_network(COORDS, [("a", "b", 22.0), ("b", "c", 30.0), ("a", "c", 60.0)])
    ids = network.edges["edge_id"].tolist()  # a-b fwd, rev, b-c fwd, rev, a-c fwd, rev
    baseline = np.array([100.0, 80.0, 100.0, 80.0, 10.0, 5.0])
    disrupted = np.array([0.0, 0.0, 0.0, 0.0, 110.0, 85.0])
    closed = np.array([True, True, False, False, False, False])
    table = pd.DataFrame(
        {
            "edge_id": ids,
            "baseline_flow_trucks_day": baseline,
            "disrupted_flow_trucks_day": disrupted,
            "flow_change_trucks_day": disrupted - baseline,
            "baseline_utilisation": baseline / 1000,
            "disrupted_utilisation": disrupted / 1000,
            "disrupted_capacity_trucks_day": np.where(closed, 0.0, 1000.0),
            "bottleneck_price_usd": 0.0,
            "disrupted_cost_usd": 50.0,
            "is_disrupted": closed | np.array([False, False, True, True, False, False]),
            "is_closed": closed,
            "over_90pct": False,
        }
    )
    written = write_run_layers(network, table, tmp_path / "run")
    return network, tmp_path / "run", written


def test_run_geopackage_has_named_layers_with_our_counts_in_epsg4326(run_output):
    network, folder, _ = run_output
    gpkg = folder / "edges.gpkg"
    listed = {name: kind for name, kind in pyogrio.list_layers(gpkg)}
    assert listed == {
        "nodes": "Point", "edges": "LineString", "disrupted": "LineString",
        "flow_change": "LineString", "layer_styles": None,
    }
    counts = {layer: pyogrio.read_info(gpkg, layer=layer)["features"] for layer in RUN_LAYERS}
    assert counts == {"nodes": 4, "edges": 6, "disrupted": 4, "flow_change": 3}
    for layer in RUN_LAYERS:
        assert pyogrio.read_info(gpkg, layer=layer)["crs"] == "EPSG:4326"
    edges = pyogrio.read_dataframe(gpkg, layer="edges")
    assert edges["edge_id"].tolist() == network.edges["edge_id"].tolist()  # stable ids, same order


def test_layers_have_flat_typed_columns_and_readable_status(run_output):
    _, folder, _ = run_output
    gpkg = folder / "edges.gpkg"
    for layer in RUN_LAYERS:
        info = pyogrio.read_info(gpkg, layer=layer)
        assert set(info["ogr_types"]) <= {"OFTString", "OFTInteger", "OFTReal", "OFTInteger64"}
    disrupted = pyogrio.read_dataframe(gpkg, layer="disrupted").set_index("edge_id")
    assert disrupted["status"].to_dict() == {
        "a-b-0:fwd": "closed", "a-b-0:rev": "closed",
        "b-c-1:fwd": "degraded", "b-c-1:rev": "degraded",
    }
    change = pyogrio.read_dataframe(gpkg, layer="flow_change").set_index("link_id")
    # both directions summed per physical link: a-b lost 180 trucks/day, a-c gained 180
    assert change["flow_change_trucks_day"].to_dict() == {"a-b-0": -180.0, "b-c-1": -180.0,
                                                         "a-c-2": 180.0}
    assert change["is_closed"].to_dict() == {"a-b-0": True, "b-c-1": False, "a-c-2": False}


def test_layer_styles_table_holds_each_layers_default_qml(run_output):
    _, folder, _ = run_output
    with closing(sqlite3.connect(folder / "edges.gpkg")) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(layer_styles)")]
        rows = db.execute(
            "SELECT f_table_name, f_geometry_column, styleName, styleQML, useAsDefault "
            "FROM layer_styles ORDER BY f_table_name"
        ).fetchall()
        registered = db.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'"
        ).fetchall()
    assert columns == [
        "id", "f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column",
        "styleName", "styleQML", "styleSLD", "useAsDefault", "description", "owner", "ui",
        "update_time",
    ]
    assert registered == [("attributes",)]
    assert [row[0] for row in rows] == sorted(RUN_LAYERS)
    for table, geometry_column, style_name, qml, default in rows:
        assert geometry_column == "geom"
        assert style_name == table and default == 1
        assert qml == (STYLE_DIR / LAYER_STYLES[table]).read_text(encoding="utf-8")


def test_bundled_styles_colour_what_the_issue_asks(run_output):
    """Road classes, flow width, diverging change, red closures: the QML says so."""
    edges = (STYLE_DIR / "edges.qml").read_text(encoding="utf-8")
    assert 'type="categorizedSymbol" attr="road_class"' in edges
    assert "baseline_flow_trucks_day" in edges  # line width by flow
    change = (STYLE_DIR / "flow_change.qml").read_text(encoding="utf-8")
    assert 'type="graduatedSymbol" attr="flow_change_trucks_day"' in change
    assert "33,102,172" in change and "178,24,43" in change  # RdBu ends: blue fewer, red more
    disrupted = (STYLE_DIR / "disrupted.qml").read_text(encoding="utf-8")
    assert 'value="closed"' in disrupted and "227,26,28" in disrupted  # closed is red
    assert 'type="graduatedSymbol" attr="rank"' in (STYLE_DIR / "criticality.qml").read_text()


def test_embedding_again_replaces_rather_than_duplicates(run_output):
    _, folder, _ = run_output
    gpkg = folder / "edges.gpkg"
    embed_styles(gpkg, ["edges"])
    with closing(sqlite3.connect(gpkg)) as db:
        count = db.execute("SELECT count(*) FROM layer_styles WHERE f_table_name = 'edges'")
        assert count.fetchone() == (1,)


def test_embedding_a_style_for_a_missing_layer_names_the_file_and_the_layers(run_output):
    _, folder, _ = run_output
    with pytest.raises(DataFileError, match=r"edges\.gpkg: no spatial layer criticality"):
        embed_styles(folder / "edges.gpkg", ["criticality"])
    with pytest.raises(DataFileError, match="no bundled QGIS style for layer 'roads'"):
        embed_styles(folder / "edges.gpkg", ["roads"])


# --- RFC 7946 ---------------------------------------------------------------------------


def rfc7946_problems(document: dict) -> list[str]:
    """Every RFC 7946 rule a FeatureCollection breaks (the ones QGIS and geojson.io rely on)."""
    problems = []
    if document.get("type") != "FeatureCollection":
        problems.append("top level is not a FeatureCollection")
    if "crs" in document:
        problems.append("has a 'crs' member (RFC 7946 section 4: WGS84 only, no crs)")
    for i, feature in enumerate(document.get("features", [])):
        if feature.get("type") != "Feature":
            problems.append(f"feature {i}: type is not Feature")
        for key, value in (feature.get("properties") or {}).items():
            if isinstance(value, dict | list):
                problems.append(f"feature {i}: property {key} is not flat")
        geometry = feature.get("geometry") or {}
        for x, y in _positions(geometry.get("coordinates", [])):
            if not (-180 <= x <= 180 and -90 <= y <= 90):
                problems.append(f"feature {i}: position {x}, {y} is not lon/lat")
            if round(x, 6) != x or round(y, 6) != y:
                problems.append(f"feature {i}: position {x}, {y} has more than 6 decimals")
        rings = {"Polygon": [geometry.get("coordinates")],
                 "MultiPolygon": geometry.get("coordinates")}.get(geometry.get("type"), [])
        for polygon in rings:
            for r, ring in enumerate(polygon):
                exterior = r == 0
                if (_signed_area(ring) > 0) != exterior:
                    problems.append(f"feature {i}: ring {r} breaks the right-hand rule")
    return problems


def _positions(coordinates):
    if coordinates and isinstance(coordinates[0], int | float):
        yield coordinates[0], coordinates[1]
        return
    for item in coordinates:
        yield from _positions(item)


def _signed_area(ring) -> float:
    """Shoelace area: positive when counter-clockwise."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)) / 2


def test_every_layer_geojson_follows_rfc7946(run_output):
    _, folder, written = run_output
    geojsons = sorted(p.name for p in written if p.suffix == ".geojson")
    assert geojsons == ["disrupted.geojson", "edges.geojson", "flow_change.geojson",
                        "nodes.geojson"]
    counts = {"nodes.geojson": 4, "edges.geojson": 6, "disrupted.geojson": 4,
              "flow_change.geojson": 3}
    for name in geojsons:
        document = json.loads((folder / name).read_text(encoding="utf-8"))
        assert rfc7946_problems(document) == [], name
        assert len(document["features"]) == counts[name]


def test_the_rfc7946_check_catches_what_it_claims():
    clockwise_shell = [[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]
    bad = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "EPSG:4326"}},
        "features": [
            {"type": "Feature", "properties": {"tags": ["a"]},
             "geometry": {"type": "Polygon", "coordinates": [clockwise_shell]}},
            {"type": "Feature", "properties": {},
             "geometry": {"type": "Point", "coordinates": [2400000.5, 19.1234567]}},
        ],
    }
    problems = "\n".join(rfc7946_problems(bad))
    assert "'crs' member" in problems
    assert "property tags is not flat" in problems
    assert "ring 0 breaks the right-hand rule" in problems
    assert "is not lon/lat" in problems and "more than 6 decimals" in problems

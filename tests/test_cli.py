"""The `corredor` command through click's test runner."""

from __future__ import annotations

import json

import pyogrio
from click.testing import CliRunner

from corredor.cli import cli
from corredor.network import Network


def test_info_prints_the_summary_of_the_bundled_model(national):
    result = CliRunner().invoke(cli, ["info"])
    assert result.exit_code == 0, result.output
    assert "Nodes by kind" in result.output and "Border crossings" in result.output
    assert f"{len(national.nodes):,}" in result.output
    assert "World Trade Bridge" in result.output


def test_info_with_demand_prints_segments_and_rejects_unknown_nodes(tmp_path, national_demand):
    result = CliRunner().invoke(cli, ["info", "--demand", "bundled"])
    assert result.exit_code == 0, result.output
    assert "us_export" in result.output and "port_hinterland" in result.output
    assert f"{len(national_demand):,}" in result.output
    bad = tmp_path / "demand.csv"
    bad.write_text(
        "origin,destination,segment,trucks_day,value_usd_per_truck\n"
        "mx:leon,us:atlantis,us_export,-3,50000\n"
    )
    result = CliRunner().invoke(cli, ["info", "--demand", str(bad)])
    assert result.exit_code == 2
    assert "us:atlantis" in result.output and "'trucks_day' must be a number >= 0" in result.output


def test_export_network_gpkg_round_trips_and_geojson_is_rfc7946(tmp_path, national):
    gpkg, geojson, png = tmp_path / "n.gpkg", tmp_path / "n.geojson", tmp_path / "n.png"
    runner = CliRunner()
    result = runner.invoke(cli, ["export", "network", "-o", str(gpkg), "--map", str(png)])
    assert result.exit_code == 0, result.output
    assert {name for name, _ in pyogrio.list_layers(gpkg)} == {"nodes", "edges", "layer_styles"}
    back = Network.from_gpkg(gpkg)
    assert list(back.edges["edge_id"]) == list(national.edges["edge_id"])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    result = runner.invoke(cli, ["export", "network", "--network", str(gpkg), "-o", str(geojson)])
    assert result.exit_code == 0, result.output
    for layer, count, kind in (("nodes", len(national.nodes), "Point"),
                               ("edges", len(national.edges), "LineString")):
        document = json.loads((tmp_path / f"n_{layer}.geojson").read_text())
        assert "crs" not in document and len(document["features"]) == count
        assert {f["geometry"]["type"] for f in document["features"]} == {kind}  # one type a file
        for feature in document["features"]:
            coords = feature["geometry"]["coordinates"]
            points = [coords] if feature["geometry"]["type"] == "Point" else coords
            for lon, lat in points:
                assert -180 <= lon <= 180 and -90 <= lat <= 90
                assert round(lon, 6) == lon and round(lat, 6) == lat


def test_missing_network_file_is_a_one_line_error_with_exit_code_2(tmp_path):
    result = CliRunner().invoke(cli, ["info", "--network", str(tmp_path / "nope.gpkg")])
    assert result.exit_code == 2
    assert "nope.gpkg: no such file" in result.output
    assert "Traceback" not in result.output


def test_invalid_network_file_is_an_error_with_exit_code_2(tmp_path):
    bogus = tmp_path / "bogus.gpkg"
    bogus.write_text("not a geopackage")
    result = CliRunner().invoke(cli, ["info", "--network", str(bogus)])
    assert result.exit_code == 2
    assert "bogus.gpkg" in result.output


def test_unknown_export_format_is_refused_and_nothing_written(tmp_path):
    result = CliRunner().invoke(cli, ["export", "network", "-o", str(tmp_path / "n.kml")])
    assert result.exit_code == 2
    assert "use one of gpkg, geojson, csv, shp" in result.output
    assert list(tmp_path.iterdir()) == []


def test_layers_weights_every_edge_with_the_screening_flood_layer(tmp_path, monkeypatch):
    monkeypatch.setenv("CORREDOR_CACHE", str(tmp_path / "cache"))
    output = tmp_path / "weighted.gpkg"
    result = CliRunner().invoke(cli, ["layers", "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert "flood layer: screening" in result.output
    edges = Network.from_gpkg(output).edges
    for column in ("capacity_trucks_day", "theft_loss_usd", "flood_closure_days_year",
                   "cost_usd", "cost_time_usd", "cost_theft_usd", "cost_flood_usd"):
        assert column in edges.columns
    assert (edges["cost_usd"] > 0).all()
    assert set(edges["flood_grade"].dropna()) == {"screening"}
    assert list((tmp_path / "cache" / "flood").glob("*.tif")), "screening rasters in the cache"


def test_layers_rejects_a_malformed_flood_option(tmp_path):
    result = CliRunner().invoke(
        cli, ["layers", "--flood", "often=x.tif", "-o", str(tmp_path / "w.gpkg")]
    )
    assert result.exit_code == 2
    assert "expected RP=path.tif" in result.output
    assert not (tmp_path / "w.gpkg").exists()

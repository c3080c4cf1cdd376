"""`corredor compare` and `corredor export flows|criticality|network --format`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

from corredor.cli import cli

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two real runs (Bajío bridges and the Laredo closure) in a temporary folder."""
    folder = tmp_path_factory.mktemp("runs")
    runner = CliRunner()
    for name in ("bajio-bridges-2024", "nuevo-laredo-closure"):
        result = runner.invoke(cli, ["run", str(SCENARIOS / f"{name}.yaml"), "-o",
                                     str(folder / name)])
        assert result.exit_code == 0, result.output
    return folder


def test_compare_writes_kpi_differences_and_a_flow_difference_layer(runs, tmp_path):
    first, second = runs / "bajio-bridges-2024", runs / "nuevo-laredo-closure"
    result = CliRunner().invoke(cli, ["compare", str(first), str(second), "-o",
                                      str(tmp_path / "cmp")])
    assert result.exit_code == 0, result.output
    kpis = pd.read_csv(tmp_path / "cmp" / "kpi_differences.csv").set_index("kpi")
    totals = [json.loads((f / "summary.json").read_text())["totals"] for f in (first, second)]
    assert kpis.loc["extra_cost_usd", "difference"] == pytest.approx(
        totals[1]["extra_cost_usd"] - totals[0]["extra_cost_usd"])
    flows = pyogrio.read_dataframe(tmp_path / "cmp" / "flow_difference.gpkg")
    wtb = flows.set_index("edge_id").loc["border:nuevo_laredo-laredo:fwd"]
    assert wtb["second_flow_trucks_day"] == 0
    assert wtb["flow_difference_trucks_day"] == pytest.approx(-wtb["first_flow_trucks_day"])
    assert (tmp_path / "cmp" / "flow_difference.geojson").is_file()


def test_compare_refuses_a_folder_that_is_not_a_run(runs, tmp_path):
    result = CliRunner().invoke(cli, ["compare", str(runs / "bajio-bridges-2024"),
                                      str(tmp_path), "-o", str(tmp_path / "cmp")])
    assert result.exit_code == 2
    assert "no summary.json here" in result.output
    assert not (tmp_path / "cmp").exists()


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "csv", "shp"])
def test_export_flows_in_every_format_keeps_every_edge(runs, national, tmp_path, fmt):
    output = tmp_path / f"flows.{fmt}"
    result = CliRunner().invoke(cli, ["export", "flows", str(runs / "bajio-bridges-2024"),
                                      "-o", str(output)])
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        table = pd.read_csv(output)
        assert table["wkt"].str.startswith("LINESTRING").all()
    else:
        table = pyogrio.read_dataframe(output)
    assert len(table) == len(national.edges)
    assert "edge_id" in table.columns


def test_export_network_as_shapefile_pair_and_criticality_style(national, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["export", "network", "-o", str(tmp_path / "net"),
                                 "--format", "shp"])
    assert result.exit_code == 0, result.output
    assert "field names are cut to 10 characters" in result.output
    nodes = pyogrio.read_dataframe(tmp_path / "net_nodes.shp")
    edges = pyogrio.read_dataframe(tmp_path / "net_edges.shp")
    assert len(nodes) == len(national.nodes) and len(edges) == len(national.edges)
    assert set(edges["toll"].unique()) <= {0, 1}
    crit = tmp_path / "crit"
    result = runner.invoke(cli, ["criticality", "-o", str(crit), "--capacity-top", "0"])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(crit / "criticality.gpkg") as db:
        styled = db.execute("SELECT f_table_name FROM layer_styles WHERE useAsDefault").fetchall()
    assert ("criticality",) in styled
    result = runner.invoke(cli, ["export", "criticality", str(crit), "-o",
                                 str(tmp_path / "c.kml")])
    assert result.exit_code == 2 and "use one of gpkg, geojson, csv, shp" in result.output

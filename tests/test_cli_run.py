"""`corredor run` and `corredor validate` through click's test runner."""

from __future__ import annotations

import json
from pathlib import Path

import pyogrio
import pytest
from click.testing import CliRunner

from corredor.cli import cli

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("CORREDOR_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


def test_run_bajio_writes_every_output_and_is_reproducible(tmp_path):
    runner = CliRunner()
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        result = runner.invoke(
            cli, ["run", str(SCENARIOS / "bajio-bridges-2024.yaml"), "-o", str(folder)]
        )
        assert result.exit_code == 0, result.output
    assert "bajio-bridges-2024: headline" in result.output
    expected = {"summary.md", "summary.json", "edges.gpkg", "edges.geojson", "timeline.csv",
                "facility_flows.csv", "flow_change.png", "timeline.png", "report.html",
                "nodes.geojson", "disrupted.geojson", "flow_change.geojson"}
    assert expected <= {p.name for p in first.iterdir()}
    assert (first / "summary.json").read_bytes() == (second / "summary.json").read_bytes()
    summary = json.loads((first / "summary.json").read_text())
    assert summary["totals"]["extra_cost_usd"] > 0
    assert summary["totals"]["disrupted_days"] == 21 + 7
    layers = {name for name, _ in pyogrio.list_layers(first / "edges.gpkg")}
    assert layers == {"nodes", "edges", "disrupted", "flow_change", "layer_styles"}
    edges = pyogrio.read_dataframe(first / "edges.gpkg", layer="edges")
    closed = edges.loc[edges["is_closed"], "edge_id"]
    assert sorted(closed) == sorted(
        f"mex-45{d}:puente_silao_leon_45{d}:{way}" for d in ("", "d") for way in ("fwd", "rev")
    )
    assert (edges.loc[edges["is_closed"], "disrupted_flow_trucks_day"] == 0).all()


def test_validate_reports_problems_with_lines_exit_2_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\nhorizon_days: 5\ncolour: red\ndisruptions:\n  - name: x\n"
        "    select: {crossing: Atlantis}\n    effect: {close: true}\n"
        "    timing: {days: -2}\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    for command in (["validate", str(bad)], ["run", str(bad), "-o", str(tmp_path / "out")]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 2
        assert "Traceback" not in result.output
        assert "bad.yaml:3: colour: unknown key" in result.output
        assert "bad.yaml:8: disruptions.0.timing.days" in result.output
    assert not (tmp_path / "out").exists()


def test_validate_reports_an_empty_selection(tmp_path):
    text = (SCENARIOS / "nuevo-laredo-closure.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "nl.yaml"
    bad.write_text(text.replace("crossing: Colombia Solidarity", "crossing: Atlantis"),
                   encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "(Colombia Solidarity Bridge closed) matches no edge" in result.output
    ok = CliRunner().invoke(cli, ["validate", str(SCENARIOS / "nuevo-laredo-closure.yaml")])
    assert ok.exit_code == 0 and "World Trade Bridge closed: 2 edges" in ok.output


@pytest.mark.parametrize(
    "name", ["nuevo-laredo-closure", "manzanillo-hurricane", "mex57-theft-surge",
             "flood-season-montecarlo"],
)
def test_every_shipped_scenario_runs(tmp_path, name):
    text = (SCENARIOS / f"{name}.yaml").read_text(encoding="utf-8")
    small = tmp_path / f"{name}.yaml"  # same scenario, 3 Monte Carlo years to stay fast
    small.write_text(text.replace("runs: 1000", "runs: 3"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(small), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["scenario"] == name
    if name == "flood-season-montecarlo":
        assert summary["monte_carlo"]["runs"] == 3
        assert (tmp_path / "out" / "exceedance.png").is_file()
    else:
        assert summary["totals"]["extra_cost_usd"] > 0

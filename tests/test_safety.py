"""Nothing lost, nothing half-checked: output folders, clean errors on bad input, one validation.

Every case is run as a user would, through the CLI: a bad input ends with exit code 2,
one ``Error:`` message naming the file and what is wrong, no traceback, and the ``-o``
folder exactly as it was.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import rasterio
import yaml
from click.testing import CliRunner
from rasterio.transform import from_origin

from corredor.cli import cli
from corredor.outputs.folder import LOCK, MANIFEST, STAGING_PREFIX

from factories import COORDS, DEMAND, LINKS, SCENARIO, make_network, snapshot

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"

@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("CORREDOR_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture
def case(tmp_path):
    """A folder with a small network GeoPackage, a demand CSV and a scenario."""
    make_network(COORDS, LINKS).to_gpkg(tmp_path / "small.gpkg")
    (tmp_path / "demand.csv").write_text(DEMAND, encoding="utf-8")
    (tmp_path / "small.yaml").write_text(SCENARIO, encoding="utf-8")
    return tmp_path


def invoke(*args: str) -> object:
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_user_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "Usage:" not in result.output, result.output
    assert result.output.startswith("Error: "), result.output
    for fragment in fragments:
        assert fragment in result.output, result.output


# -- output folders -------------------------------------------------------------------


def test_a_folder_with_the_users_files_is_refused_before_anything_runs(case):
    (case / "notes.txt").write_text("x")
    before = snapshot(case)
    os.chdir(case)
    try:
        result = invoke("run", "small.yaml", "-o", ".")
    finally:
        os.chdir(Path(__file__).parent)
    assert_user_error(result, "holds files corredor did not write", "notes.txt")
    assert snapshot(case) == before  # the scenario file and the notes are still there


@pytest.mark.parametrize("command", ["run", "criticality", "sourcing", "compare"])
def test_every_folder_command_refuses_a_folder_of_user_files(case, command):
    out = case / "out" / "k"
    out.mkdir(parents=True)
    (out / "mine.csv").write_text("keep me")
    arguments = {
        "run": ["run", case / "small.yaml"],
        "criticality": ["criticality", "--network", case / "small.gpkg", "--demand",
                        case / "demand.csv"],
        "sourcing": ["sourcing", SCENARIOS / "sourcing-leon-san-antonio.yaml"],
        "compare": ["compare", case, case],
    }[command]
    result = invoke(*arguments, "-o", out)
    assert_user_error(result, str(out), "mine.csv")
    assert snapshot(out) == {"mine.csv": b"keep me"}


def test_a_previous_output_is_replaced_file_by_file_and_user_files_survive(case):
    out = case / "run"
    assert invoke("run", case / "small.yaml", "-o", out).exit_code == 0
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["command"] == "run" and "summary.json" in manifest["files"]
    assert {i.get("path") for i in manifest["inputs"]} >= {str(case / "small.yaml")}
    (out / "my-notes.md").write_text("mine")
    (out / "summary.md").write_text("stale")  # a file the manifest lists: replaced
    listed = {name for name in manifest["files"]}
    manifest["files"].append("obsolete.csv")  # as if an earlier version had written it
    (out / "obsolete.csv").write_text("old")
    (out / MANIFEST).write_text(json.dumps(manifest))
    assert invoke("run", case / "small.yaml", "-o", out).exit_code == 0
    assert (out / "my-notes.md").read_text() == "mine"
    assert (out / "summary.md").read_text() != "stale"
    assert not (out / "obsolete.csv").exists()
    assert {p.name for p in out.iterdir()} == listed | {MANIFEST, "my-notes.md"}


def test_a_folder_in_use_is_refused_and_dead_writers_leftovers_are_cleared(case):
    out = case / "busy"
    out.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (out / LOCK).write_text(f"{sleeper.pid}\n")
        assert_user_error(invoke("run", case / "small.yaml", "-o", out),
                          f"in use by pid {sleeper.pid}")
    finally:
        sleeper.kill()
        sleeper.wait()
    dead = sleeper.pid  # a pid that no longer runs
    (out / LOCK).write_text(f"{dead}\n")
    (out / f"{STAGING_PREFIX}{dead}").mkdir()
    (out / f"{STAGING_PREFIX}{dead}" / "half.json").write_text("{")
    assert invoke("run", case / "small.yaml", "-o", out).exit_code == 0
    assert not (out / LOCK).exists()
    assert not list(out.glob(f"{STAGING_PREFIX}*"))


def test_an_unwritable_folder_fails_at_once(case):
    result = invoke("run", case / "small.yaml", "-o", "/proc/corredor-test/out")
    assert_user_error(result, "cannot create the folder")
    (case / "afile").write_text("")
    assert_user_error(invoke("run", case / "small.yaml", "-o", case / "afile"), "is a file")


def test_a_failed_run_leaves_no_folder_behind(case):
    (case / "demand.csv").write_text("origin,destination\n", encoding="utf-8")
    out = case / "out" / "new"
    assert_user_error(invoke("run", case / "small.yaml", "-o", out), "missing column")
    assert not (case / "out").exists()  # parents created for the run are removed again


def test_sigterm_removes_staging_and_lock(case):
    text = (SCENARIOS / "flood-season-montecarlo.yaml").read_text(encoding="utf-8")
    scenario = case / "long.yaml"
    scenario.write_text(text.replace("runs: 1000", "runs: 100000"), encoding="utf-8")
    out = case / "long"
    command = Path(sys.executable).parent / "corredor"
    process = subprocess.Popen([command, "run", scenario, "-o", out],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not list(out.glob(f"{STAGING_PREFIX}*")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert list(out.glob(f"{STAGING_PREFIX}*")), "the run never started writing"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 128 + signal.SIGTERM
    assert not out.exists()  # the folder it created is gone with its staging and lock


# -- tracebacks that became errors ------------------------------------------------------


def test_binary_or_undecodable_scenario_file(case):
    binary = case / "binary.yaml"
    binary.write_bytes(b"name: x\x00\x01\x02")
    assert_user_error(invoke("validate", binary), "binary file")
    latin = case / "latin.yaml"
    latin.write_bytes("name: café\n".encode("latin-1"))
    assert_user_error(invoke("validate", latin), "not a UTF-8 text file")


def test_unreadable_polygon_file(case):
    (case / "area.geojson").write_text("this is not geojson")
    text = SCENARIO.replace("links: [a-b-0]", "polygon: area.geojson")
    (case / "poly.yaml").write_text(text, encoding="utf-8")
    assert_user_error(invoke("validate", case / "poly.yaml"), "area.geojson",
                      "not a readable polygon file")


def test_demand_csv_in_latin_1_reads_and_empty_or_blank_ones_are_errors(case):
    (case / "demand.csv").write_bytes(DEMAND.encode("latin-1"))
    result = invoke("validate", case / "small.yaml")
    assert result.exit_code == 0, result.output
    (case / "demand.csv").write_text("", encoding="utf-8")
    assert_user_error(invoke("validate", case / "small.yaml"), "demand file is empty")
    (case / "demand.csv").write_text(DEMAND.replace("b,d,", " ,d,"), encoding="utf-8")
    assert_user_error(invoke("validate", case / "small.yaml"), "'origin' is blank on line(s) [3]")


def write_raster(path: Path, values: np.ndarray, *, nodata=None) -> Path:
    bands = values if values.ndim == 3 else values[None]
    with rasterio.open(path, "w", driver="GTiff", width=bands.shape[2], height=bands.shape[1],
                       count=bands.shape[0], dtype="float32", crs="EPSG:4326", nodata=nodata,
                       transform=from_origin(-102.0, 21.5, 0.01, 0.01)) as dst:
        dst.write(bands.astype("float32"))
    return path


def flood_scenario(case: Path, raster: Path, extra: str = "") -> Path:
    text = SCENARIO.replace("  flood: none", f"  flood: {{100: {raster.name}}}\n{extra}")
    path = case / "flood.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_raster_sanity(case):
    shape = (100, 100)
    truncated = write_raster(case / "t.tif", np.ones(shape))
    truncated.write_bytes(truncated.read_bytes()[:600])
    assert_user_error(invoke("validate", flood_scenario(case, truncated)), "t.tif")
    empty = write_raster(case / "nodata.tif", np.full(shape, -9999.0), nodata=-9999.0)
    assert_user_error(invoke("validate", flood_scenario(case, empty)), "holds no data at all")
    nan = write_raster(case / "nan.tif", np.full(shape, np.nan))
    assert_user_error(invoke("validate", flood_scenario(case, nan)), "holds no data at all")
    three = write_raster(case / "bands.tif", np.ones((3, *shape)))
    assert_user_error(invoke("validate", flood_scenario(case, three)), "has 3 bands")
    chosen = invoke("validate", flood_scenario(case, three, "  flood_band: 2"))
    assert chosen.exit_code == 0, chosen.output
    centimetres = write_raster(case / "cm.tif", np.full(shape, 150.0))
    result = invoke("validate", flood_scenario(case, centimetres))
    assert result.exit_code == 0 and "depths reach 150.0" in result.output
    assert "centimetres" in result.output


def test_sourcing_buyer_that_is_also_a_candidate(case):
    spec = case / "spec.yaml"
    data = yaml.safe_load((SCENARIOS / "sourcing-leon-san-antonio.yaml").read_text("utf-8"))
    data["buyer"] = {"node": data["candidates"][0]["node"], "name": "plant"}
    for i, name in enumerate(data.get("stress_scenarios", [])):
        data["stress_scenarios"][i] = str(SCENARIOS / name)
    spec.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert_user_error(invoke("validate", spec), "is the buyer's node")


def test_criticality_on_a_network_without_edges(case):
    network = make_network(COORDS, LINKS)
    empty = case / "empty.gpkg"
    pyogrio.write_dataframe(network.nodes, empty, layer="nodes", driver="GPKG")
    pyogrio.write_dataframe(network.edges.iloc[:0], empty, layer="edges", driver="GPKG",
                            append=True)
    out = case / "crit"
    assert_user_error(invoke("criticality", "--network", empty, "-o", out),
                      "edges: the layer is empty")
    assert not out.exists()
    assert_user_error(invoke("info", "--network", empty), "edges: the layer is empty")


# -- silently accepted before -------------------------------------------------------------


@pytest.mark.parametrize(("replace", "message"), [
    (("horizon_days: 5", "horizon_days: 5\nhorizon_days: 9"), "duplicate key 'horizon_days'"),
    (("close: true", "capacity_factor: 1e400"), "must be a finite number"),
    (("close: true", "wait_hours: 1e300"), "less than or equal to 720"),
])
def test_duplicate_keys_infinities_and_absurd_magnitudes(case, replace, message):
    (case / "bad.yaml").write_text(SCENARIO.replace(*replace), encoding="utf-8")
    assert_user_error(invoke("validate", case / "bad.yaml"), "bad.yaml:", message)


def monte_carlo_scenario(case: Path, block: str, flood: str = "none") -> Path:
    text = SCENARIO.replace("  flood: none", f"  flood: {flood}") + (
        "monte_carlo:\n  runs: 5\n  seed: 1\n  horizon_days: 30\n" + block)
    path = case / "mc.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_validate_checks_what_run_checks(case):
    blockade = ("  blockades:\n    - name: nowhere\n      rate_per_year: 4\n"
                "      select: {ref: MEX-999}\n      duration: {days: 2}\n")
    path = monte_carlo_scenario(case, blockade)
    for command in ("validate", "run"):
        args = [command, path] + (["-o", case / "mcout"] if command == "run" else [])
        assert_user_error(invoke(*args), "mc.yaml:", "monte_carlo.blockades.0.select (nowhere) "
                          "matches no edge")
    assert not (case / "mcout").exists()
    optional = monte_carlo_scenario(case, blockade.replace("{ref: MEX-999}",
                                                           "{ref: MEX-999, optional: true}"))
    ran = invoke("run", optional, "-o", case / "mcopt")  # nothing to hit: no event, no crash
    assert ran.exit_code == 0, ran.output
    floods = monte_carlo_scenario(case, "  floods:\n    season: [0, 20]\n")
    assert_user_error(invoke("validate", floods), "floods need the flood layer")
    season = monte_carlo_scenario(case, "  floods:\n    season: [152, 400]\n", "screening")
    assert_user_error(invoke("validate", season), "season [152, 400]")
    spec = invoke("validate", SCENARIOS / "sourcing-leon-san-antonio.yaml")
    assert spec.exit_code == 0 and "ok sourcing spec" in spec.output, spec.output


def test_baseline_unmet_demand_is_its_own_kpi_with_a_warning(case):
    network = make_network(COORDS, LINKS, capacity_trucks_day=[50.0] * len(LINKS))
    network.to_gpkg(case / "small.gpkg")  # 120 trucks a -> c cannot all fit anywhere
    out = case / "unmet"
    result = invoke("run", case / "small.yaml", "-o", out)
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and "before any disruption" in result.output
    totals = json.loads((out / "summary.json").read_text())["totals"]
    assert totals["baseline_unmet_trucks_day"] > 0
    timeline = (out / "timeline.csv").read_text().splitlines()
    header = timeline[0].split(",")
    undisturbed = [float(row.split(",")[header.index("unmet_trucks")]) for row in timeline[1:]]
    assert undisturbed[0] == 0.0  # day 0 has no disruption: no unmet trucks beyond the baseline


def test_optional_columns_are_optional(case):
    network = make_network(COORDS, LINKS)
    path = case / "lean.gpkg"
    pyogrio.write_dataframe(network.nodes.drop(columns=["capacity_trucks_day", "name"]), path,
                            layer="nodes", driver="GPKG")
    pyogrio.write_dataframe(network.edges.drop(columns=["source", "ref", "toll"]), path,
                            layer="edges", driver="GPKG", append=True)
    result = invoke("info", "--network", path)
    assert result.exit_code == 0, result.output


def test_run_and_criticality_work_on_a_network_without_crossings_ports_or_refs(tmp_path):
    """The two crashes of the scale issue: no facility flows, and no ``ref`` to name corridors."""
    network = make_network({"a": (-100, 20), "b": (-99, 20), "c": (-99, 21)},
                           [("a", "b", 100.0), ("b", "c", 100.0), ("a", "c", 250.0)],
                           ref=["", "", ""], capacity_trucks_day=[500.0, 500.0, 500.0])
    network.to_gpkg(tmp_path / "roads.gpkg")
    (tmp_path / "demand.csv").write_text(
        "origin,destination,segment,trucks_day,value_usd_per_truck\n"
        "a,c,domestic,300,50000\nc,a,domestic,100,50000\n", encoding="utf-8")
    (tmp_path / "s.yaml").write_text(
        "name: plain\nnetwork: roads.gpkg\ndemand: demand.csv\nhorizon_days: 3\n"
        "layers: {flood: none}\ndisruptions:\n  - name: a-b closed\n    select: {links: [a-b-0]}\n"
        "    effect: {close: true}\n    timing: {start_day: 1, days: 1}\n", encoding="utf-8")
    runner = CliRunner()
    run = runner.invoke(cli, ["run", str(tmp_path / "s.yaml"), "-o", str(tmp_path / "run")])
    assert run.exit_code == 0, run.output
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert summary["facilities_changed"] == [] and summary["totals"]["extra_cost_usd"] > 0
    critical = runner.invoke(cli, ["criticality", "--network", str(tmp_path / "roads.gpkg"),
                                   "--demand", str(tmp_path / "demand.csv"),
                                   "-o", str(tmp_path / "crit")])
    assert critical.exit_code == 0, critical.output
    assert (tmp_path / "crit" / "corridors.csv").read_text(encoding="utf-8").startswith(
        "corridor,definition,")


def test_extra_demand_and_segment_limits_are_checked_before_anything_runs(tmp_path):
    network = make_network({"a": (-100, 20), "b": (-99, 20)}, [("a", "b", 100.0)])
    network.to_gpkg(tmp_path / "roads.gpkg")
    (tmp_path / "demand.csv").write_text(
        "origin,destination,segment,trucks_day,value_usd_per_truck\na,b,domestic,10,50000\n",
        encoding="utf-8")
    base = ("name: checked\nnetwork: roads.gpkg\ndemand: demand.csv\nhorizon_days: 2\n"
            "layers: {flood: none}\n")
    limit = ("segment_limits:\n  - name: cap\n    segment: perishable\n"
             "    select: {links: [a-b-0]}\n    trucks_day: 5\n")
    cases = {
        "extra_demand: [nowhere.csv]\n": "extra_demand.0: file not found",
        limit: "no demand row has segment 'perishable' (segments: domestic)",
        limit + "monte_carlo: {runs: 2, seed: 1, horizon_days: 5}\n":
            "segment_limits are not supported with monte_carlo",
    }
    for extra, message in cases.items():
        (tmp_path / "s.yaml").write_text(base + extra, encoding="utf-8")
        result = CliRunner().invoke(cli, ["validate", str(tmp_path / "s.yaml")])
        assert result.exit_code == 2, result.output
        assert message in result.output and "Traceback" not in result.output

"""The Bajío run's GeoPackage and GeoJSON opened in real QGIS (headless, system python).

Needs Debian's ``python3-qgis`` and ``qgis-providers`` for ``/usr/bin/python3``;
skips with the reason when they are missing.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pyogrio
import pytest

from corredor.outputs.export import RUN_LAYERS, write_run_layers
from corredor.pipeline import prepare, run

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = "/usr/bin/python3"
CHECK = Path(__file__).resolve().parent / "qgis_check.py"


def _qgis_missing() -> str | None:
    if not Path(SYSTEM_PYTHON).is_file():
        return f"{SYSTEM_PYTHON} not found (QGIS's Python bindings live there)"
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, text=True, check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    if probe.returncode:
        return (f"QGIS is not installed for {SYSTEM_PYTHON} (apt-get install python3-qgis "
                "qgis-providers): " + probe.stderr.strip().splitlines()[-1])
    return None


_MISSING = _qgis_missing()
pytestmark = pytest.mark.skipif(_MISSING is not None, reason=str(_MISSING))


@pytest.fixture(scope="module")
def bajio(tmp_path_factory):
    """The Bajío bridges run written as the styled GeoPackage plus GeoJSON, and QGIS's view."""
    os.environ.setdefault("CORREDOR_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))
    prepared = prepare(str(ROOT / "scenarios" / "bajio-bridges-2024.yaml"))
    table = run(prepared).edges
    folder = tmp_path_factory.mktemp("bajio")
    write_run_layers(prepared.network, table, folder)
    gpkg = folder / "edges.gpkg"
    sources = [f"{gpkg}|{layer}" for layer in ("disrupted", "nodes", "flow_change", "edges")]
    sources += [str(folder / f"{layer}.geojson") for layer in ("nodes", "disrupted",
                                                                "flow_change", "edges")]
    png = folder / "qgis.png"
    done = subprocess.run(
        [SYSTEM_PYTHON, str(CHECK), str(png), *sources], capture_output=True, text=True,
        check=False, timeout=300, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    assert "partially supported" not in done.stderr  # GeoPackage version QGIS 3.22 knows
    return folder, json.loads(done.stdout.strip().splitlines()[-1])


def test_every_layer_is_valid_in_epsg4326_with_our_feature_counts(bajio):
    folder, seen = bajio
    for layer in RUN_LAYERS:
        ours = pyogrio.read_info(folder / "edges.gpkg", layer=layer)["features"]
        for source in (f"{folder / 'edges.gpkg'}|{layer}", str(folder / f"{layer}.geojson")):
            assert seen[source]["valid"], source
            assert seen[source]["crs"] == "EPSG:4326", source
            assert seen[source]["features"] == ours, source
    assert seen[f"{folder / 'edges.gpkg'}|disrupted"]["features"] == 4  # the two closed bridges


def test_qgis_applies_the_embedded_styles_on_open(bajio):
    folder, seen = bajio
    gpkg = folder / "edges.gpkg"
    edges = seen[f"{gpkg}|edges"]
    assert (edges["renderer"], edges["attribute"]) == ("categorizedSymbol", "road_class")
    assert {"motorway", "trunk", "primary", "border", "us_highway"} <= set(edges["classes"])
    assert edges["colours"][edges["classes"].index("motorway")] == "#c0392b"
    change = seen[f"{gpkg}|flow_change"]
    assert (change["renderer"], change["attribute"]) == ("graduatedSymbol",
                                                         "flow_change_trucks_day")
    assert len(change["classes"]) == 9 and change["classes"][4] == [-0.5, 0.5]
    assert (change["colours"][0], change["colours"][-1]) == ("#2166ac", "#b2182b")
    disrupted = seen[f"{gpkg}|disrupted"]
    assert disrupted["classes"] == ["closed", "degraded"] and disrupted["colours"][0] == "#e31a1c"
    nodes = seen[f"{gpkg}|nodes"]
    assert (nodes["renderer"], nodes["attribute"]) == ("categorizedSymbol", "kind")
    assert {"port", "border_crossing", "city"} <= set(nodes["classes"])


def test_qgis_renders_the_run_to_png(bajio):
    _, seen = bajio
    png = Path(seen["_render"]["path"])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert seen["_render"]["size"] > 50_000  # a map, not a blank 1400 x 1000 canvas


@pytest.fixture(scope="module")
def every_geopackage(tmp_path_factory):
    """Every other kind of GeoPackage corredor writes, on a small network, and QGIS's view."""
    from click.testing import CliRunner

    from corredor.cli import cli
    from corredor.outputs.export import write_network

    from factories import COORDS, DEMAND, LINKS, SCENARIO, SMALL_SOURCING_SPEC, make_network

    folder = tmp_path_factory.mktemp("every")
    network = make_network(COORDS, LINKS)
    network.to_gpkg(folder / "small.gpkg")
    (folder / "demand.csv").write_text(DEMAND, encoding="utf-8")
    (folder / "small.yaml").write_text(SCENARIO, encoding="utf-8")
    (folder / "other.yaml").write_text(SCENARIO.replace("a-b-0", "b-c-1"), encoding="utf-8")
    write_network(network, folder / "network.gpkg")
    (folder / "spec.yaml").write_text(SMALL_SOURCING_SPEC, encoding="utf-8")
    runner = CliRunner()
    commands = [
        ["run", folder / "small.yaml", "-o", folder / "one"],
        ["run", folder / "other.yaml", "-o", folder / "two"],
        ["compare", folder / "one", folder / "two", "-o", folder / "diff"],
        ["criticality", "--network", folder / "small.gpkg", "--demand", folder / "demand.csv",
         "--cut", "node=a", "node=c", "-o", folder / "crit"],
        ["layers", "--network", folder / "small.gpkg", "-o", folder / "weighted.gpkg"],
        ["sourcing", folder / "spec.yaml", "-o", folder / "sourcing"],
    ]
    for command in commands:
        done = runner.invoke(cli, [str(part) for part in command])
        assert done.exit_code == 0, done.output
    sources = {f"{folder / 'network.gpkg'}|nodes": "nodes",
               f"{folder / 'network.gpkg'}|edges": "edges",
               f"{folder / 'weighted.gpkg'}|edges": "edges",
               f"{folder / 'diff' / 'flow_difference.gpkg'}|flow_difference": "diff",
               f"{folder / 'crit' / 'criticality.gpkg'}|criticality": "criticality",
               f"{folder / 'crit' / 'criticality.gpkg'}|cuts": "cuts",
               f"{folder / 'sourcing' / 'routes.gpkg'}|routes": "routes",
               f"{folder / 'sourcing' / 'routes.gpkg'}|sites": "sites"}
    done = subprocess.run(
        [SYSTEM_PYTHON, str(CHECK), str(folder / "qgis.png"), *sources],
        capture_output=True, text=True, check=False, timeout=300,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    return done.stderr, json.loads(done.stdout.strip().splitlines()[-1]), sources


def test_every_geopackage_opens_valid_styled_and_without_warnings(every_geopackage):
    stderr, seen, sources = every_geopackage
    assert "partially supported" not in stderr and "Warning" not in stderr, stderr
    expected = {"nodes": ("categorizedSymbol", "kind"),
                "edges": ("categorizedSymbol", "road_class"),
                "diff": ("graduatedSymbol", "flow_difference_trucks_day"),
                "criticality": ("graduatedSymbol", "rank"),
                "cuts": ("categorizedSymbol", "cut"),
                "routes": ("categorizedSymbol",
                           "CASE WHEN \"shared\" THEN 'shared' ELSE 'own' END"),
                "sites": ("categorizedSymbol", "role")}
    for source, kind in sources.items():
        facts = seen[source]
        assert facts["valid"] and facts["crs"] == "EPSG:4326" and facts["features"] > 0, source
        assert (facts["renderer"], facts["attribute"]) == expected[kind], source
    assert "name" in seen[next(s for s, k in sources.items() if k == "nodes")]["labels"]
    assert "rank" in seen[next(s for s, k in sources.items() if k == "criticality")]["labels"]
    assert seen[next(s for s, k in sources.items() if k == "sites")]["labels"] == '"site"'
    routes = seen[next(s for s, k in sources.items() if k == "routes")]
    assert set(routes["classes"]) == {"shared", "own"}

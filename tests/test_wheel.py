"""The installed package runs: a wheel built from the repo, in a fresh venv, outside the repo.

The wheel must carry the bundled model and the QGIS styles as package data. The fresh
venv gets only the wheel (no dependencies are downloaded: the test venv's site-packages
are added after its own, so ``corredor`` itself can only come from the wheel).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import venv
import zipfile
from contextlib import closing
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A venv outside the repository with the wheel built from it installed."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"  # a copy, so the build writes nothing into the repository
    shutil.copytree(REPO / "src", source / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(base / "dist"), str(source)],
        capture_output=True, text=True, check=False, timeout=600,
    )
    if built.returncode:
        pytest.fail(f"building the wheel failed:\n{built.stderr[-2000:]}")
    wheel = next((base / "dist").glob("corredor-*.whl"))
    env = base / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / "bin" / "python"
    site = Path(subprocess.check_output(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
    ).strip())
    with zipfile.ZipFile(wheel) as archive:  # install = unpack the wheel into site-packages
        archive.extractall(site)
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return wheel, python, base


def test_the_wheel_carries_the_bundled_tables_and_styles(installed):
    wheel, _, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    for part in ("corredor/data/mexico/links.csv", "corredor/data/mexico/demand.csv",
                 "corredor/data/styles/edges.qml", "corredor/data/sict/truck_speeds.csv",
                 "corredor/py.typed"):
        assert part in names


def test_the_installed_package_runs_the_bajio_case_outside_the_repo(installed):
    _, python, base = installed
    work = base / "work"
    work.mkdir()
    shutil.copy(REPO / "scenarios" / "bajio-bridges-2024.yaml", work / "bajio.yaml")
    code = ("import sys, corredor; from corredor.cli import cli; print(corredor.__file__, "
            "file=sys.stderr); cli(['run', 'bajio.yaml', '-o', 'out'])")
    done = subprocess.run([python, "-c", code], cwd=work, capture_output=True, text=True,
                          check=False, timeout=600,
                          env={"PATH": "/usr/bin:/bin", "CORREDOR_CACHE": str(base / "cache"),
                               "HOME": str(base)})
    assert done.returncode == 0, done.stderr[-3000:]
    location = done.stderr.splitlines()[0]
    assert str(REPO) not in location and str(base / "venv") in location
    summary = json.loads((work / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["scenario"] == "bajio-bridges-2024" and summary["totals"]["extra_cost_usd"] > 0
    with closing(sqlite3.connect(work / "out" / "edges.gpkg")) as db:
        styled = {row[0] for row in db.execute("SELECT f_table_name FROM layer_styles")}
    assert styled == {"nodes", "edges", "disrupted", "flow_change"}

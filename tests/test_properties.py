"""Property tests: whatever a user feeds corredor, it ends in exit 0 or a clean exit 2.

Hypothesis mutates a valid scenario YAML, demand CSV and network tables (values of the
wrong type, out of range, infinite, blank, missing keys, extra keys, other encodings).
Every outcome must be exit code 0 or 2 with no traceback, and a failed ``run`` must leave
its ``-o`` folder exactly as it was. Derandomised: the same examples on every run.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path

import pyogrio
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corredor.cli import cli

from factories import COORDS, DEMAND, LINKS, SCENARIO, make_network, snapshot

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

#: Values a mutation may put anywhere: wrong types, extremes, blanks.
ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.just(1e400), st.just(-0.0),
    st.text(max_size=12), st.just(""), st.lists(st.integers(-5, 5), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


@pytest.fixture(scope="module")
def folder():
    """A scratch folder with the small network, demand and scenario (copied per example)."""
    base = Path(tempfile.mkdtemp(prefix="corredor-props-"))
    make_network(COORDS, LINKS).to_gpkg(base / "small.gpkg")
    (base / "demand.csv").write_text(DEMAND, encoding="utf-8")
    (base / "small.yaml").write_text(SCENARIO, encoding="utf-8")
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("CORREDOR_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


def clean_outcome(result) -> None:
    """Exit 0, or exit 2 with one error message; never a traceback."""
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not crashed, f"{type(result.exception).__name__}: {result.exception}\n{result.output}"
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert "Error" in result.output


def paths(data) -> list[tuple]:
    """Every location (tuple of keys and indices) in a nested YAML structure."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            found.append((key,))
            found += [(key, *rest) for rest in paths(value)]
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found.append((i,))
            found += [(i, *rest) for rest in paths(value)]
    return found


def mutate(data, location: tuple, value, action: str):
    """Replace, delete or add a key at ``location`` of a deep copy of ``data``."""
    data = yaml.safe_load(yaml.safe_dump(data))
    parent = data
    for part in location[:-1]:
        parent = parent[part]
    last = location[-1]
    if action == "delete" and isinstance(parent, dict):
        del parent[last]
    elif action == "add" and isinstance(parent, dict):
        parent[f"extra_{last}"] = value
    else:
        parent[last] = value
    return data


BASE = yaml.safe_load(SCENARIO)
LOCATIONS = paths(BASE)


@SETTINGS
@given(location=st.sampled_from(LOCATIONS), value=ODD_VALUES,
       action=st.sampled_from(["replace", "replace", "delete", "add"]))
def test_mutated_scenario_runs_or_fails_cleanly_leaving_the_folder_as_it_was(
        folder, location, value, action):
    work = Path(tempfile.mkdtemp(dir=folder))
    for name in ("small.gpkg", "demand.csv"):
        shutil.copy(folder / name, work / name)
    text = yaml.safe_dump(mutate(BASE, location, value, action), allow_unicode=True)
    (work / "s.yaml").write_text(text, encoding="utf-8")
    out = work / "out"
    before = snapshot(out)
    result = CliRunner().invoke(cli, ["run", str(work / "s.yaml"), "-o", str(out)])
    clean_outcome(result)
    if result.exit_code != 0:
        assert snapshot(out) == before
    shutil.rmtree(work, ignore_errors=True)


CELLS = st.one_of(st.text(max_size=8), st.sampled_from(["a", "b", "c", "d", "", " ", "nan",
                                                        "-1", "1e400", "inf", "12,5"]),
                  st.floats(allow_nan=True, allow_infinity=True).map(str))


@SETTINGS
@given(rows=st.lists(st.lists(CELLS, min_size=0, max_size=6), max_size=4),
       header=st.sampled_from(["origin,destination,segment,trucks_day,value_usd_per_truck",
                               "origin,destination,trucks_day", ""]),
       encoding=st.sampled_from(["utf-8", "latin-1", "utf-8-sig", "utf-16"]))
def test_any_demand_csv_validates_or_fails_cleanly(folder, rows, header, encoding):
    work = Path(tempfile.mkdtemp(dir=folder))
    for name in ("small.gpkg", "small.yaml"):
        shutil.copy(folder / name, work / name)
    text = "\n".join([header, *(",".join(row) for row in rows)]) + "\n"
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        raw = text.encode("utf-8")
    (work / "demand.csv").write_bytes(raw)
    clean_outcome(CliRunner().invoke(cli, ["validate", str(work / "small.yaml")]))
    shutil.rmtree(work, ignore_errors=True)


EDGE_COLUMNS = ["edge_id", "u", "v", "ref", "road_class", "toll", "lanes", "bridge",
                "length_km", "speed_kph", "capacity_trucks_day", "state", "source"]


@SETTINGS
@given(column=st.sampled_from(EDGE_COLUMNS), row=st.integers(0, 9), value=ODD_VALUES,
       drop=st.booleans(), layer=st.sampled_from(["edges", "nodes"]))
def test_any_network_table_loads_or_fails_cleanly(folder, column, row, value, drop, layer):
    network = make_network(COORDS, LINKS)
    frames = {"nodes": network.nodes.copy(), "edges": network.edges.copy()}
    frame = frames[layer]
    target = column if column in frame.columns else frame.columns[row % len(frame.columns)]
    if target == "geometry":
        target = frame.columns[0]
    if drop:
        frame = frame.drop(columns=[target])
    else:
        cell = value if not isinstance(value, (list, dict)) else str(value)
        if isinstance(cell, float) and math.isinf(cell):
            cell = str(cell)
        frame[target] = frame[target].astype(object)
        frame.iloc[row % len(frame), frame.columns.get_loc(target)] = cell
    frames[layer] = frame
    work = Path(tempfile.mkdtemp(dir=folder))
    path = work / "n.gpkg"
    try:
        pyogrio.write_dataframe(frames["nodes"], path, layer="nodes", driver="GPKG")
        pyogrio.write_dataframe(frames["edges"], path, layer="edges", driver="GPKG", append=True)
    except Exception:
        shutil.rmtree(work, ignore_errors=True)
        return
    clean_outcome(CliRunner().invoke(cli, ["info", "--network", str(path)]))
    shutil.rmtree(work, ignore_errors=True)


"""Scenario files: schema errors with YAML lines, selectors, timing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from corredor.boundaries import read_area
from corredor.errors import ScenarioError
from corredor.pipeline import prepare
from corredor.scenario import Timing, load_scenario
from corredor.selectors import Selector, select_edges

from factories import make_network

SCENARIOS = sorted(
    path
    for path in (Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml")
    if not path.name.startswith("sourcing-")  # sourcing specs, tested in test_sourcing.py
)

GOOD = """\
name: test-case
description: a test
horizon_days: 10
disruptions:
  - name: bridge out
    select:
      ref: MEX-45D
      between: [mx:silao, mx:leon]
      bridge: true
    effect:
      close: true
    timing:
      start_day: 1
      days: 3
"""


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("CORREDOR_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_shipped_scenario_validates_and_selects_edges(path):
    prepared = prepare(str(path))
    assert prepared.scenario.description.strip()
    for item in prepared.active:
        assert item.mask.any()


def test_unknown_key_and_negative_duration_are_reported_with_their_lines(tmp_path):
    text = GOOD.replace("      days: 3", "      days: -3").replace(
        "description: a test", "description: a test\nhorizon: 12"
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path, text))
    problems = caught.value.problems
    assert len(problems) == 2
    assert any(":3: horizon: unknown key" in p for p in problems)
    assert any(":15: disruptions.0.timing.days: Input should be greater than 0" in p
               for p in problems)


def test_malformed_yaml_names_the_line(tmp_path):
    with pytest.raises(ScenarioError, match=r"s.yaml:3: malformed YAML: mapping values"):
        load_scenario(write(tmp_path, "name: x\nhorizon_days: 3\n  bad: indent\n"))


def test_selector_that_matches_nothing_names_the_selector_unless_optional(tmp_path):
    text = GOOD.replace("ref: MEX-45D", "ref: MEX-45D\n      road_class: border")
    with pytest.raises(ScenarioError) as caught:
        prepare(write(tmp_path, text))
    message = str(caught.value)
    assert "s.yaml:6: disruptions.0.select (bridge out) matches no edge" in message
    assert "'road_class': ['border']" in message
    optional = text.replace("bridge: true", "bridge: true\n      optional: true")
    prepared = prepare(write(tmp_path, optional, "o.yaml"))
    assert not prepared.active[0].mask.any()


def test_unknown_network_file_and_between_off_the_road_are_errors(tmp_path):
    with pytest.raises(ScenarioError, match=r"s.yaml:\d+: network: file not found"):
        prepare(str(write(tmp_path, "network: nowhere.gpkg\n" + GOOD)))
    text = GOOD.replace("[mx:silao, mx:leon]", "[mx:silao, mx:merida]")
    with pytest.raises(ScenarioError, match="does not run between mx:silao and mx:merida"):
        prepare(write(tmp_path, text))


def test_an_empty_selector_or_effect_is_a_schema_error(tmp_path):
    text = GOOD.replace(
        "      ref: MEX-45D\n      between: [mx:silao, mx:leon]\n      bridge: true\n",
        "      optional: true\n",
    ).replace("close: true", "close: false")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path, text))
    message = str(caught.value)
    assert "select: selects nothing" in message and "effect: no effect" in message


LADDER = {"a": (-101.0, 21.0), "b": (-100.9, 21.0), "c": (-101.0, 21.1), "d": (-100.9, 21.1)}


@pytest.fixture
def ladder():
    return make_network(
        LADDER,
        [("a", "b", 10.0), ("c", "d", 12.0), ("a", "c", 5.0), ("b", "d", 5.0)],
        ref=["MEX-45D", "MEX-45", "MEX-45", "MEX-45"],
        bridge=[True, False, False, False],
        state=["11", "11", "14", "11;14"],
    )


def test_selectors_on_a_small_network(ladder, tmp_path):
    ids = lambda mask: sorted(ladder.edges.loc[mask, "edge_id"])  # noqa: E731
    assert ids(select_edges(ladder, Selector(ref="mex 45d"))) == ["a-b-0:fwd", "a-b-0:rev"]
    between = select_edges(ladder, Selector(ref="MEX-45", between=("c", "b")))
    assert ids(between) == ["b-d-3:fwd", "b-d-3:rev", "c-d-1:fwd", "c-d-1:rev"]
    assert ids(select_edges(ladder, Selector(bridge=True))) == ["a-b-0:fwd", "a-b-0:rev"]
    assert len(ids(select_edges(ladder, Selector(state=["14"])))) == 4
    near = select_edges(ladder, Selector(near={"lon": -101.0, "lat": 21.05, "radius_km": 1}))
    assert ids(near) == ["a-c-2:fwd", "a-c-2:rev"]
    polygon = tmp_path / "area.geojson"
    polygon.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[
            [-100.95, 20.95], [-100.85, 20.95], [-100.85, 21.15], [-100.95, 21.15],
            [-100.95, 20.95]]]}}]}))
    inside = select_edges(ladder, Selector(polygon="area.geojson", ref="MEX-45"),
                          areas={Path("area.geojson"): read_area(polygon)})
    assert ids(inside) == ["b-d-3:fwd", "b-d-3:rev", "c-d-1:fwd", "c-d-1:rev"]


def test_facility_selectors_on_the_national_model(national):
    crossing = select_edges(national, Selector(crossing="world trade"))
    assert set(national.edges.loc[crossing, "road_class"]) == {"border"}
    assert crossing.sum() == 2
    port = select_edges(national, Selector(port="Lazaro Cardenas"))
    assert set(national.edges.loc[port, "road_class"]) == {"port_access"}
    with pytest.raises(Exception, match="no port named 'Atlantis'"):
        select_edges(national, Selector(port="Atlantis"))


def test_timing_intensity_with_linear_recovery():
    timing = Timing(start_day=2, days=3, recovery_days=3)
    levels = [timing.intensity(day) for day in range(10)]
    assert levels == pytest.approx([0, 0, 1, 1, 1, 0.75, 0.5, 0.25, 0, 0])
    assert np.all(np.diff(levels[4:9]) < 0)

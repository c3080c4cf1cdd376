"""report.html: one self-contained page with the run's KPIs, tables, maps and sources."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from corredor.errors import CorredorError
from corredor.outputs.html import report_html, run_map
from corredor.outputs.maps import plot_flow_change, plot_timeline
from corredor.outputs.summary import run_summary
from corredor.outputs.text import COLUMNS, WORDS
from corredor.pipeline import prepare, run

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "bajio-bridges-2024.yaml"


@pytest.fixture(scope="module")
def bajio_outcome(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("CORREDOR_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))
    prepared = prepare(str(SCENARIO))
    outcome = run(prepared)
    mp.undo()
    return prepared, outcome


@pytest.fixture(scope="module")
def bajio(bajio_outcome, tmp_path_factory):
    prepared, outcome = bajio_outcome
    scenario, result, table = prepared.scenario, outcome.simulation, outcome.edges
    summary = run_summary(prepared.network, prepared.demand, scenario, result, table,
                          flood_grade=prepared.flood_grade)
    folder = tmp_path_factory.mktemp("report")
    images = {
        "flow change": plot_flow_change(prepared.network, table,
                                        folder / "flow_change.png", title=scenario.name),
        "timeline": plot_timeline(result.timeline, folder / "timeline.png", title=scenario.name),
    }
    return summary, scenario, images


def test_report_is_self_contained_with_kpis_tables_maps_and_sources(bajio):
    summary, scenario, images = bajio
    page = report_html(summary, scenario, images, lang="en")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    # nothing to fetch: every image inlined, no external link, script or stylesheet
    assert re.findall(r'src="([^"]{0,22})', page) == ["data:image/png;base64,"] * 2
    assert "http" not in page.replace(summary["description"], "")
    assert f"{summary['totals']['extra_cost_usd']:,.0f}" in page
    assert "MEX-45D (cuota) bridge between Silao and León" in page  # the disruption table
    first = summary["affected_od_pairs"][0]
    assert first["origin_name"] in page and first["origin"] not in page  # names, not ids
    for title in ("Links taking the diverted trucks", "Bottlenecks on the worst day",
                  "Crossings and ports whose flow changed", "Most affected OD pairs"):
        assert title in page
    assert page.count('<table class="sortable">') >= 6 and "addEventListener('click'" in page
    assert "screening-grade" in page and "SESNSP" in page


def visible_text(page: str) -> str:
    """What a reader sees: tags, the script and inlined images removed."""
    page = re.sub(r"<script>.*?</script>|<style>.*?</style>", "", page, flags=re.S)
    page = re.sub(r'src="data:[^"]*"', "", page)
    return html.unescape(re.sub(r"<[^>]+>", "\n", page))


def test_report_in_spanish_has_no_english_left(bajio):
    summary, scenario, images = bajio
    page = report_html(summary, scenario, images, lang="es")
    assert '<html lang="es">' in page
    assert "Resultados principales" in page and "Fuentes de datos" in page
    assert "nivel de tamizaje" in page and "Tramos que reciben los camiones desviados" in page
    seen = visible_text(page).replace(summary["description"], "")
    data = {str(row[key]) for table in ("disruptions", "bottlenecks", "diverted_to",
                                        "facilities_changed", "affected_od_pairs")
            for row in summary[table] for key in ("name", "facility", "origin_name",
                                                   "destination_name", "segment") if key in row}
    for value in sorted(data, key=len, reverse=True):
        seen = seen.replace(value, "")  # names and data values are not UI words
    english = {text for key, text in WORDS["en"].items() if text != WORDS["es"][key]}
    english |= {labels[0] for labels in COLUMNS.values() if labels[0] != labels[1]}
    left = sorted(text for text in english if len(text) > 3 and "{" not in text
                  and re.search(rf"(?<![\w-]){re.escape(text)}(?![\w-])", seen))
    assert not left, left


def test_run_map_draws_each_link_once_and_opens_on_the_closed_bridges(bajio_outcome, bajio):
    prepared, outcome = bajio_outcome
    simulation, network = outcome.simulation, prepared.network
    fragment = run_map(network, outcome.edges, simulation.facility_flows, simulation.worst_day,
                       lang="es")
    start = fragment.index("corredorMap({") + len("corredorMap(")
    spec, _ = json.JSONDecoder().raw_decode(fragment, start)
    sources = spec["style"]["sources"]
    links = sources["network"]["data"]["features"]
    assert len(links) == network.edges["link_id"].nunique()  # both directions in one feature
    two_way = next(f["properties"] for f in links if f["properties"].get("change", 0) > 100)
    assert " / " in two_way["each"] and two_way["worst"] > two_way["base"]
    closed = [f for f in sources["degraded"]["data"]["features"] if f["properties"].get("closed")]
    assert {f["properties"]["ref"] for f in closed} == {"MEX-45D", "MEX-45"}
    west, south, east, north = spec["bounds"]
    assert west < -101.5 < east and south < 21.0 < north and east - west < 3
    assert [layer["key"] for layer in spec["layers"]] == [
        "network", "baseline", "change", "bottlenecks", "degraded", "closed", "ports",
        "crossings"]
    assert ["change", "cambio camiones/día"] in spec["layers"][2]["fields"]
    summary, scenario, images = bajio
    page = report_html(summary, scenario, images, lang="es", maps={"mapa": fragment})
    assert page.count("MapLibre GL JS") == 1 and len(page.encode()) < 15e6


def test_report_rejects_an_unknown_language(bajio):
    summary, scenario, images = bajio
    with pytest.raises(CorredorError, match="language 'fr': use one of en, es"):
        report_html(summary, scenario, images, lang="fr")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_monte_carlo_run_reports_its_years_not_a_one_day_horizon(tmp_path, lang, monkeypatch):
    from click.testing import CliRunner

    from corredor.cli import cli

    monkeypatch.setenv("CORREDOR_CACHE", str(tmp_path / "cache"))
    text = (SCENARIO.parent / "flood-season-montecarlo.yaml").read_text(encoding="utf-8")
    small = tmp_path / "mc.yaml"
    small.write_text(text.replace("runs: 1000", "runs: 4"), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(small), "-o", str(out), "--lang", lang])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    t = WORDS[lang]
    assert t["years"].format(runs=4, days=365, seed=20241) in page
    assert t["horizon"].format(days=1) not in page and t["headline"] not in page
    for heading in ("mean", "p50", "p90", "p99", "mean_events_per_run"):
        assert f"<th>{COLUMNS[heading][0 if lang == 'en' else 1]}</th>" in page
    assert t["kind_flood"] in page and t["mc_links"] in page
    written = {p.name for p in out.iterdir()}
    assert {"expected_cost.png", "exceedance.png", "monte_carlo_links.csv",
            "monte_carlo_event_types.csv"} <= written
    assert "flow_change.png" not in written and "timeline.png" not in written
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    kpis = {row["kpi"] for row in summary["monte_carlo"]["percentiles"]}
    assert {"extra_cost_usd", "unmet_truck_days", "disrupted_days", "events"} <= kpis

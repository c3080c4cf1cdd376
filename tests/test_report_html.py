"""report.html: one self-contained page with the run's KPIs, tables, maps and sources."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corredor.errors import CorredorError
from corredor.outputs.html import report_html
from corredor.outputs.maps import plot_flow_change, plot_timeline
from corredor.outputs.summary import run_summary
from corredor.pipeline import prepare, run

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "bajio-bridges-2024.yaml"


@pytest.fixture(scope="module")
def bajio(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("CORREDOR_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))
    prepared = prepare(str(SCENARIO))
    outcome = run(prepared)
    mp.undo()
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
    assert summary["affected_od_pairs"][0]["origin"] in page
    assert "screening-grade" in page and "SESNSP" in page


def test_report_in_spanish(bajio):
    summary, scenario, images = bajio
    page = report_html(summary, scenario, images, lang="es")
    assert '<html lang="es">' in page
    assert "Resultados principales" in page and "Fuentes de datos" in page
    assert "nivel de tamizaje" in page


def test_report_rejects_an_unknown_language(bajio):
    summary, scenario, images = bajio
    with pytest.raises(CorredorError, match="report language 'fr': use one of en, es"):
        report_html(summary, scenario, images, lang="fr")

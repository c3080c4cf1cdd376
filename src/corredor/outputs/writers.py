"""One writer per result type: everything a command puts in its output folder.

Each writer takes a result and a folder (the staging folder of a claimed
``OutputFolder``) and returns the files it wrote. Analysis modules never write;
the CLI claims the folder, calls the analysis, then one of these.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd

from corredor.compare import Comparison
from corredor.criticality import CriticalityResult
from corredor.montecarlo import MonteCarloResult
from corredor.network import CRS, Network
from corredor.outputs.export import (
    edge_results_frame,
    write_geojson,
    write_layer,
    write_run_layers,
    write_styled_gpkg,
)
from corredor.outputs.html import report_html
from corredor.outputs.maps import (
    plot_criticality,
    plot_exceedance,
    plot_expected_links,
    plot_flow_change,
    plot_routes,
    plot_timeline,
)
from corredor.outputs.summary import (
    monte_carlo_summary,
    run_summary,
    shows_timeline,
    sourcing_summary,
    summary_markdown,
)
from corredor.outputs.text import words
from corredor.pipeline import Prepared, RunResult
from corredor.sourcing import SourcingResult, draws_table, frontier_table, routes_frame, sites_frame

__all__ = ["write_comparison", "write_criticality", "write_json", "write_run", "write_sourcing"]


def write_json(data: dict, path: Path, *, sort_keys: bool = False) -> Path:
    """A dict as indented UTF-8 JSON with a final newline.

    Parameters
    ----------
    data : dict
        JSON-ready values.
    path : Path
        The file to write.
    sort_keys : bool, default False
        Sort keys (stable output).

    Returns
    -------
    Path
    """
    path.write_text(json.dumps(data, indent=2, sort_keys=sort_keys, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path


def write_run(prepared: Prepared, result: RunResult, folder: Path, *, lang: str = "en",
              outline: gpd.GeoDataFrame | None = None) -> tuple[dict, list[Path]]:
    """Layers, summary (JSON and Markdown), timeline, maps and ``report.html`` of a run.

    A Monte Carlo scenario without named disruptions gets no timeline or flow-change
    map (nothing happens in its one-day timeline): its report shows the years.

    Parameters
    ----------
    prepared : Prepared
        What was run.
    result : RunResult
        Its results.
    folder : Path
        Where to write.
    lang : {"en", "es"}, default "en"
        Language of ``report.html``, ``summary.md`` and the maps.
    outline : geopandas.GeoDataFrame, optional
        State polygons drawn under the maps.

    Returns
    -------
    summary : dict
        The run summary (as written to ``summary.json``).
    written : list of Path
    """
    scenario, network, t = prepared.scenario, prepared.network, words(lang)
    simulation = result.simulation
    summary = run_summary(network, prepared.demand, scenario, simulation, result.edges,
                          flood_grade=prepared.flood_grade)
    if result.monte_carlo is not None and scenario.monte_carlo is not None:
        summary["monte_carlo"] = monte_carlo_summary(result.monte_carlo, scenario.monte_carlo,
                                                     network)
    written = write_run_layers(network, result.edges, folder)
    written.append(write_json(summary, folder / "summary.json", sort_keys=True))
    (folder / "summary.md").write_text(summary_markdown(summary, lang), encoding="utf-8")
    written += _write_tables(folder, {"timeline": simulation.timeline,
                                      "facility_flows": simulation.facility_flows})
    written.append(folder / "summary.md")
    images: dict[str, Path] = {}
    if shows_timeline(summary):
        images[t["fig_flow"]] = plot_flow_change(network, result.edges,
                                                 folder / "flow_change.png",
                                                 title=scenario.name, outline=outline, lang=lang)
        images[t["fig_timeline"]] = plot_timeline(simulation.timeline, folder / "timeline.png",
                                                  title=scenario.name, lang=lang)
    if result.monte_carlo is not None:
        written += _write_monte_carlo(network, result.monte_carlo, folder, scenario.name,
                                      outline, lang, images)
    (folder / "report.html").write_text(report_html(summary, scenario, images, lang=lang),
                                        encoding="utf-8")
    return summary, [*written, *images.values(), folder / "report.html"]


def _write_tables(folder: Path, tables: dict[str, pd.DataFrame]) -> list[Path]:
    for name, table in tables.items():
        table.round(4).to_csv(folder / f"{name}.csv", index=False)
    return [folder / f"{name}.csv" for name in tables]


def _write_monte_carlo(network: Network, years: MonteCarloResult, folder: Path, title: str,
                       outline: gpd.GeoDataFrame | None, lang: str,
                       images: dict[str, Path]) -> list[Path]:
    """The years' tables, their exceedance chart and the expected-cost map (into ``images``)."""
    t = words(lang)
    written = _write_tables(folder, {"monte_carlo_runs": years.runs,
                                     "monte_carlo_exceedance": years.exceedance,
                                     "monte_carlo_event_types": years.event_types,
                                     "monte_carlo_links": years.links})
    images[t["fig_exceedance"]] = plot_exceedance(years, folder / "exceedance.png",
                                                  title=title, lang=lang)
    images[t["fig_expected"]] = plot_expected_links(network, years.links,
                                                    folder / "expected_cost.png", title=title,
                                                    outline=outline, lang=lang)
    return written


def write_criticality(network: Network, result: CriticalityResult, folder: Path, *,
                      top: int = 20, outline: gpd.GeoDataFrame | None = None) -> list[Path]:
    """``criticality.gpkg``/``.geojson`` (one row per edge), CSV tables and the map.

    Min cuts go to ``cuts.csv`` and a ``cuts`` layer of the GeoPackage.

    Parameters
    ----------
    network : Network
        The weighted network analysed.
    result : CriticalityResult
        The analysis.
    folder : Path
        Where to write.
    top : int, default 20
        Links numbered on the map.
    outline : geopandas.GeoDataFrame, optional
        State polygons drawn under the map.

    Returns
    -------
    list of Path
    """
    edges = edge_results_frame(network, result.edges)
    layers = {"criticality": edges}  # QGIS opens it graduated by rank
    tables = {"links": result.links, "nodes": result.nodes, "crossings": result.crossings,
              "corridors": result.corridors}
    if result.cuts:
        cuts = pd.concat([cut.table(network) for cut in result.cuts], ignore_index=True)
        geometry = network.edges.set_index("edge_id").geometry.loc[cuts["edge_id"]]
        layers["cuts"] = gpd.GeoDataFrame(cuts, geometry=geometry.to_numpy(), crs=CRS)
        tables["cuts"] = cuts
    written = [write_styled_gpkg(layers, folder / "criticality.gpkg"),
               write_geojson([edges], folder / "criticality.geojson")]
    for name, frame in tables.items():
        frame.round(4).to_csv(folder / f"{name}.csv", index=False)
        written.append(folder / f"{name}.csv")
    written.append(plot_criticality(network, result, folder / "criticality.png", top=top,
                                    outline=outline))
    return written


def write_sourcing(result: SourcingResult, folder: Path, *,
                   outline: gpd.GeoDataFrame | None = None) -> list[Path]:
    """Tables (CSV), ``summary.json``, ``routes.gpkg`` / ``.geojson`` and ``routes.png``.

    Parameters
    ----------
    result : SourcingResult
        The analysis.
    folder : Path
        Where to write.
    outline : geopandas.GeoDataFrame, optional
        State polygons drawn under the map.

    Returns
    -------
    list of Path
    """
    written = []
    tables = {"candidates": result.candidates, "pairs": result.pairs,
              "frontier": frontier_table(result), "draws": draws_table(result)}
    if len(result.stress):
        tables["stress"] = result.stress
    for name, table in tables.items():
        table.round(4).to_csv(folder / f"{name}.csv", index=False)
        written.append(folder / f"{name}.csv")
    written.append(write_json(sourcing_summary(result), folder / "summary.json"))
    routes, sites = routes_frame(result), sites_frame(result)
    gpkg = write_styled_gpkg({"routes": routes, "sites": sites}, folder / "routes.gpkg")
    geojson = [write_geojson([routes], folder / "routes.geojson"),
               write_geojson([sites], folder / "sites.geojson")]
    return [*written, gpkg, *geojson, plot_routes(result, folder / "routes.png",
                                                  outline=outline)]


def write_comparison(comparison: Comparison, folder: Path) -> list[Path]:
    """``kpi_differences.csv`` and the flow-difference layer (GeoPackage and GeoJSON).

    Parameters
    ----------
    comparison : Comparison
        From ``corredor.compare.compare_runs``.
    folder : Path
        Where to write.

    Returns
    -------
    list of Path
    """
    comparison.kpis.to_csv(folder / "kpi_differences.csv", index=False)
    return [folder / "kpi_differences.csv",
            *write_layer(comparison.flows, folder / "flow_difference.gpkg",
                         style="flow_difference"),
            *write_layer(comparison.flows, folder / "flow_difference.geojson")]

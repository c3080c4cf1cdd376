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
from corredor.network import CRS, Network, link_keys
from corredor.outputs.export import (
    edge_results_frame,
    write_geojson,
    write_layer,
    write_run_layers,
    write_styled_gpkg,
)
from corredor.outputs.html import (
    criticality_map,
    monte_carlo_map,
    page_html,
    report_html,
    run_map,
    sourcing_map,
)
from corredor.outputs.maps import (
    plot_criticality,
    plot_exceedance,
    plot_expected_links,
    plot_flow_change,
    plot_routes,
    plot_timeline,
)
from corredor.outputs.summary import (
    frame_section,
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
    map (nothing happens in its one-day timeline): its report shows the years. The
    report's interactive maps show the worst day and, for Monte Carlo runs, the
    expected cost per simulated year of each link.

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
                          flood_grade=prepared.flood_grade, plants=result.plants)
    if result.monte_carlo is not None and scenario.monte_carlo is not None:
        summary["monte_carlo"] = monte_carlo_summary(result.monte_carlo, scenario.monte_carlo,
                                                     network)
    written = write_run_layers(network, result.edges, folder)
    written.append(write_json(summary, folder / "summary.json", sort_keys=True))
    (folder / "summary.md").write_text(summary_markdown(summary, lang), encoding="utf-8")
    tables = {"timeline": simulation.timeline, "facility_flows": simulation.facility_flows}
    if len(result.plants):
        tables |= {"plants": result.plants, "plant_days": result.plant_days}
    written += _write_tables(folder, tables)
    written.append(folder / "summary.md")
    images: dict[str, Path] = {}
    maps: dict[str, str] = {}
    if shows_timeline(summary):
        maps[t["map_run"]] = run_map(network, result.edges, simulation.facility_flows,
                                     simulation.worst_day, outline=outline, lang=lang,
                                     waits=pd.DataFrame(summary["crossing_waits"]),
                                     plants=result.plants)
        images[t["fig_flow"]] = plot_flow_change(network, result.edges,
                                                 folder / "flow_change.png",
                                                 title=scenario.name, outline=outline, lang=lang)
        images[t["fig_timeline"]] = plot_timeline(simulation.timeline, folder / "timeline.png",
                                                  title=scenario.name, lang=lang)
    if result.monte_carlo is not None:
        written += _write_monte_carlo(network, result.monte_carlo, folder, scenario.name,
                                      outline, lang, images)
        maps[t["map_mc"]] = monte_carlo_map(network, result.monte_carlo.links, result.edges,
                                            outline=outline, lang=lang)
    page = report_html(summary, scenario, images, lang=lang, maps=maps)
    (folder / "report.html").write_text(page, encoding="utf-8")
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
                      top: int = 20, outline: gpd.GeoDataFrame | None = None,
                      lang: str = "en") -> list[Path]:
    """``criticality.gpkg``/``.geojson`` (one row per edge), CSV tables, the map and the report.

    Min cuts go to ``cuts.csv`` and a ``cuts`` layer of the GeoPackage. ``report.html``
    holds the interactive map, the ranked tables and ``criticality.png``.

    Parameters
    ----------
    network : Network
        The weighted network analysed.
    result : CriticalityResult
        The analysis.
    folder : Path
        Where to write.
    top : int, default 20
        Links numbered on the map, in the map's "top" layer and rows of each table.
    outline : geopandas.GeoDataFrame, optional
        State polygons drawn under the maps.
    lang : {"en", "es"}, default "en"
        Language of ``report.html`` and ``criticality.png``.

    Returns
    -------
    list of Path
    """
    edges = edge_results_frame(network, result.edges)
    layers = {"criticality": edges}  # QGIS opens it graduated by rank
    tables = {"links": result.links, "nodes": result.nodes, "crossings": result.crossings,
              "corridors": result.corridors}
    if len(result.plants):
        risk = result.plants
        line = pd.Series(network.edges.geometry.to_numpy(), index=link_keys(network))
        line = line[~line.index.duplicated()]
        layers["plant_risk"] = gpd.GeoDataFrame(
            risk, geometry=line.loc[risk["element"]].to_numpy(), crs=CRS)
        tables["plant_risk"] = risk
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
    t = words(lang)
    png = plot_criticality(network, result, folder / "criticality.png", top=top,
                           outline=outline, lang=lang)
    page = page_html(t["criticality_report"], [t["criticality_note"]],
                     _criticality_sections(tables, top, lang), {t["fig_criticality"]: png},
                     lang=lang, maps={t["map_criticality"]: criticality_map(
                         network, result, top=top, outline=outline, lang=lang)})
    (folder / "report.html").write_text(page, encoding="utf-8")
    return [*written, png, folder / "report.html"]


#: What the reports' tables show, in order (columns a frame lacks are left out).
_IMPACT = ["impact_usd_day", "extra_cost_usd_day", "delay_cost_usd_day", "unmet_trucks_day",
           "affected_trucks_day", "detour_ratio_mean", "captive_trucks_day",
           "cap_extra_cost_usd_day", "cap_unmet_trucks_day"]
_CRITICALITY_TABLES = (
    ("links", "crit_links", ["rank", "name", "ref", "road_class", *_IMPACT]),
    ("crossings", "crit_facilities", ["rank", "name", "kind", "observed_trucks_day", *_IMPACT]),
    ("nodes", "crit_nodes", ["rank", "name", "kind", *_IMPACT]),
    ("corridors", "crit_corridors", ["corridor", "links", "length_km", "trucks_day",
                                     "captive_share", "fragility_index", "worst_link_name",
                                     "worst_link_impact_usd_day"]),
    ("plant_risk", "plant_risk", ["plant", "element_name", "ref", "element_type",
                                  "unmet_share", "extra_hours", "buffer_days", "tts_days",
                                  "ttr_days", "at_risk", "vehicles_at_risk"]),
    ("cuts", "crit_cuts", ["region_pair", "cut", "cut_value", "name", "ref",
                           "capacity_trucks_day"]),
)
_SOURCING_TABLES = (
    ("candidates", "src_candidates", ["rank", "candidate", "landed_usd", "route_km",
                                      "flood_closure_prob_year", "p_cut", "mean_ttr_days",
                                      "p_shortfall", "expected_shortfall_usd",
                                      "cvar_shortfall_usd", "tts_days", "tts_gain_days",
                                      "tts_rank"]),
    ("pairs", "src_pairs", ["a", "b", "p_joint_failure", "p_both_short", "shared_km",
                            "shared_crossings_bridges", "n_shared_critical", "cvar_50_50_usd"]),
    ("frontier", "src_frontier", ["risk_aversion", "split", "expected_landed_cost_usd",
                                  "expected_shortfall_cost_usd", "cvar_shortfall_usd"]),
    ("stress", "src_stress", ["scenario", "candidate", "cut_days", "longest_outage_days",
                              "shortfall_days", "recommended_share",
                              "shortfall_cost_usd_at_share"]),
)
#: Probabilities shown as percentages (their headings say %).
_PERCENT = ["flood_closure_prob_year", "p_cut", "p_shortfall", "p_joint_failure",
            "p_both_short"]


def _criticality_sections(tables: dict[str, pd.DataFrame], top: int, lang: str
                          ) -> list[tuple[str, list[str], list]]:
    """The criticality tables: the top ``top`` ranked rows of each, ranks as whole numbers."""
    t, sections = words(lang), []
    for name, title, columns in _CRITICALITY_TABLES:
        if name not in tables:
            continue
        frame = tables[name]
        if "rank" in frame.columns:
            frame = frame.dropna(subset=["rank"]).sort_values("rank").astype({"rank": int})
        frame = frame.dropna(axis=1, how="all")  # LP columns when no LP was solved
        sections.append(frame_section(t[title], frame.head(top), columns, lang))
    return sections


def write_sourcing(result: SourcingResult, folder: Path, *,
                   outline: gpd.GeoDataFrame | None = None, lang: str = "en") -> list[Path]:
    """Tables (CSV), ``summary.json``, ``routes.gpkg`` / ``.geojson``, ``routes.png``, the report.

    ``report.html`` holds the recommended split, the interactive map of the routes
    and the ranked tables.

    Parameters
    ----------
    result : SourcingResult
        The analysis.
    folder : Path
        Where to write.
    outline : geopandas.GeoDataFrame, optional
        State polygons drawn under the maps.
    lang : {"en", "es"}, default "en"
        Language of ``report.html`` and ``routes.png``.

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
    summary = sourcing_summary(result)
    written.append(write_json(summary, folder / "summary.json"))
    routes, sites = routes_frame(result), sites_frame(result)
    gpkg = write_styled_gpkg({"routes": routes, "sites": sites}, folder / "routes.gpkg")
    geojson = [write_geojson([routes], folder / "routes.geojson"),
               write_geojson([sites], folder / "sites.geojson")]
    png = plot_routes(result, folder / "routes.png", outline=outline, lang=lang)
    t, spec = words(lang), result.case.spec
    notes = [" ".join(spec.description.split()),
             t["sourcing_note"].format(draws=summary["draws"], days=summary["horizon_days"],
                                       seed=summary["seed"], buyer=spec.buyer.name),
             t["recommended"].format(aversion=result.recommended.risk_aversion,
                                     split=result.recommended.label())]
    sections = [frame_section(t[title], _percent(tables[name]), columns, lang)
                for name, title, columns in _SOURCING_TABLES if name in tables]
    page = page_html(t["sourcing_report"].format(name=spec.name), [n for n in notes if n],
                     sections, {t["fig_routes"]: png}, lang=lang,
                     maps={t["map_sourcing"]: sourcing_map(result, outline=outline, lang=lang)})
    (folder / "report.html").write_text(page, encoding="utf-8")
    return [*written, gpkg, *geojson, png, folder / "report.html"]


def _percent(frame: pd.DataFrame) -> pd.DataFrame:
    """The probability columns of ``frame`` in percent."""
    return frame.assign(**{c: frame[c] * 100 for c in _PERCENT if c in frame.columns})


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

"""The ``corredor`` command: parse options, call the library, print results.

User mistakes (``CorredorError``) are printed as one message without a
traceback and exit with code 2, like click's own usage errors.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import pandas as pd
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from corredor.build.facilities import (
    FacilityParams,
    attach_bundled,
    attach_facilities,
    read_facilities,
)
from corredor.build.national import load_national
from corredor.build.osm import (
    OPTIONAL_CLASSES,
    OsmParams,
    OverpassOptions,
    default_cache_dir,
    freight_classes,
    network_from_overpass,
    network_from_xml,
    read_polygon,
    read_states,
)
from corredor.build.pbf import network_from_pbf
from corredor.cache import user_cache_dir
from corredor.compare import compare_runs
from corredor.demand import bundled_demand, read_demand
from corredor.errors import CorredorError
from corredor.export import (
    LAYER_FORMATS,
    NETWORK_FORMATS,
    RUN_LAYERS,
    layer_format,
    output_folder,
    read_result_layer,
    write_layer,
    write_network,
    write_run_layers,
)
from corredor.fragility import Corridor, FragilityParams, assess_fragility, write_criticality
from corredor.layers import apply_layers
from corredor.layers.crime import CrimeParams
from corredor.layers.flood import screening_rasters
from corredor.mincut import min_cut
from corredor.montecarlo import run_monte_carlo
from corredor.network import Network
from corredor.pipeline import prepare
from corredor.pipeline import run as pipeline_run
from corredor.report import (
    SUMMARY_TABLES,
    demand_summary,
    monte_carlo_summary,
    network_summary,
    plot_exceedance,
    plot_flow_change,
    plot_network,
    plot_timeline,
    report_html,
    run_summary,
    summary_markdown,
)
from corredor.simulate import edge_table
from corredor.sourcing import frontier_table, run_sourcing, write_sourcing

#: Wide enough for the tables when output goes to a file or pipe (rich assumes 80 there).
console = Console(width=None if sys.stdout.isatty() else 120)


class NetworkParam(click.ParamType):
    """``bundled`` or a path to a GeoPackage with nodes and edges layers."""

    name = "network"

    def convert(self, value, param, ctx):
        if isinstance(value, Network):
            return value
        try:
            if value == "bundled":
                return load_national()
            if not Path(value).is_file():
                self.fail(f"{value}: no such file (use 'bundled' or a .gpkg path)", param, ctx)
            return Network.from_gpkg(value)
        except CorredorError as exc:
            self.fail(str(exc), param, ctx)


network_option = click.option(
    "--network",
    "network",
    type=NetworkParam(),
    default="bundled",
    show_default=True,
    help="'bundled' (the national model of Mexico) or a network GeoPackage.",
)


class UserError(click.ClickException):
    """A ``CorredorError`` shown to the user: one message, exit code 2."""

    exit_code = 2


class CorredorGroup(click.Group):
    """Turns ``CorredorError`` from any subcommand into a ``UserError``."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CorredorError as exc:
            raise UserError(str(exc)) from None


@click.group(cls=CorredorGroup)
@click.version_option(package_name="corredor")
def cli() -> None:
    """How fragile are Mexico's freight corridors?"""


@cli.command()
@network_option
@click.option(
    "--demand",
    "demand_path",
    metavar="bundled|FILE.csv",
    help="Also summarise an OD demand table (checked against the network).",
)
def info(network: Network, demand_path: str | None) -> None:
    """Summarise a network: nodes and links by kind and class, km by state, crossings."""
    demand = None
    if demand_path is not None:
        demand = (
            bundled_demand(network)
            if demand_path == "bundled"
            else read_demand(demand_path, network)
        )
    summary = network_summary(network)
    console.print(_table(summary.totals, "Network"))
    console.print(_table(summary.nodes_by_kind, "Nodes by kind"))
    console.print(
        _table(summary.links_by_class.round(1), "Links by road class (two-way links counted once)")
    )
    console.print(_table(summary.km_by_state, "Road km by state (INEGI code)"))
    if len(summary.crossings):
        console.print(
            _table(summary.crossings, "Border crossings (observed trucks/day northbound)")
        )
    if demand is not None:
        console.print(_table(demand_summary(demand), "Demand by segment (trucks/day, USD M/day)"))


class FloodRasterParam(click.ParamType):
    """``RP=path.tif``: a flood-depth GeoTIFF (metres) for a return period in years."""

    name = "RP=FILE"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        rp, sep, path = value.partition("=")
        if not sep or not rp.strip().isdigit() or int(rp) <= 1:
            self.fail(
                f"{value!r}: expected RP=path.tif with RP a whole number of years > 1 "
                "(e.g. --flood 100=jrc_rp100.tif)",
                param,
                ctx,
            )
        if not Path(path).is_file():
            self.fail(f"{path}: no such raster file", param, ctx)
        return int(rp), Path(path)


@cli.command()
@network_option
@click.option(
    "--crime",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="SESNSP incidence CSV, state (IDEFC_NM_*) or municipal (IDM_NM_*) level "
    "[default: the bundled state table].",
)
@click.option(
    "--crime-years",
    nargs=2,
    type=int,
    metavar="FIRST LAST",
    help="Year window for theft counts [default: last 3 complete years].",
)
@click.option(
    "--boundaries",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="State or municipal polygons (INEGI code in CVEGEO or id): theft is assigned by "
    "the length of each edge inside each polygon.",
)
@click.option(
    "--flood",
    "flood_rasters",
    type=FloodRasterParam(),
    multiple=True,
    help="Flood-depth GeoTIFF per return period, repeatable (--flood 10=rp10.tif "
    "--flood 100=rp100.tif) [default: the bundled screening layer].",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help=f"Weighted network ({' or '.join(NETWORK_FORMATS)}).",
)
@click.option("--top", default=10, show_default=True, help="How many edges to list.")
def layers(
    network: Network,
    crime: Path | None,
    crime_years: tuple[int, int] | None,
    boundaries: Path | None,
    flood_rasters: tuple[tuple[int, Path], ...],
    output: Path,
    top: int,
) -> None:
    """Weight every edge: capacity, cargo theft, flood closure and generalised cost."""
    if output.suffix.lower() not in NETWORK_FORMATS:
        raise click.BadParameter(
            f"{output}: use a {' or '.join(NETWORK_FORMATS)} file name", param_hint="--output"
        )
    periods = [rp for rp, _ in flood_rasters]
    if len(set(periods)) != len(periods):
        raise click.BadParameter("give each return period once", param_hint="--flood")
    try:
        crime_params = CrimeParams(years=crime_years) if crime_years else None
    except ValidationError as exc:
        raise click.BadParameter(str(exc), param_hint="--crime-years") from None
    if flood_rasters:
        rasters, grade = dict(flood_rasters), "user raster"
    else:
        rasters, grade = screening_rasters(user_cache_dir("flood")), "screening"
    weighted = apply_layers(
        network,
        crime=crime,
        boundaries=boundaries,
        flood=rasters,
        flood_grade=grade,
        crime_params=crime_params,
    )
    edges = weighted.edges
    columns = ["edge_id", "ref", "cost_usd", "cost_theft_usd", "flood_closure_days_year"]
    console.print(
        _table(
            edges.nlargest(top, "cost_theft_usd")[columns].round(2),
            "Highest expected theft loss per truck trip (USD)",
        )
    )
    console.print(
        _table(
            edges.nlargest(top, "flood_closure_days_year")[columns].round(3),
            f"Most flood closure days per year ({grade} flood layer)",
        )
    )
    console.print(
        f"expected cargo thefts on the network: {edges['theft_incidents_year'].sum():,.0f} "
        f"per year; flood layer: {grade}"
    )
    console.print(f"wrote {write_network(weighted, output)} ({len(edges)} edges weighted)")


output_folder_option = click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Output folder (replaced when the run succeeds).",
)
jobs_option = click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes for the Monte Carlo draws (results do not depend on it).",
)
scenario_argument = click.argument(
    "scenario_path", metavar="SCENARIO.yaml", type=click.Path(dir_okay=False, path_type=Path)
)


@cli.command()
@scenario_argument
def validate(scenario_path: Path) -> None:
    """Check a scenario file, its inputs and its selectors; list every problem."""
    prepared = prepare(str(scenario_path))
    console.print(f"[green]ok[/green] {scenario_path}: {prepared.scenario_file.scenario.name}")
    for item in prepared.active:
        console.print(f"  {item.name}: {int(item.mask.sum())} edges")


@cli.command()
@scenario_argument
@output_folder_option
@jobs_option
@click.option(
    "--lang",
    type=click.Choice(["en", "es"]),
    default="en",
    show_default=True,
    help="Language of report.html.",
)
def run(scenario_path: Path, output: Path, jobs: int, lang: str) -> None:
    """Run a scenario: reroute freight day by day and write the results folder."""
    prepared = prepare(str(scenario_path))
    scenario = prepared.scenario_file.scenario
    with _progress() as progress:
        task = progress.add_task(f"simulating {scenario.name}", total=scenario.horizon_days)
        result = pipeline_run(
            prepared, progress=lambda done, total: progress.update(task, completed=done)
        )
    summary = run_summary(
        prepared.network, prepared.demand, scenario, result, flood_grade=prepared.flood_grade
    )
    monte_carlo = None
    if scenario.monte_carlo is not None:
        with _progress() as progress:
            task = progress.add_task("Monte Carlo years", total=scenario.monte_carlo.runs)
            monte_carlo = run_monte_carlo(
                prepared.network,
                prepared.demand,
                scenario.monte_carlo,
                cost_params=scenario.layers.cost,
                reroute_params=scenario.reroute,
                jobs=jobs,
                progress=lambda done, total: progress.update(task, completed=done),
            )
        summary["monte_carlo"] = monte_carlo_summary(monte_carlo, scenario.monte_carlo)
    table = edge_table(prepared.network, result)
    with output_folder(output) as folder:
        write_run_layers(prepared.network, table, folder)
        (folder / "summary.json").write_text(
            json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        (folder / "summary.md").write_text(summary_markdown(summary), encoding="utf-8")
        result.timeline.round(4).to_csv(folder / "timeline.csv", index=False)
        result.facility_flows.round(4).to_csv(folder / "facility_flows.csv", index=False)
        plot_flow_change(prepared.network, table, folder / "flow_change.png", title=scenario.name)
        plot_timeline(result.timeline, folder / "timeline.png", title=scenario.name)
        images = {
            "Flow change on the worst day": folder / "flow_change.png",
            "Extra cost and unmet trucks per day": folder / "timeline.png",
        }
        if monte_carlo is not None:
            monte_carlo.runs.round(4).to_csv(folder / "monte_carlo_runs.csv", index=False)
            monte_carlo.exceedance.round(4).to_csv(
                folder / "monte_carlo_exceedance.csv", index=False
            )
            plot_exceedance(monte_carlo, folder / "exceedance.png", title=scenario.name)
            images["Monte Carlo exceedance"] = folder / "exceedance.png"
        (folder / "report.html").write_text(
            report_html(summary, scenario, images, lang=lang), encoding="utf-8"
        )
    _print_headline(summary)
    if monte_carlo is not None:
        console.print(_table(monte_carlo.percentiles, "Monte Carlo: per-year KPIs"))
    console.print(
        f"wrote {output}/ (summary.md, summary.json, timeline.csv, facility_flows.csv, "
        "flow_change.png, timeline.png; nodes, edges, disrupted, flow_change .geojson)"
    )
    console.print(f"report: {output / 'report.html'}")
    console.print(f"QGIS:   {output / 'edges.gpkg'} (styled layers: {', '.join(RUN_LAYERS)})")


@cli.command()
@click.argument("spec_path", metavar="SPEC.yaml", type=click.Path(dir_okay=False, path_type=Path))
@output_folder_option
@jobs_option
def sourcing(spec_path: Path, output: Path, jobs: int) -> None:
    """Dual sourcing: rank candidate suppliers by shared route risk and choose the split."""
    with _progress() as progress:
        task = progress.add_task("Monte Carlo draws", total=None)
        result = run_sourcing(
            spec_path,
            jobs=jobs,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    spec = result.case.spec
    with output_folder(output) as folder:
        write_sourcing(result, folder)
    per_year = f"USD M per {spec.monte_carlo.horizon_days} days"
    ranked = result.candidates
    candidates = pd.DataFrame(
        {
            "rank": ranked["rank"],
            "candidate": ranked["candidate"],
            "landed USD/load": ranked["landed_usd"].round(0),
            "km": ranked["route_km"].round(0),
            "flood %/yr": ranked["flood_closure_prob_year"] * 100,
            "cut %": ranked["p_cut"] * 100,
            "TTR days": ranked["mean_ttr_days"],
            "short %": ranked["p_shortfall"] * 100,
            "E short M": ranked["expected_shortfall_usd"] / 1e6,
            f"CVaR{spec.cvar_level:.0%} M": ranked["cvar_shortfall_usd"] / 1e6,
        }
    )
    console.print(_table(candidates, f"Candidates as sole source (% of draws; {per_year})"))
    pairs = result.pairs
    pair_table = pd.DataFrame(
        {
            "a": pairs["a"],
            "b": pairs["b"],
            "joint failure %": pairs["p_joint_failure"] * 100,
            "both short %": pairs["p_both_short"] * 100,
            "shared km": pairs["shared_km"].round(0),
            "shared crossings/bridges": pairs["shared_crossings_bridges"],
            "shared critical links": pairs["shared_critical"],
            "CVaR 50/50 M": pairs["cvar_50_50_usd"] / 1e6,
        }
    )
    console.print(
        _table(pair_table, "Pairs, lowest joint failure first (joint: cut on a common day)")
    )
    frontier = frontier_table(result)
    frontier_view = pd.DataFrame(
        {
            "lambda": frontier["risk_aversion"].map("{:g}".format),
            "split": frontier["split"],
            "landed M": frontier["expected_landed_cost_usd"] / 1e6,
            "E short M": frontier["expected_shortfall_cost_usd"] / 1e6,
            f"CVaR{spec.cvar_level:.0%} M": frontier["cvar_shortfall_usd"] / 1e6,
        }
    )
    console.print(_table(frontier_view, f"Efficient frontier ({per_year})"))
    if len(result.stress):
        stress = result.stress.pivot(index="scenario", columns="candidate", values="cut_days")
        console.print(
            _table(
                stress.reset_index(),
                "Named scenarios: days each candidate is cut (shortfall in stress.csv)",
            )
        )
    best = result.recommended
    console.print(
        f"recommended split at risk aversion {best.risk_aversion:g}: [bold]{best.label()}[/bold]"
        f" - expected landed cost USD {best.expected_landed_cost_usd / 1e6:,.2f} M, expected "
        f"shortfall USD {best.expected_shortfall_cost_usd / 1e6:,.2f} M, CVaR "
        f"{spec.cvar_level:.0%} of shortfall USD {best.cvar_shortfall_usd / 1e6:,.2f} M "
        f"per {spec.monte_carlo.horizon_days} days"
    )
    console.print(
        f"wrote {output}/ (candidates.csv, pairs.csv, frontier.csv, draws.csv, "
        f"{'stress.csv, ' if len(result.stress) else ''}summary.json, routes.gpkg, "
        "routes.geojson, routes.png)"
    )


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _print_headline(summary: dict) -> None:
    totals = summary["totals"]
    rows = pd.DataFrame(
        {
            "KPI": [
                "extra cost over the horizon (USD)",
                "extra cost per disrupted day (USD)",
                "extra truck-hours",
                "extra truck-km",
                "unmet truck-days",
                "cargo value delayed (USD)",
                "most edges over 90 % capacity on a day",
            ],
            "value": [
                totals["extra_cost_usd"],
                totals["extra_cost_usd_per_disrupted_day"],
                totals["extra_truck_hours"],
                totals["extra_truck_km"],
                totals["unmet_truck_days"],
                totals["cargo_value_delayed_usd"],
                totals["max_edges_over_90pct"],
            ],
        }
    )
    console.print(_table(rows, f"{summary['scenario']}: headline"))
    tables = [table for table in SUMMARY_TABLES if table[0] in ("diverted_to", "bottlenecks")]
    for key, title, columns in tables:
        if summary[key]:
            console.print(_table(pd.DataFrame(summary[key])[columns].round(2), title))


class CorridorParam(click.ParamType):
    """``NAME=REF[,REF]`` or ``NAME=@polygon.geojson``: a named corridor."""

    name = "NAME=REF[,REF]"

    def convert(self, value, param, ctx):
        if isinstance(value, Corridor):
            return value
        try:
            corridor = Corridor.from_spec(value)
        except CorredorError as exc:
            self.fail(str(exc), param, ctx)
        if corridor.polygon is not None and not corridor.polygon.is_file():
            self.fail(f"{corridor.polygon}: no such polygon file", param, ctx)
        return corridor


@cli.command()
@network_option
@click.option(
    "--demand",
    "demand_path",
    default="bundled",
    show_default=True,
    metavar="bundled|FILE.csv",
    help="OD demand table (checked against the network).",
)
@output_folder_option
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Links and crossings to print, and links numbered on the map.",
)
@click.option(
    "--both-directions/--one-direction",
    default=True,
    show_default=True,
    help="Close both directions of a two-way link together, or each directed edge.",
)
@click.option(
    "--capacity-top",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Re-solve the capacitated rerouting LP with each of the top K links, K "
    "crossings and K ports closed (0: skip).",
)
@click.option(
    "--corridor",
    "corridors",
    type=CorridorParam(),
    multiple=True,
    help="A named corridor, repeatable: Bajio=MEX-45D,MEX-45 or Name=@area.geojson "
    "(every route number is also a corridor of its own).",
)
@click.option(
    "--cut",
    "cuts",
    nargs=2,
    multiple=True,
    metavar="FROM TO",
    help="Min cut between two regions, repeatable. A region is FIELD=V[,V] clauses "
    "joined by ';' with FIELD kind, state or node, e.g. --cut "
    "'kind=plant;state=01,11,22,24' 'node=us:chicago,us:detroit,us:st_louis'.",
)
@click.option(
    "--margin",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    help="A detour costing more than this many percent extra counts as 'no "
    "alternative' (captive flow).",
)
def criticality(
    network: Network,
    demand_path: str,
    output: Path,
    top: int,
    both_directions: bool,
    capacity_top: int,
    corridors: tuple[Corridor, ...],
    cuts: tuple[tuple[str, str], ...],
    margin: float,
) -> None:
    """Rank links, crossings, ports and corridors by what closing them costs per day."""
    demand = (
        bundled_demand(network) if demand_path == "bundled" else read_demand(demand_path, network)
    )
    weighted = apply_layers(
        network, flood=screening_rasters(user_cache_dir("flood")), flood_grade="screening"
    )
    found = [min_cut(weighted, source, sink) for source, sink in cuts]
    params = FragilityParams(
        both_directions=both_directions,
        capacity_top=capacity_top,
        alternative_margin=margin / 100.0,
    )
    with _progress() as progress:
        task = progress.add_task("capacitated re-solves", total=None)
        result = assess_fragility(
            weighted,
            demand,
            params=params,
            corridors=corridors,
            cuts=found,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    with output_folder(output) as folder:
        write_criticality(weighted, result, folder, top=top)
    console.print(
        _table(
            _headings(result.links[result.links["rank"] <= top], "closure_id").rename(
                columns={"closure_id": "link"}
            ),
            f"Top {top} links by impact: USD per day of closure (LP = capacitated rerouting)",
        )
    )
    crossings = result.crossings.head(top).assign(name=lambda f: f["name"].str.slice(0, 28))
    console.print(
        _table(_headings(crossings, "kind", "name"), "Border crossings and seaports by impact")
    )
    named = {corridor.name for corridor in corridors}
    table = result.corridors
    shown = table[table["corridor"].isin(named) | (table.index < 10)]
    console.print(
        _table(
            shown[
                [
                    "corridor",
                    "links",
                    "trucks_day",
                    "captive_share",
                    "fragility_index",
                    "worst_link",
                ]
            ]
            .round({"trucks_day": 0, "captive_share": 3, "fragility_index": 4})
            .astype({"captive_share": str, "fragility_index": str})
            .rename(
                columns={
                    "trucks_day": "trucks/day",
                    "captive_share": "captive share",
                    "fragility_index": "fragility index",
                    "worst_link": "worst link",
                }
            ),
            "Most fragile corridors (captive share: flow with no alternative within "
            f"+{margin:g} %)",
        )
    )
    ids = weighted.edges["edge_id"].to_numpy()
    for cut in result.cuts:
        more = " ..." if len(cut.bottleneck) > 6 else ""
        console.print(
            f"min cut {cut.name}: {cut.connectivity:g} link(s): {', '.join(ids[cut.edges])}; "
            f"at most {cut.max_trucks_day:,.0f} trucks/day through "
            f"{', '.join(ids[cut.bottleneck][:6])}{more}",
            markup=False,
            highlight=False,
        )
    console.print(
        f"wrote {output}/ (criticality.gpkg, criticality.geojson, criticality.png, "
        "links.csv, nodes.csv, crossings.csv, corridors.csv"
        f"{', cuts.csv' if result.cuts else ''})",
        markup=False,
    )


def _headings(frame: pd.DataFrame, *first: str) -> pd.DataFrame:
    """The impact columns with short headings, USD rounded to whole dollars."""
    columns = {
        "rank": "rank",
        **{c: c for c in first},
        "observed_trucks_day": "observed/day",
        "affected_trucks_day": "trucks/day",
        "impact_usd_day": "impact",
        "unmet_trucks_day": "unmet",
        "detour_ratio_mean": "detour ratio",
        "cap_extra_cost_usd_day": "LP impact",
        "cap_unmet_trucks_day": "LP unmet",
    }
    table = frame[[c for c in columns if c in frame]].rename(columns=columns)
    table = table.round({"impact": 0, "LP impact": 0})
    ratio = table["detour ratio"].map(lambda x: "" if pd.isna(x) else f"{x:.3f}")
    return table.assign(**{"detour ratio": ratio})


_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@cli.group()
def build() -> None:
    """Build a network from a source."""


@build.command("osm")
@click.option("--place", help='A place Nominatim knows, e.g. "Guanajuato, Mexico" (downloads).')
@click.option(
    "--bbox",
    nargs=4,
    type=float,
    metavar="W S E N",
    help="A box in degrees: west south east north (downloads).",
)
@click.option(
    "--polygon", type=_FILE, help="An area file: GeoJSON, GeoPackage, shapefile (downloads)."
)
@click.option("--osm", "osm_file", type=_FILE, help="An OSM XML file (.osm, .osm.bz2).")
@click.option("--pbf", "pbf_file", type=_FILE, help="An .osm.pbf extract, e.g. Geofabrik's Mexico.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The network GeoPackage to write (.gpkg).",
)
@click.option(
    "--classes",
    default="",
    metavar="CLASS[,CLASS]",
    help=f"Road classes to add to motorway, trunk, primary: {', '.join(OPTIONAL_CLASSES)}.",
)
@click.option(
    "--states",
    type=_FILE,
    help="State polygons (e.g. INEGI estatal.shp) to fill 'state' by point in polygon.",
)
@click.option(
    "--state-field",
    default=None,
    help="Column of --states with the INEGI code (default: CVE_ENT, CVEGEO or state).",
)
@click.option(
    "--facilities",
    default="bundled",
    show_default=True,
    help="'bundled' (ports, plants, cities, border crossings and the US network of the "
    "bundled model), 'none', or a CSV with name, kind, lon, lat[, capacity].",
)
@click.option(
    "--max-connector-km",
    type=float,
    default=FacilityParams.max_km,
    show_default=True,
    help="Farthest a facility may be from its road node.",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where osmnx caches downloads [default: the user cache folder].",
)
@click.option("--overpass-url", default=OverpassOptions.overpass_url, show_default=True)
def build_osm(
    place,
    bbox,
    polygon,
    osm_file,
    pbf_file,
    output,
    classes,
    states,
    state_field,
    facilities,
    max_connector_km,
    cache_dir,
    overpass_url,
) -> None:
    """Build the freight network of a region or the whole country from OpenStreetMap."""
    given = [
        name
        for name, value in (
            ("--place", place),
            ("--bbox", bbox),
            ("--polygon", polygon),
            ("--osm", osm_file),
            ("--pbf", pbf_file),
        )
        if value
    ]
    if len(given) != 1:
        raise click.UsageError(
            "give exactly one of --place, --bbox, --polygon, --osm, --pbf "
            f"(got {', '.join(given) or 'none'})"
        )
    if output.suffix.lower() != ".gpkg":
        raise click.BadParameter(f"{output}: use a .gpkg file name", param_hint="--output")
    if facilities not in ("bundled", "none") and not Path(facilities).is_file():
        raise click.BadParameter(
            f"{facilities}: no such file (use 'bundled', 'none' or a CSV)",
            param_hint="--facilities",
        )
    extra = [name.strip() for name in classes.split(",") if name.strip()]
    params = OsmParams(classes=freight_classes(extra))
    boundaries = read_states(states, field=state_field) if states else None

    def report(line: str) -> None:
        console.print(line, style="dim", markup=False, highlight=False)

    options = {"params": params, "states": boundaries, "progress": report}
    if osm_file:
        network = network_from_xml(osm_file, **options)
    elif pbf_file:
        network = network_from_pbf(pbf_file, **options)
    else:
        overpass = OverpassOptions(
            overpass_url=overpass_url, cache_dir=cache_dir or default_cache_dir()
        )
        network = network_from_overpass(
            place=place,
            bbox=tuple(bbox) if bbox else None,
            polygon=read_polygon(polygon) if polygon else None,
            options=overpass,
            **options,
        )
    attach = FacilityParams(max_km=max_connector_km)
    if facilities == "bundled":
        network = attach_bundled(network, load_national(), params=attach, progress=report)
    elif facilities != "none":
        network = attach_facilities(
            network, read_facilities(facilities), params=attach, progress=report
        )
    written = network.to_gpkg(output)
    console.print(f"wrote {written} ({len(network.nodes):,} nodes, {len(network.edges):,} edges)")


@cli.group()
def export() -> None:
    """Write a layer to a file."""


@export.command("network")
@network_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Output file (.gpkg, .geojson, .csv or .shp; or give --format).",
)
@click.option("--format", "fmt", type=click.Choice(LAYER_FORMATS), help="Override the suffix.")
@click.option(
    "--map",
    "map_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a PNG map of the network by road class.",
)
def export_network(network: Network, output: Path, fmt: str | None, map_path: Path | None) -> None:
    """Write the network: GeoPackage (nodes + edges layers), GeoJSON, or CSV/shapefile pairs."""
    chosen = _layer_format(output, fmt)
    if chosen in ("gpkg", "geojson"):
        written = [write_network(network, output.with_suffix(f".{chosen}"))]
    else:  # one file per layer: <name>_nodes.<ext>, <name>_edges.<ext>
        written = []
        for layer, frame in (("nodes", network.nodes), ("edges", network.edges)):
            target = output.with_name(f"{output.stem}_{layer}.{chosen}")
            written += write_layer(frame, target, chosen)
    console.print(
        f"wrote {', '.join(map(str, written))} "
        f"({len(network.nodes)} nodes, {len(network.edges)} edges)"
    )
    if chosen == "shp":
        console.print(SHAPEFILE_NOTE)
    if map_path is not None:
        console.print(f"wrote {plot_network(network, map_path)}")


SHAPEFILE_NOTE = (
    "note: shapefile field names are cut to 10 characters and text to 254; "
    "use .gpkg to keep them whole"
)


def _result_export(kind: str):
    """``corredor export flows|criticality FOLDER -o FILE``: one layer of a results folder."""

    @click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        required=True,
        help="Output file (.gpkg, .geojson, .csv or .shp; or give --format).",
    )
    @click.option("--format", "fmt", type=click.Choice(LAYER_FORMATS), help="Override the suffix.")
    def command(folder: Path, output: Path, fmt: str | None) -> None:
        chosen = _layer_format(output, fmt)
        frame = read_result_layer(folder, kind)
        written = write_layer(frame, output, chosen)
        console.print(f"wrote {', '.join(map(str, written))} ({len(frame)} edges)")
        if chosen == "shp":
            console.print(SHAPEFILE_NOTE)

    return command


export.command("flows", help="Write the edge results of a `corredor run` folder.")(
    _result_export("flows")
)
export.command("criticality", help="Write the edges of a `corredor criticality` folder.")(
    _result_export("criticality")
)


def _layer_format(output: Path, fmt: str | None) -> str:
    try:
        return layer_format(output, fmt)
    except CorredorError as exc:
        raise click.BadParameter(str(exc), param_hint="--output") from None


@cli.command()
@click.argument("first", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("second", type=click.Path(exists=True, file_okay=False, path_type=Path))
@output_folder_option
def compare(first: Path, second: Path, output: Path) -> None:
    """Compare two `corredor run` folders: KPI differences and a flow-difference layer."""
    comparison = compare_runs(first, second)
    with output_folder(output) as folder:
        comparison.kpis.to_csv(folder / "kpi_differences.csv", index=False)
        write_layer(comparison.flows, folder / "flow_difference.gpkg")
        write_layer(comparison.flows, folder / "flow_difference.geojson")
    console.print(_table(comparison.kpis, f"{comparison.names[1]} minus {comparison.names[0]}"))
    changed = comparison.flows.reindex(
        comparison.flows["flow_difference_trucks_day"].abs().sort_values(ascending=False).index
    ).head(10)
    console.print(
        _table(
            changed[
                [
                    "edge_id",
                    "ref",
                    "first_flow_trucks_day",
                    "second_flow_trucks_day",
                    "flow_difference_trucks_day",
                ]
            ].round(1),
            "Largest flow differences on the worst days (trucks/day)",
        )
    )
    if comparison.unmatched:
        console.print(f"{comparison.unmatched} edges appear in only one run (left out)")
    console.print(
        f"wrote {output}/ (kpi_differences.csv, flow_difference.gpkg, flow_difference.geojson)"
    )


def _table(frame: pd.DataFrame, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        table.add_column(str(column), justify="right" if numeric else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*(_cell(value) for value in row))
    return table


def _cell(value: object) -> str:
    """Integers with thousands separators, other numbers to one decimal, blanks for NaN."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, (bool, str)):
        return str(value)
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{float(value):,.1f}"

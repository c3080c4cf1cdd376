"""Network commands: info, layers, build osm, build sict, export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import shapely
from pydantic import ValidationError

from corredor.boundaries import read_area, read_states
from corredor.cli.base import (
    UserError,
    cli,
    console,
    map_outline,
    network_option,
    rich_table,
)
from corredor.demand import bundled_demand, read_demand
from corredor.errors import CorredorError
from corredor.layers import apply_layers
from corredor.layers.crime import CrimeParams
from corredor.network import Network
from corredor.networks.facilities import (
    FacilityParams,
    attach_bundled,
    attach_facilities,
    read_facilities,
)
from corredor.networks.national import load_national
from corredor.networks.osm import (
    OPTIONAL_CLASSES,
    OsmParams,
    OverpassOptions,
    default_cache_dir,
    freight_classes,
    network_from_overpass,
    network_from_xml,
)
from corredor.networks.pbf import network_from_pbf
from corredor.networks.sict import STATES, available_states, sict_network
from corredor.networks.sict_model import (
    SIMPLIFY_M,
    bundled_model,
    label_junctions,
    simplified,
    with_polygon_states,
)
from corredor.outputs.export import (
    LAYER_FORMATS,
    NETWORK_FORMATS,
    layer_format,
    read_result_layer,
    write_layer,
    write_network,
)
from corredor.outputs.maps import plot_network
from corredor.outputs.summary import demand_summary, network_summary
from corredor.pipeline import weight_network
from corredor.reroute import RerouteParams
from corredor.scenario import LayerInputs
from corredor.simulate import facility_waits, solve_state
from corredor.states import baseline_arrays

#: An input file that must exist (click reports a missing one with exit code 2).
EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


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
    console.print(rich_table(summary.totals, "Network"))
    console.print(rich_table(summary.nodes_by_kind, "Nodes by kind"))
    console.print(
        rich_table(
            summary.links_by_class.round(1), "Links by road class (two-way links counted once)"
        )
    )
    console.print(rich_table(summary.km_by_state, "Road km by state (INEGI code)"))
    if len(summary.crossings):
        console.print(
            rich_table(summary.crossings, "Border crossings (observed trucks/day northbound)")
        )
    if demand is not None:
        console.print(
            rich_table(demand_summary(demand), "Demand by segment (trucks/day, USD M/day)")
        )
        weighted = apply_layers(network)
        arrays = baseline_arrays(weighted)
        baseline = solve_state(weighted, demand, arrays, RerouteParams())
        waits = facility_waits(weighted, arrays, baseline.edge_flow)
        if len(waits):
            shown = waits[(waits["flow_trucks_day"] > 0.05) | waits["published_wait_min"].notna()]
            console.print(rich_table(
                shown.drop(columns="wait_source").round(2),
                "Baseline queue waits at crossings (northbound) and port gates: modelled at the "
                "baseline LP flow vs published average (minutes per truck)"))


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
            raise UserError(f"--flood {value}: {path}: no such raster file")
        return int(rp), Path(path)


@cli.command()
@network_option
@click.option(
    "--crime",
    type=EXISTING_FILE,
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
    type=EXISTING_FILE,
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
    "--band",
    type=click.IntRange(min=1),
    help="Band of the flood rasters holding depths (needed when they have several).",
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
    band: int | None,
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
        crime_params = CrimeParams(years=crime_years) if crime_years else CrimeParams()
    except ValidationError as exc:
        raise click.BadParameter(str(exc), param_hint="--crime-years") from None
    inputs = LayerInputs(crime=str(crime) if crime else "bundled", boundaries=boundaries,
                         flood=dict(flood_rasters) or "screening", flood_band=band,
                         crime_params=crime_params)
    weighted, grade = weight_network(network, inputs)
    edges = weighted.edges
    columns = ["edge_id", "ref", "cost_usd", "cost_theft_usd", "flood_closure_days_year"]
    console.print(
        rich_table(
            edges.nlargest(top, "cost_theft_usd")[columns].round(2),
            "Highest expected theft loss per truck trip (USD)",
        )
    )
    console.print(
        rich_table(
            edges.nlargest(top, "flood_closure_days_year")[columns].round(3),
            f"Most flood closure days per year ({grade} flood layer)",
        )
    )
    console.print(
        f"expected cargo thefts on the network: {edges['theft_incidents_year'].sum():,.0f} "
        f"per year; flood layer: {grade}"
    )
    written = ", ".join(map(str, write_network(weighted, output)))
    console.print(f"wrote {written} ({len(edges)} edges weighted)")


def _gpkg_path(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    """``-o FILE``: refuse any suffix but ``.gpkg``."""
    if value.suffix.lower() != ".gpkg":
        raise click.BadParameter(f"{value}: use a .gpkg file name")
    return value


#: ``-o OUT.gpkg`` of the ``build`` commands: the network GeoPackage they write.
gpkg_output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    callback=_gpkg_path,
    help="The network GeoPackage to write (.gpkg).",
)


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
    "--polygon",
    type=EXISTING_FILE,
    help="An area file: GeoJSON, GeoPackage, shapefile (downloads).",
)
@click.option("--osm", "osm_file", type=EXISTING_FILE, help="An OSM XML file (.osm, .osm.bz2).")
@click.option(
    "--pbf", "pbf_file", type=EXISTING_FILE, help="An .osm.pbf extract, e.g. Geofabrik's Mexico."
)
@gpkg_output_option
@click.option(
    "--classes",
    default="",
    metavar="CLASS[,CLASS]",
    help=f"Road classes to add to motorway, trunk, primary: {', '.join(OPTIONAL_CLASSES)}.",
)
@click.option(
    "--states",
    type=EXISTING_FILE,
    help="State polygons (e.g. INEGI estatal.shp) to fill 'state' by point in polygon.",
)
@click.option(
    "--state-field",
    default=None,
    help="Column of --states with the INEGI code (default: code, CVEGEO, CVE_ENT, state or id).",
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

    options: dict[str, Any] = {"params": params, "states": boundaries, "progress": report}
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
            polygon=read_area(polygon) if polygon else None,
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
    written = ", ".join(map(str, write_network(network, output)))
    console.print(f"wrote {written} ({len(network.nodes):,} nodes, {len(network.edges):,} edges)")


def _inegi_codes(ctx: click.Context, param: click.Parameter, value: str | None
                 ) -> list[str] | None:
    """``--states 11,14``: INEGI codes 01..32, each once, sorted (None: all 32)."""
    if value is None:
        return None
    tokens = [token.strip() for token in value.split(",") if token.strip()]
    codes = [token.zfill(2) if token.isdigit() else token for token in tokens]
    unknown = [token for token, code in zip(tokens, codes, strict=True) if code not in STATES]
    if unknown or not codes:
        raise click.BadParameter(
            f"{', '.join(map(repr, unknown)) or repr(value)}: not an INEGI state code; give "
            "codes 01..32 separated by commas, e.g. 11,14 (Guanajuato, Jalisco)")
    return sorted(set(codes))


def _sict_folder_problem(folder: Path, codes: list[str]) -> str | None:
    """Why ``folder`` cannot give the states ``codes`` (None when it can)."""
    raw, stations = folder / "json" / "raw", folder / "csv" / "u1_estaciones.csv"
    if not raw.is_dir() and not stations.is_file():
        return (f"{folder}: neither {raw} (segment JSON per state) nor {stations} (count "
                "stations) found; expected a SICT/IMT Datos Viales folder")
    traced = sorted(set(codes) - set(available_states(folder)))
    if traced and not stations.is_file():
        return (f"{folder}: state(s) {', '.join(traced)} have no {raw}/<state>.json and "
                f"{stations}, from which they would be traced, is missing; choose the states "
                "with --states")
    return None


@build.command("sict")
@click.option(
    "--dir",
    "folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="The SICT/IMT Datos Viales folder: json/raw/<state>.json (segments) and "
    "csv/u1_estaciones.csv (count stations).",
)
@click.option(
    "--states",
    callback=_inegi_codes,
    metavar="CODE[,CODE]",
    help="INEGI state codes, e.g. 11,14 [default: all 32; a state without segment JSON is "
    "traced from its count stations].",
)
@click.option("--federal-only", is_flag=True, help="Keep only the federal network.")
@click.option(
    "--facilities",
    type=click.Choice(["bundled", "none"]),
    default="bundled",
    show_default=True,
    help="'bundled': the bundled model's zones, plants, Bajío bridges, border crossings, "
    "ports and US network, attached as `make data` does; 'none': the roads only.",
)
@click.option(
    "--boundaries",
    type=EXISTING_FILE,
    help="State polygons (e.g. INEGI estatal.shp): each junction gets the state whose "
    "polygon holds it, as in the bundled model [default: the state of its SICT segments].",
)
@click.option(
    "--simplify-m",
    type=click.FloatRange(min=0),
    default=SIMPLIFY_M,
    show_default=True,
    help="Douglas-Peucker tolerance (m) of the drawn lines, as in the bundled model; 0 keeps "
    "every SICT vertex (lengths are always measured on the full lines).",
)
@gpkg_output_option
def build_sict(folder: Path, states: list[str] | None, federal_only: bool, facilities: str,
               boundaries: Path | None, simplify_m: float, output: Path) -> None:
    """Build the national freight model from SICT/IMT Datos Viales road files."""
    codes = states if states is not None else sorted(STATES)
    problem = _sict_folder_problem(folder, codes)
    if problem:
        raise click.BadParameter(problem, param_hint="--dir")
    polygons = read_states(boundaries) if boundaries else None  # a bad file fails early

    def report(line: str) -> None:
        click.echo(line, err=True)

    traced = sorted(set(codes) - set(available_states(folder)))
    report(f"building the SICT roads of {len(codes)} state(s) from {folder}"
           + (f" ({', '.join(traced)} traced from count stations)" if traced else "")
           + (", federal network only" if federal_only else ""))
    built = sict_network(folder, states=codes, federal_only=federal_only)
    report(_sict_summary(built.network, built.report))
    network = built.network
    if facilities == "bundled":
        network = bundled_model(network, load_national(), states=codes, traced=traced,
                                progress=report)
    state_method = "state: the state of the SICT segments meeting there"
    if boundaries is not None and polygons is not None:
        network = with_polygon_states(network, polygons)
        state_method = f"state: the INEGI state polygon holding it ({boundaries.name})"
    network = label_junctions(network, state_method=state_method)
    if simplify_m > 0:
        before = int(shapely.get_num_coordinates(network.edges.geometry.to_numpy()).sum())
        network = simplified(network, simplify_m)
        after = int(shapely.get_num_coordinates(network.edges.geometry.to_numpy()).sum())
        report(f"lines simplified ({simplify_m:g} m): {before:,} -> {after:,} vertices")
    written = ", ".join(map(str, write_network(network, output)))
    console.print(f"wrote {written} ({len(network.nodes):,} nodes, {len(network.edges):,} edges)")


def _sict_summary(network: Network, report: dict[str, Any]) -> str:
    """One line on a SICT build: links, km, components, the time each step took."""
    links = network.edges[network.edges["edge_id"].str.endswith(":fwd")]
    steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in report["timings_s"].items())
    return (f"SICT roads: {len(links):,} links, {links['length_km'].sum():,.0f} km, "
            f"{len(report['components'])} component(s), the main one holding "
            f"{report['main_federal_share']:.1%} of federal km ({steps})")


def layer_file_options(command):
    """``-o FILE`` and ``--format``: where ``corredor export`` writes one layer, and as what."""
    command = click.option("--format", "fmt", type=click.Choice(LAYER_FORMATS),
                           help="Override the suffix.")(command)
    return click.option(
        "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
        help="Output file (.gpkg, .geojson, .csv or .shp; or give --format).")(command)


@cli.group()
def export() -> None:
    """Write a layer to a file."""


@export.command("network")
@network_option
@layer_file_options
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
        written = write_network(network, output.with_suffix(f".{chosen}"))
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
        console.print(f"wrote {plot_network(network, map_path, outline=map_outline())}")


SHAPEFILE_NOTE = (
    "note: shapefile field names are cut to 10 characters and text to 254; the "
    "<name>_fields.csv written next to it maps every column to its shapefile field; "
    "use .gpkg to keep them whole"
)


def _result_export(kind: str):
    """``corredor export flows|criticality FOLDER -o FILE``: one layer of a results folder."""

    @click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @layer_file_options
    def command(folder: Path, output: Path, fmt: str | None) -> None:
        chosen = _layer_format(output, fmt)
        frame = read_result_layer(folder, kind)
        written = write_layer(frame, output, chosen,
                              style="edges" if kind == "flows" else "criticality")
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

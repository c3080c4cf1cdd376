"""Network commands: info, layers, build osm, export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
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
from corredor.scenario import LayerInputs

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

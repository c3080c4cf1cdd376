"""The ``corredor`` command: parse options, call the library, print results.

User mistakes (``CorredorError``) are printed as one message without a
traceback and exit with code 2, like click's own usage errors.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pandas as pd
from rich.console import Console
from rich.table import Table

from pydantic import ValidationError

from corredor.build.national import load_national
from corredor.cache import user_cache_dir
from corredor.demand import bundled_demand, read_demand
from corredor.errors import CorredorError
from corredor.export import NETWORK_FORMATS, write_network
from corredor.layers import apply_layers
from corredor.layers.crime import CrimeParams
from corredor.layers.flood import screening_rasters
from corredor.network import Network
from corredor.report import demand_summary, network_summary, plot_network

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

    def convert(self, value, param, ctx):  # noqa: D102 (click's signature)
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
    help=f"Output file ({' or '.join(NETWORK_FORMATS)}).",
)
@click.option(
    "--map",
    "map_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a PNG map of the network by road class.",
)
def export_network(network: Network, output: Path, map_path: Path | None) -> None:
    """Write the network as a GeoPackage (nodes + edges layers) or GeoJSON."""
    if output.suffix.lower() not in NETWORK_FORMATS:
        raise click.BadParameter(
            f"{output}: use a {' or '.join(NETWORK_FORMATS)} file name", param_hint="--output"
        )
    written = write_network(network, output)
    console.print(f"wrote {written} ({len(network.nodes)} nodes, {len(network.edges)} edges)")
    if map_path is not None:
        console.print(f"wrote {plot_network(network, map_path)}")


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

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

from corredor.build.national import load_national
from corredor.demand import bundled_demand, read_demand
from corredor.errors import CorredorError
from corredor.export import NETWORK_FORMATS, write_network
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

"""The ``corredor`` command group and what its commands share.

User mistakes (``CorredorError``) are printed as one message without a
traceback and exit with code 2, like click's own usage errors.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from corredor.networks.national import load_national
from corredor.errors import CorredorError
from corredor.network import Network

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


def progress_bar() -> Progress:
    """A transient progress bar on the shared console."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def rich_table(frame: pd.DataFrame, title: str) -> Table:
    """A rich table of a DataFrame: numbers right-aligned and readable."""
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

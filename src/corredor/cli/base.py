"""The ``corredor`` command group and what its commands share.

User mistakes (``CorredorError``) are printed as one ``Error:`` line (or one
error followed by its list of problems) without a traceback and exit with
code 2; usage mistakes (a missing argument, an unknown option) are click's own
usage errors, also exit code 2. ``CorredorWarning`` is printed as a
``warning:`` line.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import geopandas as gpd
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from corredor.boundaries import read_boundaries
from corredor.errors import CorredorError, CorredorWarning
from corredor.network import Network
from corredor.outputs.text import LANGUAGES
from corredor.pipeline import load_network

#: Wide enough for the tables when output goes to a file or pipe (rich assumes 80 there).
console = Console(width=None if sys.stdout.isatty() else 120)

#: Environment variable naming a state-boundary file (e.g. INEGI ``estatal.shp``) drawn under
#: every map. No boundaries are bundled: the reference boundaries may not be redistributed.
BOUNDARIES_ENV = "CORREDOR_BOUNDARIES"


class UserError(click.ClickException):
    """A ``CorredorError`` shown to the user: one message, exit code 2."""

    exit_code = 2


class NetworkParam(click.ParamType):
    """``bundled`` or a path to a GeoPackage with nodes and edges layers."""

    name = "network"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> Network:
        if isinstance(value, Network):
            return value
        try:
            return load_network(str(value))
        except CorredorError as exc:
            raise UserError(str(exc)) from None


network_option = click.option(
    "--network",
    "network",
    type=NetworkParam(),
    default="bundled",
    show_default=True,
    help="'bundled' (the national model of Mexico) or a network GeoPackage.",
)


class CorredorGroup(click.Group):
    """Turns ``CorredorError`` from any subcommand into a ``UserError``; shows warnings."""

    def invoke(self, ctx: click.Context) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("always", CorredorWarning)
            previous = warnings.showwarning
            warnings.showwarning = _show_warning
            try:
                return super().invoke(ctx)
            except CorredorError as exc:
                raise UserError(str(exc)) from None
            finally:
                warnings.showwarning = previous


def _show_warning(message: Warning | str, category: type[Warning], *args: Any,
                  **kwargs: Any) -> None:
    if issubclass(category, CorredorWarning):
        console.print(f"[yellow]warning:[/yellow] {message}", highlight=False)
    else:
        click.echo(f"warning: {message}", err=True)


@click.group(cls=CorredorGroup)
@click.version_option(package_name="corredor")
def cli() -> None:
    """How fragile are Mexico's freight corridors?"""


output_folder_option = click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="Output folder: new, empty, or written by corredor before (only the files its "
    "corredor-run.json lists are replaced; other files are never touched).",
)
#: ``--lang`` of every command that writes a report: the language of report.html and its maps.
lang_option = click.option("--lang", type=click.Choice(LANGUAGES), default="en",
                           show_default=True, help="Language of report.html and the maps.")

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


@contextmanager
def progress_bar() -> Iterator[Progress]:
    """A transient progress bar on the shared console."""
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        yield progress


def map_outline() -> gpd.GeoDataFrame | None:
    """State polygons from ``$CORREDOR_BOUNDARIES`` for the maps, if it names a file."""
    value = os.environ.get(BOUNDARIES_ENV)
    if not value:
        return None
    try:
        return read_boundaries(value)
    except CorredorError as exc:
        warnings.warn(f"${BOUNDARIES_ENV}: {exc}; maps are drawn without an outline",
                      CorredorWarning, stacklevel=2)
        return None


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
    number = float(value)  # type: ignore[arg-type]
    if number.is_integer():
        return f"{int(number):,}"
    return f"{number:,.1f}"

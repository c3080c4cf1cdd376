"""Origin-destination truck demand: the bundled table or a user CSV.

A demand table has one row per OD flow: ``origin``, ``destination`` (node
ids), ``segment`` (e.g. ``us_export``), ``trucks_day`` (>= 0) and
``value_usd_per_truck`` (cargo value, for delay and theft costs). Optional
``value_loss_pct_per_hour``: the share of the cargo's value lost per hour in
transit or waiting (perishables; blank for none), which the rerouting adds to
the cost of every hour of the row's trips (``corredor.reroute``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corredor.csvfiles import read_csv
from corredor.errors import DataFileError
from corredor.network import Network
from corredor.networks.national import DATA_DIR

__all__ = ["DEMAND_COLUMNS", "bundled_demand", "read_demand"]

DEMAND_COLUMNS = ["origin", "destination", "segment", "trucks_day", "value_usd_per_truck"]
#: Optional column: percent of the cargo's value lost per hour in transit (perishables).
LOSS_COLUMN = "value_loss_pct_per_hour"


def read_demand(path: str | Path, network: Network | None = None) -> pd.DataFrame:
    """Read and check a demand CSV; every fault is reported in one error naming the file.

    Parameters
    ----------
    path : str or Path
        The CSV (``DEMAND_COLUMNS``; UTF-8, UTF-8 with BOM or latin-1).
    network : Network, optional
        Check every origin and destination is one of its nodes.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DataFileError
        Missing or unreadable file, missing columns, blank ids, invalid numbers, unknown nodes.
    """
    path = Path(path)
    table = read_csv(path, what="demand file", keep_default_na=False,
                     dtype={"origin": str, "destination": str, "segment": str})
    missing = [c for c in DEMAND_COLUMNS if c not in table.columns]
    if missing:
        raise DataFileError(f"{path}: missing column(s) {', '.join(missing)} (a demand file has "
                            f"{', '.join(DEMAND_COLUMNS)})")
    problems = [*_blank_ids(table), *_bad_numbers(table)]
    if network is not None:
        known = set(network.nodes["node_id"]) | {""}  # blanks are reported above
        for column in ("origin", "destination"):
            unknown = sorted(set(table[column]) - known)
            if unknown:
                problems.append(
                    f"'{column}' names node(s) not in the network: {', '.join(unknown[:10])}"
                )
    if problems:
        raise DataFileError(f"{path}: " + "; ".join(problems))
    return table.reset_index(drop=True)


#: Largest plausible values (a typo beyond them is an error): trucks/day on one OD row,
#: and cargo value per truck (USD).
MAX_TRUCKS_DAY = 1e6
MAX_VALUE_USD = 1e9


def _blank_ids(table: pd.DataFrame) -> list[str]:
    problems = []
    for column in ("origin", "destination"):
        table[column] = table[column].astype(str).str.strip()
        blank = table.index[table[column] == ""]
        if len(blank):
            problems.append(f"'{column}' is blank on line(s) {(blank + 2).tolist()[:5]}")
    table["segment"] = table["segment"].astype(str).str.strip()
    return problems


def _bad_numbers(table: pd.DataFrame) -> list[str]:
    problems = []
    for column, most in (("trucks_day", MAX_TRUCKS_DAY), ("value_usd_per_truck", MAX_VALUE_USD)):
        values = pd.to_numeric(table[column], errors="coerce")
        bad = table.index[~((values >= 0) & (values <= most))]
        if len(bad):
            problems.append(f"'{column}' must be a number >= 0 and <= {most:,.0f} (bad on "
                            f"line(s) {(bad + 2).tolist()[:5]})")
        table[column] = values
    if LOSS_COLUMN in table.columns:
        text = table[LOSS_COLUMN].astype(str).str.strip()
        values = pd.to_numeric(text.where(text != ""), errors="coerce")
        bad = table.index[(text != "") & ~((values >= 0) & (values <= 100))]
        if len(bad):
            problems.append(f"'{LOSS_COLUMN}' must be blank or a percentage 0..100 (bad on "
                            f"line(s) {(bad + 2).tolist()[:5]})")
        table[LOSS_COLUMN] = values
    return problems


def bundled_demand(network: Network | None = None) -> pd.DataFrame:
    """The bundled national OD table (``data/mexico/demand.csv``).

    Parameters
    ----------
    network : Network, optional
        Check every origin and destination is one of its nodes.

    Returns
    -------
    pandas.DataFrame
    """
    return read_demand(DATA_DIR / "demand.csv", network)

"""Origin-destination truck demand: the bundled table or a user CSV.

A demand table has one row per OD flow: ``origin``, ``destination`` (node
ids), ``segment`` (e.g. ``us_export``), ``trucks_day`` (>= 0) and
``value_usd_per_truck`` (cargo value, for delay and theft costs).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corredor.errors import DataFileError
from corredor.network import Network
from corredor.networks.national import DATA_DIR

__all__ = ["DEMAND_COLUMNS", "bundled_demand", "read_demand"]

DEMAND_COLUMNS = ["origin", "destination", "segment", "trucks_day", "value_usd_per_truck"]


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
    if not path.is_file():
        raise DataFileError(f"{path}: demand file not found")
    table = pd.read_csv(path, dtype={"origin": str, "destination": str, "segment": str})
    problems = []
    missing = [c for c in DEMAND_COLUMNS if c not in table.columns]
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    else:
        for column in ("trucks_day", "value_usd_per_truck"):
            values = pd.to_numeric(table[column], errors="coerce")
            bad = table.index[~(values >= 0)]
            if len(bad):
                problems.append(
                    f"'{column}' must be a number >= 0 (bad on line(s) {(bad + 2).tolist()[:5]})"
                )
            table[column] = values
        if network is not None:
            known = set(network.nodes["node_id"])
            for column in ("origin", "destination"):
                unknown = sorted(set(table[column]) - known)
                if unknown:
                    problems.append(
                        f"'{column}' names node(s) not in the network: {', '.join(unknown[:10])}"
                    )
    if problems:
        raise DataFileError(f"{path}: " + "; ".join(problems))
    return table.reset_index(drop=True)


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

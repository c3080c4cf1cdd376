"""SICT toll-plaza movements (Datos Viales, universe U2): trucks counted at the toll booths.

``u2_movimientos.csv`` has one row per *movement* of a plaza (a booth location on
a toll road, with its km post and coordinates): the vehicles of 2024 (``vta_2024``)
and their mix in per cent by class. Trucks are the classes C2 to C9 (two-axle to
nine-axle), as in SICT's U1 count mix, so::

    trucks/day = vta_2024 x (pct_C2 + ... + pct_C9) / 100 / 366

(2024 had 366 days). A plaza counts both directions together. A movement the
compilation lists twice (248 of its 1,081 rows, some under a second plaza id) is
read once, from its first row; two rows of one ``movement_id`` with different
counts are an error. The counts are
independent of the U1 segment counts the model is estimated on, so corredor uses
them only to validate (``corredor.calibration``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from corredor.csvfiles import read_csv
from corredor.errors import DataFileError
from corredor.networks.national import DATA_DIR, read_table
from corredor.networks.sict import ATTRIBUTION, normalise_ref

__all__ = ["PLAZA_FIELDS", "TRUCK_CLASSES", "bundled_plaza_movements", "read_plaza_movements"]

#: SICT vehicle classes that are trucks (C2 .. C9).
TRUCK_CLASSES = tuple(f"pct_C{n}" for n in range(2, 10))
_REQUIRED = ("movement_id", "plaza_id", "caseta", "ruta", "lat", "lon", "vta_2024",
             *TRUCK_CLASSES)
#: Columns of the bundled ``data/mexico/plazas.csv`` (``read_plaza_movements``' output).
PLAZA_FIELDS = ["movement_id", "plaza_id", "name", "ref", "lon", "lat", "trucks_day", "source"]
#: Days in the count year 2024.
DAYS_2024 = 366


def read_plaza_movements(folder: str | Path) -> pd.DataFrame:
    """Trucks/day (both directions) at every toll-plaza movement with coordinates.

    Parameters
    ----------
    folder : str or Path
        The Datos Viales folder (with ``csv/u2_movimientos.csv``).

    Returns
    -------
    pandas.DataFrame
        ``movement_id, plaza_id, name, ref, lon, lat, trucks_day, source``; movements
        without coordinates or without a 2024 count are left out.

    Raises
    ------
    DataFileError
        The file is missing or lacks a field, or a share is outside 0..100.
    """
    path = Path(folder) / "csv" / "u2_movimientos.csv"
    table = read_csv(path, what="SICT toll-plaza movements file", dtype={"movement_id": str,
                                                                           "plaza_id": str})
    missing = [c for c in _REQUIRED if c not in table.columns]
    if missing:
        raise DataFileError(f"{path}: missing field(s) {', '.join(missing)} (need "
                            f"{', '.join(_REQUIRED)})")
    shares = table[list(TRUCK_CLASSES)].apply(pd.to_numeric, errors="coerce").fillna(0.0)
    bad = ~shares.apply(lambda c: c.between(0, 100)).all(axis=1) | (shares.sum(axis=1) > 100.5)
    if bad.any():
        raise DataFileError(f"{path}: pct_C2..pct_C9 must be per cent (0..100, summing to at "
                            f"most 100); not on line(s) {(np.flatnonzero(bad) + 2)[:5].tolist()}")
    counts = ["movement_id", "vta_2024", *TRUCK_CLASSES]
    conflicting = table.drop_duplicates(counts)["movement_id"].duplicated()
    if conflicting.any():
        twice = table.drop_duplicates(counts).loc[conflicting, "movement_id"].iloc[0]
        raise DataFileError(f"{path}: movement_id {twice} appears twice with different counts")
    table = table[~table["movement_id"].duplicated()]  # listed twice (under two plazas)
    shares = shares.loc[table.index]
    vehicles = pd.to_numeric(table["vta_2024"], errors="coerce")
    lon, lat = (pd.to_numeric(table[c], errors="coerce") for c in ("lon", "lat"))
    usable = (vehicles > 0) & lon.between(-118.5, -86.5) & lat.between(14.3, 32.8)
    table, shares = table[usable], shares[usable]
    return pd.DataFrame({
        "movement_id": table["movement_id"].to_numpy(),
        "plaza_id": table["plaza_id"].to_numpy(),
        "name": table["caseta"].astype(str).to_numpy(),
        "ref": [normalise_ref(route)[0] for route in table["ruta"].astype(str)],
        "lon": lon[usable].to_numpy(float),
        "lat": lat[usable].to_numpy(float),
        "trucks_day": (vehicles[usable] * shares.sum(axis=1) / 100.0 / DAYS_2024).to_numpy(),
        "source": f"{ATTRIBUTION}; U2 toll-plaza movements, vehicles 2024 x classes C2-C9",
    })


def bundled_plaza_movements() -> pd.DataFrame:
    """The toll-plaza movements bundled with the national model (``data/mexico/plazas.csv``).

    Returns
    -------
    pandas.DataFrame
        As ``read_plaza_movements``.
    """
    table = read_table(DATA_DIR / "plazas.csv", PLAZA_FIELDS)
    for column in ("lon", "lat", "trucks_day"):
        table[column] = table[column].astype(float)
    return table

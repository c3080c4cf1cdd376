"""Author ``crime_state.csv``: yearly cargo-theft counts per state.

Step 5 of ``make data`` (``scripts/national/build_all.py``); alone, from the
repository root (again when SESNSP publishes a newer file)::

    .venv/bin/python scripts/crime_state_table.py [path/to/IDEFC_NM_*.csv] [--out DIR]

Input (read-only, never copied into the repository): the SESNSP state-level
incidence file, by default ``../shared/data/sesnsp/IDEFC_NM_may22.csv``. It is
read with the package's own reader (``corredor.layers.crime.read_sesnsp``), so
the bundled table and a user's file go through the same code. One row per
state and year: "Robo a transportista" con violencia, sin violencia, their
total, and ``months``, the number of months of that year with published data
(the last year of a file is usually partial).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from corredor.layers.crime import (
    CARGO_THEFT,
    CRIME_STATE_FIELDS,
    CRIME_STATE_FILE,
    cargo_theft_counts,
    read_sesnsp,
)
from corredor.networks.national import DATA_DIR

sys.dont_write_bytecode = True  # do not leave __pycache__ next to the scripts

REPO = Path(__file__).resolve().parents[1]
DEFAULT_INPUT = REPO.parent / "shared" / "data" / "sesnsp" / "IDEFC_NM_may22.csv"

SOURCE = (
    "Secretariado Ejecutivo del SNSP (SESNSP), Incidencia delictiva del fuero común, state "
    "level, nueva metodología, file {name} (open data, 2022 release with data to May 2022): "
    "'Robo a transportista' investigation files (carpetas), con/sin violencia"
)


def write_table(path: Path = DEFAULT_INPUT, out_dir: Path = DATA_DIR) -> Path:
    """Count cargo thefts per state and year in a SESNSP file and write the table.

    Parameters
    ----------
    path : pathlib.Path
        The SESNSP state-level incidence file (``IDEFC_NM_*.csv``).
    out_dir : pathlib.Path
        Folder to write ``crime_state.csv`` to (default: the package data).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    counts = cargo_theft_counts(read_sesnsp(path, subtypes=[CARGO_THEFT]))
    counts["source"] = SOURCE.format(name=path.name)
    out_file = out_dir / CRIME_STATE_FILE
    out_dir.mkdir(parents=True, exist_ok=True)
    counts[CRIME_STATE_FIELDS].to_csv(out_file, index=False, encoding="utf-8", lineterminator="\n")
    return out_file


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``[INPUT] [--out DIR]``.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        0 on success.
    """
    parser = argparse.ArgumentParser(description="Write crime_state.csv from a SESNSP file.")
    parser.add_argument("input", nargs="?", type=Path, default=DEFAULT_INPUT)
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="folder to write to")
    args = parser.parse_args(argv)
    print(f"wrote {write_table(args.input, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Author ``data/mexico/crime_state.csv``: yearly cargo-theft counts per state.

Run once by a maintainer (again when SESNSP publishes a newer file)::

    .venv/bin/python scripts/crime_state_table.py [path/to/IDEFC_NM_*.csv]

Input (read-only, never copied into the repository): the SESNSP state-level
incidence file, by default ``../shared/data/sesnsp/IDEFC_NM_may22.csv``. It is
read with the package's own reader (``corredor.layers.crime.read_sesnsp``), so
the bundled table and a user's file go through the same code. One row per
state and year: "Robo a transportista" con violencia, sin violencia, their
total, and ``months``, the number of months of that year with published data
(the last year of a file is usually partial).
"""

from __future__ import annotations

import sys
from pathlib import Path

from corredor.networks.national import DATA_DIR
from corredor.layers.crime import (
    CARGO_THEFT,
    CRIME_STATE_FIELDS,
    CRIME_STATE_FILE,
    cargo_theft_counts,
    read_sesnsp,
)

sys.dont_write_bytecode = True  # do not leave __pycache__ next to the scripts

REPO = Path(__file__).resolve().parents[1]
DEFAULT_INPUT = REPO.parent / "shared" / "data" / "sesnsp" / "IDEFC_NM_may22.csv"
OUT_FILE = DATA_DIR / CRIME_STATE_FILE

SOURCE = (
    "Secretariado Ejecutivo del SNSP (SESNSP), Incidencia delictiva del fuero común, state "
    "level, nueva metodología, file {name} (open data, 2022 release with data to May 2022): "
    "'Robo a transportista' investigation files (carpetas), con/sin violencia"
)


def main(path: Path = DEFAULT_INPUT) -> Path:
    counts = cargo_theft_counts(read_sesnsp(path, subtypes=[CARGO_THEFT]))
    counts["source"] = SOURCE.format(name=path.name)
    counts[CRIME_STATE_FIELDS].to_csv(OUT_FILE, index=False, encoding="utf-8", lineterminator="\n")
    return OUT_FILE


if __name__ == "__main__":
    written = main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_INPUT)
    print(f"wrote {written}")

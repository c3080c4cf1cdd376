"""The bundled national freight model of Mexico, loaded from ``data/mexico/``.

The tables are plain CSV with a ``source`` on every row (see
``data/mexico/README.md``). Each two-way road link becomes two directed edges
``<link_id>:fwd`` (u -> v) and ``<link_id>:rev`` (v -> u) with reversed
geometry; crossings and port access roads likewise. ``link_id`` is kept on
every edge so a scenario can close both directions of a road at once.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point

from corredor.errors import DataFileError
from corredor.network import CRS, Network

#: Where the bundled tables live: package data ``corredor/data/mexico`` (in a source checkout
#: and in an installed wheel alike).
DATA_DIR = Path(str(files("corredor") / "data" / "mexico"))

_NODE_FIELDS = ["node_id", "kind", "name", "state", "lon", "lat", "source"]
#: Columns of links.csv and foreign_links.csv (the authoring scripts write them in this order).
LINK_FIELDS = [
    "link_id",
    "u",
    "v",
    "ref",
    "name",
    "road_class",
    "toll",
    "lanes",
    "speed_kph",
    "bridge",
    "length_km",
    "length_method",
    "waypoints",
    "source",
    "note",
]
_CROSSING_FIELDS = [
    "crossing_id",
    "name",
    "u",
    "v",
    "bts_port_code",
    "year",
    "trucks_day",
    "capacity_trucks_day",
    "capacity_method",
    "lanes",
    "speed_kph",
    "length_km",
    "length_method",
    "waypoints",
    "source",
]
#: Columns of ports.csv, in the order ``scripts/national/ports.py`` writes them.
PORT_FIELDS = [
    "node_id",
    "name",
    "locode",
    "wpi_number",
    "state",
    "lon",
    "lat",
    "access_node",
    "access_km",
    "teu",
    "tonnes",
    "throughput_year",
    "throughput_source",
    "capacity_trucks_day",
    "capacity_method",
    "source",
]
_FOREIGN_NODE_FIELDS = ["node_id", "kind", "name", "country", "lon", "lat", "source"]

#: Assumed free-flow truck speed on a port access road (urban port approach).
PORT_ACCESS_SPEED_KPH = 40.0


def read_table(path: Path, fields: list[str]) -> pd.DataFrame:
    """Read a bundled CSV as text, checking its required fields; blank cells stay ''."""
    if not path.is_file():
        raise DataFileError(f"{path}: bundled table not found")
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [field for field in fields if field not in table.columns]
    if missing:
        raise DataFileError(
            f"{path}: missing column(s) {', '.join(missing)} (have {', '.join(table.columns)})"
        )
    if "source" in fields and (table["source"].str.strip() == "").any():
        rows = (table.index[table["source"].str.strip() == ""] + 2).tolist()[:5]
        raise DataFileError(f"{path}: empty 'source' on line(s) {rows}; every row names one")
    return table


def load_national(data_dir: Path | None = None) -> Network:
    """The bundled national model as a validated ``Network``."""
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    mx_nodes = read_table(data_dir / "nodes.csv", _NODE_FIELDS)
    foreign = read_table(data_dir / "foreign_nodes.csv", _FOREIGN_NODE_FIELDS)
    ports = read_table(data_dir / "ports.csv", PORT_FIELDS)
    nodes = _nodes_frame(mx_nodes, foreign, ports)
    points = dict(zip(nodes["node_id"], nodes.geometry, strict=True))
    states = dict(zip(nodes["node_id"], nodes["state"], strict=True))

    links = pd.concat(
        [
            read_table(data_dir / "links.csv", LINK_FIELDS),
            read_table(data_dir / "foreign_links.csv", LINK_FIELDS),
        ],
        ignore_index=True,
    )
    crossings = read_table(data_dir / "crossings.csv", _CROSSING_FIELDS)
    records = [*_road_records(links), *_crossing_records(crossings), *_port_records(ports)]
    edges = _two_way_edges(records, points, states)
    return Network.from_frames(nodes, edges)


def _nodes_frame(
    mx_nodes: pd.DataFrame, foreign: pd.DataFrame, ports: pd.DataFrame
) -> gpd.GeoDataFrame:
    mexico = mx_nodes.assign(country="MX", capacity_trucks_day="")
    abroad = foreign.assign(state="", capacity_trucks_day="")
    port_nodes = ports.assign(kind="port", country="MX")
    keep = ["node_id", "kind", "name", "state", "country", "capacity_trucks_day", "lon", "lat"]
    port_extra = ["locode", "teu", "tonnes", "throughput_year", "throughput_source"]
    frame = pd.concat(
        [
            mexico[[*keep, "source"]],
            abroad[[*keep, "source"]],
            port_nodes[keep + port_extra + ["source"]],
        ],
        ignore_index=True,
    ).fillna("")
    for column in ("teu", "tonnes", "capacity_trucks_day"):
        frame[column] = pd.to_numeric(frame[column].replace("", np.nan))
    geometry = [Point(float(x), float(y)) for x, y in zip(frame["lon"], frame["lat"], strict=True)]
    return gpd.GeoDataFrame(frame.drop(columns=["lon", "lat"]), geometry=geometry, crs=CRS)


def _road_records(links: pd.DataFrame) -> list[dict]:
    return [
        {
            "link_id": row.link_id,
            "u": row.u,
            "v": row.v,
            "ref": row.ref,
            "name": row.name,
            "road_class": row.road_class,
            "toll": row.toll,
            "lanes": row.lanes,
            "speed_kph": row.speed_kph,
            "bridge": row.bridge,
            "length_km": row.length_km,
            "length_method": row.length_method,
            "capacity_trucks_day": "",
            "waypoints": row.waypoints,
            "source": row.source,
            "note": row.note,
        }
        for row in links.itertuples(index=False)
    ]


def _crossing_records(crossings: pd.DataFrame) -> list[dict]:
    return [
        {
            "link_id": row.crossing_id,
            "u": row.u,
            "v": row.v,
            "ref": "",
            "name": row.name,
            "road_class": "border",
            "toll": "false",
            "lanes": row.lanes,
            "speed_kph": row.speed_kph,
            "bridge": "false",
            "length_km": row.length_km,
            "length_method": row.length_method,
            "capacity_trucks_day": row.capacity_trucks_day,
            "capacity_method": row.capacity_method,
            "bts_port_code": row.bts_port_code,
            "observed_year": row.year,
            "observed_trucks_day": row.trucks_day,
            "waypoints": row.waypoints,
            "source": row.source,
        }
        for row in crossings.itertuples(index=False)
    ]


def _port_records(ports: pd.DataFrame) -> list[dict]:
    return [
        {
            "link_id": f"port-access:{row.node_id.split(':', 1)[1]}",
            "u": row.node_id,
            "v": row.access_node,
            "ref": "",
            "name": f"{row.name} port access",
            "road_class": "port_access",
            "toll": "false",
            "lanes": "2",
            "speed_kph": str(PORT_ACCESS_SPEED_KPH),
            "bridge": "false",
            "length_km": row.access_km,
            "length_method": "geodesic port to access node",
            "capacity_trucks_day": row.capacity_trucks_day,
            "capacity_method": row.capacity_method,
            "waypoints": "",
            "source": (
                f"{row.source}; lanes 2 and speed {PORT_ACCESS_SPEED_KPH:g} kph: "
                "assumption: urban port approach"
            ),
        }
        for row in ports.itertuples(index=False)
    ]


def _two_way_edges(
    records: list[dict], points: dict[str, Point], states: dict[str, str]
) -> gpd.GeoDataFrame:
    """Two directed edges per record: ``:fwd`` along the row, ``:rev`` against it."""
    rows = []
    for record in records:
        for end in ("u", "v"):
            if record[end] not in points:
                raise DataFileError(
                    f"link {record['link_id']}: {end}={record[end]!r} is not a node of the "
                    "bundled model (nodes.csv, foreign_nodes.csv or ports.csv)"
                )
        line = _line(points[record["u"]], points[record["v"]], record.pop("waypoints"))
        state = _edge_state(states[record["u"]], states[record["v"]])
        forward = {**record, "edge_id": f"{record['link_id']}:fwd", "state": state}
        backward = {
            **record,
            "edge_id": f"{record['link_id']}:rev",
            "u": record["v"],
            "v": record["u"],
            "state": state,
        }
        if "observed_trucks_day" in record:
            backward["observed_trucks_day"] = ""  # BTS counts northbound entries only
        rows.append({**forward, "geometry": line})
        rows.append({**backward, "geometry": line.reverse()})
    frame = pd.DataFrame(rows).fillna("")
    for column in ("lanes", "speed_kph", "length_km", "capacity_trucks_day", "observed_trucks_day"):
        frame[column] = pd.to_numeric(frame[column].replace("", np.nan))
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS)


def _line(start: Point, end: Point, waypoints: str) -> LineString:
    inner = []
    for pair in filter(None, (part.strip() for part in waypoints.split(";"))):
        lon, lat = pair.split()
        inner.append((float(lon), float(lat)))
    return LineString([(start.x, start.y), *inner, (end.x, end.y)])


def _edge_state(state_u: str, state_v: str) -> str:
    """The INEGI code of the state(s) an edge joins: '11', or '11;14' across a border."""
    codes = sorted({code for code in (state_u, state_v) if code})
    return ";".join(codes)

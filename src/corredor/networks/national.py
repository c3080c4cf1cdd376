"""The bundled national freight model of Mexico, loaded from ``data/mexico/``.

The tables are plain CSV with a ``source`` on every row (see
``data/mexico/README.md``). Mexican roads (``links.csv``) come from SICT/IMT
Datos Viales 2025, built by ``scripts/national/roads.py``; each row carries its
SICT attributes (segment ids, counts, vehicle mix, K, D, FS_E, terrain) and its
line as ``waypoints`` between the end nodes. Each two-way link becomes two
directed edges ``<link_id>:fwd`` (u -> v) and ``<link_id>:rev`` (v -> u) with
reversed geometry; crossings, port access roads and the foreign links likewise.
``link_id`` is kept on every edge so a scenario can close both directions of a
road at once. Everything is built column-wise, so the ~14,000 edges load in well
under a second.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from corredor.errors import DataFileError
from corredor.network import CRS, Network

#: Where the bundled tables live: package data ``corredor/data/mexico`` (in a source checkout
#: and in an installed wheel alike).
DATA_DIR = Path(str(files("corredor") / "data" / "mexico"))

#: Columns of nodes.csv (``geonameid`` and ``attached`` are informative; the loader keeps
#: ``attached``: the towns (zones) and plants joined to the road at a junction).
NODE_FIELDS = ["node_id", "kind", "name", "state", "lon", "lat", "geonameid", "attached",
               "source"]
_NODE_READ = ["node_id", "kind", "name", "state", "lon", "lat", "source"]
#: Columns of foreign_links.csv (``scripts/national/border.py`` writes them in this order).
LINK_FIELDS = [
    "link_id", "u", "v", "ref", "name", "road_class", "toll", "lanes", "speed_kph", "bridge",
    "length_km", "length_method", "waypoints", "source", "note",
]
#: SICT attributes of a road link, as ``corredor.networks.sict`` names them on edges.
SICT_FIELDS = [
    "refs", "sict_ids", "sict_km", "network_class", "geometry_method", "lanes_method",
    "observed_segment", "observed_trucks_day", "tdpa", "car_share", "bus_share", "truck_share",
    "k_factor", "d_factor", "fs_e_veh_h", "los", "terrain",
]
#: Columns of links.csv, the Mexican road links (``scripts/national/roads.py`` writes them).
ROAD_LINK_FIELDS = [
    "link_id", "u", "v", "ref", "name", "road_class", "toll", "lanes", "speed_kph", "bridge",
    "length_km", "length_method", "state", *SICT_FIELDS, "capacity_trucks_day",
    "capacity_method", "waypoints", "source", "note",
]
_CROSSING_FIELDS = [
    "crossing_id", "name", "u", "v", "bts_port_code", "year", "trucks_day",
    "capacity_trucks_day", "capacity_method", "lanes", "speed_kph", "length_km",
    "length_method", "waypoints", "source",
]
#: Columns of ports.csv, in the order ``scripts/national/ports.py`` writes them.
PORT_FIELDS = [
    "node_id", "name", "locode", "wpi_number", "state", "lon", "lat", "access_node",
    "access_km", "teu", "tonnes", "throughput_year", "throughput_source", "truck_boxes_day",
    "capacity_trucks_day", "capacity_method", "source",
]
_FOREIGN_NODE_FIELDS = ["node_id", "kind", "name", "country", "lon", "lat", "source"]

#: Assumed free-flow truck speed on a port access road (urban port approach).
PORT_ACCESS_SPEED_KPH = 40.0

_NUMERIC = ("lanes", "speed_kph", "length_km", "capacity_trucks_day", "observed_trucks_day",
            "sict_km", "tdpa", "car_share", "bus_share", "truck_share", "k_factor", "d_factor",
            "fs_e_veh_h")


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
    mx_nodes = read_table(data_dir / "nodes.csv", _NODE_READ)
    foreign = read_table(data_dir / "foreign_nodes.csv", _FOREIGN_NODE_FIELDS)
    ports = read_table(data_dir / "ports.csv", PORT_FIELDS)
    nodes = _nodes_frame(mx_nodes, foreign, ports)
    records = pd.concat(
        [
            read_table(data_dir / "links.csv", ROAD_LINK_FIELDS),
            read_table(data_dir / "foreign_links.csv", LINK_FIELDS),
            _crossing_records(read_table(data_dir / "crossings.csv", _CROSSING_FIELDS)),
            _port_records(ports),
        ],
        ignore_index=True,
    ).fillna("")
    return Network.from_frames(nodes, _two_way_edges(records, nodes))


def road_network(nodes: pd.DataFrame, links: pd.DataFrame) -> Network:
    """A network of Mexican nodes and road links in the ``nodes.csv`` / ``links.csv`` layout.

    The authoring scripts use it to read the road tables before the facility tables exist.
    """
    frame = _nodes_frame(nodes, nodes.iloc[:0].assign(country=""), pd.DataFrame(
        columns=PORT_FIELDS))
    return Network.from_frames(frame, _two_way_edges(links.fillna(""), frame))


def _nodes_frame(
    mx_nodes: pd.DataFrame, foreign: pd.DataFrame, ports: pd.DataFrame
) -> gpd.GeoDataFrame:
    mexico = mx_nodes.assign(country="MX", capacity_trucks_day="")
    abroad = foreign.assign(state="", capacity_trucks_day="")
    port_nodes = ports.assign(kind="port", country="MX")
    keep = ["node_id", "kind", "name", "state", "country", "capacity_trucks_day", "lon", "lat"]
    port_extra = ["locode", "teu", "tonnes", "throughput_year", "throughput_source",
                  "truck_boxes_day"]
    mx_extra = [c for c in ("attached",) if c in mexico.columns]
    frame = pd.concat(
        [
            mexico[[*keep, *mx_extra, "source"]],
            abroad[[*keep, "source"]],
            port_nodes[keep + port_extra + ["source"]],
        ],
        ignore_index=True,
    ).fillna("")
    for column in ("teu", "tonnes", "truck_boxes_day", "capacity_trucks_day"):
        frame[column] = pd.to_numeric(frame[column].replace("", np.nan))
    geometry = shapely.points(frame["lon"].astype(float), frame["lat"].astype(float))
    return gpd.GeoDataFrame(frame.drop(columns=["lon", "lat"]), geometry=geometry, crs=CRS)


def _crossing_records(crossings: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "link_id": crossings["crossing_id"], "u": crossings["u"], "v": crossings["v"], "ref": "",
        "name": crossings["name"], "road_class": "border", "toll": "false",
        "lanes": crossings["lanes"], "speed_kph": crossings["speed_kph"], "bridge": "false",
        "length_km": crossings["length_km"], "length_method": crossings["length_method"],
        "capacity_trucks_day": crossings["capacity_trucks_day"],
        "capacity_method": crossings["capacity_method"],
        "bts_port_code": crossings["bts_port_code"], "observed_year": crossings["year"],
        "observed_trucks_day": crossings["trucks_day"], "waypoints": crossings["waypoints"],
        "source": crossings["source"], "_northbound_only": True,
    })


def _port_records(ports: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "link_id": "port-access:" + ports["node_id"].str.split(":", n=1).str[1],
        "u": ports["node_id"], "v": ports["access_node"], "ref": "",
        "name": ports["name"] + " port access", "road_class": "port_access", "toll": "false",
        "lanes": "2", "speed_kph": str(PORT_ACCESS_SPEED_KPH), "bridge": "false",
        "length_km": ports["access_km"], "length_method": "geodesic port to access node",
        "capacity_trucks_day": ports["capacity_trucks_day"],
        "capacity_method": ports["capacity_method"], "waypoints": "",
        "source": ports["source"] + f"; lanes 2 and speed {PORT_ACCESS_SPEED_KPH:g} kph: "
        "assumption: urban port approach",
    })


def _two_way_edges(records: pd.DataFrame, nodes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Two directed edges per record: ``:fwd`` along the row, ``:rev`` against it."""
    index = pd.Index(nodes["node_id"])
    position = {end: index.get_indexer(records[end]) for end in ("u", "v")}
    for end, found in position.items():
        if (found < 0).any():
            bad = records.loc[found < 0, ["link_id", end]].iloc[0]
            raise DataFileError(
                f"link {bad['link_id']}: {end}={bad[end]!r} is not a node of the bundled model "
                f"(nodes.csv, foreign_nodes.csv or ports.csv); {int((found < 0).sum())} such"
            )
    xy = shapely.get_coordinates(nodes.geometry.to_numpy())
    lines = _lines(xy[position["u"]], xy[position["v"]], records["waypoints"])
    state = nodes["state"].to_numpy()
    derived = [";".join(sorted({a, b} - {""})) for a, b in
               zip(state[position["u"]], state[position["v"]], strict=True)]
    given = records["state"] if "state" in records.columns else pd.Series("", index=records.index)
    frame = records.drop(columns=["waypoints"]).assign(state=given.where(given != "", derived))
    northbound = frame.pop("_northbound_only") if "_northbound_only" in frame else None
    fwd = frame.assign(edge_id=frame["link_id"] + ":fwd")
    rev = frame.assign(edge_id=frame["link_id"] + ":rev", u=frame["v"], v=frame["u"])
    if northbound is not None:  # BTS counts northbound entries only
        rev.loc[northbound.astype(bool).to_numpy(), "observed_trucks_day"] = ""
    both = pd.concat([fwd, rev], ignore_index=True)
    order = np.arange(len(both)).reshape(2, -1).T.ravel()  # fwd0, rev0, fwd1, rev1, ...
    both = both.iloc[order].reset_index(drop=True)
    for column in _NUMERIC:
        if column in both.columns:
            both[column] = pd.to_numeric(both[column].replace("", np.nan))
    for column in ("toll", "bridge"):
        both[column] = both[column].astype(str).str.lower().eq("true")
    geometry = np.column_stack([lines, shapely.reverse(lines)]).ravel()
    return gpd.GeoDataFrame(both, geometry=geometry, crs=CRS)


def _lines(start: np.ndarray, end: np.ndarray, waypoints: pd.Series) -> np.ndarray:
    """Lines start -> waypoints ("lon lat;lon lat;...") -> end, built in one vectorised pass."""
    text = waypoints.astype(str).str.strip()
    inner = np.where(text == "", 0, text.str.count(";") + 1)
    flat = " ".join(text[text != ""].str.replace(";", " ", regex=False))
    coords = np.array(flat.split(), dtype=float).reshape(-1, 2) if flat else np.empty((0, 2))
    if len(coords) != inner.sum():
        raise DataFileError("links: a waypoints cell is not 'lon lat;lon lat;...'")
    sizes = inner + 2
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    xy = np.empty((offsets[-1], 2))
    xy[offsets[:-1]] = start
    xy[offsets[1:] - 1] = end
    middle = np.ones(offsets[-1], dtype=bool)
    middle[offsets[:-1]] = False
    middle[offsets[1:] - 1] = False
    xy[middle] = coords
    return shapely.linestrings(xy, indices=np.repeat(np.arange(len(sizes)), sizes))

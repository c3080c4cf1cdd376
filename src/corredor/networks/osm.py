"""Freight networks built from OpenStreetMap: Overpass, ``.osm`` XML and (via pbf.py) PBF.

Every source is reduced to the same ``OsmRoads`` (the freight ways' tags and
their node-to-node segments), so the tag rules, the simplification and the
ids are shared: the same OSM data gives the same network whichever way it
arrived. The simplification works on numpy arrays rather than a networkx
graph because a national extract has millions of segments, and it merges a
chain of segments only while ref, toll, bridge, tunnel, class, lanes and
oneway stay equal, so a bridge remains an edge of its own that a scenario can
close.

Ids: a node is ``osm:<node id>``; a link (one physical road between two
junctions) is ``w<way id>:n<start>-n<end>`` (the way of its first segment and
its end nodes, oriented from the smaller node id for two-way roads) and its
directed edges are ``<link_id>:fwd`` and, when two-way, ``<link_id>:rev``.
"""

from __future__ import annotations

import os
import re
import socket
import unicodedata
from array import array
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from xml.etree.ElementTree import ParseError
from xml.sax import SAXException

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import requests
import shapely
from pyproj import Geod
from shapely.geometry import Polygon, box

from corredor.cache import user_cache_dir
from corredor.errors import DataFileError
from corredor.network import CRS, Network

__all__ = [
    "OPTIONAL_CLASSES",
    "OsmParams",
    "OsmRoads",
    "OverpassOptions",
    "WayAttributes",
    "default_cache_dir",
    "freight_classes",
    "network_from_overpass",
    "network_from_roads",
    "network_from_xml",
    "normalise_tags",
    "oneway_direction",
    "parse_lanes",
    "parse_maxspeed",
    "parse_refs",
    "roads_from_graph",
    "sorted_unique",
]

#: A progress callback receives one human-readable line at a time.
Progress = Callable[[str], None]

#: Highway classes a freight network starts from; their ``_link`` ramps come with them.
FREIGHT_CLASSES = ("motorway", "trunk", "primary")
#: Classes ``classes=`` may add (each brings its ``_link``).
OPTIONAL_CLASSES = ("secondary", "tertiary")

#: OSM way tags read from every source (osmnx ``useful_tags_way`` while it runs).
WAY_TAGS = (
    "highway", "ref", "name", "lanes", "maxspeed", "maxspeed:hgv", "toll", "toll:hgv",
    "bridge", "tunnel", "oneway", "junction",
)

#: Lanes per direction when ``lanes`` is missing or unreadable, by OSM highway value.
#: assumption: follows the bundled model's class convention (data/mexico/README.md:
#: motorway divided with 2 lanes each way, trunk = 4-lane federal road, primary =
#: 2-lane federal road); ramps have one lane.
DEFAULT_LANES_PER_DIRECTION: Mapping[str, float] = MappingProxyType({
    "motorway": 2.0, "trunk": 2.0, "primary": 1.0, "secondary": 1.0, "tertiary": 1.0,
    "motorway_link": 1.0, "trunk_link": 1.0, "primary_link": 1.0, "secondary_link": 1.0,
    "tertiary_link": 1.0,
})

#: General (car) speed limit in km/h when ``maxspeed`` is missing, by highway value.
#: motorway 110: Ley General de Movilidad y Seguridad Vial (DOF 2022-05-17), federal
#: highways, cars. primary 90: Wikipedia "Speed limits in Mexico" (2024), two-lane
#: highways. secondary/tertiary 80: LGMSV 2022, state roads outside urban zones.
#: trunk 100: assumption (between the 90 and 110 above). *_link: assumption: 60 on
#: motorway ramps; 50 on other ramps, as LGMSV 2022 caps intersection approaches at 50.
#: Every value >= 80 is cut to TRUCK_MAX_KPH for trucks anyway.
DEFAULT_MAXSPEED_KPH: Mapping[str, float] = MappingProxyType({
    "motorway": 110.0, "trunk": 100.0, "primary": 90.0, "secondary": 80.0, "tertiary": 80.0,
    "motorway_link": 60.0, "trunk_link": 50.0, "primary_link": 50.0, "secondary_link": 50.0,
    "tertiary_link": 50.0,
})

#: ``maxspeed=MX:<zone>`` values. urban 50 and rural 80: LGMSV 2022 (roads inside /
#: outside urban zones); motorway 110: LGMSV 2022 federal highways.
ZONE_MAXSPEED_KPH: Mapping[str, float] = MappingProxyType({
    "MX:urban": 50.0, "MX:rural": 80.0, "MX:motorway": 110.0,
})

#: Legal top speed of cargo vehicles on federal roads: LGMSV (DOF 2022-05-17).
TRUCK_MAX_KPH = 80.0

#: Federal "D" (directo) routes are the cuota network: assumption used only when
#: a way has no ``toll`` tag (SCT route naming, e.g. MEX-45D is the León-Silao cuota).
_TOLL_REF = re.compile(r"^MEX-\d+D$")

# osmnx 2.1 oneway rules (graph._add_paths), repeated so the PBF reader agrees.
_ONEWAY_VALUES = frozenset({"yes", "true", "1", "-1", "reverse", "T", "F"})
_REVERSED_VALUES = frozenset({"-1", "reverse", "T"})
_NO_VALUES = frozenset({"no", "false", "0"})
_YES_VALUES = frozenset({"yes", "true", "1"})
_SPEED = re.compile(r"^(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?$", re.IGNORECASE)
_UNIT_KPH = {"mph": 1.609344, "knots": 1.852}
_REF = re.compile(r"^([A-Z]+)[\s.\-]*0*(\d+)\s*([A-Z]?)$")
_FEDERAL_PREFIXES = frozenset({"MEX", "MX"})
_GEOD = Geod(ellps="WGS84")
OSM_SOURCE = "OpenStreetMap contributors (ODbL)"


@dataclass(frozen=True)
class OsmParams:
    """How OSM tags become network attributes; every default is documented above."""

    classes: tuple[str, ...] = FREIGHT_CLASSES
    default_lanes: Mapping[str, float] = field(default_factory=lambda: DEFAULT_LANES_PER_DIRECTION)
    default_maxspeed_kph: Mapping[str, float] = field(default_factory=lambda: DEFAULT_MAXSPEED_KPH)
    zone_maxspeed_kph: Mapping[str, float] = field(default_factory=lambda: ZONE_MAXSPEED_KPH)
    truck_max_kph: float = TRUCK_MAX_KPH
    infer_toll_from_ref: bool = True

    def __post_init__(self) -> None:
        known = set(self.default_lanes) & set(self.default_maxspeed_kph)
        lacking = sorted(self.highways - known)
        if lacking:
            raise ValueError(f"no default lanes/maxspeed for highway {', '.join(lacking)}")

    @property
    def highways(self) -> frozenset[str]:
        """OSM ``highway`` values kept: each class and its ``_link``."""
        return frozenset(c for base in self.classes for c in (base, f"{base}_link"))


def freight_classes(extra: tuple[str, ...] | list[str] = ()) -> tuple[str, ...]:
    """The default freight classes plus ``extra`` (e.g. ``["secondary"]``), checked.

    Parameters
    ----------
    extra : sequence of str
        Classes to add (``OPTIONAL_CLASSES``).

    Returns
    -------
    tuple of str

    Raises
    ------
    CorredorError
        An unknown class.
    """
    unknown = [c for c in extra if c not in FREIGHT_CLASSES + OPTIONAL_CLASSES]
    if unknown:
        raise DataFileError(
            f"--classes: unknown road class(es) {', '.join(unknown)}; valid additions are "
            f"{', '.join(OPTIONAL_CLASSES)} (motorway, trunk, primary are always included)"
        )
    return FREIGHT_CLASSES + tuple(c for c in OPTIONAL_CLASSES if c in extra)


# -- tags -> attributes ----------------------------------------------------------


@dataclass(frozen=True)
class WayAttributes:
    """One OSM way's tags read into the network schema (lanes are per direction)."""

    highway: str
    ref: str
    refs: str
    toll: bool
    bridge: bool
    tunnel: bool
    lanes: float
    oneway: bool
    name: str
    speed_kph: float
    defaults: tuple[str, ...]

    @property
    def road_class(self) -> str:
        return self.highway.removesuffix("_link")

    @property
    def merge_key(self) -> tuple:
        """Segments merge into one edge only while all of these agree."""
        return (self.highway, self.ref, self.refs, self.toll, self.bridge, self.tunnel,
                self.lanes, self.oneway)


def oneway_direction(tags: Mapping[str, str]) -> tuple[bool, bool]:
    """``(oneway, reversed)`` by osmnx's rules: ``-1``/``reverse`` run against the node order.

    Parameters
    ----------
    tags : mapping
        The way's OSM tags.

    Returns
    -------
    tuple of bool
    """
    value = tags.get("oneway")
    oneway = value in _ONEWAY_VALUES or tags.get("junction") == "roundabout"
    return oneway, oneway and value in _REVERSED_VALUES


def parse_lanes(value: str | None) -> float | None:
    """Lane count from ``lanes``: ``'2;3'`` and ``'2|3'`` give the smaller, 2 (the bottleneck).

    Parameters
    ----------
    value : str or None
        The raw tag.

    Returns
    -------
    float or None
    """
    counts = [float(part) for part in re.split(r"[;|,]", value or "")
              if _is_number(part) and float(part) > 0]
    return min(counts) if counts else None


def parse_maxspeed(
    value: str | None, zones: Mapping[str, float] = ZONE_MAXSPEED_KPH
) -> float | None:
    """km/h from ``maxspeed``: units (mph, knots), ``MX:urban`` zones, ``'60;80'`` -> 60.

    Parameters
    ----------
    value : str or None
        The raw tag.
    zones : mapping
        Speeds of zone values such as ``MX:urban``.

    Returns
    -------
    float or None
    """
    speeds = []
    for part in re.split(r"[;|]", value or ""):
        part = part.strip()
        zone = next((kph for name, kph in zones.items() if name.lower() == part.lower()), None)
        match = _SPEED.match(part)
        if zone is not None:
            speeds.append(zone)
        elif match and float(match.group(1)) > 0:
            unit = (match.group(2) or "").lower()
            speeds.append(float(match.group(1)) * _UNIT_KPH.get(unit, 1.0))
    return min(speeds) if speeds else None


def parse_refs(value: str | None) -> list[str]:
    """Every ref, canonical: ``'MEX 45D'`` -> ``['MEX-45D']``, ``'MEX-45D;MEX-57'`` -> both.

    Parameters
    ----------
    value : str or None
        The raw tag.

    Returns
    -------
    list of str
    """
    refs: list[str] = []
    for part in re.split(r"[;,]", value or ""):
        text = _ascii(part).upper().strip()
        match = _REF.match(text)
        if match:
            prefix = "MEX" if match.group(1) in _FEDERAL_PREFIXES else match.group(1)
            text = f"{prefix}-{int(match.group(2))}{match.group(3)}"
        text = " ".join(text.split())
        if text and text not in refs:
            refs.append(text)
    return refs


def normalise_tags(tags: Mapping[str, str], oneway: bool, params: OsmParams) -> WayAttributes:
    """The network attributes of one way; ``oneway`` comes from ``oneway_direction``.

    ``lanes`` is per direction: OSM's ``lanes`` counts both directions of a two-way
    road, so it is halved there (``lanes=4`` -> 2, ``lanes=3`` -> 1.5) and kept on a
    one-way carriageway. Truck speed is the lowest of ``maxspeed`` (or the class
    default), ``maxspeed:hgv`` and the legal truck limit. ``toll:hgv`` wins over
    ``toll``; without either, a federal "D" ref means toll (``infer_toll_from_ref``).
    Whatever came from a default is listed in ``defaults``.

    Parameters
    ----------
    tags : mapping
        The way's OSM tags.
    oneway : bool
        Whether it is one-way.
    params : OsmParams
        Defaults for missing tags.

    Returns
    -------
    WayAttributes
    """
    highway = tags["highway"]
    defaults = []
    refs = parse_refs(tags.get("ref"))
    ref = next((r for r in refs if r.startswith("MEX-")), refs[0] if refs else "")
    toll_tag = tags.get("toll:hgv", tags.get("toll"))
    if toll_tag is None and params.infer_toll_from_ref:
        toll = bool(_TOLL_REF.match(ref))
        defaults.append("toll")
    else:
        toll = toll_tag in _YES_VALUES
    total = parse_lanes(tags.get("lanes"))
    if total is None:
        lanes = params.default_lanes[highway]
        defaults.append("lanes")
    else:
        lanes = total if oneway else total / 2.0
    general = parse_maxspeed(tags.get("maxspeed"), params.zone_maxspeed_kph)
    if general is None:
        general = params.default_maxspeed_kph[highway]
        defaults.append("maxspeed")
    hgv = parse_maxspeed(tags.get("maxspeed:hgv"), params.zone_maxspeed_kph)
    speed = min(s for s in (general, hgv, params.truck_max_kph) if s is not None)
    return WayAttributes(
        highway=highway, ref=ref, refs=";".join(refs), toll=toll,
        bridge=_flag(tags.get("bridge")), tunnel=_flag(tags.get("tunnel")), lanes=lanes,
        oneway=oneway, name=(tags.get("name") or "").strip(), speed_kph=round(speed, 2),
        defaults=tuple(defaults),
    )


def _flag(value: str | None) -> bool:
    """``bridge``/``tunnel``: any value but no/false/0 (``viaduct``, ``yes``, ...) is true."""
    return value is not None and value.strip().lower() not in _NO_VALUES


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


# -- the common intermediate ---------------------------------------------------------


@dataclass(frozen=True)
class OsmRoads:
    """Freight ways as node-to-node segments, in travel order for one-way ways.

    ``ways`` maps way id -> (tags limited to WAY_TAGS, oneway); segment arrays
    ``u``, ``v``, ``way`` hold OSM ids; ``node_id`` (sorted) with ``lon``/``lat``
    gives the coordinates of the nodes the segments use.
    """

    ways: dict[int, tuple[dict[str, str], bool]]
    u: np.ndarray
    v: np.ndarray
    way: np.ndarray
    node_id: np.ndarray
    lon: np.ndarray
    lat: np.ndarray


def roads_from_graph(graph: nx.MultiDiGraph, highways: frozenset[str]) -> OsmRoads:
    """Segments of an unsimplified osmnx graph (osmnx has already applied ``oneway``).

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        From osmnx, unsimplified.
    highways : frozenset of str
        The ``highway`` values kept.

    Returns
    -------
    OsmRoads
    """
    ways: dict[int, tuple[dict[str, str], bool]] = {}
    u, v, way = array("q"), array("q"), array("q")
    for a, b, data in graph.edges(data=True):
        if data.get("reversed") or data.get("highway") not in highways:
            continue
        osmid = int(data["osmid"])
        if osmid not in ways:
            tags = {k: str(data[k]) for k in WAY_TAGS if k in data and k != "oneway"}
            ways[osmid] = (tags, bool(data["oneway"]))
        u.append(int(a))
        v.append(int(b))
        way.append(osmid)
    used = sorted({*u, *v})
    node_id = np.asarray(used, dtype=np.int64)
    lon = np.asarray([graph.nodes[n]["x"] for n in used], dtype=float)
    lat = np.asarray([graph.nodes[n]["y"] for n in used], dtype=float)
    return OsmRoads(ways, np.asarray(u, np.int64), np.asarray(v, np.int64),
                    np.asarray(way, np.int64), node_id, lon, lat)


# -- roads -> network ----------------------------------------------------------------


def network_from_roads(
    roads: OsmRoads,
    *,
    params: OsmParams | None = None,
    states: gpd.GeoDataFrame | None = None,
    progress: Progress | None = None,
    what: str = "the input",
) -> Network:
    """Normalise tags, simplify and assemble the ``Network`` (the step every source shares).

    ``what`` names the input (a file, a place) in messages.

    Parameters
    ----------
    roads : OsmRoads
        Segments from any reader.
    params : OsmParams, optional
        Classes and defaults.
    states : geopandas.GeoDataFrame, optional
        State polygons for the ``state`` column.
    progress : callable, optional
        Called with one line per step.
    what : str
        Name of the input, for messages.

    Returns
    -------
    Network
    """
    params = params or OsmParams()
    report = progress or (lambda _line: None)
    highways = params.highways
    attributes = _normalise_all(roads.ways, params)
    if not attributes:
        raise DataFileError(
            f"{what}: no OSM ways of the freight classes ({', '.join(sorted(highways))}); "
            "add classes (e.g. --classes secondary) or choose a larger area"
        )
    keep = np.isin(roads.way, np.fromiter(attributes, np.int64, len(attributes)))
    u, v, way, missing = _locate(roads.u[keep], roads.v[keep], roads.way[keep], roads)
    if missing:
        report(f"dropped {missing:,} segments whose nodes have no coordinates in {what}")
    if len(u) == 0:
        raise DataFileError(f"{what}: the freight ways' nodes have no coordinates in the input")
    nodes_used, inverse = np.unique(np.concatenate([u, v]), return_inverse=True)
    su, sv = inverse[: len(u)], inverse[len(u):]
    position = np.searchsorted(roads.node_id, nodes_used)
    lon, lat = roads.lon[position], roads.lat[position]
    way_ids = np.asarray(sorted(attributes), dtype=np.int64)
    key_of: dict[tuple, int] = {}
    way_key = np.asarray([key_of.setdefault(attributes[w].merge_key, len(key_of))
                          for w in way_ids.tolist()], dtype=np.int64)
    way_oneway = np.asarray([attributes[w].oneway for w in way_ids.tolist()], dtype=bool)
    way_speed = np.asarray([attributes[w].speed_kph for w in way_ids.tolist()])
    way_row = np.searchsorted(way_ids, way)
    report(f"simplifying {len(u):,} segments of {len(attributes):,} ways")
    chain_nodes, chain_segs, node_start, seg_start = _chains(
        su, sv, way_key[way_row], way_oneway[way_row], way, nodes_used
    )
    report(f"merged into {len(node_start):,} links")
    seg_len = _GEOD.inv(lon[su], lat[su], lon[sv], lat[sv])[2]
    seg_hours = seg_len / 1000.0 / way_speed[way_row]
    links = _link_table(chain_nodes, chain_segs, node_start, seg_start, seg_len, seg_hours,
                        way, attributes, nodes_used, lon, lat)
    node_state = _states_of(lon, lat, states)
    nodes = gpd.GeoDataFrame(
        {
            "node_id": [f"osm:{n}" for n in nodes_used[links.ends].tolist()],
            "kind": "junction", "name": "", "state": node_state[links.ends],
            "capacity_trucks_day": np.nan,
        },
        geometry=shapely.points(lon[links.ends], lat[links.ends]), crs=CRS,
    )
    edges = _directed_edges(links, nodes_used, node_state)
    return Network.from_frames(nodes, edges)


def _normalise_all(ways: dict[int, tuple[dict[str, str], bool]],
                   params: OsmParams) -> dict[int, WayAttributes]:
    """``normalise_tags`` for every kept way, once per distinct tag set (ways repeat them)."""
    highways = params.highways
    memo: dict[tuple, WayAttributes] = {}
    attributes = {}
    for way_id, (tags, oneway) in ways.items():
        if tags.get("highway") in highways:
            key = (tuple(sorted(tags.items())), oneway)
            if key not in memo:
                memo[key] = normalise_tags(tags, oneway, params)
            attributes[way_id] = memo[key]
    return attributes


def _locate(u, v, way, roads: OsmRoads):
    """Drop segments with a node missing from the input; fuse coincident nodes.

    Two OSM nodes at the same position become one (the smaller id), so that no
    edge has zero length. Returns the segments and the number dropped.
    """
    last = len(roads.node_id) - 1
    pos_u = np.searchsorted(roads.node_id, u).clip(max=last)
    pos_v = np.searchsorted(roads.node_id, v).clip(max=last)
    found = (roads.node_id[pos_u] == u) & (roads.node_id[pos_v] == v)
    pos_u, pos_v, way = pos_u[found], pos_v[found], way[found]
    # OSM stores 1e-7 degree integers: pack both into one int64 key per position
    x = np.round((roads.lon + 180.0) * 1e7).astype(np.int64)
    y = np.round((roads.lat + 90.0) * 1e7).astype(np.int64)
    _, first, group = np.unique(x * 2_000_000_000 + y, return_index=True, return_inverse=True)
    canonical = roads.node_id[first][group]  # ids are sorted: the first is the smallest
    u, v = canonical[pos_u], canonical[pos_v]
    distinct = u != v
    return u[distinct], v[distinct], way[distinct], int((~found).sum())


def _chains(su, sv, skey, sone, way, osm_ids):
    """Maximal runs of segments through interstitial nodes, deterministically oriented.

    A node is interstitial when exactly two segments meet there with the same
    merge key (and, for one-way roads, one arrives while the other leaves).
    Returns flat node/segment sequences with the start offset of each chain.
    """
    n, m = len(osm_ids), len(su)
    ends = np.concatenate([su, sv])
    incident = np.concatenate([np.arange(m), np.arange(m)])[np.argsort(ends, kind="stable")]
    degree = np.bincount(ends, minlength=n)
    start = np.concatenate([[0], np.cumsum(degree)[:-1]])
    pair = np.full((n, 2), -1, dtype=np.int64)
    two = np.flatnonzero(degree == 2)
    s1, s2 = incident[start[two]], incident[start[two] + 1]
    pair[two, 0], pair[two, 1] = s1, s2
    through = ((sv[s1] == two) & (su[s2] == two)) | ((sv[s2] == two) & (su[s1] == two))
    ok = (s1 != s2) & (skey[s1] == skey[s2]) & (~sone[s1] | through)
    interstitial = np.zeros(n, dtype=bool)
    interstitial[two[ok]] = True

    visited = np.zeros(m, dtype=bool)
    chain_nodes, chain_segs = array("q"), array("q")
    node_start, seg_start = array("q"), array("q")

    def walk(first: int, seg: int) -> None:
        nodes, segs, here = [first], [], first
        while True:
            visited[seg] = True
            segs.append(seg)
            here = int(sv[seg]) if su[seg] == here else int(su[seg])
            nodes.append(here)
            if here == first or not interstitial[here]:
                break
            seg = int(pair[here, 1] if pair[here, 0] == seg else pair[here, 0])
        if not sone[segs[0]] and _backwards(nodes, segs, osm_ids, way):
            nodes.reverse()
            segs.reverse()
        node_start.append(len(chain_nodes))
        seg_start.append(len(chain_segs))
        chain_nodes.extend(nodes)
        chain_segs.extend(segs)

    for x in np.flatnonzero(~interstitial & (degree > 0)).tolist():
        for seg in incident[start[x]: start[x] + degree[x]].tolist():
            if not visited[seg] and not (sone[seg] and su[seg] != x):
                walk(x, seg)
    left = np.flatnonzero(interstitial & ~(visited[pair[:, 0]] & visited[pair[:, 1]]))
    for x in left.tolist():  # rings made only of interstitial nodes
        segs = [s for s in pair[x].tolist() if not visited[s]]
        if segs:
            if sone[segs[0]]:
                walk(x, next(s for s in segs if su[s] == x))
            else:
                far = [int(sv[s]) if su[s] == x else int(su[s]) for s in segs]
                walk(x, segs[int(np.argmin([osm_ids[f] for f in far]))])
    return (np.asarray(chain_nodes, np.int64), np.asarray(chain_segs, np.int64),
            np.asarray(node_start, np.int64), np.asarray(seg_start, np.int64))


def _backwards(nodes: list[int], segs: list[int], osm_ids, way) -> bool:
    """Should a two-way chain be reversed to start at its smaller end node id?"""
    first, last = osm_ids[nodes[0]], osm_ids[nodes[-1]]
    if first != last:
        return first > last
    if len(nodes) > 2 and nodes[1] != nodes[-2]:
        return osm_ids[nodes[1]] > osm_ids[nodes[-2]]
    return way[segs[0]] > way[segs[-1]]


@dataclass(frozen=True)
class _Links:
    """One row per simplified link, plus the dense indices of its end nodes."""

    table: pd.DataFrame
    geometry: np.ndarray
    ends: np.ndarray


def _link_table(chain_nodes, chain_segs, node_start, seg_start, seg_len, seg_hours, way,
                attributes, osm_ids, lon, lat) -> _Links:
    node_stop = np.append(node_start[1:], len(chain_nodes))
    seg_stop = np.append(seg_start[1:], len(chain_segs))
    seg_way = way[chain_segs]
    first_way = seg_way[seg_start]
    length_m = np.add.reduceat(seg_len[chain_segs], seg_start)
    hours = np.add.reduceat(seg_hours[chain_segs], seg_start)
    start_node, end_node = chain_nodes[node_start], chain_nodes[node_stop - 1]
    link_ids = [
        f"w{w}:n{a}-n{b}"
        for w, a, b in zip(first_way.tolist(), osm_ids[start_node].tolist(),
                           osm_ids[end_node].tolist(), strict=True)
    ]
    link_ids = _unique_ids(link_ids, chain_nodes, node_start, node_stop)
    way_lists = [_in_order(seg_way[a:b]) for a, b in zip(seg_start, seg_stop, strict=True)]
    first_attr = [attributes[w] for w in first_way.tolist()]
    table = pd.DataFrame({
        "link_id": link_ids,
        "u": start_node,
        "v": end_node,
        "ref": [a.ref for a in first_attr],
        "refs": [a.refs for a in first_attr],
        "name": ["; ".join(dict.fromkeys(n for w in ws if (n := attributes[w].name)))
                 for ws in way_lists],
        "highway": [a.highway for a in first_attr],
        "road_class": [a.road_class for a in first_attr],
        "toll": [a.toll for a in first_attr],
        "lanes": [a.lanes for a in first_attr],
        "bridge": [a.bridge for a in first_attr],
        "tunnel": [a.tunnel for a in first_attr],
        "oneway": [a.oneway for a in first_attr],
        "length_km": length_m / 1000.0,
        "speed_kph": np.round(length_m / 1000.0 / hours, 2),
        "osm_way_id": [";".join(map(str, ws)) for ws in way_lists],
        "defaults": [";".join(sorted({d for w in ws for d in attributes[w].defaults}))
                     for ws in way_lists],
    })
    index = np.repeat(np.arange(len(node_start)), node_stop - node_start)
    coords = np.column_stack([lon[chain_nodes], lat[chain_nodes]])
    geometry = shapely.linestrings(coords, indices=index)
    order = np.argsort(np.asarray(link_ids, dtype=object), kind="stable")
    ends = sorted_unique(np.concatenate([start_node, end_node]))
    return _Links(table.iloc[order].reset_index(drop=True), geometry[order], ends)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` by sorting: numpy 2.4's hashing path is ~8x slower on ids.

    Parameters
    ----------
    values : numpy.ndarray
        Integer ids.

    Returns
    -------
    numpy.ndarray
    """
    ordered = np.sort(values)
    keep = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _in_order(ways: np.ndarray) -> list[int]:
    """Way ids of a chain in travel order, each once."""
    return list(dict.fromkeys(ways.tolist()))


def _unique_ids(ids: list[str], chain_nodes, node_start, node_stop) -> list[str]:
    """Suffix ``~2``, ``~3`` to links that share an id (a way looping between two nodes)."""
    seen: dict[str, list[int]] = {}
    for i, link_id in enumerate(ids):
        seen.setdefault(link_id, []).append(i)
    out = list(ids)
    for link_id, rows in seen.items():
        if len(rows) > 1:
            rows.sort(key=lambda r: chain_nodes[node_start[r]: node_stop[r]].tolist())
            for rank, row in enumerate(rows[1:], start=2):
                out[row] = f"{link_id}~{rank}"
    return out


def _directed_edges(links: _Links, osm_ids: np.ndarray, node_state: np.ndarray) -> gpd.GeoDataFrame:
    """``:fwd`` along each link and ``:rev`` against it unless one-way, interleaved."""
    table = links.table
    state_u, state_v = node_state[table["u"]], node_state[table["v"]]
    both = np.where(state_u < state_v, np.char.add(np.char.add(state_u, ";"), state_v),
                    np.char.add(np.char.add(state_v, ";"), state_u))
    state = np.where((state_u == state_v) | (state_v == ""), state_u,
                     np.where(state_u == "", state_v, both))
    fwd = table.assign(
        edge_id=table["link_id"] + ":fwd",
        u="osm:" + pd.Series(osm_ids[table["u"]]).astype(str),
        v="osm:" + pd.Series(osm_ids[table["v"]]).astype(str),
        state=state, capacity_trucks_day=np.nan, source=_source(table["defaults"]),
        order=2 * np.arange(len(table)),
    )
    fwd = gpd.GeoDataFrame(fwd, geometry=links.geometry, crs=CRS)
    rev = fwd.loc[~fwd["oneway"]].copy()
    rev["edge_id"] = rev["link_id"] + ":rev"
    rev["u"], rev["v"] = fwd.loc[rev.index, "v"], fwd.loc[rev.index, "u"]
    rev["order"] += 1
    rev = rev.set_geometry(shapely.reverse(rev.geometry.values))
    edges = pd.concat([fwd, rev]).sort_values("order").drop(columns="order")
    return gpd.GeoDataFrame(edges, geometry="geometry", crs=CRS)


def _source(defaults: pd.Series) -> pd.Series:
    note = "; " + defaults.str.replace(";", ", ") + " not tagged: corredor defaults (assumption)"
    return OSM_SOURCE + note.where(defaults != "", "")


# -- states --------------------------------------------------------------------------


def _states_of(lon: np.ndarray, lat: np.ndarray, states: gpd.GeoDataFrame | None) -> np.ndarray:
    """INEGI code of the polygon holding each point ('' outside all, or without polygons)."""
    codes = np.full(len(lon), "", dtype=object)
    if states is None or len(lon) == 0:
        return codes.astype(str)
    points = shapely.points(lon, lat)
    tree = shapely.STRtree(states.geometry.values)
    point_i, poly_i = tree.query(points, predicate="intersects")  # a border point: either state
    codes[point_i] = states["state"].to_numpy()[poly_i]
    return codes.astype(str)


# -- sources ---------------------------------------------------------------------------


def default_cache_dir() -> Path:
    """Where osmnx keeps Overpass responses: the user's cache folder, never the cwd.

    Returns
    -------
    Path
    """
    return user_cache_dir("osmnx")


@dataclass(frozen=True)
class OverpassOptions:
    """Where and how osmnx downloads (set only for the duration of one build)."""

    overpass_url: str = "https://overpass-api.de/api"
    nominatim_url: str = "https://nominatim.openstreetmap.org/"
    cache_dir: Path = field(default_factory=default_cache_dir)
    rate_limit: bool = True
    timeout_s: int = 180


@contextmanager
def _osmnx_settings(**values: object) -> Iterator[None]:
    """Set osmnx's module-level settings for one call and put everything back after.

    osmnx also patches ``socket.getaddrinfo`` to pin the Overpass host; that is undone too.
    """
    import osmnx as ox

    saved = {name: getattr(ox.settings, name) for name in values}
    getaddrinfo = socket.getaddrinfo
    try:
        for name, value in values.items():
            setattr(ox.settings, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(ox.settings, name, value)
        socket.getaddrinfo = getaddrinfo


def network_from_xml(
    path: str | os.PathLike[str],
    *,
    params: OsmParams | None = None,
    states: gpd.GeoDataFrame | None = None,
    progress: Progress | None = None,
) -> Network:
    """A network from an OSM XML file (``.osm``, ``.osm.bz2``) read by ``osmnx.graph_from_xml``.

    osmnx holds the whole file in memory: use ``network_from_pbf`` for a state or country.

    Parameters
    ----------
    path : str or path-like
        The XML file.
    params : OsmParams, optional
        Classes and defaults.
    states : geopandas.GeoDataFrame, optional
        State polygons for the ``state`` column.
    progress : callable, optional
        Called with one line per step.

    Returns
    -------
    Network
    """
    import osmnx as ox

    params = params or OsmParams()
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: no such file (expected OSM XML, .osm or .osm.bz2)")
    if progress:
        progress(f"reading {path.name} with osmnx")
    try:
        with _osmnx_settings(useful_tags_way=list(WAY_TAGS), log_console=False):
            graph = ox.graph_from_xml(path, simplify=False, retain_all=True)
    except (OSError, SAXException, ParseError) as exc:
        raise DataFileError(f"{path}: not readable as OSM XML ({exc})") from exc
    except ValueError as exc:  # osmnx: a way uses nodes the file does not contain
        raise DataFileError(
            f"{path}: {exc}; use a reference-complete extract or the same data as .osm.pbf "
            "(--pbf drops the segments of missing nodes)"
        ) from exc
    return network_from_roads(roads_from_graph(graph, params.highways), params=params,
                              states=states, progress=progress, what=str(path))


def network_from_overpass(
    *,
    place: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    polygon: Polygon | None = None,
    params: OsmParams | None = None,
    states: gpd.GeoDataFrame | None = None,
    options: OverpassOptions | None = None,
    progress: Progress | None = None,
) -> Network:
    """Download the freight roads of a place name, a ``(west, south, east, north)`` box or a
    polygon from Overpass through osmnx (exactly one of the three), then build the network.

    Parameters
    ----------
    place, bbox, polygon
        Exactly one: a place name, a box, or a polygon in EPSG:4326.
    params : OsmParams, optional
        Classes and defaults.
    states : geopandas.GeoDataFrame, optional
        State polygons for the ``state`` column.
    options : OverpassOptions, optional
        Endpoints, cache, timeout.
    progress : callable, optional
        Called with one line per step.

    Returns
    -------
    Network
    """
    import osmnx as ox
    from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError

    params = params or OsmParams()
    options = options or OverpassOptions()
    given = [name for name, value in (("place", place), ("bbox", bbox), ("polygon", polygon))
             if value is not None]
    if len(given) != 1:
        raise DataFileError(f"give exactly one of place, bbox, polygon (got {given or 'none'})")
    if bbox is not None:
        west, south, east, north = bbox
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise DataFileError(f"--bbox {bbox}: expected W S E N in degrees with W < E and S < N")
        polygon = box(west, south, east, north)
    highway_filter = "|".join(sorted(params.highways))
    settings = dict(
        useful_tags_way=list(WAY_TAGS), overpass_url=options.overpass_url,
        nominatim_url=options.nominatim_url, cache_folder=str(options.cache_dir),
        use_cache=True, overpass_rate_limit=options.rate_limit,
        requests_timeout=options.timeout_s, log_console=False,
    )
    try:
        with _osmnx_settings(**settings):
            if place is not None:
                if progress:
                    progress(f"geocoding {place!r} with Nominatim")
                polygon = _geocode(place)
            if progress:
                progress(f"downloading {highway_filter} ways from {options.overpass_url}")
            graph = ox.graph_from_polygon(
                polygon, custom_filter=f'["highway"~"^({highway_filter})$"]', simplify=False,
                retain_all=True, truncate_by_edge=True,
            )
    except InsufficientResponseError as exc:
        raise DataFileError(f"{given[0]} {place or bbox or 'polygon'}: {exc}") from exc
    except (requests.RequestException, ResponseStatusCodeError) as exc:
        raise DataFileError(f"could not download from {options.overpass_url}: {exc}") from exc
    return network_from_roads(roads_from_graph(graph, params.highways), params=params,
                              states=states, progress=progress,
                              what=f"{given[0]} {place or bbox or 'polygon'}")


def _geocode(place: str) -> Polygon:
    """The boundary polygon Nominatim gives for a place name."""
    import osmnx as ox

    try:
        return ox.geocode_to_gdf(place).geometry.iloc[0]
    except TypeError as exc:  # osmnx: the place geocoded to a point, not a polygon
        raise DataFileError(f"--place {place!r}: {exc}; use --bbox or --polygon") from exc

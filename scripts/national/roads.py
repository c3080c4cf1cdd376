"""Generate the Mexican road network tables ``nodes.csv`` and ``links.csv``.

Step 1 of ``make data`` (``scripts/national/build_all.py``); alone, from the
repository root::

    .venv/bin/python scripts/national/roads.py [--out DIR]

The network is authored in ``scripts/national/corridors.yaml``: named nodes
(GeoNames places), automotive plants, and federal highway corridors as ordered
node lists with optional GeoNames waypoints. This script

* looks every place up in GeoNames cities1000 (``common.mexican_place``) and
  fails loudly on a name it cannot find;
* writes one two-way link per consecutive node pair of each corridor, with
  ``length_km`` = WGS84 geodesic length of the polyline u -> waypoints -> v;
* inserts the closable bridge links listed under ``bridges`` (located at the
  crossing with a Natural Earth 1:10m river when one crosses the link's line,
  otherwise at a stated, stylised position);
* connects each plant to the road network with a ``connector`` link;
* checks the result (unique ids, endpoints, one connected component, length
  ratios, every node inside its INEGI state) before writing anything.

The output is sorted and deterministic: running the script twice gives
byte-identical files.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
from pyproj import Geod
from shapely.geometry import LineString, Point

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
    mexican_place_by_id,
    parse_out_dir,
    raise_problems,
    read_yaml,
    require,
    run,
    slug,
    write_csv,
)

SPEC = HERE / "corridors.yaml"
SPEC_KEYS = ("class_defaults", "nodes", "plants", "corridors", "bridge_length_km", "required_nodes")
RIVERS = SHARED_DATA / "rivers" / "ne_10m_rivers_north_america.json"
STATES = SHARED_DATA / "boundaries" / "estatal.shp"

#: Columns of nodes.csv (the loader reads all but ``geonameid``).
NODE_COLUMNS = ["node_id", "kind", "name", "state", "lon", "lat", "geonameid", "source"]

GEONAMES_NODE_SOURCE = "GeoNames cities1000 (CC-BY 4.0) geonameid {gid}"
PLANT_SOURCE = (
    "plant located at its host town's GeoNames coordinate (assumption: plant site "
    "approximated by town); host town {town}: GeoNames cities1000 (CC-BY 4.0) geonameid {gid}"
)
ALIGNMENT_SOURCE = (
    "route alignment: SCT Red Federal de Carreteras (federal highway numbering), "
    "as read by the author, not digitised from an SCT map"
)
LENGTH_SOURCE = "length: geodesic along GeoNames cities1000 (CC-BY 4.0) waypoints"
LENGTH_METHOD = "geodesic along waypoints"
CONNECTOR_FALLBACK_KM = 2.0
MAX_RATIO = 1.6
STATE_TOLERANCE_KM = 3.0

_GEOD = Geod(ellps="WGS84")

LonLat = tuple[float, float]


# --------------------------------------------------------------------------- places


def place(spec: str) -> dict[str, object]:
    """Resolve a place spec of ``corridors.yaml`` to a GeoNames place.

    Parameters
    ----------
    spec : str
        ``"GeoNames name/INEGI state"``, optionally followed by ``#geonameid``.
        Without the pin the most populous place of that name in the state wins
        (``common.mexican_place``); with it, that exact GeoNames record is used and
        its name and state must match, so a pin can never silently drift.

    Returns
    -------
    dict
        As ``common.mexican_place``.

    Raises
    ------
    AuthoringError
        When the spec is malformed or GeoNames has no such place.
    """
    text, _, pin = spec.partition("#")
    name, _, state = text.rpartition("/")
    if not name or len(state) != 2:
        raise AuthoringError(f"place spec {spec!r} is not 'Name/SS' (INEGI state code)")
    if not pin:
        return mexican_place(name, state)
    return mexican_place_by_id(pin, name, state)


def waypoint_points(places: Sequence[str]) -> list[LonLat]:
    """Coordinates of a list of place specs (see :func:`place`).

    Parameters
    ----------
    places : sequence of str
        Place specs, in order along the road.

    Returns
    -------
    list of (lon, lat)
        Their GeoNames coordinates.
    """
    return [(float(q["lon"]), float(q["lat"])) for q in (place(w) for w in places)]


@dataclass
class Node:
    """One row of ``nodes.csv``."""

    node_id: str
    kind: str
    name: str
    state: str
    lon: float
    lat: float
    geonameid: str
    source: str

    @property
    def point(self) -> LonLat:
        """The node's (lon, lat)."""
        return (self.lon, self.lat)

    def row(self) -> dict[str, str]:
        """The node as a ``nodes.csv`` row of text.

        Returns
        -------
        dict
            One value per ``NODE_COLUMNS`` entry.
        """
        return {
            "node_id": self.node_id,
            "kind": self.kind,
            "name": self.name,
            "state": self.state,
            "lon": fmt(self.lon, 5),
            "lat": fmt(self.lat, 5),
            "geonameid": self.geonameid,
            "source": self.source,
        }


@dataclass
class Link:
    """One row of ``links.csv``: a two-way Mexican road link."""

    link_id: str
    u: str
    v: str
    ref: str
    name: str
    road_class: str
    toll: bool
    lanes: int
    speed_kph: int
    bridge: bool
    length_km: float
    length_method: str
    waypoints: list[LonLat] = field(default_factory=list)
    source: str = ""
    note: str = ""

    def row(self) -> dict[str, str]:
        """The link as a ``links.csv`` row of text.

        Returns
        -------
        dict
            One value per ``LINK_FIELDS`` entry.
        """
        return {
            "link_id": self.link_id,
            "u": self.u,
            "v": self.v,
            "ref": self.ref,
            "name": self.name,
            "road_class": self.road_class,
            "toll": "true" if self.toll else "false",
            "lanes": str(self.lanes),
            "speed_kph": str(self.speed_kph),
            "bridge": "true" if self.bridge else "false",
            "length_km": fmt(self.length_km, 1),
            "length_method": self.length_method,
            "waypoints": ";".join(f"{fmt(lon, 5)} {fmt(lat, 5)}" for lon, lat in self.waypoints),
            "source": self.source,
            "note": self.note,
        }


@dataclass
class Draft:
    """The network while it is being built: nodes by id, links in creation order."""

    nodes: dict[str, Node] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    report: list[str] = field(default_factory=list)
    _link_ids: dict[str, int] = field(default_factory=dict)

    def add_node(self, node: Node) -> None:
        """Add a node, refusing a duplicate id.

        Parameters
        ----------
        node : Node
            The node to add.

        Raises
        ------
        AuthoringError
            When a node with the same id exists.
        """
        if node.node_id in self.nodes:
            raise AuthoringError(f"{SPEC.name}: duplicate node id {node.node_id}")
        self.nodes[node.node_id] = node

    def new_link_id(self, prefix: str, u: str, v: str) -> str:
        """A new link id ``<prefix>:<u>-<v>``, with ``-2``, ``-3``... for repeats.

        Parameters
        ----------
        prefix : str
            The road's ref or id prefix (lower-cased).
        u, v : str
            End node ids (their ``mx:`` prefix is dropped).

        Returns
        -------
        str
            An id not handed out before.
        """
        base = f"{prefix.lower()}:{u.split(':', 1)[1]}-{v.split(':', 1)[1]}"
        self._link_ids[base] = self._link_ids.get(base, 0) + 1
        count = self._link_ids[base]
        return base if count == 1 else f"{base}-{count}"

    def polyline(self, link: Link) -> list[LonLat]:
        """The link's line u -> waypoints -> v.

        Parameters
        ----------
        link : Link
            A link of this draft.

        Returns
        -------
        list of (lon, lat)
        """
        return [self.nodes[link.u].point, *link.waypoints, self.nodes[link.v].point]


# --------------------------------------------------------------------------- geometry


def _cumulative_km(points: Sequence[LonLat]) -> list[float]:
    cum = [0.0]
    for a, b in itertools.pairwise(points):
        cum.append(cum[-1] + geodesic_km([a, b]))
    return cum


def _point_at(points: Sequence[LonLat], dist_km: float) -> tuple[LonLat, int]:
    """Point at geodesic distance ``dist_km`` along the polyline, and the index of
    the vertex before it."""
    cum = _cumulative_km(points)
    if not 0.0 < dist_km < cum[-1]:
        raise AuthoringError(
            f"{SPEC.name}: bridge at km {dist_km:.3f} lies outside its link of {cum[-1]:.3f} km"
        )
    i = next(i for i in range(len(points) - 1) if cum[i] <= dist_km <= cum[i + 1])
    (lon1, lat1), (lon2, lat2) = points[i], points[i + 1]
    azimuth, _, _ = _GEOD.inv(lon1, lat1, lon2, lat2)
    lon, lat, _ = _GEOD.fwd(lon1, lat1, azimuth, (dist_km - cum[i]) * 1000.0)
    return (round(lon, 5), round(lat, 5)), i


def _along_km(points: Sequence[LonLat], p: Point) -> float:
    """Geodesic distance along the polyline (of two or more points) to point ``p`` on it."""
    cum = _cumulative_km(points)
    _, along = min(
        ((LineString([points[i], points[i + 1]]).distance(p), i) for i in range(len(points) - 1)),
        key=lambda item: item[0],
    )
    return cum[along] + geodesic_km([points[along], (p.x, p.y)])


class StateLookup:
    """INEGI state polygons (simplified) for checking and deriving node states.

    Parameters
    ----------
    path : pathlib.Path
        The INEGI state boundaries (default ``../shared/data/boundaries/estatal.shp``).
    """

    def __init__(self, path: Path = STATES) -> None:
        states = gpd.read_file(path).to_crs(4326)
        code_col = next(
            (c for c in ("CVEGEO", "CVE_ENT", "cve_ent", "id") if c in states.columns), None
        )
        if code_col is None:
            raise AuthoringError(f"{path}: no INEGI state code column (CVEGEO, CVE_ENT, id)")
        states["code"] = states[code_col].astype(str).str.zfill(2).str[:2]
        self._states = states
        self._metric = states.to_crs(6372)  # INEGI Mexico LCC, metres

    def state_of(self, lon: float, lat: float) -> str | None:
        """INEGI code of the state containing a point.

        Parameters
        ----------
        lon, lat : float
            The point, WGS84 degrees.

        Returns
        -------
        str or None
            The code, or None when no polygon contains the point.
        """
        hits = self._states[self._states.contains(Point(lon, lat))]
        return hits["code"].iloc[0] if len(hits) else None

    def distance_km(self, lon: float, lat: float, code: str) -> float:
        """Distance from a point to a state's polygon (0 inside).

        Parameters
        ----------
        lon, lat : float
            The point, WGS84 degrees.
        code : str
            INEGI state code.

        Returns
        -------
        float
            Distance in km, measured in INEGI's Mexico LCC projection.
        """
        pt = gpd.GeoSeries([Point(lon, lat)], crs=4326).to_crs(6372).iloc[0]
        poly = self._metric[self._metric["code"] == code]
        if poly.empty:
            raise AuthoringError(f"{STATES}: no state polygon with INEGI code {code}")
        return float(poly.distance(pt).min()) / 1000.0


def read_rivers(path: Path = RIVERS) -> gpd.GeoDataFrame:
    """Read the Natural Earth rivers used to place bridges.

    Parameters
    ----------
    path : pathlib.Path
        The rivers GeoJSON (default: Natural Earth 1:10m, North America supplement).

    Returns
    -------
    geopandas.GeoDataFrame
    """
    return gpd.read_file(path)


def river_crossing(points: Sequence[LonLat], rivers: gpd.GeoDataFrame) -> tuple[Point, str] | None:
    """First crossing (from u) of a polyline with a Natural Earth river, if any.

    Parameters
    ----------
    points : sequence of (lon, lat)
        The road line.
    rivers : geopandas.GeoDataFrame
        River lines with a ``name`` column.

    Returns
    -------
    (shapely.Point, str) or None
        The crossing point and the river's name (``"unnamed"`` when blank).
    """
    line = LineString(points)
    candidates = rivers[rivers.intersects(line)]
    best: tuple[float, Point, str] | None = None
    for _, river in candidates.iterrows():
        inter = line.intersection(river.geometry)
        parts = [inter] if isinstance(inter, Point) else list(getattr(inter, "geoms", []))
        for p in parts:
            if not isinstance(p, Point):  # collinear overlaps do not occur for these lines
                continue
            along = _along_km(points, p)
            if best is None or along < best[0]:
                best = (along, p, str(river.get("name") or "unnamed"))
    return None if best is None else (best[1], best[2])


# --------------------------------------------------------------------------- build


def build(spec: Mapping[str, Any], rivers: gpd.GeoDataFrame) -> Draft:
    """Build the Mexican road network described by ``corridors.yaml``.

    Parameters
    ----------
    spec : mapping
        The parsed ``corridors.yaml``.
    rivers : geopandas.GeoDataFrame
        Natural Earth rivers (:func:`read_rivers`), to locate bridges.

    Returns
    -------
    Draft
        Nodes (bridge ends still without a state, see :func:`assign_junction_states`),
        links and the report lines printed by :func:`main`.
    """
    draft = Draft()
    add_places(draft, spec["nodes"])
    for corridor in spec["corridors"]:
        add_corridor(draft, corridor, spec["class_defaults"])
    add_bridges(draft, spec.get("bridges", []), float(spec["bridge_length_km"]), rivers)
    add_plants(draft, spec["plants"], spec["class_defaults"]["connector"])
    return draft


def add_places(draft: Draft, named: Mapping[str, Any]) -> None:
    """Add the named GeoNames nodes (``nodes:`` of ``corridors.yaml``).

    Parameters
    ----------
    draft : Draft
        The network being built.
    named : mapping
        Node id (without ``mx:``) -> place spec, or ``{place: spec, kind: ...}``.

    Raises
    ------
    AuthoringError
        When an id is not a slug or two ids resolve to the same GeoNames place.
    """
    for key, value in named.items():
        if key != slug(key):
            raise AuthoringError(
                f"{SPEC.name}: node id {key!r} is not a slug (ASCII lower case with underscores)"
            )
        entry = value if isinstance(value, dict) else {"place": value}
        where = f"{SPEC.name} nodes {key}"
        with in_input(where):
            p = place(require(entry, ["place"], where)["place"])
        draft.add_node(
            Node(
                node_id=f"mx:{key}",
                kind=entry.get("kind", "city"),
                name=str(p["name"]),
                state=str(p["state"]),
                lon=float(p["lon"]),
                lat=float(p["lat"]),
                geonameid=str(p["geonameid"]),
                source=GEONAMES_NODE_SOURCE.format(gid=p["geonameid"]),
            )
        )
    if len({n.geonameid for n in draft.nodes.values()}) != len(draft.nodes):
        raise AuthoringError(f"{SPEC.name}: two node ids resolve to the same GeoNames place")


def _road_source(alignment: str, cls: str, params: Mapping[str, Any]) -> str:
    return (
        f"{alignment}; {LENGTH_SOURCE}; lanes/speed: assumption: class default "
        f"({cls}: {params['lanes']} lane(s) per direction, {params['speed_kph']} km/h)"
    )


def _check_corridor(
    draft: Draft, corridor: Mapping[str, Any], defaults: Mapping[str, Any]
) -> tuple[str, list[tuple[str, str]]]:
    """Validate a corridor entry; return its name for messages and its node pairs."""
    require(corridor, ["ref", "name", "class", "path"], f"{SPEC.name} corridor")
    where = f"{SPEC.name} corridor {corridor['ref']} {corridor['name']!r}"
    if not (corridor.get("id_prefix") or corridor["ref"]):
        raise AuthoringError(f"{where}: has neither ref nor id_prefix")
    if corridor["class"] not in defaults:
        raise AuthoringError(f"{where}: class {corridor['class']!r} not in class_defaults")
    path = [f"mx:{n}" for n in corridor["path"]]
    unknown = [n for n in path if n not in draft.nodes]
    if unknown:
        raise AuthoringError(f"{where}: unknown node(s) {unknown}")
    pairs = list(itertools.pairwise(path))
    keys = set(corridor.get("via") or {}) | set(corridor.get("segment_notes") or {})
    off_path = keys - {f"{u[3:]} {v[3:]}" for u, v in pairs}
    if off_path:
        raise AuthoringError(f"{where}: via/segment_notes keys not on its path: {sorted(off_path)}")
    return where, pairs


def add_corridor(
    draft: Draft, corridor: Mapping[str, Any], defaults: Mapping[str, Mapping[str, Any]]
) -> None:
    """Add one link per consecutive node pair of a corridor.

    Parameters
    ----------
    draft : Draft
        The network being built (its named nodes already added).
    corridor : mapping
        One item of ``corridors:`` in ``corridors.yaml``.
    defaults : mapping
        ``class_defaults`` of ``corridors.yaml``: toll, lanes, speed per road class.

    Raises
    ------
    AuthoringError
        On an unknown node or class, or a ``via``/``segment_notes`` key that is
        not a consecutive pair of the corridor's path.
    """
    where, pairs = _check_corridor(draft, corridor, defaults)
    ref, cls = corridor["ref"], corridor["class"]
    prefix = corridor.get("id_prefix") or ref
    params = defaults[cls]
    via = dict(corridor.get("via") or {})
    seg_notes = dict(corridor.get("segment_notes") or {})
    source = _road_source(corridor.get("alignment_source", ALIGNMENT_SOURCE), cls, params)
    nodes = draft.nodes
    for u, v in pairs:
        key = f"{u[3:]} {v[3:]}"
        with in_input(f"{where} via {key!r}"):
            wps = waypoint_points(via.get(key, []))
        draft.links.append(
            Link(
                link_id=draft.new_link_id(prefix, u, v),
                u=u,
                v=v,
                ref=ref,
                name=f"{corridor['name']}: {nodes[u].name} – {nodes[v].name}",
                road_class=cls,
                toll=bool(params["toll"]),
                lanes=int(params["lanes"]),
                speed_kph=int(params["speed_kph"]),
                bridge=False,
                length_km=geodesic_km([nodes[u].point, *wps, nodes[v].point]),
                length_method=LENGTH_METHOD,
                waypoints=wps,
                source=source,
                note="; ".join(x for x in (corridor.get("note"), seg_notes.pop(key, None)) if x),
            )
        )


# --------------------------------------------------------------------------- bridges


@dataclass(frozen=True)
class PlacedBridge:
    """A bridge located on its link's line: where it starts and how that was decided."""

    start_km: float
    spec: Mapping[str, Any]
    how: str
    river: str | None


def add_bridges(
    draft: Draft, bridges: Sequence[Mapping[str, Any]], bridge_km: float, rivers: gpd.GeoDataFrame
) -> None:
    """Insert the closable bridge links into their corridor links.

    All bridges on one corridor link are placed on that link's original polyline,
    then the link is split once into u -> a1, a1 -> b1 (bridge), b1 -> a2, ..., bn -> v.

    Parameters
    ----------
    draft : Draft
        The network being built (corridor links already added).
    bridges : sequence of mapping
        ``bridges:`` of ``corridors.yaml``.
    bridge_km : float
        Assumed length of every bridge link.
    rivers : geopandas.GeoDataFrame
        Natural Earth rivers (:func:`read_rivers`).

    Raises
    ------
    AuthoringError
        When a bridge's link is not exactly one corridor link, or bridges overlap.
    """
    groups: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    for i, b in enumerate(bridges):
        require(b, ["id", "name", "ref", "link"], f"{SPEC.name} bridges[{i}]")
        u, v = (f"mx:{n}" for n in b["link"])
        groups.setdefault((b["ref"], u, v), []).append(b)
    for (ref, u, v), group in groups.items():
        matches = [lk for lk in draft.links if lk.ref == ref and lk.u == u and lk.v == v]
        if len(matches) != 1:
            raise AuthoringError(
                f"{SPEC.name} bridges {[b['id'] for b in group]}: expected one {ref} link "
                f"{u}->{v}, found {len(matches)}"
            )
        link = matches[0]
        placed = place_bridges(draft, link, group, bridge_km, rivers)
        split_at_bridges(draft, link, placed, bridge_km)


def place_bridges(
    draft: Draft,
    link: Link,
    group: Sequence[Mapping[str, Any]],
    bridge_km: float,
    rivers: gpd.GeoDataFrame,
) -> list[PlacedBridge]:
    """Locate the bridges of one link on its line, from u.

    A single bridge on a line that a Natural Earth river crosses sits at the
    crossing; otherwise each bridge sits at its stated ``fraction`` of the line.

    Parameters
    ----------
    draft : Draft
        The network being built.
    link : Link
        The corridor link the bridges are on.
    group : sequence of mapping
        The ``bridges:`` items on this link.
    bridge_km : float
        Bridge length.
    rivers : geopandas.GeoDataFrame
        Natural Earth rivers.

    Returns
    -------
    list of PlacedBridge
        Sorted by position along the line.

    Raises
    ------
    AuthoringError
        When bridges overlap, or several bridges are given for a river-crossed link.
    """
    pts = draft.polyline(link)
    u_name, v_name = draft.nodes[link.u].name, draft.nodes[link.v].name
    crossing = river_crossing(pts, rivers)
    placed = []
    for b in group:
        if crossing is not None and len(group) == 1:
            p, river = crossing
            start = _along_km(pts, p) - bridge_km / 2
            how = f"bridge location: intersection of the road line with {_river_text(river)}"
        elif crossing is not None:
            raise AuthoringError(
                f"{SPEC.name} bridges {[x['id'] for x in group]}: several bridges on a link "
                "crossed by a Natural Earth river are not supported"
            )
        else:
            river = None
            fraction = float(require(b, ["fraction"], f"{SPEC.name} bridge {b['id']}")["fraction"])
            start = fraction * _cumulative_km(pts)[-1]
            how = _stylised_position(b, fraction, u_name, v_name)
        placed.append(PlacedBridge(start, b, how, river))
    placed.sort(key=lambda item: item.start_km)
    for first, second in itertools.pairwise(placed):
        if second.start_km < first.start_km + bridge_km + 0.5:
            raise AuthoringError(
                f"{SPEC.name}: bridges {first.spec['id']} and {second.spec['id']} overlap"
            )
    return placed


def _river_text(river: str) -> str:
    return f"Natural Earth 1:10m river '{river}' (rivers/ne_10m_rivers_north_america.json)"


def _stylised_position(b: Mapping[str, Any], fraction: float, u_name: str, v_name: str) -> str:
    """Provenance text of a bridge placed at a stated fraction of its link."""
    return (
        f"assumption: stylised bridge position on the "
        f"{b.get('stretch', f'{u_name}–{v_name}')} stretch, at "
        f"{fraction:.0%} of the {u_name}–{v_name} line "
        f"(GeoNames waypoint polyline); no river of Natural Earth 1:10m rivers (North "
        f"America supplement) crosses this line, so the position is stylised, not a "
        f"surveyed bridge site"
    )


def _piece(draft: Draft, link: Link, u: str, v: str, wps: list[LonLat]) -> Link:
    """The part of ``link`` between two of its points (used when bridges split it)."""
    nodes = draft.nodes
    return Link(
        link_id=draft.new_link_id(link.ref, u, v),
        u=u,
        v=v,
        ref=link.ref,
        name=f"{link.name.split(': ')[0]}: {nodes[u].name} – {nodes[v].name}",
        road_class=link.road_class,
        toll=link.toll,
        lanes=link.lanes,
        speed_kph=link.speed_kph,
        bridge=False,
        length_km=geodesic_km([nodes[u].point, *wps, nodes[v].point]),
        length_method=LENGTH_METHOD,
        waypoints=wps,
        source=link.source,
        note=link.note,
    )


def split_at_bridges(
    draft: Draft, link: Link, placed: Sequence[PlacedBridge], bridge_km: float
) -> None:
    """Replace a corridor link by road pieces and the bridge links between them.

    Parameters
    ----------
    draft : Draft
        The network being built; ``link`` is removed from it.
    link : Link
        The corridor link.
    placed : sequence of PlacedBridge
        Its bridges, from :func:`place_bridges` (sorted along the line).
    bridge_km : float
        Bridge length.
    """
    pts = draft.polyline(link)
    total = _cumulative_km(pts)[-1]
    u_name, v_name = draft.nodes[link.u].name, draft.nodes[link.v].name
    draft.links.remove(link)
    cursor_node, cursor_vertex = link.u, 0
    for bridge in placed:
        end_km = bridge.start_km + bridge_km
        a_pt, a_idx = _point_at(pts, bridge.start_km)
        b_pt, b_idx = _point_at(pts, end_km)
        ends = add_bridge_ends(draft, link, bridge, (a_pt, b_pt), bridge_km)
        # Road piece from the cursor to the bridge start: waypoints strictly between.
        wps = [pts[i] for i in range(1, len(pts) - 1) if cursor_vertex < i <= a_idx]
        draft.links.append(_piece(draft, link, cursor_node, ends[0], wps))
        draft.links.append(_bridge_link(link, bridge, ends, bridge_km))
        b = bridge.spec
        draft.report.append(
            f"bridge {link.ref.lower()}:{b['id']}: "
            + (
                f"river '{bridge.river}'"
                if bridge.river
                else f"stylised at {float(b['fraction']):.0%}"
            )
            + f" of {u_name}–{v_name} ({total:.1f} km), km {bridge.start_km:.1f}-{end_km:.1f}"
        )
        cursor_node, cursor_vertex = ends[1], b_idx
    wps = [pts[i] for i in range(1, len(pts) - 1) if i > cursor_vertex]
    draft.links.append(_piece(draft, link, cursor_node, link.v, wps))


def add_bridge_ends(
    draft: Draft,
    link: Link,
    bridge: PlacedBridge,
    points: tuple[LonLat, LonLat],
    bridge_km: float,
) -> tuple[str, str]:
    """Add the two junction nodes at the ends of a bridge.

    Parameters
    ----------
    draft : Draft
        The network being built.
    link : Link
        The corridor link the bridge is on.
    bridge : PlacedBridge
        The bridge.
    points : ((lon, lat), (lon, lat))
        Its start and end on the road line.
    bridge_km : float
        Bridge length.

    Returns
    -------
    (str, str)
        The node ids of the start (``_a``) and end (``_b``).
    """
    b = bridge.spec
    stretch = f"{link.ref} {draft.nodes[link.u].name}–{draft.nodes[link.v].name}"
    ids = []
    for suffix, pt, label in (("a", points[0], "start"), ("b", points[1], "end")):
        placed = (
            "placed on the road line"
            if suffix == "a"
            else f"placed {bridge_km} km further along the line than end a"
        )
        draft.add_node(
            Node(
                node_id=f"mx:{b['id']}_{suffix}",
                kind="junction",
                name=f"{b['name']}, {label}",
                state="",  # derived by assign_junction_states from the INEGI state polygons
                lon=pt[0],
                lat=pt[1],
                geonameid="",
                source=f"{bridge.how}; end {suffix} {placed} ({stretch})",
            )
        )
        ids.append(f"mx:{b['id']}_{suffix}")
    return ids[0], ids[1]


def _bridge_link(link: Link, bridge: PlacedBridge, ends: tuple[str, str], bridge_km: float) -> Link:
    stylised = (
        "" if bridge.river else "; position stylised (no Natural Earth river crosses this line)"
    )
    return Link(
        link_id=f"{link.ref.lower()}:{bridge.spec['id']}",
        u=ends[0],
        v=ends[1],
        ref=link.ref,
        name=bridge.spec["name"],
        road_class=link.road_class,
        toll=link.toll,
        lanes=link.lanes,
        speed_kph=link.speed_kph,
        bridge=True,
        length_km=bridge_km,
        length_method=f"assumption: bridge length {bridge_km} km (stylised)",
        waypoints=[],
        source=f"{bridge.how}; {link.source}",
        note=(
            f"closable bridge link; its {bridge_km} km length is an assumption and its "
            f"two end nodes are placed {bridge_km} km apart along the road line{stylised}"
        ),
    )


# --------------------------------------------------------------------------- plants


def add_plants(
    draft: Draft, plants: Mapping[str, Mapping[str, Any]], params: Mapping[str, Any]
) -> None:
    """Add the automotive plants and their connectors to the nearest road node.

    Parameters
    ----------
    draft : Draft
        The network being built (roads and bridges already added).
    plants : mapping
        ``plants:`` of ``corridors.yaml``: id -> ``{name, town | town_place}``.
    params : mapping
        ``class_defaults.connector``: lanes and speed of a connector.
    """
    road_nodes = {lk.u for lk in draft.links} | {lk.v for lk in draft.links}
    road_nodes = sorted(n for n in road_nodes if draft.nodes[n].kind != "junction")
    for key, p in plants.items():
        require(p, ["name"], f"{SPEC.name} plants {key}")
        with in_input(f"{SPEC.name} plants {key}"):
            town_name, gid, lon, lat, state = _plant_host(draft, p)
        plant_id = f"plant:{key}"
        draft.add_node(
            Node(
                plant_id,
                "plant",
                p["name"],
                state,
                lon,
                lat,
                gid,
                PLANT_SOURCE.format(town=town_name, gid=gid),
            )
        )
        target = min(road_nodes, key=lambda n: geodesic_km([(lon, lat), draft.nodes[n].point]))
        connector = _connector(draft, key, p["name"], town_name, target, params)
        draft.links.append(connector)
        draft.report.append(f"{plant_id}: connector to {target} {connector.length_km:.1f} km")


def _plant_host(draft: Draft, p: Mapping[str, Any]) -> tuple[str, str, float, float, str]:
    """Host town of a plant: name, geonameid, lon, lat and state."""
    if "town" in p:
        town = draft.nodes.get(f"mx:{p['town']}")
        if town is None:
            raise AuthoringError(f"unknown town node {p['town']!r}")
        return town.name, town.geonameid, town.lon, town.lat, town.state
    if "town_place" not in p:
        raise AuthoringError("needs `town` (a node id) or `town_place` (a place spec)")
    q = place(p["town_place"])
    return str(q["name"]), str(q["geonameid"]), float(q["lon"]), float(q["lat"]), str(q["state"])


def _connector(
    draft: Draft, key: str, name: str, town_name: str, target: str, params: Mapping[str, Any]
) -> Link:
    plant = draft.nodes[f"plant:{key}"]
    dist = geodesic_km([plant.point, draft.nodes[target].point])
    if dist < 0.05:
        length, method = CONNECTOR_FALLBACK_KM, "assumption: plant-to-road connector length"
        # A line from a point to itself is not a valid geometry: draw the connector as a
        # stylised spur out to a point half its assumed length due north, and back.
        spur_lon, spur_lat, _ = _GEOD.fwd(plant.lon, plant.lat, 0.0, CONNECTOR_FALLBACK_KM * 500.0)
        spur = [(round(spur_lon, 5), round(spur_lat, 5))]
        note = (
            f"the plant is placed at its host town's coordinate, which is also the road node "
            f"{target}, so the geodesic length would be 0; a {CONNECTOR_FALLBACK_KM} km "
            f"connector is assumed, drawn as a stylised spur to a point "
            f"{CONNECTOR_FALLBACK_KM / 2} km north of the town and back"
        )
    else:
        length, method, spur = dist, LENGTH_METHOD, []
        note = (
            f"host town {town_name} is not a node of the modelled roads; connected to the "
            f"nearest road node ({draft.nodes[target].name})"
        )
    return Link(
        link_id=f"connector:{key}-{target.split(':', 1)[1]}",
        u=plant.node_id,
        v=target,
        ref="",
        name=f"plant connector: {name} – {draft.nodes[target].name}",
        road_class="connector",
        toll=False,
        lanes=int(params["lanes"]),
        speed_kph=int(params["speed_kph"]),
        bridge=False,
        length_km=length,
        length_method=method,
        waypoints=spur,
        source=(
            "plant connector (assumption: plant reached from the nearest modelled road "
            f"node); length: {'assumption' if dist < 0.05 else 'geodesic plant-to-node'}; "
            "lanes/speed: assumption: class default (connector: "
            f"{params['lanes']} lane(s) per direction, {params['speed_kph']} km/h)"
        ),
        note=note,
    )


# --------------------------------------------------------------------------- checks


def assign_junction_states(nodes: Mapping[str, Node], states: StateLookup) -> None:
    """Set the state of each bridge-end junction from the INEGI state polygons.

    Parameters
    ----------
    nodes : mapping
        Node id -> Node; junctions without a geonameid get their ``state`` set.
    states : StateLookup
        The INEGI state polygons.

    Raises
    ------
    AuthoringError
        When a junction lies in no state polygon.
    """
    for n in nodes.values():
        if n.kind == "junction" and n.geonameid == "":
            code = states.state_of(n.lon, n.lat)
            if code is None:
                raise AuthoringError(f"{n.node_id} lies in no state polygon of {STATES}")
            n.state = code


def check(
    nodes: Mapping[str, Node], links: Sequence[Link], states: StateLookup, required: Sequence[str]
) -> list[str]:
    """Check the network before it is written.

    Parameters
    ----------
    nodes : mapping
        Node id -> Node.
    links : sequence of Link
        All links.
    states : StateLookup
        The INEGI state polygons.
    required : sequence of str
        Node ids the other tables and the scenarios rely on
        (``required_nodes`` of ``corridors.yaml``).

    Returns
    -------
    list of str
        Every problem found: missing required ids, duplicate link ids, unknown
        endpoints, non-positive lengths, unusual length ratios without a note, more
        than one connected component, nodes outside their INEGI state. Empty when
        the network is fine.
    """
    problems: list[str] = []
    missing = [n for n in required if n not in nodes]
    if missing:
        problems.append(f"required node ids missing: {missing}")
    ids = [lk.link_id for lk in links]
    if len(ids) != len(set(ids)):
        problems.append("duplicate link ids")
    for lk in links:
        problems += _link_problems(lk, nodes)
    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from((lk.u, lk.v) for lk in links)
    components = list(nx.connected_components(graph))
    if len(components) != 1:
        small = sorted((sorted(c) for c in components), key=len)[:-1]
        problems.append(f"network has {len(components)} components; small ones: {small}")
    for n in nodes.values():
        if n.state == "":
            continue
        d = states.distance_km(n.lon, n.lat, n.state)
        if d > STATE_TOLERANCE_KM:
            problems.append(f"{n.node_id} ({n.name}) is {d:.1f} km outside state {n.state}")
    return problems


def _link_problems(lk: Link, nodes: Mapping[str, Node]) -> list[str]:
    unknown = [end for end in (lk.u, lk.v) if end not in nodes]
    if unknown:
        return [f"{lk.link_id}: unknown endpoint {end}" for end in unknown]
    problems = []
    if not lk.length_km > 0:
        problems.append(f"{lk.link_id}: length {lk.length_km} not > 0")
    straight = geodesic_km([nodes[lk.u].point, nodes[lk.v].point])
    if straight > 0:
        ratio = lk.length_km / straight
        if (ratio < 0.95 or ratio > MAX_RATIO) and not lk.note:
            problems.append(f"{lk.link_id}: length ratio {ratio:.2f} without a note")
    elif not lk.note:
        problems.append(f"{lk.link_id}: zero straight-line distance without a note")
    return problems


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    """Build, check and write ``nodes.csv`` and ``links.csv``.

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments (``--out DIR``); ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        0 (a problem raises :class:`common.AuthoringError` before anything is written).
    """
    out_dir = parse_out_dir("Write nodes.csv and links.csv from corridors.yaml.", argv)
    spec = read_yaml(SPEC, SPEC_KEYS)
    draft = build(spec, read_rivers())
    states = StateLookup()
    assign_junction_states(draft.nodes, states)
    problems = check(draft.nodes, draft.links, states, spec["required_nodes"])
    raise_problems(problems, f"the road network built from {SPEC}")
    nodes, links = draft.nodes, draft.links
    write_csv(out_dir / "nodes.csv", NODE_COLUMNS, [nodes[k].row() for k in sorted(nodes)])
    write_csv(
        out_dir / "links.csv",
        LINK_FIELDS,
        [lk.row() for lk in sorted(links, key=lambda lk: lk.link_id)],
    )
    for line in draft.report:
        print(line)
    kinds: dict[str, int] = {}
    for n in nodes.values():
        kinds[n.kind] = kinds.get(n.kind, 0) + 1
    print(f"nodes: {len(nodes)} {dict(sorted(kinds.items()))}")
    print(f"links: {len(links)}, {sum(lk.length_km for lk in links):.0f} km")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))

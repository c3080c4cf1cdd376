"""GeoNames places of the bundled national model: towns (demand zones), plants, corridors.

Read by ``roads.py`` (step 1 of ``make data``). ``corridors.yaml`` names the towns
(GeoNames cities1000 places), the automotive plants at their host towns, and the
federal corridors of the previous, straight-line model as ordered town lists with
GeoNames waypoints. The towns become demand zones joined to the SICT road network;
the corridor links are kept only as the fallback for roads whose SICT count
stations are too sparse to trace (``roads.fallback_links``). Every place is looked
up in GeoNames (``common.mexican_place``); a name GeoNames does not have is an error.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

sys.dont_write_bytecode = True  # do not leave __pycache__ next to the scripts

from common import (  # noqa: E402
    HERE,
    AuthoringError,
    fmt,
    geodesic_km,
    in_input,
    mexican_place,
    mexican_place_by_id,
    require,
    slug,
)

SPEC = HERE / "corridors.yaml"
SPEC_KEYS = ("class_defaults", "nodes", "plants", "corridors", "bridges", "required_nodes")

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
    """A GeoNames place of the model: a town (demand zone) or a plant."""

    node_id: str
    kind: str
    name: str
    state: str
    lon: float
    lat: float
    geonameid: str
    source: str
    population: int = 0

    @property
    def point(self) -> LonLat:
        """The node's (lon, lat)."""
        return (self.lon, self.lat)


@dataclass
class Link:
    """A corridor link of the previous straight-line model (u, v are town node ids)."""

    link_id: str
    u: str
    v: str
    ref: str
    name: str
    road_class: str
    toll: bool
    lanes: int
    length_km: float
    waypoints: list[LonLat] = field(default_factory=list)
    source: str = ""
    note: str = ""

    def waypoint_text(self) -> str:
        """The waypoints as ``lon lat;lon lat`` (5 decimals)."""
        return ";".join(f"{fmt(lon, 5)} {fmt(lat, 5)}" for lon, lat in self.waypoints)


@dataclass
class Draft:
    """Places by id and corridor links in creation order."""

    nodes: dict[str, Node] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
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


# --------------------------------------------------------------------------- build


def build(spec: Mapping[str, Any]) -> Draft:
    """The towns, plants and corridor links described by ``corridors.yaml``.

    Parameters
    ----------
    spec : mapping
        The parsed ``corridors.yaml``.

    Returns
    -------
    Draft
    """
    draft = Draft()
    add_places(draft, spec["nodes"])
    for corridor in spec["corridors"]:
        add_corridor(draft, corridor, spec["class_defaults"])
    add_plants(draft, spec["plants"])
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
                population=int(p["population"]),
            )
        )
    if len({n.geonameid for n in draft.nodes.values()}) != len(draft.nodes):
        raise AuthoringError(f"{SPEC.name}: two node ids resolve to the same GeoNames place")


def _road_source(alignment: str, cls: str, params: Mapping[str, Any]) -> str:
    return (
        f"{alignment}; {LENGTH_SOURCE}; lanes: assumption: class default "
        f"({cls}: {params['lanes']} lane(s) per direction)"
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
                length_km=geodesic_km([nodes[u].point, *wps, nodes[v].point]),
                waypoints=wps,
                source=source,
                note="; ".join(x for x in (corridor.get("note"), seg_notes.pop(key, None)) if x),
            )
        )


# --------------------------------------------------------------------------- plants


def add_plants(draft: Draft, plants: Mapping[str, Mapping[str, Any]]) -> None:
    """Add the automotive plants, each at its host town's GeoNames coordinate.

    Parameters
    ----------
    draft : Draft
        The places being built (towns already added).
    plants : mapping
        ``plants:`` of ``corridors.yaml``: id -> ``{name, town | town_place}``.
    """
    for key, p in plants.items():
        require(p, ["name"], f"{SPEC.name} plants {key}")
        with in_input(f"{SPEC.name} plants {key}"):
            town_name, gid, lon, lat, state = _plant_host(draft, p)
        draft.add_node(Node(f"plant:{key}", "plant", p["name"], state, lon, lat, gid,
                            PLANT_SOURCE.format(town=town_name, gid=gid)))


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

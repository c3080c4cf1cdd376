"""Generate the Mexican road network tables ``data/mexico/nodes.csv`` and ``links.csv``.

Run from the repository root::

    .venv/bin/python scripts/national/roads.py

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

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import networkx as nx
import yaml
from pyproj import Geod
from shapely.geometry import LineString, Point

from corredor.networks.national import LINK_FIELDS

sys.path.insert(0, str(Path(__file__).resolve().parent))
import itertools

from common import (
    OUT_DIR,
    SHARED_DATA,
    _mexican_places,
    geodesic_km,
    inegi_state,
    mexican_place,
    slug,
)

SPEC = Path(__file__).resolve().parent / "corridors.yaml"
RIVERS = SHARED_DATA / "rivers" / "ne_10m_rivers_north_america.json"
STATES = SHARED_DATA / "boundaries" / "estatal.shp"

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


# --------------------------------------------------------------------------- places


def place(spec: str) -> dict[str, object]:
    """Resolve "GeoNames name/INEGI state[#geonameid]" to a GeoNames place.

    Without ``#geonameid`` the most populous place of that name in the state wins
    (``common.mexican_place``). With it, that exact GeoNames record is used and
    its name and state must match, so a pin can never silently drift.
    """
    text, _, pin = spec.partition("#")
    name, _, state = text.rpartition("/")
    if not name or len(state) != 2:
        raise ValueError(f"place spec {spec!r} is not 'Name/SS' (INEGI state code)")
    if not pin:
        return mexican_place(name, state)
    for row in _mexican_places():
        if row["geonameid"] == pin:
            if row["name"] != name or inegi_state(row["admin1code"]) != state:
                raise KeyError(
                    f"GeoNames {pin} is {row['name']!r} in {row['admin1code']}, not {spec!r}"
                )
            return {
                "geonameid": row["geonameid"],
                "name": row["name"],
                "lon": round(float(row["longitude"]), 5),
                "lat": round(float(row["latitude"]), 5),
                "state": state,
                "population": int(row["population"]),
            }
    raise KeyError(f"GeoNames has no geonameid {pin} ({spec!r})")


@dataclass
class Node:
    node_id: str
    kind: str
    name: str
    state: str
    lon: float
    lat: float
    geonameid: str
    source: str

    @property
    def point(self) -> tuple[float, float]:
        return (self.lon, self.lat)

    def row(self) -> dict[str, str]:
        return {
            "node_id": self.node_id,
            "kind": self.kind,
            "name": self.name,
            "state": self.state,
            "lon": f"{self.lon:.5f}",
            "lat": f"{self.lat:.5f}",
            "geonameid": self.geonameid,
            "source": self.source,
        }


@dataclass
class Link:
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
    waypoints: list[tuple[float, float]] = field(default_factory=list)
    source: str = ""
    note: str = ""

    def row(self) -> dict[str, str]:
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
            "length_km": f"{self.length_km:.1f}",
            "length_method": self.length_method,
            "waypoints": ";".join(f"{lon:.5f} {lat:.5f}" for lon, lat in self.waypoints),
            "source": self.source,
            "note": self.note,
        }


# --------------------------------------------------------------------------- geometry


def _cumulative_km(points: list[tuple[float, float]]) -> list[float]:
    cum = [0.0]
    for a, b in itertools.pairwise(points):
        cum.append(cum[-1] + geodesic_km([a, b]))
    return cum


def _point_at(points: list[tuple[float, float]], dist_km: float) -> tuple[tuple[float, float], int]:
    """Point at geodesic distance ``dist_km`` along the polyline, and the index of
    the vertex before it."""
    cum = _cumulative_km(points)
    if not 0.0 < dist_km < cum[-1]:
        raise ValueError(f"distance {dist_km:.3f} km outside polyline of {cum[-1]:.3f} km")
    for i in range(len(points) - 1):
        if cum[i] <= dist_km <= cum[i + 1]:
            (lon1, lat1), (lon2, lat2) = points[i], points[i + 1]
            azimuth, _, _ = _GEOD.inv(lon1, lat1, lon2, lat2)
            lon, lat, _ = _GEOD.fwd(lon1, lat1, azimuth, (dist_km - cum[i]) * 1000.0)
            return (round(lon, 5), round(lat, 5)), i
    raise AssertionError("unreachable")


def _along_km(points: list[tuple[float, float]], p: Point) -> float:
    """Geodesic distance along the polyline to point ``p`` lying on it."""
    best = None
    cum = _cumulative_km(points)
    for i in range(len(points) - 1):
        seg = LineString([points[i], points[i + 1]])
        d = seg.distance(p)
        if best is None or d < best[0]:
            best = (d, cum[i] + geodesic_km([points[i], (p.x, p.y)]))
    assert best is not None
    return best[1]


class StateLookup:
    """INEGI state polygons (simplified) for checking and deriving node states."""

    def __init__(self) -> None:
        states = gpd.read_file(STATES).to_crs(4326)
        code_col = next(c for c in ("CVEGEO", "CVE_ENT", "cve_ent", "id") if c in states.columns)
        states["code"] = states[code_col].astype(str).str.zfill(2).str[:2]
        self._states = states
        self._metric = states.to_crs(6372)  # INEGI Mexico LCC, metres

    def state_of(self, lon: float, lat: float) -> str | None:
        hits = self._states[self._states.contains(Point(lon, lat))]
        return hits["code"].iloc[0] if len(hits) else None

    def distance_km(self, lon: float, lat: float, code: str) -> float:
        pt = gpd.GeoSeries([Point(lon, lat)], crs=4326).to_crs(6372).iloc[0]
        poly = self._metric[self._metric["code"] == code]
        if poly.empty:
            raise KeyError(f"no state polygon with INEGI code {code}")
        return float(poly.distance(pt).min()) / 1000.0


def river_crossing(
    points: list[tuple[float, float]], rivers: gpd.GeoDataFrame
) -> tuple[Point, str] | None:
    """First crossing (from u) of the polyline with a named Natural Earth river, if any."""
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


def _pair_key(u: str, v: str) -> str:
    return f"{u} {v}"


def _piece(
    link: Link,
    base: str,
    link_id: str,
    u: str,
    v: str,
    wps: list[tuple[float, float]],
    nodes: dict[str, Node],
) -> Link:
    """A part of ``link`` between two of its points (used when bridges split it)."""
    return Link(
        link_id=link_id,
        u=u,
        v=v,
        ref=link.ref,
        name=f"{base}: {nodes[u].name} – {nodes[v].name}",
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


def build(spec: dict) -> tuple[dict[str, Node], list[Link], list[str]]:
    report: list[str] = []
    defaults = spec["class_defaults"]
    nodes: dict[str, Node] = {}

    def add_node(node: Node) -> None:
        if node.node_id in nodes:
            raise ValueError(f"duplicate node id {node.node_id}")
        nodes[node.node_id] = node

    # Named GeoNames nodes.
    for key, value in spec["nodes"].items():
        if key != slug(key):
            raise ValueError(f"node id {key!r} is not a slug (ASCII lower case with underscores)")
        entry = value if isinstance(value, dict) else {"place": value}
        p = place(entry["place"])
        add_node(
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
    if len({n.geonameid for n in nodes.values()}) != len(nodes):
        raise ValueError("two node ids resolve to the same GeoNames place")

    def waypoint_points(places: list[str]) -> list[tuple[float, float]]:
        return [(float(q["lon"]), float(q["lat"])) for q in (place(w) for w in places)]

    # Corridor links.
    links: list[Link] = []
    seen_ids: dict[str, int] = {}

    def new_link_id(prefix: str, u: str, v: str) -> str:
        base = f"{prefix.lower()}:{u.split(':', 1)[1]}-{v.split(':', 1)[1]}"
        seen_ids[base] = seen_ids.get(base, 0) + 1
        return base if seen_ids[base] == 1 else f"{base}-{seen_ids[base]}"

    for corridor in spec["corridors"]:
        ref, cls = corridor["ref"], corridor["class"]
        prefix = corridor.get("id_prefix") or ref
        if not prefix:
            raise ValueError(f"corridor {corridor['name']!r} has neither ref nor id_prefix")
        params = defaults[cls]
        via = {k: v for k, v in (corridor.get("via") or {}).items()}
        seg_notes = dict(corridor.get("segment_notes") or {})
        path = [f"mx:{n}" for n in corridor["path"]]
        for n in path:
            if n not in nodes:
                raise KeyError(f"corridor {ref} {corridor['name']!r}: unknown node {n}")
        used_via = set()
        for u, v in itertools.pairwise(path):
            key = _pair_key(u[3:], v[3:])
            wps = waypoint_points(via.get(key, []))
            if key in via:
                used_via.add(key)
            pts = [nodes[u].point, *wps, nodes[v].point]
            note = "; ".join(x for x in (corridor.get("note"), seg_notes.pop(key, None)) if x)
            alignment = corridor.get("alignment_source", ALIGNMENT_SOURCE)
            links.append(
                Link(
                    link_id=new_link_id(prefix, u, v),
                    u=u,
                    v=v,
                    ref=ref,
                    name=f"{corridor['name']}: {nodes[u].name} – {nodes[v].name}",
                    road_class=cls,
                    toll=bool(params["toll"]),
                    lanes=int(params["lanes"]),
                    speed_kph=int(params["speed_kph"]),
                    bridge=False,
                    length_km=geodesic_km(pts),
                    length_method=LENGTH_METHOD,
                    waypoints=wps,
                    source=(
                        f"{alignment}; {LENGTH_SOURCE}; lanes/speed: assumption: class default "
                        f"({cls}: {params['lanes']} lane(s) per direction, "
                        f"{params['speed_kph']} km/h)"
                    ),
                    note=note,
                )
            )
        unused = set(via) - used_via
        if unused or seg_notes:
            raise KeyError(
                f"corridor {ref} {corridor['name']!r}: via/segment_notes keys not on its path: "
                f"{sorted(unused | set(seg_notes))}"
            )

    # Bridges. All bridges on one corridor link are placed on that link's original
    # polyline, then the link is split once into u -> a1, a1 -> b1 (bridge),
    # b1 -> a2, ..., bn -> v.
    rivers = gpd.read_file(RIVERS)
    bridge_km = float(spec["bridge_length_km"])
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for b in spec.get("bridges", []):
        u, v = (f"mx:{n}" for n in b["link"])
        groups.setdefault((b["ref"], u, v), []).append(b)
    for (ref, u, v), group in groups.items():
        matches = [lk for lk in links if lk.ref == ref and lk.u == u and lk.v == v]
        if len(matches) != 1:
            raise KeyError(
                f"bridges {[b['id'] for b in group]}: expected one {ref} link {u}->{v}, "
                f"found {len(matches)}"
            )
        link = matches[0]
        pts = [nodes[u].point, *link.waypoints, nodes[v].point]
        total = _cumulative_km(pts)[-1]
        crossing = river_crossing(pts, rivers)
        placed = []  # (start_km, bridge spec, how, river)
        for b in group:
            if crossing is not None and len(group) == 1:
                p, river = crossing
                start = _along_km(pts, p) - bridge_km / 2
                how = (
                    "bridge location: intersection of the road line with Natural Earth 1:10m "
                    f"river '{river}' (rivers/ne_10m_rivers_north_america.json)"
                )
            elif crossing is not None:
                raise NotImplementedError(
                    "several bridges on a link crossed by a Natural Earth river"
                )
            else:
                river = None
                start = float(b["fraction"]) * total
                stretch = b.get("stretch", f"{nodes[u].name}–{nodes[v].name}")
                how = (
                    f"assumption: stylised bridge position on the {stretch} stretch, at "
                    f"{float(b['fraction']):.0%} of the {nodes[u].name}–{nodes[v].name} line "
                    f"(GeoNames waypoint polyline); no river of Natural Earth 1:10m rivers (North "
                    f"America supplement) crosses this line, so the position is stylised, not a "
                    f"surveyed bridge site"
                )
            placed.append((start, b, how, river))
        placed.sort(key=lambda item: item[0])
        for (s1, b1, _, _), (s2, b2, _, _) in itertools.pairwise(placed):
            if s2 < s1 + bridge_km + 0.5:
                raise ValueError(f"bridges {b1['id']} and {b2['id']} overlap")
        links.remove(link)
        base = link.name.split(": ")[0]
        cursor_node, cursor_vertex = u, 0
        for start, b, how, river in placed:
            end = start + bridge_km
            a_pt, a_idx = _point_at(pts, start)
            b_pt, b_idx = _point_at(pts, end)
            ends = {}
            for suffix, pt, label in (("a", a_pt, "start"), ("b", b_pt, "end")):
                node_id = f"mx:{b['id']}_{suffix}"
                ends[suffix] = node_id
                add_node(
                    Node(
                        node_id=node_id,
                        kind="junction",
                        name=f"{b['name']}, {label}",
                        state="",  # derived in main() from the INEGI state polygons
                        lon=pt[0],
                        lat=pt[1],
                        geonameid="",
                        source=(
                            f"{how}; end {suffix} "
                            + (
                                "placed on the road line"
                                if suffix == "a"
                                else f"placed {bridge_km} km further along the line than end a"
                            )
                            + f" ({ref} {nodes[u].name}–{nodes[v].name})"
                        ),
                    )
                )
            # Road piece from the cursor to the bridge start: waypoints strictly between.
            wps = [pts[i] for i in range(1, len(pts) - 1) if cursor_vertex < i <= a_idx]
            links.append(
                _piece(
                    link,
                    base,
                    new_link_id(ref, cursor_node, ends["a"]),
                    cursor_node,
                    ends["a"],
                    wps,
                    nodes,
                )
            )
            links.append(
                Link(
                    link_id=f"{ref.lower()}:{b['id']}",
                    u=ends["a"],
                    v=ends["b"],
                    ref=ref,
                    name=b["name"],
                    road_class=link.road_class,
                    toll=link.toll,
                    lanes=link.lanes,
                    speed_kph=link.speed_kph,
                    bridge=True,
                    length_km=bridge_km,
                    length_method=f"assumption: bridge length {bridge_km} km (stylised)",
                    waypoints=[],
                    source=f"{how}; {link.source}",
                    note=(
                        f"closable bridge link; its {bridge_km} km length is an assumption and its "
                        f"two end nodes are placed {bridge_km} km apart along the road line"
                        + (
                            ""
                            if river
                            else "; position stylised (no Natural Earth river crosses this line)"
                        )
                    ),
                )
            )
            report.append(
                f"bridge {ref.lower()}:{b['id']}: "
                + (f"river '{river}'" if river else f"stylised at {float(b['fraction']):.0%}")
                + f" of {nodes[u].name}–{nodes[v].name} ({total:.1f} km), "
                f"km {start:.1f}-{end:.1f}"
            )
            cursor_node, cursor_vertex = ends["b"], b_idx
        wps = [pts[i] for i in range(1, len(pts) - 1) if i > cursor_vertex]
        links.append(
            _piece(link, base, new_link_id(ref, cursor_node, v), cursor_node, v, wps, nodes)
        )

    # Plants and their connectors.
    road_nodes = {lk.u for lk in links} | {lk.v for lk in links}
    road_nodes = {n for n in road_nodes if nodes[n].kind != "junction"}
    for key, p in spec["plants"].items():
        if "town" in p:
            town = nodes[f"mx:{p['town']}"]
            town_name, gid, lon, lat, state = (
                town.name,
                town.geonameid,
                town.lon,
                town.lat,
                town.state,
            )
        else:
            q = place(p["town_place"])
            town_name, gid = str(q["name"]), str(q["geonameid"])
            lon, lat, state = float(q["lon"]), float(q["lat"]), str(q["state"])
        plant_id = f"plant:{key}"
        add_node(
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
        target = min(sorted(road_nodes), key=lambda n: geodesic_km([(lon, lat), nodes[n].point]))
        dist = geodesic_km([(lon, lat), nodes[target].point])
        if dist < 0.05:
            length, method = CONNECTOR_FALLBACK_KM, "assumption: plant-to-road connector length"
            # A line from a point to itself is not a valid geometry: draw the connector as a
            # stylised spur out to a point half its assumed length due north, and back.
            spur_lon, spur_lat, _ = _GEOD.fwd(lon, lat, 0.0, CONNECTOR_FALLBACK_KM * 500.0)
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
                f"nearest road node ({nodes[target].name})"
            )
        params = defaults["connector"]
        links.append(
            Link(
                link_id=f"connector:{key}-{target.split(':', 1)[1]}",
                u=plant_id,
                v=target,
                ref="",
                name=f"plant connector: {p['name']} – {nodes[target].name}",
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
        )
        report.append(f"{plant_id}: connector to {target} {length:.1f} km")
    return nodes, links, report


# --------------------------------------------------------------------------- checks


REQUIRED_IDS = (
    "mx:aguascalientes",
    "mx:mexicali",
    "mx:la_paz",
    "mx:campeche",
    "mx:saltillo",
    "mx:colima",
    "mx:tuxtla_gutierrez",
    "mx:chihuahua",
    "mx:ciudad_de_mexico",
    "mx:durango",
    "mx:guanajuato",
    "mx:chilpancingo",
    "mx:pachuca",
    "mx:guadalajara",
    "mx:toluca",
    "mx:morelia",
    "mx:cuernavaca",
    "mx:tepic",
    "mx:monterrey",
    "mx:oaxaca",
    "mx:puebla",
    "mx:queretaro",
    "mx:chetumal",
    "mx:san_luis_potosi",
    "mx:culiacan",
    "mx:hermosillo",
    "mx:villahermosa",
    "mx:ciudad_victoria",
    "mx:tlaxcala",
    "mx:xalapa",
    "mx:merida",
    "mx:zacatecas",
    "mx:tijuana",
    "mx:tecate",
    "mx:san_luis_rio_colorado",
    "mx:nogales",
    "mx:agua_prieta",
    "mx:ciudad_juarez",
    "mx:ojinaga",
    "mx:ciudad_acuna",
    "mx:piedras_negras",
    "mx:nuevo_laredo",
    "mx:anahuac",
    "mx:reynosa",
    "mx:matamoros",
    "mx:camargo",
    "mx:nuevo_progreso",
    "mx:miguel_aleman",
    "mx:ciudad_hidalgo",
    "mx:ciudad_cuauhtemoc",
    "mx:manzanillo",
    "mx:lazaro_cardenas",
    "mx:veracruz",
    "mx:altamira",
    "mx:tampico",
    "mx:ensenada",
    "mx:mazatlan",
    "mx:guaymas",
    "mx:los_mochis",
    "mx:coatzacoalcos",
    "mx:progreso",
    "mx:salina_cruz",
    "mx:tuxpan",
    "mx:leon",
    "mx:silao",
    "mx:irapuato",
    "mx:celaya",
    "mx:salamanca",
    "mx:lagos_de_moreno",
    "mx:torreon",
    "mx:ramos_arizpe",
    "mx:cancun",
    "plant:gm_silao",
    "plant:mazda_salamanca",
    "plant:honda_celaya",
    "plant:toyota_apaseo",
    "plant:nissan_aguascalientes",
    "plant:bmw_slp",
    "plant:gm_slp",
    "plant:kia_pesqueria",
    "plant:gm_ramos_arizpe",
    "plant:stellantis_saltillo",
    "plant:ford_hermosillo",
    "plant:vw_puebla",
    "plant:audi_san_jose_chiapa",
)


def check(nodes: dict[str, Node], links: list[Link], states: StateLookup) -> list[str]:
    problems: list[str] = []
    missing = [n for n in REQUIRED_IDS if n not in nodes]
    if missing:
        problems.append(f"required node ids missing: {missing}")
    ids = [lk.link_id for lk in links]
    if len(ids) != len(set(ids)):
        problems.append("duplicate link ids")
    for lk in links:
        for end in (lk.u, lk.v):
            if end not in nodes:
                problems.append(f"{lk.link_id}: unknown endpoint {end}")
        if not lk.length_km > 0:
            problems.append(f"{lk.link_id}: length {lk.length_km} not > 0")
        straight = geodesic_km([nodes[lk.u].point, nodes[lk.v].point])
        if straight > 0:
            ratio = lk.length_km / straight
            if (ratio < 0.95 or ratio > MAX_RATIO) and not lk.note:
                problems.append(f"{lk.link_id}: length ratio {ratio:.2f} without a note")
        elif not lk.note:
            problems.append(f"{lk.link_id}: zero straight-line distance without a note")
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


# --------------------------------------------------------------------------- main


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> int:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    nodes, links, report = build(spec)
    states = StateLookup()
    for n in nodes.values():
        if n.kind == "junction" and n.geonameid == "":
            code = states.state_of(n.lon, n.lat)
            if code is None:
                raise ValueError(f"{n.node_id} lies in no state polygon")
            n.state = code
    problems = check(nodes, links, states)
    if problems:
        for p in problems:
            print("ERROR:", p, file=sys.stderr)
        return 1
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    write_csv(OUT_DIR / "nodes.csv", NODE_COLUMNS, [nodes[k].row() for k in sorted(nodes)])
    write_csv(
        OUT_DIR / "links.csv",
        LINK_FIELDS,
        [lk.row() for lk in sorted(links, key=lambda lk: lk.link_id)],
    )
    for line in report:
        print(line)
    kinds: dict[str, int] = {}
    for n in nodes.values():
        kinds[n.kind] = kinds.get(n.kind, 0) + 1
    print(f"nodes: {len(nodes)} {dict(sorted(kinds.items()))}")
    print(f"links: {len(links)}, {sum(lk.length_km for lk in links):.0f} km")
    return 0


if __name__ == "__main__":
    sys.exit(main())

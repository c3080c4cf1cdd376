"""The national model's facilities on a SICT road network: zones, plants, bridges, border, ports.

``corredor.networks.sict.sict_network`` builds the roads; this module turns them into
the freight model the way the bundled one is built, and is shared by the authoring
script ``scripts/national/roads.py`` (``make data``) and ``corredor build sict``:

* **zones and plants** (``attach_zones``): every town (a demand zone, kind ``city``)
  and plant is joined by a connector to the SICT road where it passes closest (the
  road link is split there, ``corredor.networks.facilities.attach_at_roads``); a
  town gets one more connector to every other federal route within
  ``ZONE_RADIUS_KM`` (``METRO_RADIUS_KM`` for the towns of ``METRO_ZONES``);
* **bridges** (``add_bridge``): a closable bridge link cut out of the road link that
  holds it, between two new junctions;
* ``bundled_model`` puts the bundled model's zones, plants, Bajío bridges, border
  crossings, ports and foreign (US, Guatemalan) network on any SICT road network, so
  ``corredor build sict`` on the Datos Viales folder gives the bundled model:
  crossings start and port access roads end at their town's zone, exactly as in
  ``data/mexico`` (the city streets between SICT's roads and a border bridge or a
  terminal gate are not in SICT). Where a state's roads are traced from count
  stations (no segment geometry), the bundled model's fallback links of that state
  (``FALLBACK``, chosen by ``scripts/national/roads.py``) are joined to the roads too.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from corredor.errors import DataFileError
from corredor.network import CRS, Network
from corredor.networks.facilities import (
    FacilityParams,
    _combine,
    _foreign_behind,
    attach_at_roads,
    split_roads_at,
)
from corredor.networks.sict import ATTRIBUTION, DEFAULT_SNAP_M, SEGMENT, TRACED
from corredor.networks.topology import METRIC_CRS

#: ``geometry_method`` of a fallback link: a corridor link of the previous straight-line
#: model kept where the roads traced from count stations leave a hole.
FALLBACK = "waypoint link of the previous bundled model (SICT stations too sparse to trace)"
#: Line simplification tolerance (m) of the bundled tables and ``corredor build sict``: the
#: drawn lines keep every vertex that departs more than 10 m from the simplified line
#: (1.82 million SICT vertices -> about 0.17 million; drawn length within 0.2 % of the
#: full geometry's; ``length_km`` is measured on the full geometry before).
SIMPLIFY_M = 10.0
#: Road classes a zone, plant, port or gateway may join (not connectors, not abroad).
ROAD_CLASSES = ("motorway", "trunk", "primary", "secondary")
ZONE_CONNECTOR = "zone connector: the town's GeoNames point to the nearest road"
PLANT_CONNECTOR = "plant connector: the plant's host town to the nearest road"
#: assumption: a zone connector stands for a town's local streets and is not a capacity
#: constraint: 100,000 trucks/day per direction, 30 times the busiest zone's demand
#: (Ciudad Juárez, 3,036 trucks/day in demand.csv).
ZONE_CAPACITY = 100_000.0
#: Connectors: speed and lanes of ``FacilityParams`` (assumptions, see there), and at
#: most this far (km) from the road; the farthest bundled town is 7.2 km away.
CONNECTOR_PARAMS = FacilityParams(max_km=10.0)
#: assumption: a connector is at least 50 m long (a town whose point lies on the road).
MIN_CONNECTOR_KM = 0.05
#: assumption: a town's streets reach every federal route passing within 10 km of its
#: GeoNames point (25 km for a city of a million people or more: SICT has no city
#: streets, and Mexico City's radial federal roads start 15-20 km from its centre);
#: each such route gets its own zone connector, so a town's trucks are not all
#: funnelled through the one road segment nearest its centre.
ZONE_RADIUS_KM = 10.0
METRO_RADIUS_KM = 25.0
METRO_POPULATION = 1_000_000
#: The towns of the bundled model with a GeoNames cities1000 population of
#: ``METRO_POPULATION`` or more (``scripts/national/roads.py`` checks this list against
#: GeoNames on every ``make data``).
METRO_ZONES = (
    "mx:ciudad_de_mexico", "mx:ciudad_juarez", "mx:guadalajara", "mx:leon", "mx:merida",
    "mx:mexicali", "mx:monterrey", "mx:puebla", "mx:queretaro", "mx:tijuana",
)
#: Bridge ends are cut exactly where stated: only a link end closer than this (metres)
#: is taken instead of a cut.
END_SNAP_M = 1.0
BRIDGE_NOTE = "closable bridge link split out of the SICT segment geometry"
#: ``bundled_model`` joins a bundled bridge or fallback link only where the roads pass
#: both of its ends this close (metres): the bundled ends lie on the bundled roads and
#: are written to 5 decimals (< 1 m).
MATCH_M = 5.0


# --------------------------------------------------------------------------- eligibility


def eligible(network: Network) -> np.ndarray:
    """Edges a facility may join: SICT roads of the main road component.

    Parameters
    ----------
    network : Network
        A SICT road network (possibly with facilities already attached).

    Returns
    -------
    numpy.ndarray of bool
        Per edge: a road of ``ROAD_CLASSES`` drawn from SICT segments or traced from
        count stations (not a bridge, not a gap connector) whose ends lie in the
        largest connected part of the road links (connectors included).
    """
    edges = network.edges
    roads = edges["road_class"].isin(ROAD_CLASSES).to_numpy()
    main = main_nodes(network, roads)
    road = roads & ~edges["bridge"].to_numpy() & edges["geometry_method"].isin(
        [SEGMENT, TRACED]).to_numpy()
    return road & edges["u"].isin(main).to_numpy() & edges["v"].isin(main).to_numpy()


def main_nodes(network: Network, mask: np.ndarray) -> set[str]:
    """Nodes of the largest connected part of some edges.

    Parameters
    ----------
    network : Network
        The network.
    mask : numpy.ndarray of bool
        Per edge: whether it counts.

    Returns
    -------
    set of str
        Node ids of the largest (undirected) component of the edges in ``mask``.
    """
    index = network.node_index
    edges = network.edges[mask]
    u, v = edges["u"].map(index).to_numpy(), edges["v"].map(index).to_numpy()
    n = len(network.nodes)
    graph = coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    counts = np.bincount(label[np.concatenate([u, v])], minlength=label.max() + 1)
    keep = np.flatnonzero(label == counts.argmax())
    return set(network.nodes["node_id"].iloc[keep])


def on_ref(edges: gpd.GeoDataFrame, ref: str) -> np.ndarray:
    """Edges whose ``ref`` or any of their ``refs`` is ``ref`` (as the selectors match).

    Parameters
    ----------
    edges : geopandas.GeoDataFrame
        Network edges with ``ref`` and ``refs``.
    ref : str
        A route number such as ``MEX-45D``.

    Returns
    -------
    numpy.ndarray of bool
    """
    wanted = ref.strip().upper()
    refs = edges["refs"].fillna("").astype(str).str.upper().str.split(";")
    return (edges["ref"].str.upper().eq(wanted) | refs.map(lambda r: wanted in r)).to_numpy()


def junction_names(edges: gpd.GeoDataFrame) -> dict[str, str]:
    """'junction MEX-45 / MEX-110': the refs of the road links meeting at each node.

    Parameters
    ----------
    edges : geopandas.GeoDataFrame
        One direction of each link (``u``, ``v``, ``ref``).

    Returns
    -------
    dict
        Node id -> name, for the nodes with a numbered road (at most four refs, sorted).
    """
    ends = pd.concat([edges[["u", "ref"]].rename(columns={"u": "node"}),
                      edges[["v", "ref"]].rename(columns={"v": "node"})])
    ends = ends[ends["ref"] != ""].drop_duplicates().sort_values(["node", "ref"])
    joined = ends.groupby("node")["ref"].apply(lambda refs: " / ".join(list(refs)[:4]))
    return {node: f"junction {refs}" for node, refs in joined.items()}


def junction_source(node_id: str, source: object, state_method: str) -> str:
    """The ``source`` of a junction: SICT's attribution, how it was made, how its state was set.

    Parameters
    ----------
    node_id : str
        The junction (``sict:<n>`` when ``corredor.networks.topology`` made it).
    source : object
        Its ``source`` so far (blank for a SICT junction).
    state_method : str
        How its ``state`` was set, e.g. ``state: the INEGI state polygon holding it``.

    Returns
    -------
    str
    """
    source = source if isinstance(source, str) else ""
    if node_id.startswith("sict:") and source in ("", "not given"):
        return (f"{ATTRIBUTION}; junction of SICT segments (ends snapped within "
                f"{DEFAULT_SNAP_M:g} m by corredor.networks.topology); {state_method}")
    if ATTRIBUTION not in source:
        source = f"{source}; on a road of {ATTRIBUTION}"
    return f"{source}; {state_method}"


def label_junctions(network: Network, *, state_method: str) -> Network:
    """The network with every junction named (``junction_names``) and sourced.

    Parameters
    ----------
    network : Network
        Any network with ``:fwd`` / ``:rev`` edges.
    state_method : str
        How the junctions' states were set (see ``junction_source``).

    Returns
    -------
    Network
        Junctions without a name get ``junction <refs>`` (or ``junction``), and a
        ``source`` by ``junction_source``; other nodes are unchanged.
    """
    names = junction_names(network.edges[network.edges["edge_id"].str.endswith(":fwd")])
    nodes = network.nodes
    junction = nodes["kind"] == "junction"
    unnamed = junction & (nodes["name"].fillna("") == "")
    named = nodes["name"].where(~unnamed, nodes["node_id"].map(names).fillna("junction"))
    given = nodes["source"] if "source" in nodes else pd.Series("", index=nodes.index)
    sources = [junction_source(node, source, state_method) if is_junction else source
               for node, source, is_junction in zip(nodes["node_id"], given, junction,
                                                    strict=True)]
    return Network.from_frames(nodes.assign(name=named, source=sources), network.edges)


def polygon_states(points: gpd.GeoSeries, states: gpd.GeoDataFrame) -> np.ndarray:
    """INEGI code of the state polygon holding each point (nearest polygon when outside all).

    Parameters
    ----------
    points : geopandas.GeoSeries
        Points (e.g. junctions).
    states : geopandas.GeoDataFrame
        State polygons with a 2-digit ``state`` code (``corredor.boundaries.read_states``).

    Returns
    -------
    numpy.ndarray of str
        One code per point; a point in no polygon (just outside a simplified coastline)
        gets the nearest polygon's code, measured in EPSG:6372.
    """
    polygons = states[["state", "geometry"]].to_crs(CRS)
    at = gpd.GeoDataFrame(geometry=points.to_crs(CRS).to_numpy(), crs=CRS)
    inside = gpd.sjoin(at, polygons, predicate="within", how="left")
    inside = inside[~inside.index.duplicated(keep="first")]["state"]
    outside = inside.isna().to_numpy()
    if outside.any():
        near = gpd.sjoin_nearest(at[outside].to_crs(METRIC_CRS), polygons.to_crs(METRIC_CRS))
        near = near[~near.index.duplicated(keep="first")]["state"]
        inside.loc[near.index] = near
    return inside.to_numpy(dtype=object)


def with_polygon_states(network: Network, states: gpd.GeoDataFrame) -> Network:
    """The network with every junction's ``state`` set by ``polygon_states``.

    Parameters
    ----------
    network : Network
        Any network.
    states : geopandas.GeoDataFrame
        State polygons with a ``state`` code.

    Returns
    -------
    Network
        Other nodes (towns, plants, ports, abroad) keep their state.
    """
    nodes = network.nodes
    junction = (nodes["kind"] == "junction").to_numpy()
    state = nodes["state"].to_numpy(dtype=object).copy()
    state[junction] = polygon_states(nodes.geometry[junction], states)
    return Network.from_frames(nodes.assign(state=state), network.edges)


def simplify_lines(lines: np.ndarray, loop: np.ndarray,
                   tolerance_m: float = SIMPLIFY_M) -> np.ndarray:
    """Lines simplified by Douglas-Peucker in EPSG:6372.

    Parameters
    ----------
    lines : numpy.ndarray of LineString
        EPSG:4326 lines.
    loop : numpy.ndarray of bool
        Lines that start and end at one node: simplified preserving topology, so a
        loop never collapses into a point.
    tolerance_m : float
        The tolerance in metres.

    Returns
    -------
    numpy.ndarray of LineString
        EPSG:4326.
    """
    metric = gpd.GeoSeries(lines, crs=CRS).to_crs(METRIC_CRS).to_numpy()
    simple = shapely.simplify(metric, tolerance_m, preserve_topology=False)
    simple[loop] = shapely.simplify(metric[loop], tolerance_m, preserve_topology=True)
    return gpd.GeoSeries(simple, crs=METRIC_CRS).to_crs(CRS).to_numpy()


def simplified(network: Network, tolerance_m: float = SIMPLIFY_M) -> Network:
    """The network with its edge lines simplified as the bundled tables are (``simplify_lines``).

    Parameters
    ----------
    network : Network
        Any network.
    tolerance_m : float
        The tolerance in metres.

    Returns
    -------
    Network
        Each ``:rev`` edge with a ``:fwd`` twin gets the reverse of its twin's line; every
        line keeps its exact end points; lengths are not changed.
    """
    edges = network.edges
    lines = edges.geometry.to_numpy()
    simple = simplify_lines(lines, (edges["u"] == edges["v"]).to_numpy(), tolerance_m)
    ids = pd.Series(np.arange(len(edges)), index=edges["edge_id"].to_numpy())
    twin = ids.reindex(edges["edge_id"].str.replace(r":rev$", ":fwd", regex=True)).to_numpy()
    reverse = edges["edge_id"].str.endswith(":rev").to_numpy() & ~np.isnan(twin)
    simple[reverse] = shapely.reverse(simple[twin[reverse].astype(int)])
    xy = [shapely.get_coordinates(line) for line in simple]
    ends = [shapely.get_coordinates(line)[[0, -1]] for line in lines]
    for coords, (first, last) in zip(xy, ends, strict=True):
        coords[0], coords[-1] = first, last
    return Network.from_frames(network.nodes, edges.set_geometry(
        shapely.linestrings(np.concatenate(xy), indices=np.repeat(
            np.arange(len(xy)), [len(c) for c in xy])), crs=CRS))


# --------------------------------------------------------------------------- zones


def attach_zones(
    network: Network, places: gpd.GeoDataFrame, *, metro: Collection[str] = METRO_ZONES
) -> tuple[Network, dict[str, list[str]]]:
    """Join every town (zone) and plant to the road where it passes closest.

    A town also gets a connector to the nearest point of every other federal route
    (``MEX-`` ref) passing within ``ZONE_RADIUS_KM`` of it (``METRO_RADIUS_KM`` for a
    town in ``metro``).

    Parameters
    ----------
    network : Network
        The SICT road network.
    places : geopandas.GeoDataFrame
        ``node_id``, ``kind`` (``city`` or ``plant``), ``name``, ``state``,
        ``capacity_trucks_day``, ``source`` and point geometry.
    metro : collection of str
        Node ids of the towns whose streets reach ``METRO_RADIUS_KM``.

    Returns
    -------
    (Network, dict)
        The network with the places and their connectors, and junction id -> the
        places joined to the road there.

    Raises
    ------
    DataFileError
        When a place is farther than ``CONNECTOR_PARAMS.max_km`` from every road.
    """
    kinds = {"city": ZONE_CONNECTOR, "plant": PLANT_CONNECTOR}
    out = attach_at_roads(network, places, eligible=eligible(network), params=CONNECTOR_PARAMS,
                          prefix="sict:at", what="town or plant")
    towns = places[places["kind"] == "city"].reset_index(drop=True)
    out = _route_connectors(out, towns, towns["node_id"].isin(list(metro)).to_numpy())
    out = _label_connectors(out, dict(zip(places["node_id"], places["kind"], strict=True)), kinds)
    edges = out.edges
    fwd = edges[edges["link_id"].str.startswith("connector:")
                & edges["edge_id"].str.endswith(":fwd")]
    attached: dict[str, list[str]] = {}
    for facility, node in zip(fwd["u"], fwd["v"], strict=True):
        attached.setdefault(node, []).append(facility)
    return out, attached


def _route_connectors(network: Network, towns: gpd.GeoDataFrame, metro: np.ndarray) -> Network:
    """A connector from each town to the nearest point of every other federal route nearby."""
    edges = network.edges
    federal = (eligible(network) & edges["edge_id"].str.endswith(":fwd").to_numpy()
               & edges["ref"].str.startswith("MEX-").to_numpy()
               & edges["road_class"].isin(["motorway", "trunk", "primary"]).to_numpy())
    rows = np.flatnonzero(federal)
    metric = gpd.GeoSeries(edges.geometry.iloc[rows].to_numpy(), crs=CRS).to_crs(
        METRIC_CRS).to_numpy()
    points = towns.geometry.to_crs(METRIC_CRS).to_numpy()
    town, hit = shapely.STRtree(metric).query(points, predicate="dwithin",
                                              distance=METRO_RADIUS_KM * 1000.0)
    pairs = pd.DataFrame({"town": town, "edge": rows[hit], "ref": edges["ref"].to_numpy()[
        rows[hit]], "m": shapely.distance(points[town], metric[hit])})
    radius = np.where(metro, METRO_RADIUS_KM, ZONE_RADIUS_KM) * 1000.0
    pairs = pairs[pairs["m"].to_numpy() <= radius[pairs["town"].to_numpy()]]
    first = _first_refs(network, towns)
    pairs = pairs[[ref not in first[t] for t, ref in zip(pairs["town"], pairs["ref"],
                                                         strict=True)]]
    best = pairs.sort_values(["town", "ref", "m", "edge"]).drop_duplicates(["town", "ref"])
    if best.empty:
        return network
    rows_of = towns.iloc[best["town"].to_numpy()].reset_index(drop=True)
    return attach_at_roads(network, rows_of, edge=best["edge"].to_numpy(),
                           params=FacilityParams(max_km=METRO_RADIUS_KM + 1.0),
                           prefix="sict:az", what="town",
                           link_suffix=[f":{ref.lower()}" for ref in best["ref"]])


def _first_refs(network: Network, towns: gpd.GeoDataFrame) -> list[set[str]]:
    """Per town, the refs of the roads at the junction its first connector reaches."""
    edges = network.edges
    target = edges.set_index("edge_id")["v"]
    at = [target.get(f"connector:{t}:fwd", "") for t in towns["node_id"]]
    refs = edges[edges["road_class"].isin(ROAD_CLASSES)].groupby("u")["ref"].agg(set)
    return [refs.get(node, set()) for node in at]


def _label_connectors(network: Network, kind_of: Mapping[str, str],
                      kinds: Mapping[str, str]) -> Network:
    """Method, capacity and minimum length of the zone and plant connectors."""
    edges = network.edges.copy()
    connector = edges["link_id"].str.startswith("connector:")
    kind = edges["u"].where(edges["edge_id"].str.endswith(":fwd"), edges["v"]).map(
        kind_of).fillna("")
    zone = connector & kind.eq("city")
    edges.loc[connector, "geometry_method"] = kind[connector].map(kinds)
    edges.loc[connector, "lanes_method"] = "assumption: connector default (FacilityParams)"
    edges.loc[zone, "capacity_trucks_day"] = ZONE_CAPACITY
    edges.loc[zone, "capacity_method"] = (
        f"assumption: a zone connector stands for the town's local streets and is not a "
        f"capacity constraint ({ZONE_CAPACITY:,.0f} trucks/day)")
    edges.loc[connector, "network_class"] = ""
    edges.loc[connector, "length_method"] = "geodesic from the GeoNames point to the road"
    short = connector & (edges["length_km"] < MIN_CONNECTOR_KM)
    edges.loc[short, "length_km"] = MIN_CONNECTOR_KM
    edges.loc[short, "length_method"] = (
        f"assumption: {MIN_CONNECTOR_KM * 1000:.0f} m, the town's point lies on the road; drawn "
        "as a short spur north and back")
    edges.loc[short, "geometry"] = [_spur(line) for line in edges.loc[short, "geometry"]]
    return Network.from_frames(network.nodes, edges)


def _spur(line: shapely.LineString) -> shapely.LineString:
    """A connector whose ends (nearly) coincide, drawn out to a point 22 m north and back."""
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    return shapely.LineString([(x0, y0), (x0, round(y0, 5) + 2e-4), (x1, y1)])


# --------------------------------------------------------------------------- bridges


def add_bridge(
    network: Network,
    lon: Sequence[float],
    lat: Sequence[float],
    *,
    eligible: np.ndarray,
    link_id: str,
    end_ids: tuple[str, str],
    name: str,
    source: str,
    length_method: str,
    end_source: str,
    where: str,
) -> tuple[Network, tuple[str, str]]:
    """Cut a closable bridge link out of the road link that holds it.

    The road is split at the two points (``split_roads_at``, ``END_SNAP_M``); the
    piece between the cuts becomes the bridge link ``link_id`` (``bridge = true``).

    Parameters
    ----------
    network : Network
        The road network.
    lon, lat : sequence of float
        The bridge's two ends (EPSG:4326), in order.
    eligible : numpy.ndarray of bool
        Per edge: the links the ends may be cut from (the bridge's road).
    link_id : str
        The bridge link's id (``<ref>:<id>``).
    end_ids : (str, str)
        Ids of the two new junctions at the ends (an end that falls on an existing
        link end keeps that node).
    name : str
        The bridge's name.
    source : str
        Put before the road's own ``source`` (the bridge fact and its position).
    length_method : str
        How the bridge's length was set.
    end_source : str
        ``source`` of the new junctions.
    where : str
        The input naming the bridge, for messages.

    Returns
    -------
    (Network, (str, str))
        The network with the bridge link, and the ids of its two end nodes.

    Raises
    ------
    DataFileError
        When the two ends are not the ends of one road link after the cut.
    """
    prefix = "bridge-cut:"
    found = split_roads_at(network, np.asarray(lon, dtype=float), np.asarray(lat, dtype=float),
                           eligible=eligible, prefix=prefix, snap_m=END_SNAP_M,
                           source=end_source)
    names = {old: new for old, new in zip(found.node_id, end_ids, strict=True)
             if old.startswith(prefix)}
    net = _rename_nodes(found.network, names)
    a, b = (names.get(n, n) for n in found.node_id)
    edges = net.edges.copy()
    ends = edges["u"].isin([a, b]) & edges["v"].isin([a, b]) & (edges["u"] != edges["v"])
    links = set(edges.loc[ends, "link_id"])
    if len(links) != 1:
        raise DataFileError(f"{where}: the bridge ends {a}, {b} are not the two ends of one "
                            f"road link (found {sorted(links)}); move the bridge off a junction")
    rows = edges["link_id"].isin(links)
    direction = edges.loc[rows, "edge_id"].str.rsplit(":", n=1).str[1]
    edges.loc[rows, "edge_id"] = link_id + ":" + direction
    edges.loc[rows, "link_id"] = link_id
    edges.loc[rows, "bridge"] = True
    edges.loc[rows, "name"] = name
    edges.loc[rows, "length_method"] = length_method
    edges.loc[rows, "source"] = f"{source}; " + edges.loc[rows, "source"]
    edges.loc[rows, "note"] = BRIDGE_NOTE
    return Network.from_frames(net.nodes, edges), (a, b)


def _rename_nodes(network: Network, names: Mapping[str, str]) -> Network:
    nodes = network.nodes.assign(node_id=network.nodes["node_id"].replace(names))
    edges = network.edges.assign(u=network.edges["u"].replace(names),
                                 v=network.edges["v"].replace(names))
    return Network.from_frames(nodes, edges)


# --------------------------------------------------------------------------- bundled model


def bundled_model(
    roads: Network,
    national: Network,
    *,
    states: Collection[str],
    traced: Collection[str] = (),
    progress: Callable[[str], None] | None = None,
) -> Network:
    """The bundled model's facilities on a SICT road network, as ``make data`` attaches them.

    Parameters
    ----------
    roads : Network
        A network built by ``corredor.networks.sict.sict_network``.
    national : Network
        The bundled model (``corredor.networks.national.load_national``): its zones,
        plants, bridges, crossings, ports and foreign network are used.
    states : collection of str
        INEGI codes of the states ``roads`` covers: only the zones and plants of these
        states are attached (those farther than ``CONNECTOR_PARAMS.max_km`` from every
        road are left out and reported, e.g. on a federal-only network).
    traced : collection of str
        INEGI codes of the states whose roads were traced from count stations: the
        bundled fallback links with a town in one of them are joined to the roads first.
    progress : callable, optional
        Called with one line per step.

    Returns
    -------
    Network
        ``roads`` with those fallback links, the zones and plants and their connectors,
        each bundled bridge
        whose road passes both of its ends, the crossings and ports whose zone is
        attached, and the foreign network behind those crossings. Mexican nodes get
        ``country`` ``MX`` and ``attached`` (the places joined at a junction).
    """
    report = progress or (lambda line: None)
    roads = _bundled_fallbacks(roads, national, set(traced), report)
    places = _reachable_places(roads, national, set(states), report)
    network, attached = attach_zones(roads, places)
    report(f"zones and plants: {int((places['kind'] == 'city').sum())} towns and "
           f"{int((places['kind'] == 'plant').sum())} plants joined to the roads")
    network = _bundled_bridges(network, national, report)
    nodes = network.nodes.assign(
        country="MX",
        attached=network.nodes["node_id"].map(
            lambda node: ";".join(sorted(attached.get(node, [])))))
    network = _outside(Network.from_frames(nodes, network.edges), national, report)
    return Network.from_frames(_blank_text(network.nodes), _blank_text(network.edges))


def _blank_text(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Missing text as '' (as in the bundled tables), e.g. a connector's ``sict_ids``."""
    text = [c for c in frame.columns if c != frame.geometry.name
            and pd.api.types.is_string_dtype(frame[c]) and frame[c].isna().any()]
    return frame.assign(**{c: frame[c].fillna("") for c in text})


def _bundled_fallbacks(roads: Network, national: Network, traced: set[str],
                       report: Callable[[str], None]) -> Network:
    """The bundled fallback links of the traced states, joined where the bundled ones end."""
    edges = national.edges
    fallback = edges[edges["geometry_method"] == FALLBACK]
    states = fallback["state"].str.split(";").map(set)
    fallback = fallback[[bool(s & traced) for s in states]]
    fwd = fallback[fallback["edge_id"].str.endswith(":fwd")]
    mask = eligible(roads)
    if fwd.empty or not mask.any():
        return roads
    points = national.nodes.set_index("node_id").geometry
    metres = _metres_to(roads.edges.geometry[mask], points.loc[np.column_stack(
        [fwd["u"], fwd["v"]]).ravel()]).reshape(-1, 2).max(axis=1)
    fwd = fwd[metres <= MATCH_M]
    fallback = fallback[fallback["link_id"].isin(fwd["link_id"])]
    if fwd.empty:
        return roads
    ends = points.loc[np.column_stack([fwd["u"], fwd["v"]]).ravel()]
    found = split_roads_at(roads, ends.x.to_numpy(), ends.y.to_numpy(), eligible=mask,
                           prefix="sict:fb",
                           source=f"{ATTRIBUTION}; junction where a fallback link meets the road")
    new = dict(zip(fwd["link_id"], found.node_id.reshape(-1, 2), strict=True))
    at = found.network.nodes.set_index("node_id").geometry
    rows = []
    for row in fallback.itertuples(index=False):
        u, v = new[row.link_id] if row.edge_id.endswith(":fwd") else new[row.link_id][::-1]
        inner = shapely.get_coordinates(row.geometry)[1:-1]
        line = shapely.LineString([(at[u].x, at[u].y), *map(tuple, inner), (at[v].x, at[v].y)])
        rows.append({**row._asdict(), "u": u, "v": v, "geometry": line})
    report(f"fallback links: {len(fwd)} of the bundled links of the traced state(s) "
           f"{', '.join(sorted(traced))} joined to the roads (both ends on a road built)")
    return _combine(found.network, [], [gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)])


def _reachable_places(roads: Network, national: Network, states: set[str],
                      report: Callable[[str], None]) -> gpd.GeoDataFrame:
    """The bundled zones and plants of ``states`` within reach of an eligible road."""
    nodes = national.nodes
    chosen = nodes[nodes["kind"].isin(["city", "plant"]) & nodes["state"].isin(states)]
    places = gpd.GeoDataFrame(
        chosen[["node_id", "kind", "name", "state", "source"]].assign(capacity_trucks_day=np.nan),
        geometry=chosen.geometry.to_numpy(), crs=CRS).reset_index(drop=True)
    mask = eligible(roads)
    if not mask.any() or places.empty:
        if len(places):
            report(f"no road to join {len(places)} zones and plants to: none attached")
        return places.iloc[:0]
    lines = gpd.GeoSeries(roads.edges.geometry[mask].to_numpy(), crs=CRS).to_crs(METRIC_CRS)
    points = places.geometry.to_crs(METRIC_CRS).to_numpy()
    _, metres = shapely.STRtree(lines.to_numpy()).query_nearest(points, return_distance=True,
                                                              all_matches=False)
    far = metres > CONNECTOR_PARAMS.max_km * 1000.0
    if far.any():
        names = ", ".join(f"{n} ({m / 1000:.1f} km)" for n, m in
                          zip(places.loc[far, "node_id"], metres[far], strict=True))
        report(f"left out {int(far.sum())} zones/plants farther than "
               f"{CONNECTOR_PARAMS.max_km:g} km from the roads built: {names}")
    return places[~far].reset_index(drop=True)


def _bundled_bridges(network: Network, national: Network,
                     report: Callable[[str], None]) -> Network:
    """Each bundled bridge re-cut at its two end points where its road passes both."""
    bridges = national.edges[national.edges["bridge"]
                             & national.edges["edge_id"].str.endswith(":fwd")]
    points = national.nodes.set_index("node_id").geometry
    sources = national.nodes.set_index("node_id")["source"]
    cut = []
    for row in bridges.itertuples(index=False):
        ends = points.loc[[row.u, row.v]]
        mask = on_ref(network.edges, row.ref) & eligible(network)
        if not mask.any() or _metres_to(network.edges.geometry[mask], ends).max() > MATCH_M:
            continue
        prefix = f"mx:{row.link_id.split(':', 1)[1]}_"
        end_ids = tuple(node if node.startswith(prefix) else f"{prefix}{end}"
                        for node, end in zip((row.u, row.v), "ab", strict=True))
        network, _ = add_bridge(
            network, ends.x.to_numpy(), ends.y.to_numpy(), eligible=mask, link_id=row.link_id,
            end_ids=(end_ids[0], end_ids[1]), name=row.name,
            source=row.source.split(f"; {ATTRIBUTION}")[0], length_method=row.length_method,
            end_source=sources[row.u if row.u.startswith(prefix) else row.v].split(
                f"; on a road of {ATTRIBUTION}")[0], where=f"bundled bridge {row.link_id}")
        cut.append(row.link_id)
    report(f"bridges: {len(cut)} of {len(bridges)} bundled bridge links cut out of their roads"
           + (f" ({', '.join(cut)})" if cut else ""))
    return network


def _metres_to(lines: gpd.GeoSeries, points: gpd.GeoSeries) -> np.ndarray:
    """Metric distance from each point to the nearest of ``lines``."""
    metric = gpd.GeoSeries(lines.to_numpy(), crs=CRS).to_crs(METRIC_CRS).to_numpy()
    at = gpd.GeoSeries(points.to_numpy(), crs=CRS).to_crs(METRIC_CRS).to_numpy()
    _, metres = shapely.STRtree(metric).query_nearest(at, return_distance=True, all_matches=False)
    return metres


def _outside(network: Network, national: Network, report: Callable[[str], None]) -> Network:
    """Crossings and port access roads at the attached zones, and the foreign network behind."""
    nodes, edges = national.nodes, national.edges
    here = set(network.nodes["node_id"])
    touching = edges["u"].isin(here) | edges["v"].isin(here)
    crossings = edges[touching & (edges["road_class"] == "border")]
    ports = edges[touching & (edges["road_class"] == "port_access")]
    kinds = dict(zip(nodes["node_id"], nodes["kind"], strict=True))
    gateways = (set(crossings["u"]) | set(crossings["v"])) - here
    foreign_nodes, foreign_edges = _foreign_behind(national, gateways, kinds)
    port_nodes = nodes[nodes["node_id"].isin((set(ports["u"]) | set(ports["v"])) - here)]
    report(f"border and ports: {crossings['link_id'].nunique()} of "
           f"{edges.loc[edges['road_class'] == 'border', 'link_id'].nunique()} crossings, "
           f"{len(port_nodes)} of {int((nodes['kind'] == 'port').sum())} ports, "
           f"{len(foreign_nodes)} foreign nodes")
    return _combine(network, [foreign_nodes, port_nodes], [crossings, ports, foreign_edges])

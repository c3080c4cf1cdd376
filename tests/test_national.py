"""Integrity of the bundled national freight model of Mexico (SICT/IMT Datos Viales roads)."""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from pyproj import Geod

from corredor.network import undirected_links
from corredor.routing import od_cost_matrix, shortest_paths
from test_bundled_sict import FALLBACK, road_stretch

GEOD = Geod(ellps="WGS84")
REQUIRED_REFS = [
    "MEX-1",
    "MEX-2",
    "MEX-15",
    "MEX-15D",
    "MEX-16",
    "MEX-37",
    "MEX-37D",
    "MEX-40",
    "MEX-40D",
    "MEX-45",
    "MEX-45D",
    "MEX-49",
    "MEX-54",
    "MEX-54D",
    "MEX-57",
    "MEX-57D",
    "MEX-80",
    "MEX-85",
    "MEX-85D",
    "MEX-95",
    "MEX-95D",
    "MEX-101",
    "MEX-150",
    "MEX-150D",
    "MEX-180",
    "MEX-186",
    "MEX-190",
    "MEX-200",
]
PORTS = [
    "manzanillo",
    "lazaro_cardenas",
    "veracruz",
    "altamira",
    "tampico",
    "ensenada",
    "mazatlan",
    "guaymas",
    "topolobampo",
    "coatzacoalcos",
    "progreso",
    "salina_cruz",
]
PLANTS = [
    "gm_silao",
    "mazda_salamanca",
    "honda_celaya",
    "toyota_apaseo",
    "nissan_aguascalientes",
    "bmw_slp",
    "gm_slp",
    "kia_pesqueria",
    "gm_ramos_arizpe",
    "stellantis_saltillo",
    "ford_hermosillo",
    "vw_puebla",
    "audi_san_jose_chiapa",
]
# (cuota ref, libre ref, towns both run between). MEX-57D runs Mexico City-Querétaro only:
# the Querétaro-San Luis Potosí cuota was concessioned in 2025 and is under construction,
# so there MEX-57 is a 4-lane libre trunk road (SICT's multilane FS pattern).
PARALLEL_CORRIDORS = [
    ("MEX-45D", "MEX-45", ["queretaro", "celaya", "irapuato", "silao", "leon", "lagos_de_moreno"]),
    ("MEX-85D", "MEX-85", ["monterrey", "nuevo_laredo"]),
    ("MEX-150D", "MEX-150", ["puebla", "orizaba"]),
    ("MEX-95D", "MEX-95", ["ciudad_de_mexico", "cuernavaca", "chilpancingo", "acapulco"]),
]


@pytest.fixture(scope="module")
def links(national):
    return undirected_links(national)


@pytest.fixture(scope="module")
def mexican_nodes(national):
    return national.nodes[national.nodes["country"] == "MX"]


def test_model_size_and_every_row_sourced(national, links, mexican_nodes):
    roads = links[links["road_class"].isin(["motorway", "trunk", "primary", "secondary"])]
    assert len(mexican_nodes) >= 6_000  # 5,849 junctions, 290 towns, 13 plants, 13 ports
    assert len(roads) >= 6_500  # 6,655 SICT road links and 27 fallback links
    assert roads["length_km"].sum() >= 77_000  # 77,188 km of road in Mexico
    assert (national.nodes["source"].str.strip() != "").all()
    assert (national.edges["source"].str.strip() != "").all()
    assert national.problems() == []


def test_all_32_states_and_capitals_present(mexican_nodes):
    codes = {f"{i:02d}" for i in range(1, 33)}
    assert codes <= set(mexican_nodes["state"])


def test_trunk_corridors_present(links):
    refs = set(links["ref"])
    assert [ref for ref in REQUIRED_REFS if ref not in refs] == []


@pytest.mark.parametrize(("cuota", "libre", "towns"), PARALLEL_CORRIDORS)
def test_toll_and_free_roads_run_in_parallel(national, cuota, libre, towns):
    """Both roads run between each pair of consecutive towns.

    SICT's roads start where a town's streets end: a road's nearest node may lie up to
    24 km from the town (MEX-85D begins at its km 24, north of Monterrey), so a stretch
    between the nearest nodes is 0.6-1.6 x the towns' straight-line distance.
    """
    points = national.nodes.set_index("node_id").geometry
    for ref, toll in ((cuota, True), (libre, False)):
        road = national.edges[national.edges["ref"] == ref]
        assert road["toll"].eq(toll).all(), f"{ref} toll flag"
        on = points.loc[sorted(set(road["u"]))]
        for town in towns:
            p = points[f"mx:{town}"]
            _, _, metres = GEOD.inv(np.full(len(on), p.x), np.full(len(on), p.y),
                                    on.x.to_numpy(), on.y.to_numpy())
            assert metres.min() < 25_000, f"{ref} passes {metres.min() / 1000:.0f} km from {town}"
        for a, b in itertools.pairwise(towns):
            stretch = road_stretch(national, ref, f"mx:{a}", f"mx:{b}")
            pa, pb = points[f"mx:{a}"], points[f"mx:{b}"]
            straight = GEOD.inv(pa.x, pa.y, pb.x, pb.y)[2] / 1000
            ratio = stretch["length_km"].sum() / straight
            assert 0.6 <= ratio <= 1.6, f"{ref} {a}-{b}: {ratio:.2f} x the straight line"


def test_mex57_libre_is_a_four_lane_road_from_queretaro_to_san_luis_potosi(national):
    stretch = road_stretch(national, "MEX-57", "mx:queretaro", "mx:san_luis_potosi")
    assert stretch["length_km"].sum() == pytest.approx(202.0, abs=0.5)
    assert (stretch["road_class"] == "trunk").all() and not stretch["toll"].any()
    assert stretch["lanes"].ge(2).all()


def test_bajio_bridges_exist_on_toll_and_free_roads(national):
    bridges = national.edges[national.edges["bridge"] & national.edges["state"].eq("11")]
    assert set(bridges["ref"]) >= {"MEX-45D", "MEX-45"}
    # closing every Guanajuato bridge of MEX-45D leaves León connected to Silao and Irapuato
    closed = (national.edges["bridge"] & national.edges["ref"].eq("MEX-45D")).to_numpy()
    paths = shortest_paths(
        national, [("mx:leon", "mx:silao"), ("mx:leon", "mx:irapuato")], removed=closed
    )
    assert paths.reachable.all()
    base = shortest_paths(national, [("mx:leon", "mx:silao"), ("mx:leon", "mx:irapuato")])
    assert (paths.cost >= base.cost).all()


def test_ports_are_connected_and_sourced(national):
    ports = national.nodes[national.nodes["kind"] == "port"]
    assert {f"port:{name}" for name in PORTS} <= set(ports["node_id"])
    access = national.edges[national.edges["road_class"] == "port_access"]
    assert set(ports["node_id"]) <= set(access["u"]) | set(access["v"])


def test_plants_present(national):
    plants = national.nodes[national.nodes["kind"] == "plant"]
    assert {f"plant:{name}" for name in PLANTS} <= set(plants["node_id"])


def test_crossings_link_mexico_to_us_gateways(national):
    nodes = national.nodes.set_index("node_id")
    crossings = national.edges[national.edges["road_class"] == "border"]
    northbound = crossings[crossings["edge_id"].str.endswith(":fwd")]
    tails = nodes.loc[northbound["u"]]
    heads = nodes.loc[northbound["v"]]
    assert (tails["country"] == "MX").all()
    us = northbound[(heads["kind"] == "us_gateway").to_numpy()]
    south = northbound[(heads["country"] == "GT").to_numpy()]
    assert len(us) >= 15 and len(south) >= 2
    assert (us["observed_trucks_day"] > 0).all(), "every US crossing has a BTS truck count"
    assert (us["capacity_trucks_day"] >= us["observed_trucks_day"]).all()


def test_every_demand_pair_has_a_path(national, national_demand):
    origins = sorted(set(national_demand["origin"]))
    destinations = sorted(set(national_demand["destination"]))
    costs = od_cost_matrix(national, origins, destinations)
    pair_costs = costs.stack().loc[
        list(zip(national_demand["origin"], national_demand["destination"], strict=True))
    ]
    assert np.isfinite(pair_costs).all()
    assert national_demand["trucks_day"].gt(0).all()
    assert set(national_demand["segment"]) >= {"us_export", "port_hinterland"}


def test_road_lengths_are_plausible_against_straight_lines(national):
    """A road is never shorter than the straight line between its ends (less the 2 x 25 m
    its ends may move when snapped into junctions). On SICT's segment geometry the drawn,
    simplified line keeps its length (``length_km`` is measured on the full line); a road
    traced through count stations is drawn station to station, but its length is the
    km posts' difference where longer (the road winds between stations)."""
    nodes = national.nodes.set_index("node_id").geometry
    edges = national.edges
    roads = edges[edges["edge_id"].str.endswith(":fwd") & ~edges["road_class"].isin(
        ["border", "port_access", "connector", "us_highway", "foreign_highway"])]
    a, b = nodes.loc[roads["u"]], nodes.loc[roads["v"]]
    _, _, metres = GEOD.inv(a.x.to_numpy(), a.y.to_numpy(), b.x.to_numpy(), b.y.to_numpy())
    assert (roads["length_km"].to_numpy() >= metres / 1000.0 - 0.05).all()
    drawn = np.array([GEOD.geometry_length(line) for line in roads.geometry]) / 1000.0
    segment = (roads["geometry_method"] == "SICT segment geometry").to_numpy()
    assert drawn[segment].sum() == pytest.approx(roads["length_km"][segment].sum(), rel=0.005)
    traced = (roads["geometry_method"] == "traced from SICT count stations").to_numpy()
    assert (roads["length_km"].to_numpy()[traced] >= drawn[traced] - 0.005).all()
    assert roads["length_km"][traced].sum() > 1.4 * drawn[traced].sum()
    fallback = roads["geometry_method"].str.startswith(FALLBACK).to_numpy()
    assert fallback.sum() == 27
    assert np.allclose(roads["length_km"].to_numpy()[fallback], drawn[fallback], rtol=1e-3)


def test_mexican_nodes_lie_in_their_state(shared_data, mexican_nodes):
    """Every junction is in its state's polygon: ``make data`` takes the state from the INEGI
    polygon holding it, or the nearest one for the few just off the simplified coastline."""
    states = gpd.read_file(shared_data / "boundaries" / "estatal.shp")[["CVEGEO", "geometry"]]
    metric = states.to_crs("EPSG:6372").set_index("CVEGEO")
    points = mexican_nodes.to_crs("EPSG:6372")
    distance = np.array(
        [
            metric.geometry.loc[state].distance(point)
            for state, point in zip(points["state"], points.geometry, strict=True)
        ]
    )
    junction = (points["kind"] == "junction").to_numpy()
    inside_any = points.geometry.apply(lambda p: bool(metric.geometry.contains(p).any()))
    # a junction inside some polygon is inside its own
    assert (distance[junction & inside_any.to_numpy()] == 0).all()
    # the others lie just off the (simplified) coast, at most 3 km, as the shared towns may;
    # a World Port Index point may sit at the end of a pier offshore (Progreso's terminal
    # is ~7 km out): allow 10 km
    allowed = np.where(points["kind"] == "port", 10_000, 3_000)
    outside = points.loc[distance > allowed, ["node_id", "state"]]
    assert outside.to_dict("records") == []
    assert (distance[junction] == 0).mean() > 0.99
    assert (distance[points["kind"].isin(["city", "plant"]).to_numpy()] == 0).mean() > 0.95


def test_router_matches_networkx_on_the_national_model(national, national_demand):
    graph = nx.DiGraph()
    for edge in national.edges.itertuples():
        if not graph.has_edge(edge.u, edge.v) or graph[edge.u][edge.v]["w"] > edge.length_km:
            graph.add_edge(edge.u, edge.v, w=edge.length_km)
    pairs = list(zip(national_demand["origin"], national_demand["destination"], strict=True))
    ours = shortest_paths(national, pairs)
    for i, (o, d) in enumerate(pairs):
        assert ours.cost[i] == pytest.approx(nx.dijkstra_path_length(graph, o, d, weight="w"))
        assert national.edges["length_km"].iloc[ours.edges[i]].sum() == pytest.approx(ours.cost[i])

"""Facilities joined to a road network: nearest suitable node, errors, bundled crossings."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import LineString, Point

from corredor.errors import DataFileError
from corredor.network import CRS, Network
from corredor.networks.facilities import (
    FacilityParams,
    attach_bundled,
    attach_facilities,
    read_facilities,
)
from corredor.routing import od_cost_matrix, shortest_paths

from factories import make_network

GEOD = Geod(ellps="WGS84")


def roads(coords, links):
    """A two-way road network from (u, v, road_class) links, lengths geodesic."""
    triples = [(u, v, _km(coords[u], coords[v])) for u, v, _ in links]
    return make_network(coords, triples, road_class=[c for *_, c in links])


def _km(a, b):
    return GEOD.inv(a[0], a[1], b[0], b[1])[2] / 1000.0


def write_csv(path, rows, header="name,kind,lon,lat,capacity"):
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


LINE = {"a": (-101.0, 21.0), "b": (-100.95, 21.0), "c": (-100.9, 21.0), "d": (-100.85, 21.0),
        "e": (-100.95, 21.05), "f": (-100.949, 21.051)}
LINE_LINKS = [("a", "b", "primary"), ("b", "c", "primary"), ("c", "d", "motorway"),
              ("e", "f", "primary")]  # e-f: an island away from the rest


@pytest.fixture
def line_roads():
    return roads(LINE, LINE_LINKS)


def test_nearest_suitable_node_is_chosen(tmp_path, line_roads):
    table = read_facilities(write_csv(tmp_path / "f.csv", [
        "Planta Norte,plant,-100.951,21.003,",
        "Puerto Seco Bajío,port,-100.849,21.001,500",  # nearest node d touches only a motorway
        "Bodega Isla,supplier,-100.9495,21.0495,",  # nearest node e is on a two-node island
    ]))
    network = attach_facilities(line_roads, table)
    assert network.problems() == []
    edges = network.edges.set_index("edge_id")
    plant = edges.loc["connector:plant:planta_norte:fwd"]
    assert (plant["u"], plant["v"], plant["road_class"]) == ("plant:planta_norte", "b", "connector")
    assert plant["length_km"] == pytest.approx(_km((-100.951, 21.003), LINE["b"]))
    assert edges.loc["connector:plant:planta_norte:rev", "u"] == "b"
    port = edges.loc["port-access:puerto_seco_bajio:fwd"]
    assert (port["v"], port["road_class"], port["capacity_trucks_day"]) == ("c", "port_access", 500)
    assert edges.loc["connector:supplier:bodega_isla:fwd", "v"] == "b"
    nodes = network.nodes.set_index("node_id")
    assert nodes.loc["port:puerto_seco_bajio", "kind"] == "port"
    assert nodes.loc["plant:planta_norte", "state"] == "11"  # from its road node
    paths = shortest_paths(network, [("plant:planta_norte", "port:puerto_seco_bajio")])
    assert paths.reachable.all()


def test_too_far_facilities_are_one_error_naming_each(tmp_path, line_roads):
    table = read_facilities(write_csv(tmp_path / "f.csv", [
        "Planta Norte,plant,-100.951,21.003,",
        "Planta Lejana,plant,-100.0,21.0,",
        "Otra Lejana,supplier,-101.0,22.0,",
    ]))
    with pytest.raises(DataFileError) as caught:
        attach_facilities(line_roads, table)
    message = str(caught.value)
    assert "plant:planta_lejana (Planta Lejana) is 93.6 km" in message  # to c: d is motorway-only
    assert "supplier:otra_lejana" in message and "planta_norte" not in message
    assert "max 10 km" in message and "--max-connector-km" in message
    closer = attach_facilities(line_roads, table.iloc[[0]], params=FacilityParams(max_km=0.5))
    assert "plant:planta_norte" in set(closer.nodes["node_id"])


def test_facility_on_a_road_node_still_gets_a_valid_connector(line_roads):
    table = gpd.GeoDataFrame({"node_id": ["plant:on_b"], "kind": "plant", "name": "On B",
                              "state": "", "capacity_trucks_day": np.nan},
                             geometry=[Point(LINE["b"])], crs=CRS)
    network = attach_facilities(line_roads, table)
    assert network.problems() == []
    connector = network.edges.set_index("edge_id").loc["connector:plant:on_b:fwd"]
    assert 0 < connector["length_km"] < 0.01


def test_facility_table_problems_are_listed_by_line(tmp_path):
    path = write_csv(tmp_path / "bad.csv", [
        "Planta Uno,factory,-100.9,21.0,",
        "Planta Dos,plant,abc,95,-3",
        "Planta Uno,plant,-100.9,21.0,",
        "planta uno,plant,-100.8,21.0,",
    ])
    with pytest.raises(DataFileError) as caught:
        read_facilities(path)
    message = str(caught.value)
    assert "bad.csv: 5 problem(s)" in message
    assert "line 2: kind 'factory' is not one of port, plant" in message
    assert "line 3: lon 'abc'" in message and "line 3: lat '95'" in message
    assert "line 3: capacity '-3'" in message
    assert "same facility id 'plant:planta_uno'" in message
    with pytest.raises(DataFileError, match="missing column"):
        read_facilities(write_csv(tmp_path / "cols.csv", ["A,plant,1"], header="name,kind,lon"))


# -- the bundled model on an OSM-like network ------------------------------------------------


def fake_national():
    """A tiny stand-in for the bundled model around Nuevo Laredo."""
    rows = [
        ("mx:nl", "city", "Nuevo Laredo", "28", (-99.52, 27.47), np.nan),
        ("mx:lejos", "city", "Lejos", "19", (-99.0, 25.0), np.nan),
        ("plant:x", "plant", "Planta X", "28", (-99.55, 27.45), np.nan),
        ("port:lejano", "port", "Puerto Lejano", "30", (-96.0, 19.0), 900.0),
        ("us:laredo", "us_gateway", "Laredo, TX", "", (-99.507, 27.4996), np.nan),
        ("us:san_antonio", "us_region", "San Antonio", "", (-98.49, 29.42), np.nan),
        ("us:dallas", "us_region", "Dallas", "", (-96.8, 32.78), np.nan),
        ("us:solo", "us_region", "Solo", "", (-100.0, 40.0), np.nan),
    ]
    nodes = gpd.GeoDataFrame(
        {"node_id": [r[0] for r in rows], "kind": [r[1] for r in rows],
         "name": [r[2] for r in rows], "state": [r[3] for r in rows],
         "capacity_trucks_day": [r[5] for r in rows]},
        geometry=[Point(r[4]) for r in rows], crs=CRS)
    where = dict(zip(nodes["node_id"], nodes.geometry, strict=True))
    links = [
        ("border:nl-laredo", "mx:nl", "us:laredo", "border", 5000.0, "World Trade Bridge"),
        ("us:laredo-san_antonio", "us:laredo", "us:san_antonio", "us_highway", np.nan, "I-35"),
        ("us:san_antonio-dallas", "us:san_antonio", "us:dallas", "us_highway", np.nan, "I-35"),
        ("mx:nl-lejos", "mx:nl", "mx:lejos", "primary", np.nan, "MEX-85"),
    ]
    edges = []
    for link_id, u, v, road_class, capacity, name in links:
        for tail, head, tag in ((u, v, "fwd"), (v, u, "rev")):
            edges.append({
                "edge_id": f"{link_id}:{tag}", "link_id": link_id, "u": tail, "v": head,
                "ref": "", "name": name, "road_class": road_class, "toll": False,
                "lanes": 2.0, "bridge": False, "length_km": 10.0, "speed_kph": 30.0,
                "capacity_trucks_day": capacity, "state": "", "source": "test",
                "observed_trucks_day": 4000.0 if (road_class, tag) == ("border", "fwd") else np.nan,
                "geometry": LineString([where[tail], where[head]]),
            })
    return Network.from_frames(nodes, gpd.GeoDataFrame(edges, geometry="geometry", crs=CRS))


BORDER = {"r1": (-99.52, 27.48), "r2": (-99.51, 27.49), "r3": (-99.56, 27.44),
          "r4": (-99.6, 27.4), "r5": (-99.45, 27.4)}
BORDER_LINKS = [("r1", "r2", "trunk"), ("r1", "r3", "primary"), ("r3", "r4", "primary"),
                ("r4", "r5", "primary"), ("r5", "r1", "primary")]


def test_bundled_crossing_gets_a_mexican_side_node_and_the_us_behind_it(tmp_path):
    network = attach_bundled(roads(BORDER, BORDER_LINKS), fake_national())
    assert network.problems() == []
    nodes = network.nodes.set_index("node_id")
    assert {"mx:nl", "plant:x", "crossing:nl-laredo", "us:laredo", "us:san_antonio",
            "us:dallas"} <= set(nodes.index)
    assert {"us:solo", "port:lejano", "mx:lejos"}.isdisjoint(nodes.index)
    side = nodes.loc["crossing:nl-laredo"]
    assert side["kind"] == "border_crossing" and side["name"] == "World Trade Bridge"
    midpoint = np.add(BORDER["r2"], (-99.507, 27.4996)) / 2
    assert np.allclose([side.geometry.x, side.geometry.y], midpoint)
    edges = network.edges.set_index("edge_id")
    out = edges.loc["border:nl-laredo:fwd"]
    assert (out["u"], out["v"], out["capacity_trucks_day"]) == ("crossing:nl-laredo", "us:laredo",
                                                                 5000.0)
    assert out["observed_trucks_day"] == 4000.0 and edges.loc["border:nl-laredo:rev", "v"] == (
        "crossing:nl-laredo")
    assert out["length_km"] == pytest.approx(_km(midpoint, (-99.507, 27.4996)))
    assert edges.loc["connector:crossing:nl-laredo:fwd", "v"] == "r2"
    assert "mx:nl-lejos:fwd" not in edges.index  # bundled roads stay out; OSM has the roads
    paths = shortest_paths(network, [("plant:x", "us:dallas"), ("us:dallas", "mx:nl")])
    assert paths.reachable.all()
    back = Network.from_gpkg(network.to_gpkg(tmp_path / "border.gpkg"))
    assert list(back.edges["edge_id"]) == list(network.edges["edge_id"])


def test_bundled_port_inside_the_network_but_far_from_roads_is_an_error():
    national = fake_national()
    inside = national.nodes["node_id"] == "port:lejano"
    national.nodes.loc[inside, "geometry"] = Point(-99.53, 27.43)  # inside the road hull
    with pytest.raises(DataFileError) as caught:
        attach_bundled(roads(BORDER, BORDER_LINKS), national, params=FacilityParams(max_km=2.0))
    assert "port:lejano (Puerto Lejano) is 3.2 km" in str(caught.value)
    assert "plant:x" not in str(caught.value)  # 1.5 km away: attached


def test_real_bundled_model_routes_from_a_northern_osm_network_into_the_us(national):
    points = national.nodes.set_index("node_id").geometry
    city, gate = points["mx:nuevo_laredo"], points["us:laredo"]
    coords = {"osm:1": (city.x, city.y), "osm:2": (gate.x - 0.01, gate.y - 0.01),
              "osm:3": (city.x - 0.05, city.y - 0.05), "osm:4": (city.x + 0.05, city.y - 0.06)}
    links = [("osm:1", "osm:2", "trunk"), ("osm:1", "osm:3", "primary"),
             ("osm:3", "osm:4", "primary"), ("osm:4", "osm:1", "primary")]
    network = attach_bundled(roads(coords, links), national)
    assert network.problems() == []
    assert "crossing:nuevo_laredo-laredo" in set(network.nodes["node_id"])
    regions = network.nodes.loc[network.nodes["kind"] == "us_region", "node_id"].tolist()
    costs = od_cost_matrix(network, ["mx:nuevo_laredo"], regions)
    assert np.isfinite(costs.to_numpy()).all() and len(regions) > 5

"""The Network model: validation, GeoPackage and networkx round trips."""

from __future__ import annotations

import networkx as nx
import osmnx as ox
import pytest
from pandas.testing import assert_frame_equal
from shapely.geometry import LineString

from corredor.errors import DataFileError, NetworkValidationError
from corredor.network import Network

from factories import make_network

COORDS = {"a": (-101.68, 21.12), "b": (-101.43, 20.94), "c": (-101.35, 20.68)}


@pytest.fixture
def triangle() -> Network:
    return make_network(COORDS, [("a", "b", 33.0), ("b", "c", 30.0), ("a", "c", 60.0)])


def test_validation_reports_every_problem_in_one_error(triangle):
    edges = triangle.edges.copy()
    edges.loc[0, "v"] = "nowhere"  # dangling head
    edges.loc[1, "edge_id"] = edges.loc[2, "edge_id"]  # duplicate id
    edges.loc[3, "length_km"] = 0.0  # non-positive length
    nodes = triangle.nodes.drop(columns="kind")  # missing column
    with pytest.raises(NetworkValidationError) as caught:
        Network.from_frames(nodes, edges)
    message = str(caught.value)
    assert len(caught.value.problems) == 4
    assert "missing column(s) kind" in message
    assert "'v' that is not a node_id" in message and "nowhere" in message
    assert "duplicate edge_id" in message
    assert "length_km that is not a positive number" in message


def test_validation_names_wrong_crs_and_bad_geometry(triangle):
    edges = triangle.edges.to_crs("EPSG:6372")
    edges.loc[0, "geometry"] = None
    with pytest.raises(NetworkValidationError) as caught:
        Network.from_frames(triangle.nodes, edges)
    message = str(caught.value)
    assert "expected EPSG:4326" in message
    assert "missing, empty, invalid or non-LineString geometry" in message


def test_valid_network_passes(triangle):
    assert triangle.problems() == []
    assert triangle.validate() is triangle
    assert len(triangle.edges) == 6


def test_geopackage_round_trip_keeps_ids_columns_dtypes_geometry(tmp_path, triangle):
    edges = triangle.edges.assign(note=["x", "", "y", "", "z", ""], score=[1.5, 2, 3, 4, 5, 6.25])
    network = Network.from_frames(triangle.nodes, edges)
    path = network.to_gpkg(tmp_path / "net.gpkg")
    back = Network.from_gpkg(path)
    assert_frame_equal(back.nodes, network.nodes, check_like=False)
    assert_frame_equal(back.edges, network.edges, check_like=False)
    assert list(back.edges["edge_id"]) == list(network.edges["edge_id"])
    assert back.edges.geometry.geom_equals_exact(network.edges.geometry, tolerance=0).all()
    assert not list(tmp_path.glob(".tmp-*")), "no temporary file left behind"


def test_geopackage_refuses_nested_columns_and_writes_nothing(tmp_path, triangle):
    edges = triangle.edges.assign(refs=[["MEX-45D", "MEX-45"]] * len(triangle.edges))
    network = Network(nodes=triangle.nodes, edges=edges)
    with pytest.raises(DataFileError, match="'refs' holds lists"):
        network.to_gpkg(tmp_path / "net.gpkg")
    assert list(tmp_path.iterdir()) == []


def test_reading_a_gpkg_without_edges_layer_names_the_layer(tmp_path, triangle):
    path = tmp_path / "only_nodes.gpkg"
    triangle.nodes.to_file(path, layer="nodes", driver="GPKG")
    with pytest.raises(DataFileError, match=r"missing layer\(s\) \['edges'\]"):
        Network.from_gpkg(path)


def test_networkx_round_trip_is_lossless(triangle):
    graph = triangle.to_networkx()
    assert graph.number_of_nodes() == 3 and graph.number_of_edges() == 6
    back = Network.from_networkx(graph)
    assert_frame_equal(back.nodes, triangle.nodes)
    assert_frame_equal(back.edges, triangle.edges)


def test_networkx_view_is_osmnx_compatible(triangle):
    graph = triangle.to_networkx()
    nodes, edges = ox.convert.graph_to_gdfs(graph)
    assert len(nodes) == 3 and len(edges) == 6
    lengths = dict(zip(edges["edge_id"], edges["length"], strict=True))
    for edge in triangle.edges.itertuples():
        assert lengths[edge.edge_id] == pytest.approx(edge.length_km * 1000)
    # osmnx treats a str node id as an iterable of origins, hence the list of routes
    routes = ox.routing.shortest_path(graph, ["a"], ["c"], weight="length")
    assert routes == [["a", "c"]]


def test_from_networkx_accepts_an_osmnx_style_graph():
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    graph.add_node(1, x=-101.0, y=21.0)
    graph.add_node(2, x=-101.1, y=21.1)
    graph.add_edge(1, 2, length=15000.0, road_class="motorway", lanes=2, speed_kph=80)
    network = Network.from_networkx(graph)
    edge = network.edges.iloc[0]
    assert (edge["u"], edge["v"], edge["edge_id"]) == ("1", "2", "1-2-0")
    assert edge["length_km"] == pytest.approx(15.0)
    assert isinstance(edge.geometry, LineString)
    assert (edge["toll"], edge["bridge"], network.nodes["kind"].iloc[0]) == (
        False,
        False,
        "junction",
    )
    # physical attributes have no neutral value: their absence is reported, all at once
    graph.add_edge(2, 1, length=15000.0)
    with pytest.raises(NetworkValidationError) as caught:
        Network.from_networkx(graph)
    assert len(caught.value.problems) == 1
    for column in ("road_class", "lanes", "speed_kph"):
        assert column in str(caught.value)


def test_with_edges_requires_same_rows(triangle):
    extended = triangle.with_edges(triangle.edges.assign(cost=1.0))
    assert "cost" in extended.edges and extended.nodes is triangle.nodes
    with pytest.raises(ValueError):
        triangle.with_edges(triangle.edges.iloc[:2])

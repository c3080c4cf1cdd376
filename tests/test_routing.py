"""The compiled router agrees with networkx and returns usable edge-index paths."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from corredor.errors import CorredorError
from corredor.routing import od_cost_matrix, shortest_paths

from factories import make_network, random_network

LADDER = {
    "a1": (-101.0, 21.0),
    "a2": (-100.9, 21.0),
    "a3": (-100.8, 21.0),
    "b1": (-101.0, 21.1),
    "b2": (-100.9, 21.1),
    "b3": (-100.8, 21.1),
}
LADDER_LINKS = [
    ("a1", "a2", 10.0),
    ("a2", "a3", 10.0),  # bottom rail
    ("b1", "b2", 12.0),
    ("b2", "b3", 12.0),  # top rail
    ("a1", "b1", 5.0),
    ("a2", "b2", 5.0),
    ("a3", "b3", 5.0),  # rungs
]


def nx_graph(network, weight="length_km"):
    """A plain DiGraph keeping the cheapest of parallel edges, for reference answers."""
    graph = nx.DiGraph()
    graph.add_nodes_from(network.nodes["node_id"])
    for edge in network.edges.itertuples():
        w = getattr(edge, weight)
        if not graph.has_edge(edge.u, edge.v) or graph[edge.u][edge.v]["w"] > w:
            graph.add_edge(edge.u, edge.v, w=w)
    return graph


def check_path(network, pathset, i):
    """The edge path is contiguous, starts/ends at the pair, and sums to the cost."""
    edges = network.edges.iloc[pathset.edges[i]]
    assert edges["u"].iloc[0] == pathset.origins[i]
    assert edges["v"].iloc[-1] == pathset.destinations[i]
    assert (edges["v"].to_numpy()[:-1] == edges["u"].to_numpy()[1:]).all()
    assert edges["length_km"].sum() == pytest.approx(pathset.cost[i])


def test_ladder_shortest_path_and_detour_when_a_rung_is_removed():
    network = make_network(LADDER, LADDER_LINKS)
    paths = shortest_paths(network, [("a1", "a3"), ("a1", "b3")])
    assert paths.cost.tolist() == [20.0, 25.0]
    check_path(network, paths, 1)
    removed = network.edges["link_id"].eq("a2-a3-1").to_numpy()  # bottom rail, both directions
    detour = shortest_paths(network, [("a1", "a3")], removed=removed)
    assert detour.cost[0] == pytest.approx(10 + 5 + 12 + 5)  # a1-a2-b2-b3-a3
    check_path(network, detour, 0)


def test_parallel_edges_use_the_cheapest_and_report_its_index():
    network = make_network(LADDER, [*LADDER_LINKS, ("a1", "a2", 4.0)])
    paths = shortest_paths(network, [("a1", "a2")])
    assert paths.cost[0] == 4.0
    assert network.edges.iloc[paths.edges[0]]["edge_id"].tolist() == ["a1-a2-7:fwd"]


def test_unreachable_pair_is_inf_with_empty_path_and_unknown_node_is_an_error():
    network = make_network(LADDER, LADDER_LINKS, two_way=False)
    paths = shortest_paths(network, [("a3", "a1"), ("a1", "a1")])
    assert np.isinf(paths.cost[0]) and len(paths.edges[0]) == 0
    assert paths.cost[1] == 0 and len(paths.edges[1]) == 0
    assert paths.reachable.tolist() == [False, True]
    with pytest.raises(CorredorError, match="unknown node id"):
        shortest_paths(network, [("a1", "zz")])


@pytest.mark.parametrize("seed", range(8))
def test_random_graphs_match_networkx(seed):
    network = random_network(seed)
    reference = nx_graph(network)
    nodes = list(network.nodes["node_id"])
    pairs = [(o, d) for o in nodes[:6] for d in nodes]
    paths = shortest_paths(network, pairs)
    for i, (o, d) in enumerate(pairs):
        try:
            expected = nx.dijkstra_path_length(reference, o, d, weight="w")
        except nx.NetworkXNoPath:
            assert np.isinf(paths.cost[i])
            continue
        assert paths.cost[i] == pytest.approx(expected)
        if o != d:
            check_path(network, paths, i)
    matrix = od_cost_matrix(network, nodes[:6], nodes)
    assert matrix.to_numpy() == pytest.approx(paths.cost.reshape(6, len(nodes)))


def test_weight_may_be_an_array_or_a_named_column():
    network = make_network(LADDER, LADDER_LINKS)
    minutes = network.edges["length_km"].to_numpy() / 80.0 * 60.0
    by_array = shortest_paths(network, [("a1", "b3")], weight=minutes)
    assert by_array.cost[0] == pytest.approx(25.0 / 80.0 * 60.0)
    with pytest.raises(CorredorError, match="no column 'travel_min'"):
        shortest_paths(network, [("a1", "b3")], weight="travel_min")

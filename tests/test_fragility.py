"""Link, node, corridor criticality and min cuts: known answers and naive recomputes."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pandas as pd
import pyogrio
import pytest

from corredor.boundaries import read_area
from corredor.closures import Closures, Corridor
from corredor.criticality import (
    CriticalityParams,
    assess_criticality,
    capacity_criticality,
    corridor_table,
    scan_closures,
)
from corredor.errors import CorredorError
from corredor.mincut import local_detours, min_cut, region_nodes
from corredor.outputs.writers import write_criticality
from corredor.routing import od_cost_matrix

from factories import make_network, random_network

VALUE = 10_000.0
SHARE = 0.006  # RerouteParams().delay_cost_share_per_day


def demand_frame(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(o, d, "test", trucks, VALUE) for o, d, trucks in rows],
        columns=["origin", "destination", "segment", "trucks_day", "value_usd_per_truck"],
    )


@pytest.fixture
def ladder():
    """a-b-c main road (R1), a-d-c detour (R2), c-e a bridge to a dead end (R3)."""
    coords = {"a": (-101.0, 21.0), "b": (-100.9, 21.0), "c": (-100.8, 21.0),
              "d": (-100.9, 21.1), "e": (-100.7, 21.0)}
    links = [("a", "b", 10.0), ("b", "c", 10.0), ("a", "d", 15.0), ("d", "c", 15.0),
             ("c", "e", 5.0)]
    network = make_network(coords, links, ref=["R1", "R1", "R2", "R2", "R3"])
    return network, demand_frame([("a", "c", 100.0), ("a", "e", 50.0)])


def closure_rows(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("closure_id")


def test_ladder_detour_costs_exactly_the_longer_road(ladder):
    network, demand = ladder
    scan = scan_closures(network, demand, Closures.links(network), weight="length_km")
    rows = closure_rows(scan.table(margin=0.10))
    main = rows.loc["a-b-0"]
    assert main["extra_cost_usd_day"] == pytest.approx(100 * 10 + 50 * 10)
    assert main["unmet_trucks_day"] == 0
    assert main["affected_od_pairs"] == 2
    assert main["detour_ratio_max"] == pytest.approx(30 / 20)
    assert main["detour_ratio_mean"] == pytest.approx((100 * 1.5 + 50 * 35 / 25) / 150)
    assert main["captive_trucks_day"] == 150
    assert scan.edge_flow[network.edge_index["a-b-0:fwd"]] == 150
    assert scan.edge_flow[network.edge_index["a-b-0:rev"]] == 0


def test_link_on_no_path_has_zero_importance(ladder):
    network, demand = ladder
    scan = scan_closures(network, demand, Closures.links(network), weight="length_km")
    unused = closure_rows(scan.table(margin=0.10)).loc["a-d-2"]
    assert unused[["affected_od_pairs", "affected_trucks_day", "impact_usd_day",
                   "unmet_trucks_day", "captive_trucks_day"]].sum() == 0


def test_bridge_leaves_demand_unmet_and_costs_a_day_of_delay(ladder):
    network, demand = ladder
    scan = scan_closures(network, demand, Closures.links(network), weight="length_km")
    bridge = closure_rows(scan.table(margin=0.10)).loc["c-e-4"]
    assert bridge["unmet_trucks_day"] == 50
    assert bridge["extra_cost_usd_day"] == 0
    assert bridge["impact_usd_day"] == pytest.approx(50 * VALUE * SHARE)
    assert np.isnan(bridge["detour_ratio_mean"])


def test_one_direction_closes_only_the_edge_travelled(ladder):
    network, demand = ladder
    closures = Closures.links(network, both_directions=False)
    assert len(closures.ids) == len(network.edges)
    rows = closure_rows(scan_closures(network, demand, closures, weight="length_km")
                        .table(margin=0.1))
    assert rows.loc["a-b-0:fwd", "extra_cost_usd_day"] == pytest.approx(1500)
    assert rows.loc["a-b-0:rev", "impact_usd_day"] == 0


def test_node_closure_detours_through_it_and_strands_its_own_demand(ladder):
    network, demand = ladder
    closures = Closures.nodes(network, ["b", "c"])
    rows = closure_rows(scan_closures(network, demand, closures, weight="length_km")
                        .table(margin=0.1))
    assert rows.loc["b", "extra_cost_usd_day"] == pytest.approx(1500)
    assert rows.loc["c", "unmet_trucks_day"] == 150


def test_local_detour_is_the_way_round_and_nan_for_a_bridge(ladder):
    network, _ = ladder
    closures = Closures.links(network)
    detour = dict(zip(closures.ids, local_detours(network, closures), strict=True))
    assert detour["a-b-0"] == pytest.approx(15 + 15 + 10)
    assert detour["d-c-3"] == pytest.approx(10 + 10 + 15)
    assert np.isinf(detour["c-e-4"])


# -- equal to a naive full recompute -----------------------------------------------------


def naive_impact(network, demand, closures, weight):
    """Remove each closure from a networkx copy and re-route every OD pair from scratch."""
    w = np.maximum(network.edges[weight].to_numpy(dtype=float), 1e-12)
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(network.nodes["node_id"])
    for i, (u, v) in enumerate(zip(network.edges["u"], network.edges["v"], strict=True)):
        graph.add_edge(u, v, key=i, w=w[i])
    pairs = demand.groupby(["origin", "destination"], sort=False, as_index=False)[
        "trucks_day"].sum()
    trucks = pairs["trucks_day"].to_numpy()

    def costs(g):
        found = {}
        for origin in pairs["origin"].unique():
            found[origin] = nx.single_source_dijkstra_path_length(g, origin, weight="w")
        return np.array([found[o].get(d, np.inf)
                         for o, d in zip(pairs["origin"], pairs["destination"], strict=True)])

    base = costs(graph)
    extra, unmet = [], []
    for j in range(len(closures.ids)):
        g = graph.copy()
        for e in np.flatnonzero(closures.mask(j)):
            g.remove_edge(network.edges["u"].iat[e], network.edges["v"].iat[e], key=e)
        after = costs(g)
        moved = np.isfinite(after) & np.isfinite(base)
        extra.append(float(trucks[moved] @ (after[moved] - base[moved])))
        unmet.append(float(trucks[~np.isfinite(after) & np.isfinite(base)].sum()))
    return base, np.array(extra), np.array(unmet)


def random_demand(network, seed, n_pairs, n_roots=None, *, by="origin"):
    rng = np.random.default_rng(seed)
    nodes = network.nodes["node_id"].to_numpy()
    roots = rng.choice(nodes, n_roots or len(nodes), replace=False)
    rows = set()
    while len(rows) < n_pairs:
        root, other = rng.choice(roots), rng.choice(nodes)
        if root != other:
            rows.add((root, other) if by == "origin" else (other, root))
    return demand_frame([(o, d, float(rng.integers(1, 30))) for o, d in sorted(rows)])


@pytest.mark.parametrize("seed", range(6))
def test_equals_naive_recompute_on_random_graphs(seed):
    if seed % 2:
        network = random_network(seed, n_nodes=25, n_links=60)  # one-way edges, parallels
    else:
        rng = np.random.default_rng(seed)
        coords = {f"n{i}": (-100 + rng.uniform(), 20 + rng.uniform()) for i in range(20)}
        links = [(f"n{a}", f"n{b}", float(rng.uniform(1, 50)))
                 for a, b in rng.integers(0, 20, size=(40, 2)) if a != b]
        network = make_network(coords, links)  # two-way links, both directions closed
    demand = random_demand(network, seed, 40, n_roots=4, by="origin" if seed < 3 else "dest")
    for closures in (Closures.links(network), Closures.nodes(network, network.nodes["node_id"])):
        scan = scan_closures(network, demand, closures, weight="length_km")
        table = scan.table(margin=0.1)
        base, extra, unmet = naive_impact(network, demand, closures, "length_km")
        np.testing.assert_allclose(scan.od["cost_usd_per_truck"], base, rtol=1e-12)
        np.testing.assert_allclose(table["extra_cost_usd_day"], extra, rtol=1e-9, atol=1e-9)
        np.testing.assert_array_equal(table["unmet_trucks_day"], unmet)


@pytest.fixture(scope="module")
def weighted_national():
    from corredor.demand import bundled_demand
    from corredor.layers import apply_layers
    from corredor.networks.national import load_national

    try:
        network = load_national()
    except CorredorError as exc:  # the bundled tables may be mid-edit by another engineer
        pytest.skip(f"bundled model does not load: {exc}")
    return apply_layers(network), bundled_demand(network)


def test_equals_full_recompute_on_the_bundled_model(weighted_national):
    network, demand = weighted_national
    closures = Closures.links(network)
    table = scan_closures(network, demand, closures).table(margin=0.1)
    pairs = demand.groupby(["origin", "destination"], sort=False)["trucks_day"].sum()
    origins = pairs.index.get_level_values(0).unique()
    destinations = pairs.index.get_level_values(1).unique()

    def pair_costs(removed):
        matrix = od_cost_matrix(network, origins, destinations, weight="cost_usd",
                                removed=removed)
        return np.array([matrix.at[o, d] for o, d in pairs.index])

    base = pair_costs(None)
    # every link is scanned; a seeded sample of 40 is recomputed in full (7,000 full
    # recomputes of the national model would take an hour)
    sample = np.random.default_rng(2024).choice(len(closures.ids), 40, replace=False)
    for j in sample:
        after = pair_costs(closures.mask(j))
        moved = np.isfinite(after)
        assert table["extra_cost_usd_day"].iat[j] == pytest.approx(
            pairs.to_numpy()[moved] @ (after[moved] - base[moved]), rel=1e-9, abs=1e-6)
        assert table["unmet_trucks_day"].iat[j] == pytest.approx(pairs.to_numpy()[~moved].sum())
    # and against networkx on the closures that matter most, crossings and bridges among them
    key = table["impact_usd_day"].rank(method="first", ascending=False) <= 6
    key |= table["closure_id"].isin(["border:nuevo_laredo-laredo", "border:reynosa-pharr"])
    key |= table["closure_id"].str.contains("puente")
    subset = Closures(closures.ids[key.to_numpy()],
                      closures.members[:, np.flatnonzero(key.to_numpy())])
    _, extra, unmet = naive_impact(network, demand, subset, "cost_usd")
    np.testing.assert_allclose(table.loc[key, "extra_cost_usd_day"], extra, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(table.loc[key, "unmet_trucks_day"], unmet)


# -- capacity-aware ---------------------------------------------------------------------


def test_capacity_aware_cost_is_never_below_uncapacitated_when_capacities_only_bind():
    """Closing a-b sends 100 trucks to a-d-c (cap 60), the rest round a-f-c."""
    coords = {"a": (-101.0, 21.0), "b": (-100.9, 21.0), "c": (-100.8, 21.0),
              "d": (-100.9, 21.1), "f": (-100.9, 20.8)}
    links = [("a", "b", 10.0), ("b", "c", 10.0), ("a", "d", 15.0), ("d", "c", 15.0),
             ("a", "f", 25.0), ("f", "c", 25.0)]
    capacity = [1000.0, 1000.0, 60.0, 1000.0, 1000.0, 1000.0]
    network = make_network(coords, links, capacity_trucks_day=capacity)
    demand = demand_frame([("a", "c", 100.0)])
    closures = Closures.links(network)
    unc = closure_rows(scan_closures(network, demand, closures, weight="length_km")
                       .table(margin=0.1)).loc["a-b-0", "impact_usd_day"]
    cost = network.edges["length_km"].to_numpy()
    masks = [closures.mask(0)]
    capped = capacity_criticality(network, demand, masks, cost=cost,
                                  capacity=network.edges["capacity_trucks_day"].to_numpy())
    free = capacity_criticality(network, demand, masks, cost=cost,
                                capacity=np.full(len(cost), np.inf))
    assert unc == pytest.approx(100 * 10)
    assert free["cap_extra_cost_usd_day"].iat[0] == pytest.approx(unc)
    assert capped["cap_unmet_trucks_day"].iat[0] == pytest.approx(0)
    assert capped["cap_extra_cost_usd_day"].iat[0] == pytest.approx(60 * 10 + 40 * 30)


@pytest.mark.parametrize("seed", range(3))
def test_capacity_aware_at_least_uncapacitated_on_random_graphs(seed):
    rng = np.random.default_rng(seed)
    coords = {f"n{i}": (-100 + rng.uniform(), 20 + rng.uniform()) for i in range(12)}
    links = [(f"n{i}", f"n{(i + 1) % 12}", float(rng.uniform(1, 20))) for i in range(12)]
    links += [(f"n{a}", f"n{b}", float(rng.uniform(5, 40)))
              for a, b in rng.integers(0, 12, size=(10, 2)) if a != b]
    network = make_network(coords, links)
    demand = random_demand(network, seed, 8)
    closures = Closures.links(network)
    scan = scan_closures(network, demand, closures, weight="length_km")
    table = scan.table(margin=0.1)
    # capacities that never bind in the baseline but squeeze the detours
    biggest = demand["trucks_day"].max()
    capacity = np.maximum(scan.edge_flow, biggest) * rng.uniform(1.0, 1.5, len(scan.edge_flow))
    chosen = np.flatnonzero(table["impact_usd_day"] > 0)
    capped = capacity_criticality(network, demand, [closures.mask(j) for j in chosen],
                                  cost=network.edges["length_km"].to_numpy(), capacity=capacity)
    same_unmet = np.isclose(capped["cap_unmet_trucks_day"],
                            table["unmet_trucks_day"].to_numpy()[chosen])
    assert same_unmet.any()
    cap = capped["cap_extra_cost_usd_day"].to_numpy()[same_unmet]
    unc = table["impact_usd_day"].to_numpy()[chosen][same_unmet]
    assert np.all(cap >= unc - 1e-6 * np.maximum(1.0, unc))
    assert np.any(cap > unc * 1.001)  # some detours did saturate


# -- corridors, cuts, outputs --------------------------------------------------------------


def test_corridor_fragility_index_by_hand(ladder, tmp_path):
    network, demand = ladder
    closures = Closures.links(network)
    scan = scan_closures(network, demand, closures, weight="length_km")
    links = pd.concat([scan.table(margin=0.1),
                       network.edges.iloc[closures.first_edge()][["name", "length_km"]]
                       .reset_index(drop=True)], axis=1)
    polygon = tmp_path / "area.geojson"
    polygon.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[
            [-100.75, 20.9], [-100.65, 20.9], [-100.65, 21.05], [-100.75, 21.05],
            [-100.75, 20.9]]]}}]}))
    corridors = [Corridor("R1", refs=("R1",)), Corridor("R2", refs=("R2",)),
                 Corridor("east", polygon=polygon).with_area(read_area(polygon))]
    table = corridor_table(network, scan, links, corridors).set_index("corridor")
    users_cost = 100 * 20 + 50 * 25
    assert table.at["R1", "trucks_day"] == 150
    assert table.at["R1", "captive_share"] == pytest.approx(1.0)
    assert table.at["R1", "fragility_index"] == pytest.approx(1500 / users_cost)
    assert table.at["east", "fragility_index"] == pytest.approx(50 * VALUE * SHARE / (50 * 25))
    assert table.at["east", "worst_link"] == "c-e-4"
    assert np.isnan(table.at["R2", "fragility_index"])  # nobody uses the detour road
    with pytest.raises(CorredorError, match="matches no edge"):
        corridor_table(network, scan, links, [Corridor("none", refs=("MEX-999",))])
    assert Corridor.from_spec("Bajio=MEX-45D, MEX-45") == Corridor("Bajio", ("MEX-45D", "MEX-45"))
    assert Corridor.from_spec(f"east=@{polygon}").polygon == polygon
    with pytest.raises(CorredorError, match="NAME=REF"):
        Corridor.from_spec("MEX-45D")


def test_min_cut_counts_independent_links_and_the_capacity_bottleneck():
    coords = {"p": (-101.0, 21.0), "q": (-100.9, 21.1), "r": (-100.9, 20.9),
              "s": (-100.8, 21.0), "t": (-100.7, 21.0)}
    links = [("p", "q", 1.0), ("p", "r", 1.0), ("q", "s", 1.0), ("r", "s", 1.0),
             ("s", "t", 1.0), ("q", "t", 1.0)]
    network = make_network(coords, links, capacity_trucks_day=[900, 800, 300, 200, 100, 50])
    cut = min_cut(network, "node=p", "node=t")
    assert cut.connectivity == 2
    assert sorted(network.edges["edge_id"].to_numpy()[cut.edges]) == ["p-q-0:fwd", "p-r-1:fwd"]
    assert cut.max_trucks_day == 150
    assert sorted(network.edges["edge_id"].to_numpy()[cut.bottleneck]) == [
        "q-t-5:fwd", "s-t-4:fwd"]
    assert set(cut.table(network)["cut"]) == {"links", "capacity"}


def test_region_specs_are_checked():
    network = make_network({"a": (-101, 21), "b": (-100, 21)}, [("a", "b", 1.0)])
    assert region_nodes(network, "kind=junction;state=11") == ["a", "b"]
    for spec, message in (("colour=red", "FIELD=VALUE"), ("kind=castle", "unknown kind"),
                          ("node=zz", "not in the network"), ("state=05", "matches no node")):
        with pytest.raises(CorredorError, match=message):
            region_nodes(network, spec)
    with pytest.raises(CorredorError, match="share node"):
        min_cut(network, "node=a", "node=a,b")


def test_assess_and_write_outputs(ladder, tmp_path):
    network, demand = ladder
    params = CriticalityParams(weight="length_km", capacity_top=2)
    cut = min_cut(network, "node=a", "node=e")
    result = assess_criticality(network, demand, params=params, cuts=[cut])
    assert result.links.iloc[0]["closure_id"] == "c-e-4"  # 3000 USD/day of delay beats 1500
    assert list(result.links["rank"].iloc[:3]) == [1, 2, 2]
    assert result.links["cap_extra_cost_usd_day"].notna().sum() == 2
    out = tmp_path / "out"
    out.mkdir()
    write_criticality(network, result, out)
    edges = pyogrio.read_dataframe(out / "criticality.gpkg", layer="criticality")
    assert len(edges) == len(network.edges)
    assert {"rank", "impact_usd_day", "flow_trucks_day", "detour_km"} <= set(edges.columns)
    cuts = pyogrio.read_dataframe(out / "criticality.gpkg", layer="cuts")
    assert list(cuts["edge_id"]) == ["c-e-4:fwd"]  # no capacities given: only the link cut
    assert np.isinf(cut.max_trucks_day)
    for name in ("links", "nodes", "crossings", "corridors", "cuts"):
        assert len(pd.read_csv(out / f"{name}.csv")) > 0 or name == "crossings"
    assert (out / "criticality.png").stat().st_size > 10_000


def test_missing_cost_column_is_a_clear_error(ladder):
    network, demand = ladder
    with pytest.raises(CorredorError, match="weight the network first"):
        scan_closures(network, demand, Closures.links(network))
    with pytest.raises(CorredorError, match="missing column"):
        scan_closures(network, demand.drop(columns="trucks_day"), Closures.links(network),
                      weight="length_km")


def test_bundled_model_ranks_mexican_links_and_capacity_changes_laredo(weighted_national):
    network, demand = weighted_national
    result = assess_criticality(network, demand, params=CriticalityParams(capacity_top=2))
    links = result.links
    assert links.loc[links["road_class"] == "us_highway", "rank"].isna().all()
    top = links[links["rank"] <= 20]
    assert not top["road_class"].isin(["us_highway", "foreign_highway"]).any()
    crossings = result.crossings.set_index("id")
    laredo = crossings.loc["border:nuevo_laredo-laredo"]
    assert laredo["affected_trucks_day"] > 1000
    # the alternatives saturate: the capacitated extra cost is several times the free one
    assert laredo["cap_extra_cost_usd_day"] > 3 * laredo["extra_cost_usd_day"]
    assert {"MEX-45D", "MEX-57D"} <= set(result.corridors["corridor"])


# -- the command (skips until cli.py wires it in) --------------------------------------------


@pytest.fixture
def runner(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from corredor.cli import cli

    if "criticality" not in cli.commands:
        pytest.skip("`corredor criticality` is not wired into corredor/cli.py yet")
    monkeypatch.setenv("CORREDOR_CACHE", str(tmp_path / "cache"))
    return lambda *args: CliRunner().invoke(cli, ["criticality", *args])


def test_cli_prints_top_links_and_crossings_and_writes_the_folder(runner, tmp_path):
    out = tmp_path / "out"
    result = runner("--network", "bundled", "-o", str(out), "--top", "5", "--capacity-top", "1",
                    "--corridor", "Bajio=MEX-45D,MEX-45",
                    "--cut", "kind=plant;state=01,11,22,24", "kind=us_gateway")
    assert result.exit_code == 0, result.output
    assert "Top 5 links" in result.output
    assert "World Trade" in result.output and "Bajio" in result.output
    assert "min cut kind=plant" in result.output
    for name in ("criticality.gpkg", "criticality.geojson", "criticality.png", "links.csv",
                 "nodes.csv", "crossings.csv", "corridors.csv", "cuts.csv"):
        assert (out / name).is_file(), name


def test_cli_rejects_a_malformed_corridor_with_exit_code_2(runner, tmp_path):
    result = runner("-o", str(tmp_path / "out"), "--corridor", "MEX-45D")
    assert result.exit_code == 2
    assert "NAME=REF" in result.output
    assert not (tmp_path / "out").exists()

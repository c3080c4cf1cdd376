"""The bundled national model on the SICT/IMT Datos Viales 2025 roads (``make data``).

Checks the bundled tables against the SICT files they were built from (skipped when
``../shared/data`` is absent): km per state and network, the lengths of two
corridors against SICT's km posts, facilities reached over SICT's own roads, the
Bajío bridges, capacities derived from SICT, and the attribution on every row.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod

from corredor.layers.capacity import CapacityParams, apply_capacity
from corredor.network import undirected_links
from corredor.networks.national import DATA_DIR
from corredor.networks.sict import ATTRIBUTION, SEGMENT, TRACED, read_segments
from corredor.networks.topology import geodesic_km
from corredor.routing import shortest_paths

GEOD = Geod(ellps="WGS84")
FALLBACK = "waypoint link of the previous bundled model"


@pytest.fixture(scope="module")
def links(national):
    return undirected_links(national)


@pytest.fixture(scope="module")
def segments(shared_data):
    folder = shared_data / "sict"
    if not (folder / "json" / "raw").is_dir():
        pytest.skip(f"{folder} has no json/raw")
    return read_segments(folder)


def on_ref(edges: pd.DataFrame, ref: str) -> np.ndarray:
    refs = edges["refs"].fillna("").str.split(";")
    return (edges["ref"].eq(ref) | refs.map(lambda r: ref in r)).to_numpy()


def road_stretch(network, ref: str, start: str, end: str) -> pd.DataFrame:
    """The edges of ``ref`` from its node nearest ``start`` to the one nearest ``end``.

    As a scenario's ``{ref, between}`` selector finds it: in the connected part of the
    road whose nearest nodes to the two towns are closest in sum, by length.
    """
    edges = network.edges
    points = network.nodes.set_index("node_id").geometry
    graph = nx.Graph()
    for row in edges[on_ref(edges, ref)].itertuples():
        if not graph.has_edge(row.u, row.v) or graph[row.u][row.v]["km"] > row.length_km:
            graph.add_edge(row.u, row.v, km=row.length_km, row=row.Index)
    best = (np.inf, None)
    for part in nx.connected_components(graph):
        nodes = sorted(part)
        xy = np.array([(points[n].x, points[n].y) for n in nodes])
        ends, metres = [], 0.0
        for town in (start, end):
            d = GEOD.inv(np.full(len(nodes), points[town].x), np.full(len(nodes), points[town].y),
                         xy[:, 0], xy[:, 1])[2]
            ends.append(nodes[int(np.argmin(d))])
            metres += d.min()
        if len(nodes) > 1 and ends[0] != ends[1] and metres < best[0]:
            best = (metres, ends)
    path = nx.shortest_path(graph, *best[1], weight="km")
    return edges.loc[[graph[u][v]["row"] for u, v in itertools.pairwise(path)]]


# -- km against SICT ----------------------------------------------------------------------


def test_federal_and_state_km_per_state_match_the_sict_segments(links, segments):
    """Every state's federal and state-road km, three ways.

    ``sict_km`` shares each SICT segment's own length (``Dist``, its km posts) out over
    the links made from it: per state and network it adds up to SICT's sums (within
    0.1 %). ``length_km`` is measured on SICT's geometry: it matches the geodesic
    length of the segment lines (within 1 %), and SICT's ``Dist`` within 2 % wherever
    SICT's geometry itself agrees with ``Dist`` (45 of the 58 state x network sums; the
    others differ by up to 30 %, Mexico City's federal roads most: segment 0676-01 of
    MEX-57D is drawn 1.7 km long for 11.3 km of km posts).
    """
    roads = links[links["geometry_method"].isin(
        [SEGMENT, "connector across a gap in the SICT geometry",
         "connector joining a cut-off part to the main network"]) & links["sict_ids"].ne("")]
    model = roads.groupby(["state", "network_class"]).agg(
        sict_km=("sict_km", "sum"), length_km=("length_km", "sum"))
    drawn = roads[roads["geometry_method"] == SEGMENT].groupby(
        ["state", "network_class"])["length_km"].sum()
    once = segments.drop_duplicates("sict_id")
    sict = once.groupby(["state", "network"])["dist_km"].sum()
    geometry = segments.assign(km=geodesic_km(segments.geometry)).groupby(
        ["state", "network"])["km"].sum()
    assert len(sict) == 58  # 29 states with segment files x federal/state
    sict.index.names = model.index.names
    geometry.index.names = model.index.names
    ratio_dist = model["sict_km"].reindex(sict.index) / sict
    assert ratio_dist.between(0.999, 1.001).all(), ratio_dist[~ratio_dist.between(0.999, 1.001)]
    ratio_geometry = drawn.reindex(geometry.index) / geometry
    assert ratio_geometry.between(0.99, 1.01).all(), ratio_geometry.sort_values()
    agree = (geometry / sict).between(0.985, 1.015)
    assert agree.sum() >= 30
    ratio = model["length_km"].reindex(sict.index)[agree] / sict[agree]
    assert ratio.between(0.98, 1.02).all(), ratio.sort_values()


@pytest.mark.parametrize(
    ("ref", "start", "end", "disagree", "km"),
    [
        # SICT segment 1022-06 (km 63.8-81.4 of the Salamanca-León autopista) is drawn
        # 12.0 km long; its km posts span 17.6 km. The drawing is right: the autopista's
        # whole line is 78.4 km and its published length 79 km (Presidencia de la
        # República, "Inauguración de la Autopista Salamanca - León", 2015); its km
        # posts run to 84.1.
        ("MEX-45D", "mx:leon", "mx:silao", {"1022-06"}, 27.9),
        # Segment 0676-01 in Mexico City is drawn 1.7 km long for 11.3 km of km posts.
        ("MEX-57D", "mx:ciudad_de_mexico", "mx:queretaro", {"0676-01"}, 202.8),
    ],
)
def test_corridor_lengths_match_the_sict_km_posts(national, ref, start, end, disagree, km):
    """Within 3 % of SICT's km posts but for the one segment whose drawing disagrees.

    ``sict_km`` is each piece's share of its segment's km-post length; ``length_km`` its
    length on SICT's drawing, which the model follows.
    """
    stretch = road_stretch(national, ref, start, end)
    assert stretch["length_km"].sum() == pytest.approx(km, abs=0.1)
    segment = stretch["sict_ids"].str.split(";").str[0]
    per = stretch.groupby(segment)[["length_km", "sict_km"]].sum()
    both = per.sum()
    assert both["length_km"] / both["sict_km"] < 0.97  # the whole stretch is off ...
    odd = per.loc[sorted(disagree)].sum()
    assert odd["length_km"] / odd["sict_km"] < 0.75  # ... because of that segment
    rest = both - odd
    assert rest["length_km"] == pytest.approx(rest["sict_km"], rel=0.03)


def test_the_salamanca_leon_autopista_matches_its_published_length(national):
    segment = national.edges["sict_ids"].fillna("").str.split(";").str[0]
    road = national.edges[segment.str.startswith("1022-")
                          & national.edges["edge_id"].str.endswith(":fwd")]
    assert set(road["name"]) >= {"Salamanca - León (Cuota)"}
    assert road["length_km"].sum() == pytest.approx(79.0, rel=0.03)
    assert road["sict_km"].sum() == pytest.approx(84.1, abs=0.05)  # SICT's km posts


# -- facilities over SICT's own roads -------------------------------------------------------


def test_ports_and_southern_crossings_are_reached_over_sict_roads_alone(national):
    """With the fallback links closed, the traced states' ports and crossings still route."""
    fallback = national.edges["geometry_method"].str.startswith(FALLBACK).to_numpy()
    assert 0 < fallback.sum() / 2 <= 30
    ends = ["port:lazaro_cardenas", "port:veracruz", "port:coatzacoalcos", "port:tuxpan",
            "gt:tecun_uman", "gt:la_mesilla"]
    pairs = [("mx:ciudad_de_mexico", end) for end in ends] + [
        (end, "mx:ciudad_de_mexico") for end in ends]
    paths = shortest_paths(national, pairs, weight="length_km", removed=fallback)
    assert paths.reachable.all()
    edges = national.edges
    for k, (_, end) in enumerate(pairs[:len(ends)]):
        last_roads = edges.iloc[paths.edges[k]]
        last_roads = last_roads[last_roads["road_class"].isin(
            ["motorway", "trunk", "primary", "secondary"])]
        assert last_roads["geometry_method"].iloc[-1] in (SEGMENT, TRACED), end


def test_fallback_links_fill_holes_in_the_traced_states_only(links):
    fallback = links[links["geometry_method"].str.startswith(FALLBACK)]
    assert fallback["state"].str.split(";").map(lambda s: bool({"07", "16", "30"} & set(s))).all()
    assert fallback["note"].str.startswith("fallback: over the SICT roads its towns are").all()
    assert (fallback["sict_ids"] == "").all() and fallback["observed_trucks_day"].isna().all()


def test_every_town_is_a_zone_joined_at_its_geonames_point(national):
    edges = national.edges
    nodes = national.nodes.set_index("node_id")
    towns = nodes[nodes["kind"] == "city"]
    first = edges[edges["edge_id"].isin("connector:" + towns.index + ":fwd")]
    assert len(first) == len(towns)
    assert first["v"].map(nodes["kind"]).eq("junction").all()
    start = first["geometry"].map(lambda line: line.coords[0])
    assert (start.to_numpy() == towns.loc[first["u"]].geometry.map(
        lambda p: (p.x, p.y)).to_numpy()).all()
    assert first["length_km"].max() < 10.0
    zone = edges["link_id"].str.startswith("connector:mx:")
    assert (edges.loc[zone, "capacity_trucks_day"] == 100_000).all()
    # a town's extra connectors each reach another federal route
    extra = edges[zone & (edges["link_id"].str.count(":") == 3)]
    assert len(extra) > 0 and extra["link_id"].str.split(":").str[-1].str.startswith(
        "mex-").all()


# -- bridges ---------------------------------------------------------------------------------


def test_bajio_bridges_are_cut_out_of_the_sict_lines(national):
    edges = national.edges[national.edges["bridge"]]
    fwd = edges[edges["edge_id"].str.endswith(":fwd")].set_index("link_id")
    assert sorted(fwd.index) == sorted(
        f"mex-45{d}:puente_{stretch}_45{d}" for d in ("", "d")
        for stretch in ("silao_leon", "irapuato_silao"))
    assert (fwd["state"] == "11").all()
    assert fwd["sict_ids"].str.len().gt(0).all() and (fwd["geometry_method"] == SEGMENT).all()
    silao = fwd.loc["mex-45:puente_silao_leon_45"]
    assert silao["name"].startswith("Río Silao bridge")
    assert silao["length_km"] == pytest.approx(0.042, abs=0.002)
    assert "paralelox.com" in silao["source"] and "42 m long" in silao["source"]
    for link, row in fwd.drop(index="mex-45:puente_silao_leon_45").iterrows():
        assert "position: assumption: stated position" in row["source"], link
        assert row["length_km"] == pytest.approx(0.1, abs=0.005)


@pytest.mark.parametrize(("ref", "towns"), [("MEX-45D", ("mx:silao", "mx:leon")),
                                            ("MEX-45", ("mx:silao", "mx:leon")),
                                            ("MEX-45D", ("mx:irapuato", "mx:silao")),
                                            ("MEX-45", ("mx:irapuato", "mx:silao"))])
def test_each_bridge_lies_on_its_stretch(national, ref, towns):
    stretch = road_stretch(national, ref, *towns)
    slug = f"{towns[0][3:]}_{towns[1][3:]}"
    assert stretch["link_id"].eq(f"{ref.lower()}:puente_{slug}_{ref[4:].lower()}").sum() == 1
    assert stretch["bridge"].sum() == 1


# -- capacity and counts ----------------------------------------------------------------------


def test_sict_roads_take_their_capacity_from_fs_e(national):
    weighted = apply_capacity(national).edges
    sict = weighted["fs_e_veh_h"].notna() & (weighted["truck_share"] > 0)
    method = weighted["capacity_method"]
    assert method[sict].str.startswith("derived: SICT").all()
    vehicles = np.fmax(weighted["fs_e_veh_h"] / (4 * weighted["d_factor"]
                                                 * weighted["k_factor"]), weighted["tdpa"] / 2)
    share = (vehicles * weighted["truck_share"])[sict]
    np.testing.assert_allclose(
        apply_capacity(national, params=CapacityParams(background=False)).edges.loc[
            sict, "capacity_trucks_day"], share)
    # with the counted cars and buses on the road the trucks get what they leave, and never
    # less than their share; a road counted beyond FS_E carries its count
    trucks = weighted.loc[sict, "capacity_trucks_day"]
    assert (trucks >= share * (1 - 1e-9)).all()
    assert (trucks >= weighted.loc[sict, "observed_trucks_day"].fillna(0) * (1 - 1e-3) - 0.01).all()
    counted = sict & weighted["capacity_pce_day"].notna()
    assert counted.sum() > 0.95 * sict.sum()
    pce = weighted.loc[counted, "capacity_pce_day"] - weighted.loc[counted, "background_pce_day"]
    np.testing.assert_allclose(trucks[counted],
                               np.fmax(pce / weighted.loc[counted, "truck_pce"], share[counted]))
    traced = weighted["geometry_method"] == TRACED
    assert method[traced].str.startswith("derived: HCM").all()
    assert method[weighted["road_class"] == "border"].str.startswith("max over").sum() >= 19


def test_observed_trucks_and_speeds_on_every_sict_edge(national):
    edges = national.edges
    sict = edges["geometry_method"].isin([SEGMENT, TRACED])
    counted = edges.loc[sict, "observed_trucks_day"].notna()
    assert counted.mean() > 0.99
    with_count = edges[sict & edges["observed_trucks_day"].notna()]
    assert all(seg in ids.split(";") for seg, ids in zip(
        with_count["observed_segment"], with_count["sict_ids"], strict=True))
    np.testing.assert_allclose(with_count["observed_trucks_day"],
                               with_count["tdpa"] * with_count["truck_share"] / 2, rtol=2e-3,
                               atol=0.02)
    assert edges.loc[sict, "speed_kph"].between(35, 80).all()
    assert set(edges.loc[sict & edges["terrain"].ne(""), "terrain"]) == {"P", "L", "M"}


# -- the tables ------------------------------------------------------------------------------


def test_every_sict_derived_row_carries_the_attribution(national):
    edges = national.edges
    derived = edges["sict_ids"].fillna("").ne("")
    assert derived.sum() > 12_000
    assert edges.loc[derived, "source"].str.contains(ATTRIBUTION, regex=False).all()
    junctions = national.nodes[national.nodes["kind"] == "junction"]
    assert junctions["source"].str.contains(ATTRIBUTION, regex=False).all()


def test_bundled_tables_stay_small_and_hold_no_raw_sict_file():
    sizes = {p.name: p.stat().st_size for p in DATA_DIR.iterdir() if p.is_file()}
    assert sum(sizes.values()) < 20e6
    assert not [name for name in sizes if name.endswith(".json")]
    header = (DATA_DIR / "links.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "waypoints" in header and "ID_SegDV2025" not in header


@pytest.mark.parametrize(("ref", "between"), [("MEX-45D", ["mx:silao", "mx:leon"]),
                                              ("MEX-45", ["mx:silao", "mx:leon"])])
def test_the_scenario_selectors_close_exactly_the_bridges(national, ref, between):
    """``scenarios/bajio-bridges-2024.yaml``: {ref, between: [towns], bridge: true}."""
    from corredor.selectors import Selector, select_edges

    mask = select_edges(national, Selector(ref=ref, between=between, bridge=True))
    slug = f"{between[0][3:]}_{between[1][3:]}"
    assert sorted(national.edges.loc[mask, "edge_id"]) == [
        f"{ref.lower()}:puente_{slug}_{ref[4:].lower()}:{way}" for way in ("fwd", "rev")]

"""SICT/IMT Datos Viales: reader, ref style, station tracing and the national build."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod

from corredor.errors import DataFileError
from corredor.network import EDGE_COLUMNS
from corredor.networks.sict import (
    ATTRIBUTION,
    BRIDGED,
    JOINED,
    SEGMENT,
    TRACED,
    normalise_ref,
    read_segments,
    read_stations,
    sict_network,
    speed_table,
)

GEOD = Geod(ellps="WGS84")


# -- hand-made Datos Viales folders ---------------------------------------------------------


def _attrs(sid: str, **over: object) -> dict:
    attrs = {
        "_id": f"mongo-{sid}", "ID_SegDV2025": sid, "Edo": 11, "Carretera": f"road {sid}",
        "Ruta": "MEX-045D", "Red_OK": "Federal", "Operacion": "Cuota", "DeKm": 0, "Akm": 10,
        "Dist": 10, "TDPA2024": 20000, "DOK": 0.55, "K_ok": 0.09, "M": 0.01, "A": 0.6,
        "B": 0.04, "C2": 0.1, "C3": 0.05, "T3S2": 0.1, "T3S3": 0.05, "T3S2R4": 0.04,
        "OTROS": 0.01, "AA": 0.61, "BB": 0.04, "CC": 0.35, "Tipo_Terr": "P",
        "FS_A": "2000.0", "FS_B": "3000.0", "FS_C": "4000.0", "FS_D": "5000.0",
        "FS_E": "6000.0", "NS": "B",
    }
    attrs.update(over)
    return attrs


def _write_state(folder: Path, slug: str, segments: list) -> Path:
    raw = folder / "json" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    path = raw / f"{slug}.json"
    path.write_text(json.dumps({"state": slug, "byState": {"coordinates": segments}}),
                    encoding="utf-8")
    return path


#: Two federal cuota segments end to end in Guanajuato and a state road meeting the first
#: one's interior (a T-junction at -101.45).
GTO = [
    [_attrs("0001-01"), [[-101.50, 21.00], [-101.40, 21.00]]],
    [_attrs("0001-02", DeKm=10, Akm=20, TDPA2024=18000), [[-101.40, 21.00], [-101.30, 21.00]]],
    [_attrs("0002-01", Ruta="MEX-051-GTO", Red_OK="Estatal", Operacion="Libre", TDPA2024=5000,
            CC=0.2, FS_A="*", FS_D="500.0", FS_E="1100.0", Tipo_Terr="l"),
     [[-101.45, 21.20], [-101.45, 21.0001]]],  # ends 11 m from 0001-01's interior
]

STATION_HEADER = (
    "station_id,state_slug,carretera_id,carretera,clave_carretera,ruta,punto_generador,tipo,sc,"
    "km,lat,lon,tdpa_2024,pct_M,pct_A,pct_B,pct_C2,pct_C3,pct_T3S2,pct_T3S3,pct_T3S2R4,"
    "pct_OTROS,pct_AA,pct_BB,pct_CC,d_val,k_prima,rubro"
)


def _station(sid: str, km: float, lat: float | str, lon: float | str, tdpa: int, *,
             tipo: int = 1, sc: int = 0, place: str = "Villa", ruta: str = "MEX-200") -> str:
    return (f"{sid},chiapas,9,Tapachula - Frontera,00075,{ruta},{place},{tipo},{sc},{km},{lat},"
            f"{lon},{tdpa},1,70,4,10,5,5,2,2,1,71,4,25,0.55,0.1,estaciones")


def _write_stations(folder: Path, rows: list[str], *, encoding: str = "utf-8") -> Path:
    csv = folder / "csv"
    csv.mkdir(parents=True, exist_ok=True)
    path = csv / "u1_estaciones.csv"
    path.write_text("\n".join([STATION_HEADER, *rows]) + "\n", encoding=encoding)
    return path


# -- refs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("route", "network", "ref", "refs"), [
    ("MEX-045D", "federal", "MEX-45D", "MEX-45D"),
    ("MEX-015", "federal", "MEX-15", "MEX-15"),
    ("MEX-051-GTO", "state", "GTO-51", "GTO-51"),
    ("MEX-051-GTO", "federal", "MEX-51", "MEX-51"),
    ("GTO-037", "state", "GTO-37", "GTO-37"),
    ("MEX-057-MEX-057D", "federal", "MEX-57", "MEX-57;MEX-57D"),
    ("MEX-186-307", "federal", "MEX-186", "MEX-186;MEX-307"),
    ("EM(D)-MEX-055", "state", "MEX-55", "MEX-55"),
    ("SLP-029-NL-061", "state", "SLP-29", "SLP-29;NL-61"),
    ("TAMPS-004", "state", "TAM-4", "TAM-4"),
    ("TAB", "state", "", ""),
    ("MEX", "federal", "", ""),
])
def test_routes_become_the_models_ref_style(route, network, ref, refs):
    assert normalise_ref(route, network=network) == (ref, refs)


# -- reader ---------------------------------------------------------------------------------


def test_read_segments_on_a_written_slice(tmp_path):
    _write_state(tmp_path, "guanajuato", GTO)
    seg = read_segments(tmp_path)
    assert list(seg["sict_id"]) == ["0001-01", "0001-02", "0002-01"]
    first = seg.iloc[0]
    assert (first["state"], first["ref"], first["network"], first["toll"]) == (
        "11", "MEX-45D", "federal", True)
    assert first["trucks_day"] == pytest.approx(20000 * 0.35)
    assert first["fs_e"] == 6000.0 and first["share_t3s2"] == 0.1
    state_road = seg.iloc[2]
    assert (state_road["ref"], state_road["network"], state_road["terrain"]) == (
        "GTO-51", "state", "L")
    assert np.isnan(state_road["fs_a"])
    assert seg.attrs["defaults"] == {"FS_A '*' -> NaN": 1, "Tipo_Terr lower case -> upper case": 1}
    assert seg.crs == "EPSG:4326" and set(seg.geom_type) == {"LineString"}


def test_missing_counts_become_nan_and_are_counted(tmp_path):
    _write_state(tmp_path, "guanajuato", [[_attrs("0009-01", TDPA2024=None, CC=None, NS=None),
                                           [[-101.5, 21.0], [-101.4, 21.0]]]])
    seg = read_segments(tmp_path)
    assert np.isnan(seg.loc[0, "tdpa"]) and np.isnan(seg.loc[0, "trucks_day"])
    assert seg.loc[0, "los"] == ""
    assert seg.attrs["defaults"]["TDPA2024 missing -> NaN"] == 1
    assert seg.attrs["defaults"]["NS missing -> ''"] == 1


def test_two_touching_parts_of_one_segment_are_joined(tmp_path):
    _write_state(tmp_path, "durango", [
        [_attrs("0192-04", Edo=10), [[-104.70, 24.15], [-104.70, 24.27]]],
        [_attrs("0192-04", Edo=10), [[-104.70, 24.27], [-104.69, 24.44]]],
    ])
    seg = read_segments(tmp_path)
    assert len(seg) == 1 and len(seg.geometry.iloc[0].coords) == 3
    assert seg.attrs["defaults"] == {"two-part segments joined into one line": 1}


@pytest.mark.parametrize(("segment", "expected"), [
    ([_attrs("0001-01", Red_OK="Privada"), [[-101.5, 21.0], [-101.4, 21.0]]],
     "segment 0001-01: Red_OK is 'Privada'; valid values are 'Federal', 'Estatal'"),
    ([_attrs("0001-01", TDPA2024="mucho"), [[-101.5, 21.0], [-101.4, 21.0]]],
     "segment 0001-01: TDPA2024 is 'mucho', not a number"),
    ([_attrs("0001-01", CC=35), [[-101.5, 21.0], [-101.4, 21.0]]],
     "segment 0001-01: CC is 35.0; valid range is 0 to 1"),
    ([_attrs("0001-01", Tipo_Terr="X"), [[-101.5, 21.0], [-101.4, 21.0]]],
     "segment 0001-01: Tipo_Terr is 'X'; valid values are P, L, M"),
    ([_attrs("0001-01"), [[21.0, -101.5], [21.0, -101.4]]],
     "segment 0001-01: geometry has points outside Mexico"),
    ([_attrs("0001-01"), [["a", "b"], [1, 2]]],
     "segment 0001-01: geometry should be a list of [lon, lat] pairs"),
    ([_attrs(""), [[-101.5, 21.0], [-101.4, 21.0]]],
     "segment #0: ID_SegDV2025 is missing or empty"),
    ({"not": "a pair"}, "segment #0 should be [attrs, [[lon, lat], ...]]"),
])
def test_malformed_segments_name_file_segment_and_field(tmp_path, segment, expected):
    path = _write_state(tmp_path, "guanajuato", [segment])
    with pytest.raises(DataFileError) as err:
        read_segments(tmp_path)
    assert str(err.value).startswith(str(path))
    assert expected in str(err.value)


def test_files_that_are_not_the_portals_json_are_refused(tmp_path):
    raw = tmp_path / "json" / "raw"
    raw.mkdir(parents=True)
    (raw / "colima.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"colima\.json: not valid JSON"):
        read_segments(tmp_path)
    (raw / "colima.json").write_text(json.dumps({"state": "colima"}), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"colima\.json: no 'byState\.coordinates' list"):
        read_segments(tmp_path)


def test_missing_folder_and_state_files_are_explained(tmp_path):
    with pytest.raises(DataFileError, match=r"json/raw: no such folder"):
        read_segments(tmp_path)
    _write_state(tmp_path, "guanajuato", GTO)
    with pytest.raises(DataFileError, match=r"chiapas\.json: no segment file for state 07; "
                                            r"files present: 11"):
        read_segments(tmp_path, states=["07"])
    with pytest.raises(DataFileError, match=r"unknown state 'atlantis'"):
        read_segments(tmp_path, states=["atlantis"])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "latin-1"])
def test_read_stations_in_any_encoding(tmp_path, encoding):
    _write_stations(tmp_path, [_station("s1", 0, 14.9, -92.2, 1000, place="Cd. Cuauhtémoc"),
                               _station("s2", 5, "", "", 900, place="Frontera Hidalgo")],
                    encoding=encoding)
    stations = read_stations(tmp_path)
    assert list(stations["place"]) == ["Cd. Cuauhtémoc", "Frontera Hidalgo"]
    assert list(stations["located"]) == [True, False]
    assert stations.loc[0, "state"] == "07" and stations.loc[0, "ref"] == "MEX-200"
    assert stations.loc[0, "truck_share"] == pytest.approx(0.25)
    assert stations.geometry.iloc[0].x == pytest.approx(-92.2)
    assert stations.geometry.iloc[1].is_empty


def test_read_stations_names_missing_columns(tmp_path):
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "u1_estaciones.csv").write_text("station_id,km\n1,2\n")
    with pytest.raises(DataFileError, match=r"u1_estaciones\.csv: missing column\(s\) state_slug"):
        read_stations(tmp_path)


# -- building on hand-made folders ----------------------------------------------------------


@pytest.fixture()
def small_folder(tmp_path) -> Path:
    """Guanajuato segments plus Chiapas stations along one road (no Chiapas geometry)."""
    _write_state(tmp_path, "guanajuato", GTO)
    _write_stations(tmp_path, [
        _station("c1", 0, 14.90, -92.30, 4000, tipo=3, place="T. C. Tapachula"),
        _station("c2a", 20, 14.80, -92.20, 3000, tipo=1, sc=1),
        _station("c2b", 20, 14.80, -92.20, 2800, tipo=1, sc=2),
        _station("c3", 40, 14.70, -92.10, 2000, tipo=1, place="Cd. Hidalgo"),
        _station("c4", 45, 14.85, -91.10, 2000, tipo=1, place="far off"),  # inconsistent
    ])
    return tmp_path


def test_small_build_validates_with_the_core_columns(small_folder):
    build = sict_network(small_folder, states=["11"])
    edges = build.network.edges
    assert set(EDGE_COLUMNS) <= set(edges.columns)
    links = edges[edges["edge_id"].str.endswith(":fwd")]
    # the state road ends on the cuota's interior: split into two links there; the two
    # cuota segments carry different counts, so they stay two links
    assert sorted(links["sict_ids"]) == ["0001-01", "0001-01", "0001-02", "0002-01"]
    assert {"sict:0001-01#1:fwd", "sict:0001-01#2:fwd"} <= set(links["edge_id"])
    assert build.report["topology"]["t_junction_splits"] == 1
    assert build.report["topology"]["ends_snapped"] >= 1
    assert set(build.network.nodes["kind"]) == {"junction"}
    assert build.network.nodes["node_id"].str.match(r"^sict:\d+$").all()
    assert (edges["source"] == ATTRIBUTION).all()


def test_directions_are_two_edges_with_reversed_geometry_and_half_the_trucks(small_folder):
    edges = sict_network(small_folder, states=["11"]).network.edges.set_index("edge_id")
    fwd, rev = edges.loc["sict:0001-02:fwd"], edges.loc["sict:0001-02:rev"]
    assert (fwd["u"], fwd["v"]) == (rev["v"], rev["u"])
    assert list(rev.geometry.coords) == list(fwd.geometry.coords)[::-1]
    assert fwd["observed_trucks_day"] == pytest.approx(18000 * 0.35 / 2)
    assert fwd["observed_segment"] == "0001-02"
    length = GEOD.geometry_length(fwd.geometry) / 1000
    assert fwd["length_km"] == pytest.approx(length, rel=1e-3)


def test_class_lanes_and_speed_follow_the_documented_rules(small_folder):
    edges = sict_network(small_folder, states=["11"]).network.edges
    links = edges[edges["edge_id"].str.endswith(":fwd")].set_index("sict_ids")
    cuota = links.loc["0001-02"]
    # FS_D/FS_E = 0.83: multilane; 6000/2/(f_HV 1/(1+0.39*0.5)) / 1700 = 2.1 -> 2 lanes
    assert (cuota["road_class"], cuota["lanes"], cuota["speed_kph"]) == ("motorway", 2.0, 80.0)
    assert cuota["lanes_method"].startswith("estimate: FS_E")
    state = links.loc["0002-01"]
    assert (state["road_class"], state["lanes"], state["speed_kph"]) == ("secondary", 1.0, 50.0)
    assert state["lanes_method"].startswith("estimate: SICT two-lane pattern")
    assert state["ref"] == "GTO-51" and state["terrain"] == "L"


def test_federal_only_drops_state_roads(small_folder):
    edges = sict_network(small_folder, states=["11"], federal_only=True).network.edges
    assert set(edges["network_class"]) == {"federal"}
    assert "0002-01" not in set(edges["sict_ids"])


def test_stations_are_threaded_in_km_order_into_a_traced_road(small_folder):
    build = sict_network(small_folder, states=["07", "11"])
    edges = build.network.edges
    traced = edges[(edges["geometry_method"] == TRACED) & edges["edge_id"].str.endswith(":fwd")]
    assert set(traced["ref"]) == {"MEX-200"}
    assert traced["sict_ids"].str.startswith("est:").all()
    # c2 counts one direction per station (sc 1 and 2): the two-way TDPA is their sum
    assert sorted(traced["tdpa"]) == [2000, 3000 + 2800]
    # km posts (20 km apart) are longer than the chords (~15 km): the length follows them
    assert traced["length_km"].sum() == pytest.approx(40.0)
    report = build.report["traced_roads"]
    assert report.loc[0, "stations"] == 3 and report.loc[0, "dropped_inconsistent"] == 1
    assert (traced["state"] == "07").all()


def test_sparse_stations_are_left_out_and_listed(tmp_path):
    _write_state(tmp_path, "guanajuato", GTO)
    _write_stations(tmp_path, [
        _station("c1", 0, 14.90, -92.30, 4000),
        _station("c2", 80, 14.40, -91.80, 3000),  # 80 km on: too sparse (> 60 km)
    ])
    build = sict_network(tmp_path, states=["07", "11"])
    assert TRACED not in set(build.network.edges["geometry_method"])
    left = build.report["left_out_roads"]
    assert list(left["ref"]) == ["MEX-200"]
    assert "fewer than 2 consistent located stations" in left.loc[0, "reason"]
    shorter = sict_network(tmp_path, states=["07", "11"], max_station_gap_km=100)
    assert TRACED in set(shorter.network.edges["geometry_method"])


# -- the speed table ------------------------------------------------------------------------


def test_speed_table_has_a_source_per_row_and_respects_the_truck_limit():
    table = speed_table()
    classes = {"motorway", "trunk", "primary", "secondary"}
    assert {(c, t) for c in classes for t in ("P", "L", "M", "unknown")} == set(
        zip(table["road_class"], table["terrain"], strict=True))
    assert table["speed_kph"].max() == 80  # LGMSV 2022 cap for cargo vehicles
    assert (table["source"].str.len() > 20).all()
    level = table.set_index(["road_class", "terrain"])["speed_kph"]
    for cls in classes:
        assert level[(cls, "P")] > level[(cls, "L")] > level[(cls, "M")]
    unsourced = ~table["source"].str.contains("LGMSV|openrouteservice")
    assert table.loc[unsourced, "source"].str.startswith("assumption:").all()


# -- the real files ---------------------------------------------------------------------------

#: Places the traced roads must reach, checked against the stations in u1_estaciones.csv:
#: (lon, lat, km). Veracruz: the nearest SICT station to the port (19.20 N) is 6.2 km south
#: (MEX-150 Ent. Boticaria), the city streets are not in SICT. Ciudad Cuauhtémoc: the brief's
#: -91.90 is 11 km east of the town, in Guatemala; the station "Cd. Cuauhtémoc" (MEX-190
#: km 256) is at -92.003, 15.677.
PLACES = {
    "Lázaro Cárdenas": (-102.20, 17.96, 3.0),
    "Veracruz": (-96.13, 19.20, 7.0),
    "Coatzacoalcos": (-94.42, 18.14, 3.0),
    "Tuxpan": (-97.40, 20.96, 3.0),
    "Ciudad Hidalgo": (-92.15, 14.68, 2.0),
    "Ciudad Cuauhtémoc": (-92.003, 15.677, 2.0),
}


@pytest.fixture(scope="module")
def sict_folder(shared_data) -> Path:
    folder = shared_data / "sict"
    if not (folder / "json" / "raw").is_dir():
        pytest.skip(f"{folder} has no json/raw")
    return folder


@pytest.fixture(scope="module")
def national_build(sict_folder):
    return sict_network(sict_folder)


@pytest.fixture(scope="module")
def real_segments(sict_folder):
    return read_segments(sict_folder)


def test_fs_thresholds_are_two_way_design_hour_volumes(real_segments):
    """FS_A..FS_E bound TDPA x K (both directions), not TDPA x K x D: SICT's own NS says so."""
    seg = real_segments.dropna(subset=["fs_e", "tdpa", "k_factor", "d_factor"])
    levels = seg[["fs_a", "fs_b", "fs_c", "fs_d", "fs_e"]].fillna(-1).to_numpy()

    def los(volume):
        return np.array(list("ABCDEF"))[(volume[:, None] > levels).sum(axis=1)]

    two_way = seg["tdpa"].to_numpy() * seg["k_factor"].to_numpy()
    assert (los(two_way) == seg["los"].to_numpy()).mean() > 0.99
    assert (los(two_way * seg["d_factor"].to_numpy()) == seg["los"].to_numpy()).mean() < 0.5


def test_terrain_codes_order_capacity_as_level_rolling_mountainous(real_segments):
    two_lane = real_segments[real_segments["fs_d"] / real_segments["fs_e"] < 0.7]
    median = two_lane.groupby("terrain")["fs_e"].median()
    assert median["P"] > median["L"] > median["M"]


def test_real_build_is_a_valid_network(national_build):
    net = national_build.network
    assert net.problems() == []
    edges = net.edges
    assert edges["speed_kph"].between(35, 80).all()
    assert edges["lanes"].ge(1).all()
    assert edges["capacity_trucks_day"].isna().all()
    assert edges["lanes_method"].str.match(r"^(estimate|assumption): ").all()
    assert set(edges["geometry_method"]) == {SEGMENT, TRACED, BRIDGED, JOINED}
    assert edges["sict_ids"].str.len().gt(0).all()
    counted = edges["observed_segment"] != ""
    assert counted.mean() > 0.99
    assert all(o in ids.split(";") for o, ids in zip(
        edges.loc[counted, "observed_segment"], edges.loc[counted, "sict_ids"], strict=True))


def test_every_sict_segment_maps_to_an_edge(national_build, real_segments):
    on_edges = set(";".join(national_build.network.edges["sict_ids"]).split(";"))
    missing = set(real_segments["sict_id"]) - on_edges
    assert not missing, sorted(missing)


def test_km_per_state_and_network_match_sict(national_build):
    check = national_build.report["km_check"]
    assert len(check) == 58  # 29 states x federal/state
    # every SICT segment's Dist lands on the network once
    assert check["sict_km_vs_dist"].between(0.98, 1.02).all(), check
    # snapping, splitting and merging keep the geodesic km of the SICT geometry
    assert check["network_vs_geometry"].between(0.98, 1.02).all(), check
    # where SICT's own geometry agrees with its Dist, so does the network
    agree = check["geometry_vs_dist"].between(0.985, 1.015)
    assert agree.sum() >= 30
    ratio = check.loc[agree, "network_km"] / check.loc[agree, "sict_dist_km"]
    assert ratio.between(0.98, 1.02).all()


def test_main_component_holds_99_percent_of_federal_km(national_build):
    components = national_build.report["components"]
    assert national_build.report["main_federal_share"] >= 0.99
    assert components.loc[0, "reason"] == "main component"
    assert components.loc[1:, "reason"].str.len().gt(10).all()
    assert components.loc[1:, "gap_m"].notna().all()


def test_traced_roads_reach_ports_and_border_crossings(national_build):
    net = national_build.network
    graph = nx.Graph()
    graph.add_edges_from(zip(net.edges["u"], net.edges["v"], strict=True))
    main = max(nx.connected_components(graph), key=len)
    nodes = net.nodes[net.nodes["node_id"].isin(main)]
    for place, (lon, lat, km) in PLACES.items():
        dist = GEOD.inv(np.full(len(nodes), lon), np.full(len(nodes), lat),
                        nodes.geometry.x.to_numpy(), nodes.geometry.y.to_numpy())[2] / 1000
        assert dist.min() <= km, f"{place}: nearest main-network junction {dist.min():.1f} km"
    traced_states = set(net.edges.loc[net.edges["geometry_method"] == TRACED, "state"])
    assert traced_states == {"07", "16", "30"}


def test_traced_and_left_out_roads_are_reported(national_build):
    traced = national_build.report["traced_roads"]
    left = national_build.report["left_out_roads"]
    assert set(traced["state"]) == {"07", "16", "30"}
    for ref in ("MEX-200", "MEX-190", "MEX-37D", "MEX-150D", "MEX-180"):
        assert ref in set(traced["ref"])
    assert left["reason"].str.len().gt(10).all()
    # no stretch is both traced and left out
    both = left.merge(traced, on="road_id", suffixes=("_left", "_traced"))
    overlap = np.minimum(both["to_km_left"], both["to_km_traced"]) - np.maximum(
        both["from_km_left"], both["from_km_traced"])
    assert (overlap <= 0).all()


def test_counts_cover_the_network(national_build):
    edges = national_build.network.edges
    fwd = edges[edges["edge_id"].str.endswith(":fwd")]
    counted_km = fwd.loc[fwd["observed_trucks_day"].notna(), "length_km"].sum()
    assert counted_km / fwd["length_km"].sum() > 0.99
    by_class = fwd.groupby("road_class")["observed_trucks_day"].median()
    assert by_class["motorway"] > by_class["primary"] > 0
    assert pd.Series(national_build.report["defaults"]).sum() > 0


def test_a_build_of_traced_states_only_needs_no_segment_file(small_folder):
    build = sict_network(small_folder, states=["07"])
    assert set(build.network.edges["geometry_method"]) == {TRACED}
    assert build.report["km_check"].empty
    assert build.network.problems() == []

"""Building a freight network from OSM: tag rules, simplification, ids and the four sources.

The fixture is a made-up stretch modelled on León-Silao (Guanajuato): the MEX-45D
cuota as two one-way carriageways, each with a bridge, the parallel free MEX-45
trunk road, a primary road with a tunnel, a oneway=-1 ramp, plus a residential
street, a secondary road and a building that the default filter must drop.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
import urllib.parse
from typing import ClassVar
from xml.sax.saxutils import quoteattr

import numpy as np
import osmium
import osmnx as ox
import pytest
from pyproj import Geod
from shapely.geometry import box, mapping

from corredor.boundaries import read_area, read_states
from corredor.errors import DataFileError
from corredor.network import Network
from corredor.networks.osm import (
    OsmParams,
    OverpassOptions,
    freight_classes,
    network_from_overpass,
    network_from_xml,
    normalise_tags,
    parse_lanes,
    parse_maxspeed,
    parse_refs,
)
from corredor.networks.pbf import network_from_pbf

GEOD = Geod(ellps="WGS84")

NODES = {
    1: (-101.68, 21.12), 2: (-101.43, 20.94),  # León and Silao junctions
    11: (-101.65, 21.099), 12: (-101.62, 21.078), 13: (-101.615, 21.0745),
    14: (-101.56, 21.035), 15: (-101.52, 21.006), 16: (-101.47, 20.969),
    21: (-101.471, 20.9705), 22: (-101.614, 21.076), 23: (-101.619, 21.0795),
    24: (-101.649, 21.1005),
    31: (-101.67, 21.09), 32: (-101.62, 21.05), 33: (-101.58, 21.01), 34: (-101.54, 20.99),
    41: (-101.7, 21.05), 42: (-101.72, 21.01), 43: (-101.725, 21.0), 44: (-101.73, 20.97),
    51: (-101.55, 21.01), 61: (-101.61, 21.055), 62: (-101.6, 21.06), 71: (-101.75, 21.08),
    81: (-101.68, 21.13), 82: (-101.679, 21.13), 83: (-101.679, 21.131),
}
CUOTA_SOUTH = {"highway": "motorway", "ref": "MEX 45D", "toll": "yes", "oneway": "yes",
               "lanes": "2", "maxspeed": "110", "name": "Autopista León-Silao"}
CUOTA_NORTH = {"highway": "motorway", "ref": "MEX-45D;MEX-57", "oneway": "yes",
               "lanes": "2;3", "maxspeed": "100 km/h", "name": "Autopista León-Silao"}
PRIMARY = {"highway": "primary", "ref": "GTO 77", "maxspeed": "40 mph"}
WAYS = [
    (100, [1, 11, 12], CUOTA_SOUTH),
    (101, [12, 13], {**CUOTA_SOUTH, "bridge": "yes", "layer": "1", "name": "Puente Río Turbio"}),
    (102, [13, 14, 15], CUOTA_SOUTH),
    (103, [15, 16, 2], CUOTA_SOUTH),
    (110, [2, 21, 22], CUOTA_NORTH),
    (111, [22, 23], {**CUOTA_NORTH, "bridge": "viaduct", "lanes": "2"}),
    (112, [23, 24, 1], {**CUOTA_NORTH, "lanes": "2", "maxspeed": "110", "maxspeed:hgv": "70"}),
    (200, [1, 31, 32, 33], {"highway": "trunk", "ref": "MEX 45", "toll": "no", "lanes": "4",
                            "maxspeed": "MX:urban", "name": "Carretera Federal 45"}),
    (201, [33, 34, 2], {"highway": "trunk", "ref": "MEX-045", "lanes": "2|3",
                        "name": "Carretera Federal 45"}),
    (300, [31, 41, 42], PRIMARY),
    (301, [42, 43], {**PRIMARY, "tunnel": "yes"}),
    (302, [43, 44], PRIMARY),
    (400, [34, 51, 14], {"highway": "motorway_link", "oneway": "-1"}),
    (500, [32, 61, 62], {"highway": "residential", "name": "Calle Sin Salida"}),
    (600, [41, 71], {"highway": "secondary", "ref": "GTO 50"}),
    (700, [81, 82, 83, 81], {"building": "yes"}),
]
EXPECTED_EDGES = {
    "w100:n1-n12:fwd", "w101:n12-n13:fwd", "w102:n13-n14:fwd", "w102:n14-n2:fwd",
    "w110:n2-n22:fwd", "w111:n22-n23:fwd", "w112:n23-n1:fwd",
    "w200:n1-n31:fwd", "w200:n1-n31:rev", "w200:n31-n33:fwd", "w200:n31-n33:rev",
    "w201:n33-n34:fwd", "w201:n33-n34:rev", "w201:n2-n34:fwd", "w201:n2-n34:rev",
    "w300:n31-n42:fwd", "w300:n31-n42:rev", "w301:n42-n43:fwd", "w301:n42-n43:rev",
    "w302:n43-n44:fwd", "w302:n43-n44:rev", "w400:n14-n34:fwd",
}
BBOX = (-101.8, 20.9, -101.4, 21.2)
WITHOUT_NODE_44 = {k: xy for k, xy in NODES.items() if k != 44}  # as if clipped at an edge


def write_osm(path, nodes=NODES, ways=WAYS):
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for node_id, (lon, lat) in sorted(nodes.items()):
        lines.append(f'  <node id="{node_id}" version="1" lat="{lat}" lon="{lon}"/>')
    for way_id, refs, tags in ways:
        lines.append(f'  <way id="{way_id}" version="1">')
        lines += [f'    <nd ref="{ref}"/>' for ref in refs]
        lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_pbf(path, nodes=NODES, ways=WAYS):
    with osmium.SimpleWriter(str(path)) as writer:
        for node_id, (lon, lat) in sorted(nodes.items()):
            writer.add_node(osmium.osm.mutable.Node(id=node_id, version=1, location=(lon, lat)))
        for way_id, refs, tags in ways:
            writer.add_way(osmium.osm.mutable.Way(id=way_id, version=1, nodes=refs, tags=tags))
    return path


def overpass_json(ways=WAYS):
    highways = OsmParams().highways
    kept = [w for w in ways if w[2].get("highway") in highways]
    used = sorted({ref for _, refs, _ in kept for ref in refs})
    elements = [{"type": "node", "id": n, "lon": NODES[n][0], "lat": NODES[n][1]} for n in used]
    elements += [{"type": "way", "id": w, "nodes": refs, "tags": tags} for w, refs, tags in kept]
    return {"version": 0.6, "generator": "test", "elements": elements}


@pytest.fixture(scope="module")
def fixture_osm(tmp_path_factory):
    return write_osm(tmp_path_factory.mktemp("osm") / "leon_silao.osm")


@pytest.fixture(scope="module")
def built(fixture_osm):
    return network_from_xml(fixture_osm)


def edge(network: Network, edge_id: str):
    rows = network.edges[network.edges["edge_id"] == edge_id]
    assert len(rows) == 1, f"{edge_id} not in {sorted(network.edges['edge_id'])}"
    return rows.iloc[0]


# -- tag rules --------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "lanes"), [
    ("2", 2.0), ("2;3", 2.0), ("3|2", 2.0), ("1.5", 1.5), (None, None), ("many", None), ("0", None),
])
def test_lanes_values(value, lanes):
    assert parse_lanes(value) == lanes


@pytest.mark.parametrize(("value", "kph"), [
    ("80", 80.0), ("80 km/h", 80.0), ("50 mph", 80.47), ("MX:urban", 50.0), ("mx:rural", 80.0),
    ("60;80", 60.0), ("none", None), ("signals", None), (None, None),
])
def test_maxspeed_values(value, kph):
    parsed = parse_maxspeed(value)
    assert (parsed if parsed is None else round(parsed, 2)) == kph


@pytest.mark.parametrize(("value", "refs"), [
    ("MEX 45D", ["MEX-45D"]), ("MEX-45D;MEX-57", ["MEX-45D", "MEX-57"]),
    ("Méx. 045", ["MEX-45"]), ("GTO 77", ["GTO-77"]), ("MEX-45D; MEX 45D", ["MEX-45D"]),
    ("Periférico", ["PERIFERICO"]), (None, []),
])
def test_refs_are_canonical(value, refs):
    assert parse_refs(value) == refs


def test_two_way_lanes_are_halved_and_defaults_named():
    attrs = normalise_tags({"highway": "trunk", "lanes": "4"}, False, OsmParams())
    assert attrs.lanes == 2.0 and attrs.speed_kph == 80.0 and attrs.defaults == ("toll", "maxspeed")
    one_way = normalise_tags({"highway": "trunk", "lanes": "3", "toll": "yes"}, True, OsmParams())
    assert one_way.lanes == 3.0 and one_way.toll and one_way.defaults == ("maxspeed",)
    primary = normalise_tags({"highway": "primary"}, False, OsmParams(truck_max_kph=95.0))
    assert primary.lanes == 1.0 and primary.speed_kph == 90.0


def test_unknown_extra_class_is_refused_with_the_valid_ones():
    assert freight_classes(["secondary"])[-1] == "secondary"
    with pytest.raises(DataFileError, match="valid additions are secondary, tertiary"):
        freight_classes(["residential"])


# -- the built network ---------------------------------------------------------------------


def test_fixture_builds_the_expected_links(built):
    assert set(built.edges["edge_id"]) == EXPECTED_EDGES
    assert set(built.nodes["node_id"]) == {f"osm:{n}" for n in
                                           (1, 2, 12, 13, 14, 22, 23, 31, 33, 34, 42, 43, 44)}
    assert built.problems() == []
    assert set(built.edges["road_class"]) == {"motorway", "trunk", "primary"}
    assert "Calle Sin Salida" not in set(built.edges["name"])


def test_bridge_is_its_own_edge_and_plain_chain_is_merged(built):
    bridge = edge(built, "w101:n12-n13:fwd")
    assert bridge["bridge"] and bridge["name"] == "Puente Río Turbio"
    assert bridge["ref"] == "MEX-45D" and bridge["toll"] and bridge["u"] == "osm:12"
    assert edge(built, "w111:n22-n23:fwd")["bridge"]  # bridge=viaduct
    merged = edge(built, "w102:n14-n2:fwd")
    assert merged["osm_way_id"] == "102;103" and not merged["bridge"]
    assert {"osm:15", "osm:16"}.isdisjoint(built.nodes["node_id"])
    assert built.edges["bridge"].sum() == 2
    assert edge(built, "w301:n42-n43:fwd")["tunnel"]


def test_refs_lanes_speeds_and_tolls(built):
    north = edge(built, "w110:n2-n22:fwd")
    assert (north["ref"], north["refs"]) == ("MEX-45D", "MEX-45D;MEX-57")
    assert north["lanes"] == 2.0 and north["toll"]  # '2;3' one-way; toll inferred from the D
    assert "toll" in north["defaults"]
    assert edge(built, "w112:n23-n1:fwd")["speed_kph"] == 70.0  # maxspeed:hgv
    assert edge(built, "w100:n1-n12:fwd")["speed_kph"] == 80.0  # 110 cut to the truck limit
    urban = edge(built, "w200:n1-n31:rev")
    assert (urban["lanes"], urban["speed_kph"], urban["toll"]) == (2.0, 50.0, False)
    libre = edge(built, "w201:n2-n34:fwd")
    assert (libre["ref"], libre["lanes"], libre["speed_kph"]) == ("MEX-45", 1.0, 80.0)
    assert "maxspeed" in libre["source"]
    primary = edge(built, "w300:n31-n42:fwd")
    assert (primary["ref"], primary["lanes"], primary["speed_kph"]) == ("GTO-77", 1.0, 64.37)


def test_oneway_minus_one_runs_against_the_drawing_and_two_way_has_both(built):
    ramp = built.edges[built.edges["link_id"] == "w400:n14-n34"]
    assert len(ramp) == 1
    row = ramp.iloc[0]
    assert (row["u"], row["v"], row["oneway"], row["road_class"]) == ("osm:14", "osm:34", True,
                                                                     "motorway")
    assert row["geometry"].coords[0] == NODES[14] and row["geometry"].coords[-1] == NODES[34]
    pair = built.edges[built.edges["link_id"] == "w200:n31-n33"]
    fwd, rev = pair.iloc[0], pair.iloc[1]
    assert (fwd["u"], fwd["v"]) == (rev["v"], rev["u"])
    assert list(rev["geometry"].coords) == list(fwd["geometry"].coords)[::-1]


def test_lengths_are_geodesic(built):
    lengths = dict(zip(built.edges["edge_id"], built.edges["length_km"], strict=True))
    lons, lats = zip(*(NODES[n] for n in (13, 14)), strict=True)
    assert lengths["w102:n13-n14:fwd"] == pytest.approx(GEOD.line_length(lons, lats) / 1000)
    geodesic_km = [GEOD.geometry_length(line) / 1000 for line in built.edges.geometry]
    assert built.edges["length_km"].to_numpy() == pytest.approx(geodesic_km, rel=1e-9)


def test_same_input_gives_same_ids_and_gpkg_round_trip(tmp_path, fixture_osm, built):
    again = network_from_xml(fixture_osm)
    assert list(again.edges["edge_id"]) == list(built.edges["edge_id"])
    path = built.to_gpkg(tmp_path / "leon.gpkg")
    back = Network.from_gpkg(path)
    assert list(back.edges["edge_id"]) == list(built.edges["edge_id"])
    assert back.edges["bridge"].sum() == 2 and back.edges["oneway"].dtype == bool


def test_pbf_builds_the_identical_network(tmp_path, built):
    from_pbf = network_from_pbf(write_pbf(tmp_path / "leon_silao.osm.pbf"))
    columns = [c for c in built.edges.columns if c != "geometry"]
    assert from_pbf.edges[columns].equals(built.edges[columns])
    assert from_pbf.edges.geometry.geom_equals_exact(built.edges.geometry, 0).all()
    assert from_pbf.nodes.drop(columns="geometry").equals(built.nodes.drop(columns="geometry"))


def test_pbf_progress_is_reported(tmp_path):
    lines = []
    network_from_pbf(write_pbf(tmp_path / "x.osm.pbf"), progress=lines.append)
    assert any(line.startswith("pass 1/2 done: 13 freight ways") for line in lines)
    assert any("pass 2/2 done" in line for line in lines)


def test_extra_classes_and_missing_nodes(tmp_path):
    network = network_from_xml(write_osm(tmp_path / "s.osm"),
                               params=OsmParams(classes=freight_classes(["secondary"])))
    assert "osm:41" in set(network.nodes["node_id"])
    assert edge(network, "w600:n41-n71:fwd")["ref"] == "GTO-50"
    lines = []
    cut = network_from_pbf(write_pbf(tmp_path / "cut.osm.pbf", nodes=WITHOUT_NODE_44),
                           progress=lines.append)
    assert "w302:n43-n44:fwd" not in set(cut.edges["edge_id"])
    assert any("dropped 1 segments" in line for line in lines)


def test_states_by_point_in_polygon(tmp_path, fixture_osm):
    west = box(-102, 20, -101.6, 22)
    east = box(-101.6, 20, -101, 22)
    path = tmp_path / "states.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"CVE_ENT": "14"}, "geometry": mapping(west)},
        {"type": "Feature", "properties": {"CVE_ENT": "11"}, "geometry": mapping(east)},
    ]}))
    network = network_from_xml(fixture_osm, states=read_states(path))
    assert edge(network, "w102:n14-n2:fwd")["state"] == "11"
    assert edge(network, "w102:n13-n14:fwd")["state"] == "11;14"
    assert dict(zip(network.nodes["node_id"], network.nodes["state"], strict=True))["osm:1"] == "14"


def test_inegi_state_boundaries(shared_data, fixture_osm):
    states = read_states(shared_data / "boundaries" / "estatal.shp")
    network = network_from_xml(fixture_osm, states=states)
    assert set(network.edges["state"]) == {"11"}  # the whole fixture lies in Guanajuato


def test_bad_inputs_name_the_file(tmp_path):
    with pytest.raises(DataFileError, match="no such file"):
        network_from_xml(tmp_path / "nope.osm")
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><node id='1'")
    with pytest.raises(DataFileError, match=r"broken\.osm: not readable as OSM XML"):
        network_from_xml(broken)
    garbage = tmp_path / "garbage.osm.pbf"
    garbage.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all")
    with pytest.raises(DataFileError, match=r"garbage\.osm\.pbf: not readable"):
        network_from_pbf(garbage)
    clipped = write_osm(tmp_path / "clipped.osm", nodes=WITHOUT_NODE_44)
    with pytest.raises(DataFileError, match=r"clipped\.osm: .*missing nodes.*--pbf"):
        network_from_xml(clipped)
    empty = write_osm(tmp_path / "empty.osm", ways=[w for w in WAYS if w[0] >= 500])
    with pytest.raises(DataFileError, match="no OSM ways of the freight classes"):
        network_from_xml(empty)


# -- real OSM XML -------------------------------------------------------------------------


def test_real_osm_xml_builds_with_the_classes_it_has(shared_data):
    params = OsmParams(classes=freight_classes(["secondary", "tertiary"]))
    oakland = network_from_xml(shared_data / "osm" / "West-Oakland.osm.bz2", params=params)
    assert set(oakland.edges["road_class"]) == {"secondary"}  # its only road of those classes
    assert oakland.problems() == [] and len(oakland.edges) == 5
    assert set(oakland.edges["name"]) == {"7th Street"}  # mapped as two one-way carriageways
    assert oakland.edges["oneway"].all() and set(oakland.edges["lanes"]) == {1.0, 2.0, 3.0}
    geodesic_km = [GEOD.geometry_length(line) / 1000 for line in oakland.edges.geometry]
    assert oakland.edges["length_km"].to_numpy() == pytest.approx(geodesic_km, rel=1e-9)


def test_real_osm_xml_without_freight_roads_is_a_clear_error(shared_data):
    path = shared_data / "osm" / "planet_10.068_48.135_10.071_48.137.osm"  # residential only
    with pytest.raises(DataFileError, match=r"planet_10\.068.*no OSM ways of the freight classes"):
        network_from_xml(path)


# -- Overpass through a local server ---------------------------------------------------------


class _FakeApis(http.server.BaseHTTPRequestHandler):
    """Answers osmnx's Overpass status/interpreter and Nominatim search requests."""

    queries: ClassVar[list[str]] = []
    STATUS = ("Connected as: 1\nCurrent time: 2024-01-01T00:00:00Z\nAnnounced endpoint: none\n"
              "Rate limit: 2\n2 slots available now.\n")

    def do_GET(self):
        if self.path.startswith("/api/status"):
            self._send(self.STATUS.encode(), "text/plain")
        elif self.path.startswith("/nominatim/search"):
            place = {"importance": 0.9, "lat": "21.0", "lon": "-101.6", "display_name": "Test",
                     "boundingbox": ["20.9", "21.2", "-101.8", "-101.4"],
                     "geojson": mapping(box(*BBOX))}
            self._send(json.dumps([place]).encode(), "application/json")
        else:
            self.send_error(404)

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.queries.append(urllib.parse.parse_qs(body)["data"][0])
        self._send(json.dumps(overpass_json()).encode(), "application/json")

    def _send(self, payload: bytes, kind: str):
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_apis(tmp_path, monkeypatch):
    """A local Overpass + Nominatim; any connection to another host fails the test."""
    connect = socket.socket.connect

    def local_only(sock, address):
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1"):
            raise AssertionError(f"test tried to reach {address}")
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", local_only)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FakeApis)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FakeApis.queries = []
    base = f"http://127.0.0.1:{server.server_port}"
    yield OverpassOptions(overpass_url=f"{base}/api", nominatim_url=f"{base}/nominatim/",
                          cache_dir=tmp_path / "cache")
    server.shutdown()
    thread.join()


def test_overpass_bbox_matches_the_xml_build_and_restores_settings(local_apis, built, monkeypatch,
                                                                     tmp_path):
    monkeypatch.chdir(tmp_path)
    before = (ox.settings.overpass_url, list(ox.settings.useful_tags_way), ox.settings.cache_folder)
    network = network_from_overpass(bbox=BBOX, options=local_apis)
    assert (ox.settings.overpass_url, list(ox.settings.useful_tags_way),
            ox.settings.cache_folder) == before
    assert set(network.edges["edge_id"]) == EXPECTED_EDGES
    columns = ["edge_id", "u", "v", "ref", "refs", "lanes", "speed_kph", "bridge", "toll"]
    ordered = network.edges[columns].reset_index(drop=True)
    assert ordered.equals(built.edges[columns].reset_index(drop=True))
    assert '["highway"~"^(motorway|motorway_link|primary|primary_link|trunk|trunk_link)$"]' in (
        _FakeApis.queries[0])
    assert list(local_apis.cache_dir.glob("*.json")), "osmnx cache not in the given folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]  # nothing in the cwd


def test_overpass_place_and_polygon(local_apis, tmp_path):
    by_place = network_from_overpass(place="Guanajuato, Mexico", options=local_apis)
    assert set(by_place.edges["edge_id"]) == EXPECTED_EDGES
    area = tmp_path / "area.geojson"
    area.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": mapping(box(*BBOX))}]}))
    polygon = read_area(area)
    fresh = OverpassOptions(overpass_url=local_apis.overpass_url,
                            cache_dir=tmp_path / "other-cache")
    by_polygon = network_from_overpass(polygon=polygon, options=fresh)
    assert np.isclose(by_polygon.edges["length_km"].sum(), by_place.edges["length_km"].sum())
    with pytest.raises(DataFileError, match="exactly one of place, bbox, polygon"):
        network_from_overpass(bbox=BBOX, polygon=polygon, options=fresh)


def test_cli_build_osm_then_info_on_the_result(tmp_path):
    from click.testing import CliRunner

    from corredor.cli import cli

    fixture = write_osm(tmp_path / "leon_silao.osm")
    output = tmp_path / "x.gpkg"
    runner = CliRunner()
    result = runner.invoke(
        cli, ["build", "osm", "--osm", str(fixture), "--facilities", "none", "-o", str(output)]
    )
    assert result.exit_code == 0, result.output
    info = runner.invoke(cli, ["info", "--network", str(output)])
    assert info.exit_code == 0, info.output
    assert "motorway" in info.output and "trunk" in info.output
    both = runner.invoke(
        cli, ["build", "osm", "--osm", str(fixture), "--pbf", str(fixture), "-o", str(output)]
    )
    assert both.exit_code == 2
    assert "give exactly one of" in both.output

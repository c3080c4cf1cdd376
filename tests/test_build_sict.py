"""``corredor build sict``: the SICT/IMT Datos Viales network (and the national model) as a file.

On a small Datos Viales slice the test writes itself: the roads alone and with the
bundled model's zones and plants load and route, and bad input exits with code 2
naming what is wrong. On the real ``../shared/data/sict`` (skipped when absent),
Guanajuato built alone matches the bundled model's Guanajuato links, bridges and
zone connectors, and Michoacán (no segment geometry: traced from count stations)
gets the bundled fallback links.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from corredor.cli import cli
from corredor.network import Network, undirected_links
from corredor.networks.sict import ATTRIBUTION, SEGMENT, TRACED
from corredor.networks.sict_model import FALLBACK, PLANT_CONNECTOR, ZONE_CONNECTOR
from corredor.routing import shortest_paths
from test_sict import _attrs, _write_state

#: León - Silao on the MEX-45D (cuota) and the MEX-45 (libre), meeting at both ends, and a
#: state road from the MEX-45's interior to the north: León's and Silao's GeoNames points
#: lie 1-2 km from the roads, Irapuato (also a Guanajuato zone) 29 km south.
SLICE = [
    [_attrs("0045-01"), [[-101.70, 21.13], [-101.55, 21.03], [-101.40, 20.93]]],
    [_attrs("0045-02", Ruta="MEX-045", Operacion="Libre", TDPA2024=9000, FS_D="900.0",
            FS_E="2000.0"),
     [[-101.70, 21.13], [-101.57, 21.06], [-101.40, 20.93]]],
    [_attrs("0501-01", Ruta="GTO-501", Red_OK="Estatal", Operacion="Libre", TDPA2024=2000,
            FS_D="500.0", FS_E="1100.0"),
     [[-101.57, 21.06], [-101.57, 21.20]]],
]


def build(*args: str) -> object:
    return CliRunner().invoke(cli, ["build", "sict", *args])


@pytest.fixture()
def datos_viales(tmp_path) -> Path:
    folder = tmp_path / "datos_viales"
    _write_state(folder, "guanajuato", SLICE)
    return folder


def test_roads_only_load_route_and_summarise(datos_viales, tmp_path):
    output = tmp_path / "roads.gpkg"
    result = build("--dir", str(datos_viales), "--states", "11", "--facilities", "none",
                   "-o", str(output))
    assert result.exit_code == 0, result.output
    assert "SICT roads: 4 links" in result.stderr
    assert f"wrote {output}" in result.stdout
    network = Network.from_gpkg(output)
    links = undirected_links(network)
    assert sorted(links["sict_ids"]) == ["0045-01", "0045-02", "0045-02", "0501-01"]
    assert (network.edges["source"] == ATTRIBUTION).all()
    assert set(network.nodes["kind"]) == {"junction"}
    assert network.nodes["source"].str.startswith(ATTRIBUTION).all()
    assert "junction MEX-45 / MEX-45D" in set(network.nodes["name"])
    cuota = links[links["sict_ids"] == "0045-01"].iloc[0]
    paths = shortest_paths(network, [(cuota["u"], cuota["v"])])
    assert paths.cost[0] == pytest.approx(cuota["length_km"])
    info = CliRunner().invoke(cli, ["info", "--network", str(output)])
    assert info.exit_code == 0, info.output
    assert "motorway" in info.output and "secondary" in info.output


def test_bundled_zones_and_plants_join_the_roads_and_route(datos_viales, tmp_path):
    output = tmp_path / "model.gpkg"
    result = build("--dir", str(datos_viales), "--states", "11", "-o", str(output))
    assert result.exit_code == 0, result.output
    assert "zones and plants:" in result.stderr
    assert "left out" in result.stderr and "mx:irapuato" in result.stderr
    assert "bridges: 0 of 4" in result.stderr  # the slice does not pass the Bajío bridges
    network = Network.from_gpkg(output)
    nodes = network.nodes.set_index("node_id")
    assert {"mx:leon", "mx:silao", "plant:gm_silao"} <= set(nodes.index)
    assert "mx:irapuato" not in nodes.index
    connectors = undirected_links(network).set_index("link_id")
    assert connectors.loc["connector:mx:leon", "geometry_method"] == ZONE_CONNECTOR
    assert connectors.loc["connector:plant:gm_silao", "geometry_method"] == PLANT_CONNECTOR
    # León joins the nearer MEX-45 (libre) and, by a second connector, the MEX-45D (cuota)
    assert "connector:mx:leon:mex-45d" in connectors.index
    assert connectors.loc["connector:mx:leon", "length_km"] < 3
    assert nodes.loc["mx:leon", "country"] == "MX"
    junction = connectors.loc["connector:mx:leon", "v"]
    assert "mx:leon" in nodes.loc[junction, "attached"].split(";")
    paths = shortest_paths(network, [("mx:leon", "mx:silao"), ("plant:gm_silao", "mx:leon")])
    assert paths.reachable.all()
    assert 25 < paths.cost[0] < 40  # 30 km of road between the two GeoNames points
    demand = tmp_path / "demand.csv"
    demand.write_text("origin,destination,segment,trucks_day,value_usd_per_truck,source\n"
                      "mx:leon,mx:silao,test,100,50000,test\n", encoding="utf-8")
    info = CliRunner().invoke(cli, ["info", "--network", str(output), "--demand", str(demand)])
    assert info.exit_code == 0, info.output


def _no_json_no_csv(tmp_path: Path) -> list[str]:
    (tmp_path / "empty").mkdir()
    return ["--dir", str(tmp_path / "empty")]


def _state_without_json(tmp_path: Path) -> list[str]:
    _write_state(tmp_path / "dv", "guanajuato", SLICE)
    return ["--dir", str(tmp_path / "dv"), "--states", "11,07"]


def _broken_json(tmp_path: Path) -> list[str]:
    path = _write_state(tmp_path / "dv", "guanajuato", SLICE)
    path.write_text(json.dumps({"byState": {"coordinates": [{"not": "a segment"}]}}),
                    encoding="utf-8")
    return ["--dir", str(tmp_path / "dv"), "--states", "11"]


def _unknown_state(tmp_path: Path) -> list[str]:
    _write_state(tmp_path / "dv", "guanajuato", SLICE)
    return ["--dir", str(tmp_path / "dv"), "--states", "11,99"]


def _missing_folder(tmp_path: Path) -> list[str]:
    return ["--dir", str(tmp_path / "nowhere")]


def _not_a_geopackage(tmp_path: Path) -> list[str]:
    _write_state(tmp_path / "dv", "guanajuato", SLICE)
    return ["--dir", str(tmp_path / "dv"), "-o", str(tmp_path / "out.geojson")]


@pytest.mark.parametrize(("arguments", "expected"), [
    (_missing_folder, ["nowhere", "does not exist"]),
    (_no_json_no_csv, ["empty: neither", "json/raw", "csv/u1_estaciones.csv"]),
    (_state_without_json, ["state(s) 07 have no", "u1_estaciones.csv", "is missing"]),
    (_unknown_state, ["--states", "'99': not an INEGI state code"]),
    (_broken_json, ["guanajuato.json: segment #0 should be [attrs, [[lon, lat], ...]]"]),
    (_not_a_geopackage, ["--output", "out.geojson: use a .gpkg file name"]),
])
def test_bad_input_exits_2_naming_it_and_writes_nothing(tmp_path, arguments, expected):
    args = arguments(tmp_path)
    if "-o" not in args:
        args += ["-o", str(tmp_path / "out.gpkg")]
    result = build(*args)
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    for text in expected:
        assert text in message
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(
        result.exception, SystemExit)
    assert not (tmp_path / "out.gpkg").exists()
    assert not list(tmp_path.glob(".tmp-*"))


# -- the real Datos Viales folder -----------------------------------------------------------


def real_build(shared_data: Path, folder: Path, *args: str) -> Network:
    """``build sict`` on the real Datos Viales files (states polygons when present)."""
    sict = shared_data / "sict"
    if not (sict / "json" / "raw" / "guanajuato.json").is_file():
        pytest.skip(f"{sict} has no json/raw/guanajuato.json")
    polygons = shared_data / "boundaries" / "estatal.shp"
    extra = ["--boundaries", str(polygons)] if polygons.is_file() else []
    output = folder / "network.gpkg"
    result = build("--dir", str(sict), *args, *extra, "-o", str(output))
    assert result.exit_code == 0, result.output
    return Network.from_gpkg(output)


@pytest.fixture(scope="module")
def guanajuato(shared_data, tmp_path_factory) -> Network:
    return real_build(shared_data, tmp_path_factory.mktemp("sict"), "--states", "11")


def _segment_links(links):
    return links[links["geometry_method"] == SEGMENT]


def _vertices(network: Network) -> int:
    """Vertices of the Guanajuato segment lines (one direction per link)."""
    edges = network.edges
    mine = edges[(edges["geometry_method"] == SEGMENT) & edges["edge_id"].str.endswith(":fwd")
                 & edges["state"].eq("11")]
    return int(shapely.get_num_coordinates(mine.geometry.to_numpy()).sum())


def _segment_ids(links) -> set[str]:
    return set(links["sict_ids"].str.split(";").explode())


def test_real_guanajuato_has_the_bundled_segments_and_km(guanajuato, national):
    ours = _segment_links(undirected_links(guanajuato))
    bundled = _segment_links(undirected_links(national))
    bundled = bundled[bundled["state"] == "11"]
    assert _segment_ids(ours) == _segment_ids(bundled)
    assert len(_segment_ids(ours)) > 150
    assert ours["length_km"].sum() == pytest.approx(bundled["length_km"].sum(), rel=1e-4)
    assert ours["sict_km"].sum() == pytest.approx(bundled["sict_km"].sum(), rel=1e-4)
    # the drawn lines are simplified by 10 m, as in the bundled tables
    assert _vertices(guanajuato) == pytest.approx(_vertices(national), rel=0.01)
    by_class = ours.groupby("road_class")["length_km"].sum()
    np.testing.assert_allclose(by_class, bundled.groupby("road_class")["length_km"].sum()
                               .reindex(by_class.index), rtol=1e-3)


def test_real_guanajuato_has_the_bundled_bridges_and_zone_connectors(guanajuato, national):
    ours = undirected_links(guanajuato).set_index("link_id")
    bundled = undirected_links(national).set_index("link_id")
    bridges = bundled.index[bundled["bridge"]]
    assert len(bridges) == 4 and set(bridges) <= set(ours.index)
    assert ours.loc[bridges, "bridge"].all()
    np.testing.assert_allclose(ours.loc[bridges, "length_km"], bundled.loc[bridges, "length_km"],
                               atol=0.002)  # cut at the bundled ends, written to 5 decimals
    assert (ours.loc[bridges, "source"] == bundled.loc[bridges, "source"]).all()
    towns = national.nodes[national.nodes["kind"].isin(["city", "plant"])
                           & (national.nodes["state"] == "11")]["node_id"]
    theirs = bundled[(bundled["road_class"] == "connector") & bundled["u"].isin(towns)]
    assert len(theirs) > 20 and set(theirs.index) <= set(ours.index)
    np.testing.assert_allclose(ours.loc[theirs.index, "length_km"], theirs["length_km"],
                               atol=0.002)
    ends = [node for node in national.nodes["node_id"] if node.startswith("mx:puente_")]
    mine = guanajuato.nodes.set_index("node_id").loc[ends]
    theirs_ends = national.nodes.set_index("node_id").loc[ends]
    assert (mine["name"] == theirs_ends["name"]).all()
    assert (mine["state"] == theirs_ends["state"]).all()
    assert (mine["source"].str.split("; state:").str[0]
            == theirs_ends["source"].str.split("; state:").str[0]).all()


def test_real_traced_state_gets_the_bundled_fallback_links(shared_data, tmp_path, national):
    network = real_build(shared_data, tmp_path, "--states", "11,16")
    ours = undirected_links(network).set_index("link_id")
    bundled = undirected_links(national).set_index("link_id")
    fallback = bundled[bundled["geometry_method"] == FALLBACK]
    joined = fallback.index.intersection(ours.index)
    # the links with both ends in Guanajuato or Michoacán (the others end on roads not built)
    assert {"mex-43:salamanca-morelia", "mex-15d:morelia-zinapecuaro"} <= set(joined)
    assert (ours.loc[joined, "geometry_method"] == FALLBACK).all()
    np.testing.assert_allclose(ours.loc[joined, "length_km"], fallback.loc[joined, "length_km"])
    traced = ours[(ours["geometry_method"] == TRACED)]
    assert len(traced) > 50 and set(traced["state"]) == {"16"}
    paths = shortest_paths(network, [("mx:salamanca", "mx:morelia")])
    assert paths.reachable.all()

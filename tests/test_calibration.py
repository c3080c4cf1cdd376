"""Count sites, the OD estimate on a network, toll plazas, the fit report and its command."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

from corredor.calibration import (
    assignment_matrix,
    calibrate,
    count_sites,
    crossing_sites,
    estimate_demand,
    plaza_sites,
    site_shares,
)
from corredor.cli import cli
from corredor.errors import DataFileError
from corredor.layers import apply_layers
from corredor.networks.plazas import read_plaza_movements
from corredor.outputs.calibration_report import headline_text, write_calibration
from corredor.reroute import RerouteParams
from corredor.simulate import solve_state
from corredor.states import baseline_arrays

from factories import make_network

#: Crossings this busy (BTS 2024 northbound trucks/day: World Trade Bridge, Otay Mesa,
#: Reynosa-Pharr) must come within 10 % in the bundled baseline; the others do not yet.
BUSY_CROSSING_TRUCKS_DAY = 1900.0

# a - b - c - d along MEX-45D; each link one SICT segment, counted both ways
COORDS = {"a": (-101.0, 21.0), "b": (-100.9, 21.0), "c": (-100.8, 21.0), "d": (-100.7, 21.0)}
LINKS = [("a", "b", 10.0), ("b", "c", 10.0), ("c", "d", 10.0)]
TRUTH = {("a", "d"): 300.0, ("a", "c"): 200.0, ("b", "d"): 100.0}


def counted_network():
    network = make_network(COORDS, LINKS)
    edges = network.edges.copy()
    flow = pd.Series(0.0, index=edges["edge_id"])
    for (o, d), trucks in TRUTH.items():
        order = list(COORDS)
        for u, v in zip(order[order.index(o):order.index(d)],
                        order[order.index(o) + 1:order.index(d) + 1], strict=True):
            flow[f"{u}-{v}-{order.index(u)}:fwd"] += trucks
    edges["observed_trucks_day"] = flow.to_numpy()
    edges["observed_segment"] = edges["link_id"].str.replace("-", "")
    edges["k_factor"] = 0.1
    return apply_layers(network.with_edges(edges))


def demand(trucks):
    return pd.DataFrame({"origin": [o for o, _ in TRUTH], "destination": [d for _, d in TRUTH],
                         "segment": "domestic", "trucks_day": trucks,
                         "value_usd_per_truck": 50000.0})


def test_one_site_per_counted_segment_and_direction():
    network = counted_network()
    sites = count_sites(network, holdout_fraction=0.0)
    assert len(sites.table) == 6 and (sites.table["group"] == "estimation").all()
    np.testing.assert_allclose(sites.edges.sum(axis=1), 1.0)
    assert sites.modelled(network.edges["observed_trucks_day"].to_numpy()) == pytest.approx(
        sites.table["counted"].to_numpy())
    held = count_sites(network, holdout_fraction=1.0)
    assert (held.table["weight"] == 0).all() and (held.table["group"] == "holdout").all()


def test_the_estimate_recovers_an_identified_matrix_from_its_counts():
    network = counted_network()
    sites = count_sites(network, holdout_fraction=0.0)
    prior = demand([150.0, 400.0, 50.0])
    shares = site_shares(network, prior, sites)
    estimate = estimate_demand(prior, shares, sites, prior_weight=1e-6)
    assert estimate["trucks_day"].to_numpy() == pytest.approx(list(TRUTH.values()), rel=1e-3)
    assert estimate["prior_trucks_day"].tolist() == [150.0, 400.0, 50.0]
    # the assignment is all-or-nothing: each OD's cheapest path
    matrix = assignment_matrix(network, prior)
    assert matrix.sum(axis=0).tolist() == [[3.0, 2.0, 2.0]]


def test_held_out_sites_never_enter_the_estimate():
    network = counted_network()
    sites = count_sites(network, holdout_fraction=1.0)  # everything held out
    prior = demand([150.0, 400.0, 50.0])
    estimate = estimate_demand(prior, site_shares(network, prior, sites), sites)
    assert estimate["trucks_day"].to_numpy() == pytest.approx([150.0, 400.0, 50.0], rel=1e-4)


def test_changing_a_held_out_count_changes_nothing_in_the_estimate():
    network = counted_network()
    sites = count_sites(network, holdout_fraction=0.5, seed=3)
    held = (sites.table["group"] == "holdout").to_numpy()
    assert 0 < held.sum() < len(held)
    prior = demand([150.0, 400.0, 50.0])
    shares = site_shares(network, prior, sites)
    before = estimate_demand(prior, shares, sites)["trucks_day"].to_numpy()
    table = sites.table.copy()
    table.loc[held, "counted"] *= 10
    after = estimate_demand(prior, shares, type(sites)(table, sites.edges))["trucks_day"]
    np.testing.assert_array_equal(before, after.to_numpy())
    table.loc[~held, "counted"] *= 10  # an estimation count does move it
    moved = estimate_demand(prior, shares, type(sites)(table, sites.edges))["trucks_day"]
    assert not np.allclose(before, moved.to_numpy())


def test_fit_is_reported_set_by_set_and_perfect_on_the_truth():
    network = counted_network()
    flow = network.edges["observed_trucks_day"].to_numpy()
    result = calibrate(network, flow, holdout_fraction=0.5, seed=1)
    headline = result.headline().set_index("set")
    assert set(headline.index) <= {"estimation", "holdout"}
    assert (headline["geh_under_5_share"] == 1.0).all()
    assert (result.sites["geh"] == 0).all()
    worse = calibrate(network, flow * 2, holdout_fraction=0.5, seed=1).headline()
    assert (worse["geh_under_5_share"] < 1.0).all()
    assert all("R2" in line for line in headline_text(result))


def test_crossing_sites_compare_northbound_trucks_with_bts():
    network = counted_network()
    edges = network.edges.copy()
    edges["road_class"] = np.where(edges["link_id"] == "c-d-2", "border", edges["road_class"])
    edges["observed_trucks_day"] = np.where(edges["edge_id"] == "c-d-2:fwd", 400.0,
                                            np.where(edges["road_class"] == "border", np.nan,
                                                     edges["observed_trucks_day"]))
    bordered = network.with_edges(edges)
    sites = crossing_sites(bordered)
    assert sites.table["counted"].tolist() == [400.0]
    assert sites.table["weight"].iloc[0] > 1
    flow = np.zeros(len(edges))
    flow[edges["edge_id"].tolist().index("c-d-2:fwd")] = 380.0
    result = calibrate(bordered, flow)
    crossing = result.crossings.iloc[0]
    assert crossing["bts_trucks_day"] == 400.0 and crossing["modelled_northbound"] == 380.0


def plaza_folder(tmp_path, rows):
    folder = tmp_path / "dv"
    (folder / "csv").mkdir(parents=True)
    header = ("movement_id,plaza_id,caseta,ruta,lat,lon,vta_2024,"
              + ",".join(f"pct_C{n}" for n in range(2, 10)))
    (folder / "csv" / "u2_movimientos.csv").write_text(
        header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return folder


def test_plaza_trucks_are_the_c2_to_c9_share_of_the_year_and_match_their_road(tmp_path):
    folder = plaza_folder(tmp_path, [
        "m1,p1,Silao,MEX-045D,21.001,-100.85,3660000,10,5,0,20,0,0,0,5",  # 40 % trucks
        "m2,p2,Far,MEX-045D,23.5,-100.85,366000,10,0,0,0,0,0,0,0",        # 30 km off
        "m3,p3,Other road,MEX-057D,21.0,-100.85,366000,10,0,0,0,0,0,0,0",
    ])
    movements = read_plaza_movements(folder)
    assert movements.set_index("movement_id").loc["m1", "trucks_day"] == pytest.approx(4000.0)
    assert movements["ref"].tolist() == ["MEX-45D", "MEX-45D", "MEX-57D"]
    sites, matched = plaza_sites(counted_network(), movements)
    assert matched.set_index("movement_id")["link_id"].to_dict() == {
        "m1": "b-c-1", "m2": "", "m3": ""}
    assert sites.table["site_id"].tolist() == ["p1@b-c-1"]  # a plaza on a link
    np.testing.assert_allclose(sites.edges.sum(axis=1), 2.0)  # both directions


@pytest.mark.parametrize(("row", "message"), [
    ("m1,p1,X,MEX-045D,21.0,-100.85,1000,150,0,0,0,0,0,0,0", "must be per cent"),
])
def test_malformed_plaza_files_are_clear_errors(tmp_path, row, message):
    with pytest.raises(DataFileError, match=message):
        read_plaza_movements(plaza_folder(tmp_path, [row]))
    with pytest.raises(DataFileError, match="not found"):
        read_plaza_movements(tmp_path / "nowhere")


def test_report_files_open(tmp_path):
    network = counted_network()
    flow = network.edges["observed_trucks_day"].to_numpy() * 1.1
    result = calibrate(network, flow, holdout_fraction=0.5, seed=1)
    written = write_calibration(network, result, tmp_path)
    assert {p.name for p in written} == {"fit.csv", "sites.csv", "crossings.csv",
                                         "scatter.png", "calibration.gpkg", "report.html"}
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "GEH" in page and "data:image/png;base64" in page
    counts = pyogrio.read_dataframe(tmp_path / "calibration.gpkg", layer="counts")
    assert len(counts) == 6
    forward = counts["edge_id"].str.endswith(":fwd")
    assert (counts.loc[forward, "geh"] > 0).all() and (counts.loc[~forward, "geh"] == 0).all()


def test_the_spanish_calibration_report_has_no_english_left(tmp_path):
    import re

    from corredor.outputs.text import COLUMNS, WORDS
    from test_report_html import visible_text

    network = counted_network()
    flow = network.edges["observed_trucks_day"].to_numpy() * 1.1
    result = calibrate(network, flow, holdout_fraction=0.5, seed=1)
    write_calibration(network, result, tmp_path, lang="es")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<html lang="es">' in page and "Ajuste por conjunto" in page
    seen = visible_text(page)
    for value in sorted(map(str, {*network.edges["name"], *network.edges["edge_id"],
                                  *result.sites["site_id"]}), key=len, reverse=True):
        seen = seen.replace(value, "")  # names and ids are data, not UI words
    english = {text for key, text in WORDS["en"].items() if text != WORDS["es"][key]}
    english |= {labels[0] for labels in COLUMNS.values() if labels[0] != labels[1]}
    left = sorted(text for text in english if len(text) > 3 and "{" not in text
                  and re.search(rf"(?<![\w-]){re.escape(text)}(?![\w-])", seen))
    assert not left, left


def test_calibrate_command_on_the_bundled_model_prints_the_fit(tmp_path):
    out = tmp_path / "cal"
    result = CliRunner().invoke(cli, ["calibrate", "-o", str(out)])
    assert result.exit_code == 0, result.output
    sets = {"estimation", "holdout", "plaza", "crossing", "port"}
    for name in sets:
        assert any(line.strip().startswith(name) for line in result.output.splitlines()), name
    fit = pd.read_csv(out / "fit.csv")
    assert set(fit["set"]) == sets
    assert json.loads((out / "corredor-run.json").read_text())["command"] == "calibrate"


def test_calibrate_command_rejects_a_bad_plaza_folder(tmp_path):
    result = CliRunner().invoke(cli, ["calibrate", "--plazas", str(tmp_path / "nowhere"),
                                      "-o", str(tmp_path / "cal")])
    assert result.exit_code == 2
    assert "u2_movimientos.csv" in result.output and "not found" in result.output
    assert not (tmp_path / "cal").exists()


def test_the_bundled_estimate_carries_the_busy_crossings_bts_counts(national, national_demand):
    """The estimate is fitted to BTS per crossing under its own all-or-nothing assignment.

    There the busiest crossings come within 10 %. The LP baseline spreads trucks by
    congestion and crossing queues, so it lands further from the counts (measured:
    0.85 to 0.97 of BTS); the looser band guards that fit, it does not define it.
    """
    weighted = apply_layers(national)
    nothing = assignment_matrix(weighted, national_demand) @ national_demand[
        "trucks_day"].to_numpy(dtype=float)
    lp = solve_state(weighted, national_demand, baseline_arrays(weighted),
                     RerouteParams()).edge_flow
    for flow, band in ((nothing, (0.9, 1.1)), (lp, (0.8, 1.2))):
        crossings = calibrate(weighted, flow).crossings.set_index("link_id")
        busy = crossings[crossings["bts_trucks_day"] >= BUSY_CROSSING_TRUCKS_DAY]
        ratio = busy["modelled_northbound"] / busy["bts_trucks_day"]
        assert len(busy) >= 3
        assert ratio.between(*band).all(), ratio
    assert set(national_demand["segment"]) == {"domestic", "us_export", "us_import",
                                               "port_hinterland"}

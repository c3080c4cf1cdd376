"""Crime layer: SESNSP readers, area assignment, calibration and theft surges."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from shapely.geometry import box

from corredor.boundaries import read_boundaries
from corredor.errors import CorredorError, DataFileError
from corredor.layers.crime import (
    CON_VIOLENCIA,
    SIN_VIOLENCIA,
    CrimeParams,
    apply_crime,
    area_shares,
    bundled_crime_counts,
    calibrate_theft,
    cargo_theft_counts,
    read_sesnsp,
    scale_theft,
)

from factories import make_network

OFFICIAL = [
    "Año", "Clave_Ent", "Entidad", "Bien jurídico afectado", "Tipo de delito",
    "Subtipo de delito", "Modalidad", "Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio",
    "Julio", "Agosto", "Septiembre", "Octubre", "Noviembre", "Diciembre",
]
VARIANT = [
    " AÑO", "CLAVE ENT", "entidad", "Bien juridico afectado", "TIPO DE DELITO",
    "Subtipo  de delito", "modalidad", "ENERO", "febrero", "MARZO", "Abril", "mayo", "Junio",
    "julio", "AGOSTO", "Setiembre", "octubre", "NOVIEMBRE", "Diciembre",
]
THEFT = ("El patrimonio", "Robo", "Robo a transportista")
OTHER = ("El patrimonio", "Robo", "Robo de vehículo automotor")
FULL = [1] * 12
PARTIAL = [2, 2, 2, 2, 2] + [""] * 7  # a file published in June: January-May only
ROWS = [
    [2021, 11, "Guanajuato", *THEFT, "Con violencia", *FULL],
    [2021, 11, "Guanajuato", *THEFT, "Sin violencia", *[0] * 11, 3],
    [2021, 11, "Guanajuato", *OTHER, "Con violencia", *[50] * 12],
    [2021, 9, "Ciudad de México", *THEFT, "Con violencia", *[2] * 12],
    [2021, 9, "Ciudad de México", *THEFT, "Sin violencia", *[0] * 12],
    [2022, 11, "Guanajuato", *THEFT, "Con violencia", *PARTIAL],
    [2022, 11, "Guanajuato", *THEFT, "Sin violencia", *PARTIAL],
    [2022, 9, "Ciudad de México", *THEFT, "Con violencia", *PARTIAL],
    [2022, 9, "Ciudad de México", *THEFT, "Sin violencia", *PARTIAL],
]


def write_sesnsp(path, rows, *, header=OFFICIAL, encoding="latin-1"):
    lines = [",".join(header)] + [",".join(map(str, row)) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def counts_frame(rows):
    """A cargo_theft_counts-style table from (state, year, con, sin, months) tuples."""
    frame = pd.DataFrame(rows, columns=["state", "year", CON_VIOLENCIA, SIN_VIOLENCIA, "months"])
    frame["total"] = frame[CON_VIOLENCIA] + frame[SIN_VIOLENCIA]
    return frame.assign(state_name=frame["state"])


# -- readers ----------------------------------------------------------------------


def test_latin1_state_file_with_partial_last_year(tmp_path):
    path = write_sesnsp(tmp_path / "IDEFC_NM_jun22.csv", ROWS)
    counts = cargo_theft_counts(read_sesnsp(path)).set_index(["state", "year"])
    assert list(counts.index) == [("09", 2021), ("09", 2022), ("11", 2021), ("11", 2022)]
    gto = counts.loc[("11", 2021)]
    assert (gto[CON_VIOLENCIA], gto[SIN_VIOLENCIA], gto["total"]) == (12, 3, 15)  # not the 600
    assert gto["state_name"] == "Guanajuato"
    assert counts.loc[("09", 2022), "state_name"] == "Ciudad de México"
    assert counts.loc[("11", 2022), "total"] == 20
    assert counts["months"].to_dict() == {
        ("09", 2021): 12, ("09", 2022): 5, ("11", 2021): 12, ("11", 2022): 5,
    }


def test_utf8_bom_and_header_spelling_variants_read_the_same(tmp_path):
    latin = write_sesnsp(tmp_path / "a.csv", ROWS)
    bom = write_sesnsp(tmp_path / "b.csv", ROWS, header=VARIANT, encoding="utf-8-sig")
    plain = write_sesnsp(tmp_path / "c.csv", ROWS, encoding="utf-8")
    expected = cargo_theft_counts(read_sesnsp(latin))
    for path in (bom, plain):
        pd.testing.assert_frame_equal(cargo_theft_counts(read_sesnsp(path)), expected)


def test_municipal_file_gives_five_digit_codes(tmp_path):
    header = [*OFFICIAL[:3], "Cve. Municipio", "Municipio", *OFFICIAL[3:]]
    rows = [
        [2021, 11, "Guanajuato", 11020, "León", *THEFT, "Con violencia", *FULL],
        [2021, 11, "Guanajuato", 11037, "Silao de la Victoria", *THEFT, "Sin violencia", *FULL],
        [2021, 11, "Guanajuato", 11037, "Silao de la Victoria", *OTHER, "Con violencia", *FULL],
        [2021, 1, "Aguascalientes", 1001, "Aguascalientes", *THEFT, "Con violencia", *FULL],
    ]
    path = write_sesnsp(tmp_path / "IDM_NM_dec21.csv", rows, header=header, encoding="utf-8-sig")
    counts = cargo_theft_counts(read_sesnsp(path, subtypes=["Robo a transportista"]))
    assert list(counts["municipality"]) == ["01001", "11020", "11037"]
    assert list(counts["state"]) == ["01", "11", "11"]
    assert list(counts["municipality_name"]) == ["Aguascalientes", "León", "Silao de la Victoria"]
    assert list(counts[SIN_VIOLENCIA]) == [0, 0, 12]


def test_missing_column_or_bad_number_names_it_and_the_file(tmp_path):
    header = [h for h in OFFICIAL if h != "Modalidad"]
    rows = [[v for i, v in enumerate(row) if i != 6] for row in ROWS]
    path = write_sesnsp(tmp_path / "IDEFC_NM_broken.csv", rows, header=header)
    with pytest.raises(DataFileError, match=r"IDEFC_NM_broken\.csv.*'Modalidad'"):
        read_sesnsp(path)
    header = [*OFFICIAL[:3], "Municipio", *OFFICIAL[3:]]  # municipal file without its code
    with pytest.raises(DataFileError, match=r"'Cve\. Municipio'"):
        read_sesnsp(write_sesnsp(tmp_path / "IDM.csv", [], header=header))
    bad = [list(row) for row in ROWS]
    bad[6][7] = "n/d"  # file line 8; rows before it are another subtype
    with pytest.raises(DataFileError, match=r"'enero' is not a number on line\(s\) \[8\]"):
        read_sesnsp(write_sesnsp(tmp_path / "bad.csv", bad), subtypes=["Robo a transportista"])


def test_real_state_file(shared_data):
    path = shared_data / "sesnsp" / "IDEFC_NM_may22.csv"
    counts = cargo_theft_counts(read_sesnsp(path))
    assert counts["state"].nunique() == 32 and sorted(counts["year"].unique()) == list(
        range(2015, 2023)
    )
    national = counts.groupby("year")[[CON_VIOLENCIA, SIN_VIOLENCIA, "months"]].agg(
        {CON_VIOLENCIA: "sum", SIN_VIOLENCIA: "sum", "months": "max"}
    )
    assert national.loc[2021].tolist() == [7421, 1341, 12]
    assert national.loc[2022, "months"] == 5  # the file ends in May 2022
    edomex = counts[counts["state"] == "15"]
    assert edomex["state_name"].iloc[0] == "México"


def test_bundled_table_is_what_the_script_computes(shared_data):
    bundled = bundled_crime_counts()
    assert (bundled["source"].str.contains("SESNSP")).all()
    fresh = cargo_theft_counts(read_sesnsp(shared_data / "sesnsp" / "IDEFC_NM_may22.csv"))
    pd.testing.assert_frame_equal(bundled.drop(columns="source"), fresh, check_dtype=False)


# -- assignment and calibration ---------------------------------------------------

COORDS = {
    "leon": (-101.68, 21.12), "silao": (-101.43, 20.94), "cdmx": (-99.13, 19.43),
    "qro": (-100.39, 20.59), "laredo": (-99.51, 27.51),
}
LINKS = [("leon", "silao", 30.0), ("silao", "qro", 160.0), ("qro", "cdmx", 210.0),
         ("cdmx", "laredo", 1100.0)]
STATES = ["11", "11;22", "09;22", ""]
CLASSES = ["motorway", "primary", "motorway", "us_highway"]
COUNTS = counts_frame([
    ("11", 2020, 300, 60, 12), ("11", 2021, 240, 30, 12), ("11", 2022, 100, 10, 5),
    ("22", 2021, 50, 10, 12), ("22", 2022, 25, 0, 5),
    ("09", 2021, 120, 0, 12), ("09", 2022, 50, 5, 5),
    ("30", 2021, 80, 0, 12), ("30", 2022, 30, 0, 5),  # Veracruz: not on this network
])


@pytest.fixture(scope="module")
def corridor():
    return make_network(COORDS, LINKS, state=STATES, road_class=CLASSES)


def test_state_assignment_splits_multi_state_edges_and_calibrates(corridor):
    params = CrimeParams(years=(2021, 2022))
    calibration = calibrate_theft(corridor, COUNTS, params=params)
    assert calibration.years == (2021, 2022) and calibration.months == 17
    areas = calibration.areas.set_index("area")
    # annualised over 17 published months: Guanajuato (270 + 110) x 12 / 17
    assert areas.loc["11", "incidents_year"] == pytest.approx(380 * 12 / 17)
    # Guanajuato's truck-km: leon-silao whole (3,000 trucks/day motorway) + half of silao-qro
    # (1,000 trucks/day primary), both directions, 365 days
    expected_km = 2 * 365 * (30.0 * 3000 + 0.5 * 160.0 * 1000)
    assert areas.loc["11", "exposure_truck_km_year"] == pytest.approx(expected_km)
    assert areas.loc["30", "assigned_incidents_year"] == 0.0
    assert calibration.unassigned_incidents_year == pytest.approx(110 * 12 / 17)

    weighted = apply_crime(corridor, COUNTS, params=params).edges.set_index("edge_id")
    rate = areas["rate_per_truck_km"]
    assert weighted.loc["leon-silao-0:fwd", "theft_prob_per_km"] == pytest.approx(rate["11"])
    assert weighted.loc["silao-qro-1:rev", "theft_prob_per_km"] == pytest.approx(
        0.5 * rate["11"] + 0.5 * rate["22"]
    )
    assert weighted.loc["cdmx-laredo-3:fwd", "theft_incidents_year"] == 0.0  # abroad
    # the calibration: the network's expected incidents equal the window's, where it reaches
    reached = (COUNTS["state"] != "30") & COUNTS["year"].between(2021, 2022)
    total = COUNTS.loc[reached, "total"].sum() * 12 / 17
    assert weighted["theft_incidents_year"].sum() == pytest.approx(total)


def test_per_trip_probability_and_expected_loss(corridor):
    params = CrimeParams(cargo_value_usd=100_000.0, loss_share=0.5, reporting_rate=0.25)
    edges = apply_crime(corridor, COUNTS, params=params).edges
    rate, length = edges["theft_prob_per_km"], edges["length_km"]
    assert np.allclose(edges["theft_prob"], 1.0 - np.exp(-rate * length))
    assert np.allclose(edges["theft_loss_usd"], edges["theft_prob"] * 100_000.0 * 0.5)
    # default window: the last 3 complete years present (2020-2021 here), 4x for reporting
    recorded = COUNTS[COUNTS["year"].between(2020, 2021) & (COUNTS["state"] != "30")]
    expected = recorded["total"].sum() * 12 / 24 / 0.25
    assert edges["theft_incidents_year"].sum() == pytest.approx(expected)


def test_exposure_column_overrides_class_assumption(corridor):
    edges = corridor.edges.assign(flow=[5000.0, 5000.0, math.nan, math.nan, 1.0, 1.0, 0.0, 0.0])
    network = corridor.with_edges(edges)
    weighted = apply_crime(network, COUNTS, params=CrimeParams(exposure_column="flow")).edges
    assert weighted["theft_exposure_trucks_day"].tolist()[:4] == [5000.0, 5000.0, 1000.0, 1000.0]
    with pytest.raises(CorredorError, match="'flows' is not an edge column"):
        apply_crime(network, COUNTS, params=CrimeParams(exposure_column="flows"))


def test_window_outside_the_data_and_bad_params_are_errors(corridor):
    with pytest.raises(CorredorError, match=r"no data for \[2023\].*2020-2022"):
        calibrate_theft(corridor, COUNTS, params=CrimeParams(years=(2021, 2023)))
    with pytest.raises(ValidationError):
        CrimeParams(years=(2022, 2021))
    with pytest.raises(ValidationError):
        CrimeParams(exposure_trucks_day={"motorwy": 10.0})


def test_municipal_counts_without_boundaries_are_summed_to_states(corridor):
    municipal = pd.DataFrame({
        "state": ["11", "11", "22"], "municipality": ["11020", "11037", "22014"],
        "year": 2021, "total": [40, 20, 30], "months": 12,
    })
    calibration = calibrate_theft(corridor, municipal)
    areas = calibration.areas.set_index("area")
    assert set(areas["level"]) == {"state"}
    assert areas["incidents_year"].to_dict() == {"09": 0.0, "11": 60.0, "22": 30.0}
    assert calibration.unassigned_incidents_year == 0.0


def test_polygon_shares_are_length_weighted_and_zero_abroad():
    coords = {"w": (-100.5, 21.25), "e": (-98.5, 21.25)}
    network = make_network(coords, [("w", "e", 210.0)], state=["01"])
    squares = gpd.GeoDataFrame(
        {"CVEGEO": ["1", "2"]},
        geometry=[box(-101.0, 21.0, -100.0, 21.5), box(-100.0, 21.0, -99.0, 21.5)],
        crs="EPSG:4326",
    )
    shares = area_shares(network, squares)
    forward = shares[shares["edge_id"] == "w-e-0:fwd"].set_index("area")["share"]
    assert forward.to_dict() == pytest.approx({"01": 0.25, "02": 0.5}, abs=2e-3)
    with pytest.raises(DataFileError, match="no area code column"):
        read_boundaries(squares.rename(columns={"CVEGEO": "clave"}))
    mixed = squares.assign(CVEGEO=["01", "01001"])
    with pytest.raises(DataFileError, match=r"all state .* or all municipal"):
        read_boundaries(mixed)


def test_municipal_join_on_real_boundaries(shared_data):
    # Leon -> Irapuato in a straight line crosses Leon, Silao and Irapuato municipalities
    coords = {"leon": (-101.68, 21.12), "irapuato": (-101.35, 20.68)}
    network = make_network(coords, [("leon", "irapuato", 65.0)], state=["11"])
    boundaries = read_boundaries(shared_data / "boundaries" / "municipios.shp")
    shares = area_shares(network, boundaries)
    forward = shares[shares["edge_id"] == "leon-irapuato-0:fwd"].set_index("area")["share"]
    assert {"11020", "11037", "11017"} <= set(forward.index)  # Leon, Silao, Irapuato
    assert forward.sum() == pytest.approx(1.0, abs=1e-6)
    assert (forward > 0.05).sum() >= 3

    municipal = pd.DataFrame({
        "state": "11", "state_name": "Guanajuato",
        "municipality": ["11020", "11037", "11017", "11003"],
        "municipality_name": ["León", "Silao", "Irapuato", "San Miguel de Allende"],
        "year": 2021, CON_VIOLENCIA: [40, 20, 10, 30], SIN_VIOLENCIA: 0,
        "total": [40, 20, 10, 30], "months": 12,
    })
    calibration = calibrate_theft(network, municipal, boundaries=boundaries)
    areas = calibration.areas.set_index(["level", "area"])
    rates = areas.loc["municipality", "rate_per_truck_km"]
    fallback = areas.loc[("state fallback", "11"), "rate_per_truck_km"]  # Allende's 30
    expected = (forward * rates.reindex(forward.index).fillna(0.0)).sum() + fallback
    assert calibration.rate_per_km[0] == pytest.approx(expected)
    weighted = apply_crime(network, municipal, boundaries=boundaries).edges
    assert weighted["theft_incidents_year"].sum() == pytest.approx(100.0)


# -- scenarios: theft surge ----------------------------------------------------------


def test_scale_theft_multiplies_selected_edges_only(corridor):
    base = apply_crime(corridor, COUNTS)
    surged = scale_theft(base, ["silao-qro-1:fwd", "silao-qro-1:rev"], 3.0)
    before, after = base.edges.set_index("edge_id"), surged.edges.set_index("edge_id")
    hit = ["silao-qro-1:fwd", "silao-qro-1:rev"]
    rest = after.index.difference(hit)
    for column in ("theft_incidents_year", "theft_prob_per_km"):
        assert np.allclose(after.loc[hit, column], 3 * before.loc[hit, column])
    ratio = after.loc[hit, "theft_loss_usd"] / before.loc[hit, "theft_loss_usd"]
    assert np.allclose(ratio, 3.0, rtol=1e-3)  # probabilities are small: loss ~ x3
    pd.testing.assert_frame_equal(after.loc[rest], before.loc[rest])
    mask = np.zeros(len(base.edges), dtype=bool)
    mask[0] = True
    assert scale_theft(base, mask, 0.0).edges["theft_loss_usd"].iloc[0] == 0.0
    with pytest.raises(CorredorError, match="unknown edge id"):
        scale_theft(base, ["nope:fwd"], 3.0)
    with pytest.raises(CorredorError, match=">= 0"):
        scale_theft(base, mask, -1.0)
    with pytest.raises(CorredorError, match="apply the crime layer first"):
        scale_theft(corridor, mask, 3.0)

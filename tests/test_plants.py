"""Plants and production at risk: the buffer by hand, TTS/TTR, and sourcing by plant."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from corredor.criticality import CriticalityParams, assess_criticality
from corredor.errors import DataFileError
from corredor.layers import apply_layers
from corredor.layers.cost import CostParams
from corredor.plant_risk import PlantRiskParams, plant_risk
from corredor.plants import INBOUND, PLANT_COLUMNS, Plants, bundled_plants, read_plants
from corredor.production import PlantParams, run_buffer, time_to_survive
from corredor.reroute import RerouteParams
from corredor.scenario import Disruption
from corredor.simulate import simulate
from corredor.sourcing import analyse, load_sourcing_spec
from corredor.states import ActiveDisruption
from test_sourcing import COORDS, LINKS, build_case, spec_dict, write_spec

from factories import make_network

PLAN = 365.0  # vehicles a year: one a day, so vehicles lost = plan-days lost


def plant_table(tmp_path: Path, buffer_days: float, plant: str = "p") -> Plants:
    row = {"plant_id": plant, "name": "Test plant", "vehicle_class": "light",
           "production_vehicles_year": PLAN, "working_days_year": 240,
           "buffer_days": buffer_days, "value_usd_per_vehicle": 30_000,
           "outbound_node": "s", "outbound_road_share": 0.3}
    path = tmp_path / "plants.csv"
    pd.DataFrame([row], columns=list(PLANT_COLUMNS)).to_csv(path, index=False)
    return read_plants(path)


def weighted(coords, links, *, hours_per_km: float = 1 / 80, **columns):
    network = make_network(coords, links, **columns)
    km = network.edges["length_km"]
    return network.with_edges(network.edges.assign(
        capacity_trucks_day=1000.0, travel_time_h=km * hours_per_km, cost_usd=km * 2.0,
        cost_time_usd=km * 2.0, cost_theft_usd=0.0))


def closure(network, link, start, days):
    item = Disruption.model_validate({
        "name": "closed", "select": {"links": [link]}, "effect": {"close": True},
        "timing": {"start_day": start, "days": days}})
    return ActiveDisruption.from_disruption(item, network.edges["link_id"].eq(link).to_numpy())


def production(network, demand, plants, active, horizon, params=None):
    result = simulate(network, demand, active, horizon_days=horizon, cost_params=CostParams(),
                      reroute_params=RerouteParams())
    return plants.production(demand, result, params or PlantParams())


def inbound(*rows):
    return pd.DataFrame([{"origin": o, "destination": "p", "segment": INBOUND, "trucks_day": t,
                          "value_usd_per_truck": 50_000.0} for o, t in rows])


def test_buffer_by_hand_loss_is_the_shortfall_beyond_the_buffer_and_recovery_needs_the_backlog():
    # 2 days of parts, supply cut for 5 days: the buffer covers days 0-1, days 2-4 are lost;
    # from day 5 the backlog (2 plan-days) comes at 0.25 a day: full again on day 12
    run = run_buffer(np.array([1.0] * 5 + [0.0] * 10), np.zeros(15), buffer_days=2,
                     refill_rate=0.25)
    assert run.production.tolist() == [1, 1, 0, 0, 0] + [1] * 10
    assert run.stock_days.tolist() == pytest.approx(
        [1, 0, 0, 0, 0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.0, 2.0])
    assert (run.lost_days, run.days_below_plan, run.recovered_day) == (3.0, 3, 12)
    # half the supply cut: the buffer drains at 0.5 a day, then half the plan is built
    half = run_buffer(np.array([0.5] * 6), np.zeros(6), buffer_days=1, refill_rate=0.25)
    assert half.production.tolist() == [1, 1, 0.5, 0.5, 0.5, 0.5]
    assert float(time_to_survive(1, 0.5, 0)) == 2.0
    # a 30-hour longer transit with a one-day buffer: 0.25 of a day's parts is missing once
    late = run_buffer(np.zeros(4), np.array([30.0] * 4), buffer_days=1, refill_rate=0.25)
    assert late.production.tolist() == [0.75, 1, 1, 1]
    assert float(time_to_survive(1, 0, 30)) == 0.0 and float(time_to_survive(2, 0, 30)) == np.inf


def test_one_supplier_one_route_loses_production_day_by_day_and_recovers(tmp_path):
    # s -- j == p: the only road from the supplier crosses the bridge j-p, closed days 2-4
    network = weighted({"s": (-101.0, 21.0), "j": (-100.9, 21.0), "p": (-100.8, 21.0)},
                       [("s", "j", 10.0), ("j", "p", 10.0)], bridge=[False, True])
    plants = plant_table(tmp_path, buffer_days=1)
    table, days = production(network, inbound(("s", 50.0)), plants,
                             [closure(network, "j-p-1", 2, 3)], horizon=10)
    # day 2: the buffer covers it; days 3-4: nothing built; day 5 reopens (refill 0.25/day)
    assert days["unmet_inbound_share"].tolist() == [0, 0, 1, 1, 1, 0, 0, 0, 0, 0]
    assert days["production_share"].tolist() == pytest.approx([1, 1, 1, 0, 0, 1, 1, 1, 1, 1])
    assert days["buffer_days_left"].tolist() == pytest.approx(
        [1, 1, 0, 0, 0, 0.25, 0.5, 0.75, 1, 1])
    row = table.iloc[0]
    assert row["vehicles_lost"] == pytest.approx(2.0)  # 2 plan-days x 1 vehicle/day
    assert row["lost_output_usd"] == pytest.approx(60_000.0)
    assert (row["days_below_plan"], row["buffer_recovered_day"]) == (2, 8)


# a ladder: the supplier a reaches the plant p over the bottom rail a-b-p or round the top
LADDER = {"a": (-101.0, 21.0), "b": (-100.9, 21.0), "p": (-100.8, 21.0),
          "d": (-101.0, 21.1), "e": (-100.9, 21.1), "f": (-100.8, 21.1)}
RAILS = [("a", "b", 10.0), ("b", "p", 10.0), ("d", "e", 12.0), ("e", "f", 12.0),
         ("a", "d", 5.0), ("b", "e", 5.0), ("p", "f", 5.0)]


def test_plant_with_two_independent_routes_survives_a_single_closure(tmp_path):
    # 1 km/h so the detour b-e-f-p (22 km instead of 10) is 12 hours later: half a day
    network = weighted(LADDER, RAILS, hours_per_km=1.0)
    closed = [closure(network, "b-p-1", 2, 3)]
    demand = inbound(("a", 50.0))
    table, days = production(network, demand, plant_table(tmp_path, buffer_days=1), closed, 8)
    assert days["unmet_inbound_share"].max() == 0
    assert days["extra_inbound_hours"].tolist() == pytest.approx([0, 0, 12, 12, 12, 0, 0, 0])
    assert table.iloc[0]["vehicles_lost"] == 0  # the half-day shift fits in the buffer
    # with a quarter-day buffer, the shift costs a quarter of a day once, on the closure day
    table, days = production(network, demand, plant_table(tmp_path, buffer_days=0.25),
                             closed, 8)
    assert days["production_share"].tolist() == pytest.approx([1, 1, 0.75, 1, 1, 1, 1, 1])
    assert table.iloc[0]["vehicles_lost"] == pytest.approx(0.25)


def _small_risk(tmp_path):
    """s1 (60 trucks) reaches p only over the bridge j-p; s2 (40) over k-p or, 4 h longer,
    round by m; every road 1 km/h so hours = km."""
    coords = {"s1": (-101.0, 21.0), "j": (-100.9, 21.0), "p": (-100.8, 21.0),
              "s2": (-100.9, 20.9), "k": (-100.85, 20.95), "m": (-100.8, 20.8)}
    links = [("s1", "j", 10.0), ("j", "p", 10.0), ("s2", "k", 5.0), ("k", "p", 5.0),
             ("s2", "m", 7.0), ("m", "p", 7.0)]
    network = weighted(coords, links, hours_per_km=1.0, bridge=[False, True] + [False] * 4)
    demand = inbound(("s1", 60.0), ("s2", 40.0))
    plants = plant_table(tmp_path, buffer_days=3)
    result = assess_criticality(network, demand, params=CriticalityParams(capacity_top=0))
    params = PlantRiskParams(elements_per_plant=10, ttr_days={"bridge": 21, "road": 3})
    risk = plant_risk(network, demand, plants, result.scan, result.links, params=params,
                      cost=network.edges["cost_usd"].to_numpy(), reroute_params=RerouteParams())
    return network, demand, plants, risk


def test_time_to_survive_and_recover_on_a_small_network_by_hand(tmp_path):
    *_, risk = _small_risk(tmp_path)
    rows = risk.set_index("element")
    bridge = rows.loc["j-p-1"]  # cuts 60 % of the parts: TTS = 3 / 0.6 = 5 days < TTR 21
    assert (bridge["unmet_share"], bridge["tts_days"], bridge["ttr_days"]) == pytest.approx(
        (0.6, 5.0, 21.0))
    assert bool(bridge["at_risk"])
    assert bridge["vehicles_at_risk"] == pytest.approx(0.6 * (21 - 5))  # 1 vehicle a day
    detour = rows.loc["k-p-3"]  # s2 goes round by m: 40 % of the trucks 4 h later
    assert detour["unmet_share"] == 0
    assert detour["extra_hours"] == pytest.approx(0.4 * 4.0)
    assert detour["tts_days"] == np.inf and not bool(detour["at_risk"])
    assert detour["vehicles_at_risk"] == 0
    assert risk.iloc[0]["element"] == "j-p-1"  # worst first


@pytest.fixture(scope="module")
def sourcing_network():
    return apply_layers(make_network(COORDS, LINKS, bridge=[link == ("j", "k", 10.0)
                                                            for link in LINKS]))


def test_sourcing_ranks_a_second_source_on_an_independent_route_first(sourcing_network,
                                                                     tmp_path):
    # S1 (incumbent) and S2 share the bridge j-k; S3 has its own road
    spec = spec_dict()
    spec["candidates"][0]["incumbent"] = True
    spec["monte_carlo"]["runs"] = 20
    case = build_case(sourcing_network, load_sourcing_spec(write_spec(tmp_path, spec)))
    table = analyse(case).candidates.set_index("candidate")
    # alone, the bridge cuts all of S1: TTS = 2 days; with S3 at 50 % it cuts half: 4 days
    assert table.loc["S3", "tts_days"] == pytest.approx(4.0)
    assert table.loc["S3", "tts_gain_days"] == pytest.approx(2.0)
    assert table.loc["S2", "tts_gain_days"] == 0  # the bridge still cuts everything
    assert (table.loc["S3", "tts_rank"], table.loc["S2", "tts_rank"]) == (1, 2)
    assert np.isnan(table.loc["S1", "tts_rank"])  # the incumbent is not a second source


def test_plant_buyer_takes_its_node_and_buffer(tmp_path):
    plants = bundled_plants()
    plant = plants.table.index[0]
    spec = {**spec_dict(), "buyer": {"plant": plant}}
    del spec["inventory_days"]
    loaded = load_sourcing_spec(write_spec(tmp_path, spec))
    assert loaded.model.buyer.node == plant and loaded.model.inventory_days is None
    from corredor.pipeline import _plant_buyer

    resolved = _plant_buyer(loaded).model
    assert resolved.inventory_days == plants.table.at[plant, "buffer_days"]
    assert resolved.buyer.name == plants.table.at[plant, "name"]


def test_bad_plant_table_names_the_file_and_fields(tmp_path):
    path = tmp_path / "plants.csv"
    path.write_text("plant_id,name\nplant:x,X\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"plants\.csv: missing column\(s\) vehicle_class"):
        read_plants(path)
    row = "plant:x,X,car,100,240,-1,30000,us:laredo,0.3"
    path.write_text(",".join(PLANT_COLUMNS) + "\n" + row + "\n" + row + "\n", encoding="utf-8")
    with pytest.raises(DataFileError) as error:
        read_plants(path)
    message = str(error.value)
    assert "'plant_id' repeated: plant:x" in message
    assert "'buffer_days' must be a number 0..365" in message
    assert "'vehicle_class' must be light or heavy" in message


def test_bundled_plants_are_sourced_and_are_nodes_of_the_bundled_network():
    from corredor.networks.national import load_national

    table = bundled_plants().table
    assert len(table) >= 13
    for column in ("production_source", "working_days_source", "buffer_source", "value_source",
                   "outbound_source"):
        assert table[column].str.len().min() > 10, column
    assert table["buffer_source"].str.contains("assumption").all()
    nodes = set(load_national().nodes["node_id"])
    assert set(table.index) <= nodes and set(table["outbound_node"]) <= nodes


def test_run_summary_reports_production_in_the_headline(tmp_path):
    from corredor.outputs.summary import headline_rows, run_summary
    from corredor.scenario import Scenario
    from corredor.simulate import edge_table

    network = weighted({"s": (-101.0, 21.0), "j": (-100.9, 21.0), "p": (-100.8, 21.0)},
                       [("s", "j", 10.0), ("j", "p", 10.0)], bridge=[False, True])
    demand = inbound(("s", 50.0))
    active = [closure(network, "j-p-1", 2, 3)]
    result = simulate(network, demand, active, horizon_days=10, cost_params=CostParams(),
                      reroute_params=RerouteParams())
    plants, _ = plant_table(tmp_path, buffer_days=1).production(demand, result, PlantParams())
    scenario = Scenario.model_validate({"name": "t", "horizon_days": 10})
    summary = run_summary(network, demand, scenario, result, edge_table(network, result),
                          flood_grade="none", plants=plants)
    assert summary["production"]["vehicles_lost"] == pytest.approx(2.0)
    assert summary["production"]["plants_losing_production"] == 1
    assert summary["plants"][0]["plant"] == "Test plant"
    rows = dict(headline_rows(summary, "es"))
    assert rows["vehículos no fabricados"] == "2"
    # half the buffer scale: the closure bites a day earlier
    half, _ = plant_table(tmp_path, buffer_days=1).production(demand, result,
                                                              PlantParams(buffer_scale=0.5))
    assert half.iloc[0]["vehicles_lost"] == pytest.approx(2.5)


def test_run_map_draws_the_plants_by_production_at_risk(tmp_path):
    from corredor.outputs.html import run_map
    from corredor.simulate import edge_table

    network = weighted({"s": (-101.0, 21.0), "j": (-100.9, 21.0), "p": (-100.8, 21.0)},
                       [("s", "j", 10.0), ("j", "p", 10.0)], bridge=[False, True])
    demand = inbound(("s", 50.0))
    result = simulate(network, demand, [closure(network, "j-p-1", 2, 3)], horizon_days=10,
                      cost_params=CostParams(), reroute_params=RerouteParams())
    plants, _ = plant_table(tmp_path, buffer_days=1).production(demand, result, PlantParams())
    page = run_map(network, edge_table(network, result), result.facility_flows,
                   result.worst_day, lang="es", plants=plants)
    assert "Plantas armadoras (color: % del plan perdido" in page
    assert "Test plant" in page and "vehículos no fabricados" in page
    without = run_map(network, edge_table(network, result), result.facility_flows,
                      result.worst_day, lang="es")
    assert "Plantas armadoras" not in without


def test_buffer_overrides_name_unknown_plants_and_bad_days(tmp_path):
    plants = plant_table(tmp_path, buffer_days=2)
    params = PlantParams(buffer_days={"p": 0.5, "nowhere": 1.0}, buffer_scale=2)
    assert plants.buffers(params)["p"] == 1.0  # the override, then the scale
    problems = plants.check_overrides(params)
    assert problems == ["plants.buffer_days: 'nowhere' is not a plant of the table (one of p, "
                        "...)"]
    assert "must be 0..365 days" in plants.check_overrides(PlantParams(buffer_days={"p": 400}))[0]


def test_criticality_writes_the_plant_risk_table_layer_and_map(tmp_path):
    from dataclasses import replace

    import pyogrio

    from corredor.outputs.writers import write_criticality

    network, demand, _, risk = _small_risk(tmp_path)
    result = replace(assess_criticality(network, demand, params=CriticalityParams(
        capacity_top=0)), plants=risk)
    write_criticality(network, result, tmp_path, lang="es")
    table = pd.read_csv(tmp_path / "plant_risk.csv")
    assert table["element"].iloc[0] == "j-p-1" and bool(table["at_risk"].iloc[0])
    assert "plant_risk" in set(pyogrio.list_layers(tmp_path / "criticality.gpkg")[:, 0])
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Tramos y cruces cuya pérdida una planta no resiste" in page
    assert "Plantas en riesgo: tiempo de supervivencia" in page

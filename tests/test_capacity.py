"""Capacity layer: class defaults from lanes, data precedence, overrides."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from corredor.errors import CorredorError
from corredor.layers.capacity import CapacityParams, apply_capacity

from factories import make_network

COORDS = {"a": (-101.0, 21.0), "b": (-100.5, 21.0), "c": (-100.0, 21.0), "d": (-99.5, 21.0)}
LINKS = [("a", "b", 55.0), ("b", "c", 55.0), ("c", "d", 1.5)]


def small_network(**columns):
    defaults = {
        "road_class": ["motorway", "primary", "border"],
        "lanes": [2.0, 1.0, 4.0],
        "capacity_trucks_day": [math.nan, math.nan, math.nan],
    }
    return make_network(COORDS, LINKS, **{**defaults, **columns})


def capacity_of(network, link):
    edge = network.edges.set_index("edge_id").loc[f"{link}:fwd"]
    return edge["capacity_trucks_day"], edge["capacity_method"]


def test_class_defaults_follow_hcm_lanes_truck_share_and_k_factor():
    network = apply_capacity(small_network())
    # 2 lanes x 2,350 pc/h/ln x 0.25 trucks / (1 + 0.25 x (2 - 1)) / 0.10 peak-hour share
    motorway, method = capacity_of(network, "a-b-0")
    assert motorway == pytest.approx(2 * 2350 * 0.25 / 1.25 / 0.10)  # 9,400 trucks/day
    assert method.startswith("derived: HCM, 2 lanes x 2,350 pc/h/ln")
    primary, _ = capacity_of(network, "b-c-1")
    assert primary == pytest.approx(1700 * 0.25 / 1.25 / 0.10)  # 3,400 trucks/day
    border, border_method = capacity_of(network, "c-d-2")
    assert border == pytest.approx(4 * 480.0)
    assert border_method.startswith("derived: assumption, 4 lanes x 480 trucks/lane/day")
    both_ways = network.edges.groupby("link_id")["capacity_trucks_day"].nunique()
    assert (both_ways == 1).all()  # lanes are per direction: each direction gets the same


def test_data_capacity_takes_precedence_and_keeps_its_method():
    network = small_network(
        capacity_trucks_day=[math.nan, 5000.0, 12000.0],
        capacity_method=["", "", "BTS 2024 peak day x 1.2 (assumption)"],
    )
    weighted = apply_capacity(network)
    border, method = capacity_of(weighted, "c-d-2")
    assert (border, method) == (12000.0, "BTS 2024 peak day x 1.2 (assumption)")
    primary, primary_method = capacity_of(weighted, "b-c-1")
    assert primary == 5000.0 and primary_method.startswith("data:")
    motorway, motorway_method = capacity_of(weighted, "a-b-0")
    assert motorway == pytest.approx(9400.0) and motorway_method.startswith("derived: HCM")


def test_overrides_change_the_derived_values_and_merge_class_tables():
    network = small_network()
    params = CapacityParams(truck_share=0.5, lane_capacity_pc_h={"motorway": 2000.0})
    weighted = apply_capacity(network, params=params)
    motorway, method = capacity_of(weighted, "a-b-0")
    assert motorway == pytest.approx(2 * 2000 * 0.5 / 1.5 / 0.10)
    assert "truck share 0.5" in method
    primary, _ = capacity_of(weighted, "b-c-1")
    assert primary == pytest.approx(1700 * 0.5 / 1.5 / 0.10)  # default per-lane value kept
    assert params.lane_capacity_pc_h["trunk"] == 2100.0
    # running the layer again with other params re-derives, but never overwrites data
    data = small_network(capacity_trucks_day=[math.nan, 5000.0, math.nan])
    again = apply_capacity(apply_capacity(data), params=params)
    assert capacity_of(again, "a-b-0")[0] == pytest.approx(motorway)
    assert capacity_of(again, "b-c-1")[0] == 5000.0


@pytest.mark.parametrize(
    "overrides",
    [
        {"lane_capacity_pc_h": {"motorways": 2000.0}},  # typo in a class name
        {"truck_shares": 0.3},  # unknown key
        {"truck_share": 1.5},  # out of range
        {"lane_capacity_pc_h": {"primary": 0.0}},
    ],
)
def test_bad_overrides_are_rejected(overrides):
    with pytest.raises(ValidationError):
        CapacityParams(**overrides)


def test_unknown_road_class_or_lanes_is_a_user_error_naming_it():
    network = small_network(road_class=["motorway", "ferry", "border"])
    with pytest.raises(CorredorError, match="ferry"):
        apply_capacity(network)
    network = small_network(lanes=[2.0, 0.0, 4.0])
    with pytest.raises(CorredorError, match="b-c-1"):
        apply_capacity(network)


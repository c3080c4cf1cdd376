"""Rerouting LP speed: the national model, and column generation against the arc formulation.

Opt-in: ``CORREDOR_BENCH=1 pytest tests/benchmarks/bench_reroute.py -m benchmark -s``.
Prints timings and ratios measured in the same run; asserts only that the two
formulations reach the same optimum.

Synthetic case: a 113 x 113 two-way grid (50,624 edges) cut in the middle by a
"border" with 15 open crossings (300-1,200 trucks/day each), 2 % of the edges
"bridges" (100-400 trucks/day), the rest 2,000-9,000 trucks/day; 20 origins
west of the border x 25 destinations east of it = 500 OD pairs. The arc
formulation is aggregated by origin (one commodity per origin: 20 x 50,624 flow
variables); disaggregated by OD it would need 25 M variables.
"""

from __future__ import annotations

import os
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from corredor.network import CRS, Network
from corredor.reroute import RerouteModel

from arc_formulation import solve_arc_formulation

pytestmark = [
    pytest.mark.benchmark,
    pytest.mark.skipif(os.environ.get("CORREDOR_BENCH") != "1", reason="set CORREDOR_BENCH=1"),
]


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - started


def national_inputs(national):
    """Layered cost when the layers import and run, else 1.2 USD per km (says which)."""
    try:
        from corredor.layers import apply_layers
    except ImportError as exc:
        print(f"layers unavailable ({exc}): length-based cost")
        return national, national.edges["length_km"].to_numpy(dtype=float) * 1.2, "length"
    network = apply_layers(national)
    return network, network.edges["cost_usd"].to_numpy(dtype=float), "cost_usd"


def test_national_baseline_build_and_solve(national, national_demand):
    network, cost, kind = national_inputs(national)
    capacity = network.edges["capacity_trucks_day"].to_numpy(dtype=float)
    model, build_s = timed(RerouteModel.from_network, network, national_demand, cost=cost,
                           capacity=capacity)
    result, solve_s = timed(model.solve)
    arc, arc_s = timed(solve_arc_formulation, network, national_demand, cost=cost,
                       capacity=capacity)
    busiest = np.argsort(-result.edge_flow)[:4]
    closed = np.zeros(len(cost), dtype=bool)
    closed[busiest] = True
    warm, warm_s = timed(model.resolve, closed=closed)
    cold, cold_s = timed(
        lambda: RerouteModel.from_network(network, national_demand, cost=cost,
                                          capacity=capacity, closed=closed).solve()
    )
    print(
        f"\nnational ({len(network.edges)} edges, {len(national_demand)} OD rows, cost={kind}): "
        f"build {build_s:.3f} s + solve {solve_s:.3f} s = {build_s + solve_s:.3f} s "
        f"({result.iterations} rounds, {len(model.columns)} columns, "
        f"{int((result.edge_dual_usd > 0).sum())} binding edges); arc formulation {arc_s:.3f} s "
        f"(x{arc_s / (build_s + solve_s):.1f})\n"
        f"4 busiest edges closed ({', '.join(network.edges['edge_id'].iloc[busiest])}): "
        f"resolve (warm) {warm_s:.3f} s in {warm.iterations} rounds, cold {cold_s:.3f} s in "
        f"{cold.iterations} rounds; unmet {warm.od['unmet_trucks_day'].sum():.1f} trucks/day"
    )
    assert result.objective_usd == pytest.approx(arc.objective_usd, rel=1e-6)
    assert warm.objective_usd == pytest.approx(cold.objective_usd, rel=1e-6)


def corridor_grid(side: int = 113, n_origins: int = 20, n_destinations: int = 25, seed: int = 7):
    """The synthetic case of the module docstring: network, demand, cost, capacity, closed."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"g{i}_{j}" for i in range(side) for j in range(side)], dtype=object)
    row, col = np.divmod(np.arange(side * side), side)
    xy = np.column_stack([-105 + col * 0.01, 20 + row * 0.01])
    nodes = gpd.GeoDataFrame(
        {"node_id": ids, "kind": "junction", "name": ids, "state": "11",
         "capacity_trucks_day": np.nan},
        geometry=shapely.points(xy), crs=CRS,
    )
    grid = np.arange(side * side).reshape(side, side)
    links = np.concatenate([np.stack([grid[:, :-1].ravel(), grid[:, 1:].ravel()], 1),
                            np.stack([grid[:-1, :].ravel(), grid[1:, :].ravel()], 1)])
    tail = np.concatenate([links[:, 0], links[:, 1]])
    head = np.concatenate([links[:, 1], links[:, 0]])
    m = len(tail)
    length = rng.uniform(5, 15, m)
    edges = gpd.GeoDataFrame(
        {"edge_id": [f"e{i}" for i in range(m)], "u": ids[tail], "v": ids[head], "ref": "",
         "name": "", "road_class": "primary", "toll": False, "lanes": 2.0, "bridge": False,
         "length_km": length, "speed_kph": 80.0, "capacity_trucks_day": np.nan, "state": "11",
         "source": "synthetic benchmark"},
        geometry=shapely.linestrings(np.stack([xy[tail], xy[head]], 1)), crs=CRS,
    )
    network = Network.from_frames(nodes, edges, validate=False)
    capacity = rng.uniform(2000, 9000, m)
    bridges = rng.random(m) < 0.02
    capacity[bridges] = rng.uniform(100, 400, bridges.sum())
    border = side // 2
    crossing = ((col[tail] == border - 1) & (col[head] == border)) | (
        (col[tail] == border) & (col[head] == border - 1))
    closed = crossing & ~np.isin(row[tail], np.arange(3, side, side // 15))
    capacity[crossing & ~closed] = rng.uniform(300, 1200, (crossing & ~closed).sum())
    west = [f"g{r}_{c}" for r, c in zip(rng.choice(side, n_origins, replace=False),
                                         rng.integers(0, border // 2, n_origins), strict=True)]
    east = [f"g{r}_{c}" for r, c in zip(rng.choice(side, n_destinations, replace=False),
                                         rng.integers(border + border // 2, side, n_destinations),
                                         strict=True)]
    demand = pd.DataFrame(
        [(o, d, "synthetic", float(rng.uniform(2, 30)), 78_471.0) for o in west for d in east],
        columns=["origin", "destination", "segment", "trucks_day", "value_usd_per_truck"],
    )
    return network, demand, length * 1.2, capacity, closed


def test_column_generation_against_arc_formulation_at_50k_edges():
    network, demand, cost, capacity, closed = corridor_grid()
    arrays = {"cost": cost, "capacity": capacity, "closed": closed}
    result, cg_s = timed(lambda: RerouteModel.from_network(network, demand, **arrays).solve())
    arc, arc_s = timed(solve_arc_formulation, network, demand, **arrays)
    print(
        f"\nsynthetic ({len(network.edges)} edges, {len(network.nodes)} nodes, {len(demand)} OD "
        f"pairs, {demand['trucks_day'].sum():.0f} trucks/day): column generation {cg_s:.2f} s "
        f"({result.iterations} rounds, {len(result.paths)} paths used, "
        f"{int((result.edge_dual_usd > 0).sum())} binding edges, "
        f"unmet {result.od['unmet_trucks_day'].sum():.1f}); arc formulation by origin "
        f"{arc_s:.2f} s; ratio arc/CG {arc_s / cg_s:.1f}x; objectives {result.objective_usd:.2f}"
        f" vs {arc.objective_usd:.2f}"
    )
    assert result.objective_usd == pytest.approx(arc.objective_usd, rel=1e-6)

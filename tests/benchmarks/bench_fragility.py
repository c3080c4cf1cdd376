"""Link criticality speed: the bundled model against networkx, 50,000 edges, and ra2ce.

Opt-in: ``CORREDOR_BENCH=1 pytest tests/benchmarks/bench_fragility.py -m benchmark -s``.

1. Every link of the bundled national model closed in turn: the subtree scan
   against a naive networkx recompute of every OD pair, in the same run.
2. A synthetic grid road network of over 50,000 directed edges with 500 OD pairs.
3. Deltares ra2ce's single-link redundancy (installed from PyPI into a throwaway
   virtualenv under a temporary folder: a peer to measure against, never a
   dependency) against ``local_detours`` on the bundled model and a 6,000-edge grid.

Prints timings and ratios; asserts only that results agree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from corredor.criticality import Closures, scan_closures
from corredor.demand import bundled_demand
from corredor.layers import apply_layers
from corredor.mincut import local_detours
from corredor.networks.national import load_national
from test_fragility import demand_frame, naive_impact

from factories import make_network

pytestmark = [
    pytest.mark.benchmark,
    pytest.mark.skipif(os.environ.get("CORREDOR_BENCH") != "1", reason="set CORREDOR_BENCH=1"),
]

RA2CE = "ra2ce==1.2.2"  # newest on PyPI when this benchmark was written


def grid_network(columns: int, rows: int, seed: int):
    """A jittered grid of two-way roads (lengths 4-7 km), 5 % of the links missing."""
    rng = np.random.default_rng(seed)
    coords = {
        f"g{i}_{j}": (-105 + 0.05 * i + rng.uniform(-0.01, 0.01),
                      18 + 0.05 * j + rng.uniform(-0.01, 0.01))
        for i in range(columns) for j in range(rows)
    }
    links = []
    for i in range(columns):
        for j in range(rows):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < columns and j + dj < rows and rng.random() > 0.05:
                    links.append((f"g{i}_{j}", f"g{i + di}_{j + dj}", float(rng.uniform(4, 7))))
    return make_network(coords, links)


def test_bundled_full_scan_against_networkx():
    network = apply_layers(load_national())
    demand = bundled_demand(network)
    closures = Closures.links(network)
    scan_closures(network, demand, closures)  # compile the graph once, as a session would
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        table = scan_closures(network, demand, closures).table(margin=0.1)
        timings.append(time.perf_counter() - start)
    ours = float(np.median(timings))
    start = time.perf_counter()
    _, extra, unmet = naive_impact(network, demand, closures, "cost_usd")
    naive = time.perf_counter() - start
    print(f"\nbundled model: {len(closures.ids)} links (both directions), "
          f"{len(demand)} OD rows: subtree scan {ours:.3f} s (median of 5), "
          f"networkx full recompute {naive:.1f} s, ratio {naive / ours:,.0f}x")
    np.testing.assert_allclose(table["extra_cost_usd_day"], extra, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(table["unmet_trucks_day"], unmet, rtol=1e-12)
    print(f"identical on all {len(closures.ids)} links: extra cost within 1e-9 relative, "
          "unmet trucks within 1e-12 (summation order)")


def test_synthetic_50k_edges_500_od_pairs():
    start = time.perf_counter()
    network = grid_network(122, 112, seed=1)
    built = time.perf_counter() - start
    rng = np.random.default_rng(2)
    names = network.nodes["node_id"].to_numpy()
    origins, destinations = rng.choice(names, 100, replace=False), rng.choice(names, 25,
                                                                              replace=False)
    pairs = set()
    while len(pairs) < 500:
        pairs.add((rng.choice(origins), rng.choice(destinations)))
    demand = demand_frame([(o, d, float(rng.integers(1, 40))) for o, d in sorted(pairs)])
    closures = Closures.links(network)
    start = time.perf_counter()
    scan = scan_closures(network, demand, closures, weight="length_km")
    seconds = time.perf_counter() - start
    table = scan.table(margin=0.1)
    print(f"\nsynthetic grid: {len(network.edges):,} edges, {len(closures.ids):,} links, "
          f"{len(demand)} OD pairs (built in {built:.1f} s): full link scan {seconds:.1f} s, "
          f"{len(scan.hits):,} (link, OD) re-solves, "
          f"{int((table['impact_usd_day'] > 0).sum()):,} links with impact")
    start = time.perf_counter()
    local_detours(network, closures)
    print(f"own detour of every link: {time.perf_counter() - start:.1f} s")
    assert len(network.edges) >= 50_000


DRIVER = '''
import csv, json, sys, time
from pathlib import Path
import networkx as nx
from shapely import wkt
from ra2ce.analysis.analysis_config_data.analysis_config_data import AnalysisSectionLosses
from ra2ce.analysis.analysis_config_data.enums.analysis_losses_enum import AnalysisLossesEnum
from ra2ce.analysis.analysis_config_data.enums.weighing_enum import WeighingEnum
from ra2ce.analysis.analysis_input_wrapper import AnalysisInputWrapper
from ra2ce.analysis.losses.single_link_redundancy import SingleLinkRedundancy
from ra2ce.network.graph_files.graph_file import GraphFile

folder = Path(sys.argv[1])
graph = nx.MultiGraph(crs="EPSG:4326")
with open(folder / "nodes.csv") as f:
    for row in csv.DictReader(f):
        graph.add_node(row["node_id"], x=float(row["x"]), y=float(row["y"]))
with open(folder / "links.csv") as f:
    for row in csv.DictReader(f):
        graph.add_edge(row["u"], row["v"], link_id=row["link_id"], length=float(row["length_m"]),
                       geometry=wkt.loads(row["wkt"]))
analysis = AnalysisSectionLosses(name="slr", analysis=AnalysisLossesEnum.SINGLE_LINK_REDUNDANCY,
                                 weighing=WeighingEnum.LENGTH)
wrapper = AnalysisInputWrapper(
    analysis=analysis, graph_file=GraphFile(name="graph.p", graph=graph), graph_file_hazard=None,
    input_path=folder, static_path=folder, output_path=folder, hazard_names=None,
    origins_destinations=None, file_id="link_id")
start = time.perf_counter()
result = SingleLinkRedundancy(wrapper).execute()
seconds = time.perf_counter() - start
frame = result.results_collection[0].analysis_result
frame[["link_id", "alt_length", "detour"]].to_csv(folder / "ra2ce.csv", index=False)
(folder / "timing.json").write_text(json.dumps({"seconds": seconds}))
'''


@pytest.fixture(scope="module")
def ra2ce_python(tmp_path_factory) -> Path:
    """A throwaway virtualenv with ra2ce from PyPI; skip, saying why, if that cannot be done."""
    venv = tmp_path_factory.mktemp("ra2ce") / "venv"
    steps = [[sys.executable, "-m", "venv", str(venv)],
             [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", RA2CE]]
    for step in steps:
        try:
            done = subprocess.run(step, capture_output=True, text=True, timeout=1800)
        except (OSError, subprocess.TimeoutExpired) as exc:
            pytest.skip(f"could not run {' '.join(step)}: {exc}")
        if done.returncode != 0:
            pytest.skip(f"{' '.join(step)} failed (exit {done.returncode}): "
                        f"{(done.stderr or done.stdout).strip()[-600:]}")
    return venv / "bin" / "python"


def ra2ce_run(python: Path, network, folder: Path) -> tuple[pd.DataFrame, float]:
    folder.mkdir()
    nodes = network.nodes
    pd.DataFrame({"node_id": nodes["node_id"], "x": nodes.geometry.x, "y": nodes.geometry.y}
                 ).to_csv(folder / "nodes.csv", index=False)
    links = network.edges.drop_duplicates("link_id")
    pd.DataFrame({"link_id": links["link_id"], "u": links["u"], "v": links["v"],
                  "length_m": links["length_km"] * 1000.0, "wkt": links.geometry.to_wkt()}
                 ).to_csv(folder / "links.csv", index=False)
    (folder / "driver.py").write_text(DRIVER)
    done = subprocess.run([str(python), str(folder / "driver.py"), str(folder)],
                          capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        pytest.skip(f"ra2ce installed but its SingleLinkRedundancy failed: "
                    f"{done.stderr.strip()[-600:]}")
    seconds = json.loads((folder / "timing.json").read_text())["seconds"]
    return pd.read_csv(folder / "ra2ce.csv"), seconds


@pytest.mark.parametrize("case", ["bundled", "grid 40x40"])
def test_against_ra2ce_single_link_redundancy(case, ra2ce_python, tmp_path):
    network = load_national() if case == "bundled" else grid_network(40, 40, seed=3)
    closures = Closures.links(network)
    local_detours(network, closures)  # compile the graph once
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        ours = local_detours(network, closures)
        timings.append(time.perf_counter() - start)
    mine = float(np.median(timings))
    theirs, seconds = ra2ce_run(ra2ce_python, network, tmp_path / "ra2ce")
    by_link = dict(zip(closures.ids, ours * 1000.0, strict=True))
    expected = theirs["link_id"].map(by_link).to_numpy()
    has_detour = theirs["detour"].to_numpy() == 1
    np.testing.assert_array_equal(has_detour, np.isfinite(expected))
    np.testing.assert_allclose(theirs["alt_length"].to_numpy()[has_detour],
                               expected[has_detour], rtol=1e-9)
    print(f"\n{case}: {len(closures.ids):,} links: ra2ce {RA2CE} SingleLinkRedundancy "
          f"{seconds:.3f} s, corredor local_detours {mine:.3f} s (median of 5), "
          f"ratio {seconds / mine:.1f}x; detour lengths equal (1e-9 relative) on "
          f"{int(has_detour.sum())} links, {int((~has_detour).sum())} without any detour")

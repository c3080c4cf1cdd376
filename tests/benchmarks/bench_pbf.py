"""PBF path throughput and peak memory on a synthetic Mexico-like extract (opt-in).

Run with ``CORREDOR_BENCH=1 pytest tests/benchmarks/bench_pbf.py -s``. The file
(1.2 M ways, of which 300 k freight ways as in Geofabrik's Mexico extract, and
~9 M nodes) is written by ``scripts/synthetic_pbf.py``; set
``CORREDOR_BENCH_PBF`` to reuse one. Each measurement runs in a fresh process so
its peak RSS is its own. The baseline is libosmium decoding the same two passes
with no Python work at all; the extrapolation to Mexico scales that decoding by
the larger of the way-count ratio (~10 M ways) and the file-size ratio (~700 MB,
real files carry metadata) and keeps the freight part, which depends on the
~300 k freight ways only (both Mexico figures from issue #3).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.benchmark,
    pytest.mark.skipif(os.environ.get("CORREDOR_BENCH") != "1",
                       reason="benchmarks are opt-in: set CORREDOR_BENCH=1"),
]

REPO = Path(__file__).resolve().parents[2]
WAYS, FREIGHT_WAYS = 1_200_000, 300_000
MEXICO_WAYS = 10_000_000
MEXICO_MB = 700.0  # Geofabrik mexico-latest.osm.pbf, about 700 MB (issue #3)

BASELINE = """
import json, resource, sys, time
import osmium
path = sys.argv[1]
started = time.perf_counter()
nothing = osmium.filter.TagFilter(("highway", "no-such-class"))
for _ in osmium.FileProcessor(path, osmium.osm.WAY).with_filter(nothing):
    pass
ways = time.perf_counter() - started
none = osmium.filter.IdFilter([])
none.enable_for(osmium.osm.NODE)
with osmium.io.Reader(path, osmium.osm.NODE) as reader:
    osmium.apply(reader, none)
print(json.dumps({"ways_s": ways, "total_s": time.perf_counter() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

BUILD = """
import json, resource, sys, time
from corredor.networks.osm import OsmParams, network_from_roads
from corredor.networks.pbf import read_pbf
path, out = sys.argv[1], sys.argv[2]
marks = {}
started = time.perf_counter()
def progress(line):
    for key in ("pass 1/2 done", "pass 2/2 done"):
        if line.startswith(key):
            marks[key] = time.perf_counter() - started
roads = read_pbf(path, highways=OsmParams().highways, progress=progress)
read = time.perf_counter() - started
network = network_from_roads(roads)
built = time.perf_counter() - started
network.to_gpkg(out)
total = time.perf_counter() - started
print(json.dumps({
    "pass1_s": marks["pass 1/2 done"], "read_s": read, "build_s": built - read,
    "gpkg_s": total - built, "total_s": total,
    "freight_ways": len(roads.ways), "segments": int(len(roads.u)),
    "edges": len(network.edges), "nodes": len(network.nodes),
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def _child(code: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True,
                          text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    given = os.environ.get("CORREDOR_BENCH_PBF")
    if given:
        return Path(given)
    path = tmp_path_factory.mktemp("bench") / "synthetic.osm.pbf"
    subprocess.run([sys.executable, str(REPO / "scripts" / "synthetic_pbf.py"), str(path),
                    "--ways", str(WAYS), "--freight-ways", str(FREIGHT_WAYS)], check=True)
    return path


def test_pbf_throughput_and_peak_memory(synthetic, tmp_path):
    base = _child(BASELINE, str(synthetic))
    run = _child(BUILD, str(synthetic), str(tmp_path / "synthetic.gpkg"))
    size_mb = synthetic.stat().st_size / 1e6
    scale = max(MEXICO_WAYS / WAYS, MEXICO_MB / size_mb)  # the real file carries metadata
    mexico_s = base["total_s"] * scale + (run["total_s"] - base["total_s"])
    print(f"\nsynthetic PBF: {size_mb:.0f} MB, {WAYS:,} ways, "
          f"{run['freight_ways']:,} freight ways, {run['segments']:,} segments")
    print(f"baseline libosmium decode, 2 passes:  {base['total_s']:6.1f} s "
          f"({WAYS / base['ways_s']:,.0f} ways/s in the way pass)")
    print(f"read_pbf (pass 1 + pass 2):           {run['read_s']:6.1f} s "
          f"({WAYS / run['pass1_s']:,.0f} ways/s scanned in pass 1, "
          f"{run['read_s'] / base['total_s']:.1f}x baseline)")
    print(f"simplify + Network:                   {run['build_s']:6.1f} s "
          f"-> {run['edges']:,} edges, {run['nodes']:,} nodes")
    print(f"GeoPackage:                           {run['gpkg_s']:6.1f} s")
    print(f"total:                                {run['total_s']:6.1f} s, "
          f"{WAYS / run['total_s']:,.0f} ways/s end to end, peak RSS {run['peak_mb']:,.0f} MB "
          f"(baseline process {base['peak_mb']:,.0f} MB)")
    print(f"extrapolated to Mexico (~{MEXICO_WAYS / 1e6:.0f} M ways, ~{MEXICO_MB:.0f} MB, "
          f"~300 k freight ways; decoding x{scale:.0f}): ~{mexico_s / 60:.1f} min; "
          "target < 5 min and < 4 GB")
    assert run["edges"] > 0 and run["freight_ways"] == FREIGHT_WAYS

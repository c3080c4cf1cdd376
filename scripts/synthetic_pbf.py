"""Write a synthetic, Mexico-like ``.osm.pbf`` for benchmarking the PBF reader.

Freight corridors (motorway/trunk/primary and ramps) run as chains of ways
that share end nodes, branch off earlier corridors (so there are junctions),
and change tags now and then (bridges, lanes, speed, ref), so simplification
has real work to do. The remaining ways are residential/service/track
streets with their own nodes: the bulk a reader must skip. Nothing here is
real OSM data; ids and coordinates are generated from the seed.

    python scripts/synthetic_pbf.py out.osm.pbf --ways 1200000 --freight-ways 300000
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import osmium

#: Nodes per freight way including the shared end node (Mexico's freight ways are
#: long rural ways; assumption for the benchmark only).
FREIGHT_NODES_PER_WAY = 14
#: Nodes per other street (assumption for the benchmark only).
STREET_NODES_PER_WAY = 6
#: Ways per corridor before a new corridor branches off.
WAYS_PER_CORRIDOR = 60
CLASSES = ("motorway", "trunk", "primary", "primary", "primary_link")
OTHER = ("residential", "residential", "service", "track", "unclassified")
WEST, SOUTH, EAST, NORTH = -117.0, 15.0, -87.0, 32.0


def corridor_tags(rng: np.random.Generator, corridor: int) -> dict[str, str]:
    highway = CLASSES[corridor % len(CLASSES)]
    suffix = "D" if highway == "motorway" else ""
    tags = {"highway": highway, "ref": f"MEX {corridor % 200}{suffix}",
            "name": f"Corredor {corridor}"}
    if highway == "motorway":
        tags |= {"oneway": "yes", "toll": "yes", "lanes": "2"}
    if rng.random() < 0.5:
        tags["maxspeed"] = str(rng.choice(["110", "90", "80 km/h", "MX:rural", "60"]))
    if highway != "motorway" and rng.random() < 0.5:
        tags["lanes"] = str(rng.choice(["2", "4", "2;3"]))
    return tags


def write(path: Path, *, ways: int, freight_ways: int, seed: int = 1) -> dict[str, int]:
    """Write the file; returns counts of ways, freight ways and nodes."""
    rng = np.random.default_rng(seed)
    corridors = -(-freight_ways // WAYS_PER_CORRIDOR)
    per_corridor = WAYS_PER_CORRIDOR * (FREIGHT_NODES_PER_WAY - 1) + 1
    freight_nodes = corridors * per_corridor
    streets = ways - freight_ways
    street_nodes = streets * STREET_NODES_PER_WAY
    starts = np.column_stack([rng.uniform(WEST, EAST, corridors),
                              rng.uniform(SOUTH, NORTH, corridors)])
    heading = rng.uniform(0, 2 * np.pi, corridors)
    step = 0.001  # ~100 m between nodes
    branch = np.full(corridors, -1, dtype=np.int64)  # a node of an earlier corridor to start from
    branch[1:] = [int(rng.integers(0, c * per_corridor)) + 1 for c in range(1, corridors)]
    path.unlink(missing_ok=True)
    node = osmium.osm.mutable.Node(id=1, location=(0.0, 0.0))  # reused: 2x faster writing
    with osmium.SimpleWriter(str(path)) as writer:
        for c in range(corridors):
            k = np.arange(per_corridor)
            wiggle = rng.normal(0, 0.0002, (per_corridor, 2))
            lon = starts[c, 0] + np.cos(heading[c]) * step * k + wiggle[:, 0]
            lat = starts[c, 1] + np.sin(heading[c]) * step * k + wiggle[:, 1]
            points = zip(lon.round(7).tolist(), lat.round(7).tolist(), strict=True)
            for i, (x, y) in enumerate(points):
                node.id, node.location = c * per_corridor + i + 1, (x, y)
                writer.add_node(node)
        base = freight_nodes + 1
        cells = rng.integers(0, corridors * per_corridor, streets)
        for s in range(streets):
            near = int(cells[s])
            x0 = starts[near // per_corridor, 0] + 0.0005
            y0 = starts[near // per_corridor, 1] + 0.0005
            for i in range(STREET_NODES_PER_WAY):
                node.id = base + s * STREET_NODES_PER_WAY + i
                node.location = (round(x0 + 0.0003 * i, 7), round(y0 + 0.0001 * (s % 97), 7))
                writer.add_node(node)
        way_id = 1
        for c in range(corridors):
            tags = corridor_tags(rng, c)
            first = c * per_corridor + 1
            for j in range(min(WAYS_PER_CORRIDOR, freight_ways - c * WAYS_PER_CORRIDOR)):
                refs = list(range(first + j * (FREIGHT_NODES_PER_WAY - 1),
                                  first + (j + 1) * (FREIGHT_NODES_PER_WAY - 1) + 1))
                if j == 0 and branch[c] > 0:
                    refs[0] = int(branch[c])
                way_tags = dict(tags)
                if rng.random() < 0.05:
                    way_tags["bridge"] = "yes"
                writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=way_tags))
                way_id += 1
        for s in range(streets):
            refs = list(range(base + s * STREET_NODES_PER_WAY,
                              base + (s + 1) * STREET_NODES_PER_WAY))
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs,
                                                  tags={"highway": OTHER[s % len(OTHER)]}))
            way_id += 1
    return {"ways": way_id - 1, "freight_ways": freight_ways,
            "nodes": freight_nodes + street_nodes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--ways", type=int, default=1_200_000)
    parser.add_argument("--freight-ways", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    counts = write(args.output, ways=args.ways, freight_ways=args.freight_ways, seed=args.seed)
    size_mb = args.output.stat().st_size / 1e6
    print(f"wrote {args.output} ({size_mb:.0f} MB): {counts['ways']:,} ways "
          f"({counts['freight_ways']:,} freight), {counts['nodes']:,} nodes "
          f"in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

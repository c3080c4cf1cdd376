"""Small networks the tests build themselves."""

from __future__ import annotations

import random
from pathlib import Path

import geopandas as gpd
from shapely.geometry import LineString, Point

from corredor.network import CRS, Network

#: A sourcing spec on ``small.gpkg`` (a ``make_network`` of nodes a, b, c): buyer at c,
#: candidates A at a and B at b.
SMALL_SOURCING_SPEC = (
    "name: small-sourcing\nnetwork: small.gpkg\nlayers: {flood: none}\n"
    "buyer: {node: c, name: plant}\ncandidates:\n"
    "  - {name: A, node: a, price_usd_per_truckload: 1000}\n"
    "  - {name: B, node: b, price_usd_per_truckload: 1100}\n"
    "weekly_truckloads: 7\ninventory_days: 2\nmonte_carlo: {runs: 5, seed: 1}\n"
)


def make_network(
    coords: dict[str, tuple[float, float]],
    links: list[tuple[str, str, float]],
    *,
    two_way: bool = True,
    **edge_columns: list,
) -> Network:
    """A network from node coordinates and (u, v, length_km) links.

    With ``two_way`` each link becomes ``<u>-<v>:fwd`` and ``:rev`` edges.
    Extra keyword lists set per-link edge columns.
    """
    nodes = gpd.GeoDataFrame(
        {
            "node_id": list(coords),
            "kind": "junction",
            "name": [node.upper() for node in coords],
            "state": "11",
            "capacity_trucks_day": float("nan"),
        },
        geometry=[Point(xy) for xy in coords.values()],
        crs=CRS,
    )
    rows = []
    for i, (u, v, length) in enumerate(links):
        extra = {key: values[i] for key, values in edge_columns.items()}
        directions = [(u, v, "fwd"), (v, u, "rev")] if two_way else [(u, v, "fwd")]
        for tail, head, tag in directions:
            rows.append(
                {
                    "edge_id": f"{u}-{v}-{i}:{tag}",
                    "link_id": f"{u}-{v}-{i}",
                    "u": tail,
                    "v": head,
                    "ref": "MEX-45D",
                    "name": f"{u}-{v}",
                    "road_class": "motorway",
                    "toll": True,
                    "lanes": 2.0,
                    "bridge": False,
                    "length_km": float(length),
                    "speed_kph": 80.0,
                    "capacity_trucks_day": float("nan"),
                    "state": "11",
                    "source": "test fixture",
                    **extra,
                    "geometry": LineString([coords[tail], coords[head]]),
                }
            )
    edges = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    return Network.from_frames(nodes, edges)


def random_network(seed: int, n_nodes: int = 30, n_links: int = 70) -> Network:
    """A random, possibly disconnected, network with parallel edges and one-way links."""
    rng = random.Random(seed)
    coords = {f"n{i}": (rng.uniform(-105, -98), rng.uniform(18, 25)) for i in range(n_nodes)}
    names = list(coords)
    links = []
    for _ in range(n_links):
        u, v = rng.sample(names, 2)
        links.append((u, v, round(rng.uniform(1, 100), 3)))
    links += links[:5]  # parallel duplicates with the same length
    links += [(u, v, length * 0.5) for u, v, length in links[5:8]]  # cheaper parallels
    return make_network(coords, links, two_way=False)


# four towns in Guanajuato (state 11): a square with a diagonal, so closing a side reroutes
COORDS = {"a": (-101.7, 21.1), "b": (-101.4, 21.1), "c": (-101.4, 20.9), "d": (-101.7, 20.9)}
LINKS = [("a", "b", 32.0), ("b", "c", 23.0), ("c", "d", 32.0), ("d", "a", 23.0),
         ("a", "c", 40.0)]
DEMAND = ("origin,destination,segment,trucks_day,value_usd_per_truck\n"
          "a,c,exportación,120,50000\nb,d,domestic,80,40000\n")
SCENARIO = """\
name: small
description: a closure on a four-town test network
network: small.gpkg
demand: demand.csv
horizon_days: 5
layers:
  flood: none
disruptions:
  - name: a-b closed
    select:
      links: [a-b-0]
    effect:
      close: true
    timing:
      start_day: 1
      days: 2
"""


def snapshot(folder: Path) -> dict[str, bytes] | None:
    """Every file under ``folder`` with its bytes (None if the folder does not exist)."""
    if not folder.exists():
        return None
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}

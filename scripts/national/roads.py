"""Generate the Mexican road network tables ``nodes.csv`` and ``links.csv`` from SICT.

Step 1 of ``make data`` (``scripts/national/build_all.py``); alone, from the
repository root::

    .venv/bin/python scripts/national/roads.py [--out DIR]

The roads are SICT / Instituto Mexicano del Transporte Datos Viales 2025 (TDPA
2024), read from ``../shared/data/sict`` by ``corredor.networks.sict.sict_network``:
the segment geometry of 29 states, snapped into junctions, and the federal roads
of Chiapas, Michoacán and Veracruz traced through their count stations. Then:

* **fallback links** (``fallback_links``): a corridor link of the previous
  straight-line model (``corridors.yaml``) with a town in a traced state is kept,
  labelled, where the traced roads leave a hole: its towns are more than
  ``FALLBACK_RATIO`` x its length + ``FALLBACK_EXTRA_KM`` apart over the SICT
  roads (their count stations too sparse or too inconsistent to trace the road);
* **zones and plants**: every town of ``corridors.yaml`` (but the junction places)
  is a demand zone at its GeoNames point, and every plant a node at its host town,
  joined to the roads by ``corredor.networks.sict_model.attach_zones`` (which
  ``corredor build sict`` shares: connectors to the road where it passes closest,
  and to every other federal route nearby). As in the previous model, border
  crossings start and port access roads end at their town's zone (``border.py``,
  ``ports.py``): the city streets between the SICT roads and a border bridge or a
  terminal gate are not in SICT;
* **bridges**: the Bajío bridge links (``bridges.py``, cut by
  ``corredor.networks.sict_model.add_bridge``);
* every junction gets the INEGI state whose polygon holds it (the nearest polygon
  for the few just outside the simplified coastline), and its lines are simplified
  with a ``SIMPLIFY_M`` tolerance for the table (``length_km`` is measured on the
  full SICT geometry before that).

Every row derived from SICT carries ``sict.ATTRIBUTION`` in ``source``. The output
is sorted and deterministic: running the script twice gives byte-identical files.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from corredor.network import CRS, Network
from corredor.networks.facilities import split_roads_at
from corredor.networks.sict import ATTRIBUTION, sict_network, speed_table
from corredor.networks.sict_model import (
    FALLBACK,
    METRO_POPULATION,
    METRO_ZONES,
    attach_zones,
    eligible,
)

sys.dont_write_bytecode = True  # do not leave __pycache__ next to the scripts

import bridges  # noqa: E402
import places  # noqa: E402
import road_tables  # noqa: E402

from common import (  # noqa: E402
    SHARED_DATA,
    AuthoringError,
    geodesic_km,
    parse_out_dir,
    raise_problems,
    read_yaml,
    run,
)

SICT_DIR = SHARED_DATA / "sict"
#: assumption: a fallback link is kept where its towns are more than 1.5 x its length
#: + 20 km apart over the traced roads (a detour no road map of the corridor shows).
FALLBACK_RATIO = 1.5
FALLBACK_EXTRA_KM = 20.0

_GEOD = Geod(ellps="WGS84")


@dataclass
class Built:
    """The network while it is built, and what each step reports."""

    network: Network
    attached: dict[str, list[str]]
    report: list[str]


def main(argv: Sequence[str] | None = None) -> int:
    """Build, check and write ``nodes.csv`` and ``links.csv``.

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments (``--out DIR``); ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        0 (a problem raises :class:`common.AuthoringError` before anything is written).
    """
    out_dir = parse_out_dir("Write nodes.csv and links.csv from SICT Datos Viales.", argv)
    spec = read_yaml(places.SPEC, places.SPEC_KEYS)
    draft = places.build(spec)
    if not (SICT_DIR / "json" / "raw").is_dir():
        raise AuthoringError(f"{SICT_DIR}: SICT Datos Viales folder (json/raw) not found")
    sict = sict_network(SICT_DIR)
    traced = sorted(set(sict.report["parameters"]["states"])
                    - set(sict.report["km_check"]["state"]))
    built = Built(sict.network, {}, [])
    fallback_links(built, draft, spec["class_defaults"], traced)
    attach_towns(built, draft)
    built.network, lines = bridges.add_bridges(built.network, spec["bridges"], draft.nodes)
    built.report += lines
    tables = road_tables.tables(built.network, draft.nodes, built.attached)
    raise_problems(road_tables.check(tables, draft.nodes, spec["required_nodes"]),
                   f"the road network built from {SICT_DIR} and {places.SPEC}")
    tables.write(out_dir)
    print("\n".join(built.report + road_tables.summary(tables, sict.report)))
    return 0


# --------------------------------------------------------------------------- fallback


def fallback_links(built: Built, draft: places.Draft, defaults: Mapping[str, Mapping],
                   traced: Sequence[str]) -> None:
    """Keep the corridor links that fill holes of the traced roads (see the module doc).

    Parameters
    ----------
    built : Built
        The network being built; the fallback links are added to it.
    draft : places.Draft
        Towns and corridor links of ``corridors.yaml``.
    defaults : mapping
        ``class_defaults`` of ``corridors.yaml``.
    traced : sequence of str
        INEGI codes of the states whose roads were traced from count stations.
    """
    network = built.network
    mask = eligible(network)
    candidates = [lk for lk in draft.links
                  if {draft.nodes[lk.u].state, draft.nodes[lk.v].state} & set(traced)]
    km = _network_km(network, mask, [(draft.nodes[lk.u], draft.nodes[lk.v]) for lk in candidates])
    keep = [(lk, d) for lk, d in zip(candidates, km, strict=True)
            if not d <= FALLBACK_RATIO * lk.length_km + FALLBACK_EXTRA_KM]
    if not keep:
        return
    towns = [draft.nodes[end] for lk, _ in keep for end in (lk.u, lk.v)]
    found = split_roads_at(network, np.array([t.lon for t in towns]),
                           np.array([t.lat for t in towns]), eligible=mask, prefix="sict:fb",
                           source=f"{ATTRIBUTION}; junction where a fallback link meets the road")
    ends = found.node_id.reshape(-1, 2)
    rows = [_fallback_row(lk, d, tuple(e), found.network, defaults, draft)
            for (lk, d), e in zip(keep, ends, strict=True)]
    built.network = _with_links(found.network, rows)
    built.report += [f"fallback {r['link_id']}: {r['length_km']:.1f} km, {r['note']}"
                     for r in rows]


def _network_km(network: Network, mask: np.ndarray, pairs: list) -> np.ndarray:
    """Road km between the eligible nodes nearest each pair of towns (inf: no path)."""
    edges = network.edges[mask]
    index = network.node_index
    u, v = edges["u"].map(index).to_numpy(), edges["v"].map(index).to_numpy()
    n = len(network.nodes)
    graph = coo_matrix((edges["length_km"].to_numpy(), (u, v)), shape=(n, n)).tocsr()
    on = np.unique(np.concatenate([u, v]))
    xy = shapely.get_coordinates(network.nodes.geometry.to_numpy())[on]

    def nearest(town: places.Node) -> int:
        metres = _GEOD.inv(np.full(len(on), town.lon), np.full(len(on), town.lat),
                           xy[:, 0], xy[:, 1])[2]
        return int(on[np.argmin(metres)])

    ends = np.array([[nearest(a), nearest(b)] for a, b in pairs]).reshape(-1, 2)
    sources, where = np.unique(ends[:, 0], return_inverse=True)
    dist = dijkstra(graph, directed=False, indices=sources)
    return dist[where, ends[:, 1]]


def _fallback_row(lk: places.Link, network_km: float, ends: tuple[str, str], network: Network,
                  defaults: Mapping[str, Mapping], draft: places.Draft) -> dict:
    points = network.nodes.set_index("node_id").geometry
    line = [(points[ends[0]].x, points[ends[0]].y), *lk.waypoints,
            (points[ends[1]].x, points[ends[1]].y)]
    speeds = speed_table().set_index(["road_class", "terrain"])["speed_kph"]
    states = {draft.nodes[lk.u].state, draft.nodes[lk.v].state}
    detour = "no path" if not np.isfinite(network_km) else f"{network_km:.0f} km"
    return {
        "link_id": lk.link_id, "u": ends[0], "v": ends[1], "ref": lk.ref, "refs": lk.ref,
        "name": lk.name, "road_class": lk.road_class, "toll": bool(defaults[lk.road_class]["toll"]),
        "lanes": float(lk.lanes), "speed_kph": float(speeds[(lk.road_class, "unknown")]),
        "bridge": False, "length_km": geodesic_km(line),
        "length_method": "geodesic along GeoNames waypoints (a lower bound on road length)",
        "state": ";".join(sorted(states)), "network_class": "federal",
        "geometry_method": FALLBACK,
        "lanes_method": f"assumption: class default of the previous model ({lk.road_class})",
        "source": f"{lk.source}; speed: corredor/data/sict/truck_speeds.csv ({lk.road_class}, "
                  "terrain unknown)",
        "note": (f"fallback: over the SICT roads its towns are {detour} apart (> "
                 f"{FALLBACK_RATIO:g} x {lk.length_km:.0f} + {FALLBACK_EXTRA_KM:g} km); "
                 "the count stations of this road are too sparse or inconsistent to trace it"),
        "geometry": shapely.LineString(line),
    }


def _with_links(network: Network, rows: list[dict]) -> Network:
    """The network plus two-way links given as forward rows."""
    fwd = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    rev = fwd.assign(u=fwd["v"], v=fwd["u"]).set_geometry(shapely.reverse(fwd.geometry.values))
    both = pd.concat([fwd.assign(edge_id=fwd["link_id"] + ":fwd"),
                      rev.assign(edge_id=fwd["link_id"] + ":rev")], ignore_index=True)
    edges = pd.concat([network.edges, both], ignore_index=True)
    for column in edges.columns:
        if edges[column].dtype == object and column != "geometry":
            edges[column] = edges[column].fillna("")
    return Network.from_frames(network.nodes, gpd.GeoDataFrame(edges, geometry="geometry",
                                                               crs=CRS))


# --------------------------------------------------------------------------- facilities


def attach_towns(built: Built, draft: places.Draft) -> None:
    """Join every town (zone) and plant to the roads (``sict_model.attach_zones``).

    The towns of ``METRO_POPULATION`` or more (GeoNames) must be the package's
    ``METRO_ZONES``, which ``corredor build sict`` uses without GeoNames.
    """
    chosen = [n for n in draft.nodes.values() if n.kind in ("city", "plant")]
    metro = sorted(n.node_id for n in chosen
                   if n.kind == "city" and n.population >= METRO_POPULATION)
    if metro != sorted(METRO_ZONES):
        raise AuthoringError(
            f"{places.SPEC.name}: the towns of {METRO_POPULATION:,} people or more are "
            f"{metro}; set corredor.networks.sict_model.METRO_ZONES to that list")
    frame = gpd.GeoDataFrame({
        "node_id": [n.node_id for n in chosen], "kind": [n.kind for n in chosen],
        "name": [n.name for n in chosen], "state": [n.state for n in chosen],
        "capacity_trucks_day": np.nan, "source": [n.source for n in chosen],
    }, geometry=shapely.points([n.point for n in chosen]), crs=CRS)
    built.network, built.attached = attach_zones(built.network, frame)


if __name__ == "__main__":
    sys.exit(run(main))

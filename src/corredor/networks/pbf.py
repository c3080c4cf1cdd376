"""Stream a Geofabrik ``.osm.pbf`` extract into ``OsmRoads`` in bounded memory.

osmnx cannot read PBF, and a country extract has ~100 million nodes, so
nothing here holds all of them: pass 1 keeps only the freight ways (the
highway filter runs inside libosmium, so the other ~97% of ways never reach
Python); pass 2 lets libosmium keep the coordinates of just the nodes those
ways use (an id filter in front of a sparse location table). Memory therefore
grows with the freight network, not with the file.
"""

from __future__ import annotations

import os
import time
from array import array
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium

from corredor.errors import DataFileError
from corredor.network import Network
from corredor.networks.osm import (
    WAY_TAGS,
    OsmParams,
    OsmRoads,
    Progress,
    network_from_roads,
    oneway_direction,
    sorted_unique,
)

__all__ = ["network_from_pbf", "read_pbf"]

#: Report progress every this many freight ways (pass 1) and nodes (pass 2).
PROGRESS_EVERY = 50_000


def read_pbf(
    path: str | os.PathLike[str],
    *,
    highways: frozenset[str],
    progress: Progress | None = None,
) -> OsmRoads:
    """The ways whose ``highway`` is in ``highways`` and the nodes they use, as segments.

    Parameters
    ----------
    path : str or path-like
        The extract.
    highways : frozenset of str
        The ``highway`` values kept.
    progress : callable, optional
        Called with one line per step.

    Returns
    -------
    OsmRoads
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: no such file (expected an OpenStreetMap .osm.pbf extract)")
    report = progress or (lambda _line: None)
    started = time.perf_counter()
    try:
        ways, u, v, way = _freight_ways(path, highways, report, started)
        needed = sorted_unique(np.concatenate([u, v]))
        report(f"pass 2/2: reading the coordinates of {len(needed):,} nodes")
        node_id, lon, lat = _coordinates(path, needed)
    except RuntimeError as exc:  # libosmium: unreadable or truncated file
        raise DataFileError(f"{path}: not readable as an OSM PBF file ({exc})") from exc
    report(f"pass 2/2 done: {len(node_id):,} of {len(needed):,} node coordinates found "
           f"({time.perf_counter() - started:.0f} s)")
    return OsmRoads(ways, u, v, way, node_id, lon, lat)


def _freight_ways(path: Path, highways: frozenset[str], report: Progress, started: float):
    """Pass 1: tags and segments of the freight ways (the tag filter runs in libosmium)."""
    ways: dict[int, tuple[dict[str, str], bool]] = {}
    u, v, way = array("q"), array("q"), array("q")
    highway_filter = osmium.filter.TagFilter(*(("highway", h) for h in sorted(highways)))
    for item in osmium.FileProcessor(path, osmium.osm.WAY).with_filter(highway_filter):
        tags = {key: value for key in WAY_TAGS if (value := item.tags.get(key)) is not None}
        nodes = [node.ref for node in item.nodes]  # type: ignore[union-attr]  # ways only
        oneway, backwards = oneway_direction(tags)
        if backwards:
            nodes.reverse()
        tags.pop("oneway", None)
        ways[item.id] = (tags, oneway)
        u.extend(nodes[:-1])  # repeated nodes give u == v segments, dropped later
        v.extend(nodes[1:])
        way.extend([item.id] * (len(nodes) - 1))
        if len(ways) % PROGRESS_EVERY == 0:
            report(f"pass 1/2: {len(ways):,} freight ways, {len(u):,} segments "
                   f"({time.perf_counter() - started:.0f} s)")
    report(f"pass 1/2 done: {len(ways):,} freight ways, {len(u):,} segments "
           f"({time.perf_counter() - started:.0f} s)")
    return (ways, np.asarray(u, np.int64), np.asarray(v, np.int64), np.asarray(way, np.int64))


def _coordinates(path: Path, needed: np.ndarray):
    """Pass 2: locations of the ``needed`` (sorted) node ids only.

    libosmium filters by id and stores the survivors in a sparse location table
    (16 bytes per node), so no Python object is made for the other nodes.
    """
    wanted = osmium.filter.IdFilter(needed.tolist())
    wanted.enable_for(osmium.osm.NODE)
    table = osmium.index.create_map("sparse_mem_array")
    with osmium.io.Reader(str(path), osmium.osm.NODE) as reader:
        osmium.apply(reader, wanted, osmium.NodeLocationsForWays(table))
    found = np.ones(len(needed), dtype=bool)
    lon, lat = np.empty(len(needed)), np.empty(len(needed))
    for i, node in enumerate(needed.tolist()):
        try:
            location = table.get(node)
        except KeyError:
            found[i] = False
            continue
        lon[i], lat[i] = location.lon, location.lat
    return needed[found], lon[found], lat[found]


def network_from_pbf(
    path: str | os.PathLike[str],
    *,
    params: OsmParams | None = None,
    states: gpd.GeoDataFrame | None = None,
    progress: Progress | None = None,
) -> Network:
    """A network from an ``.osm.pbf`` extract (e.g. Geofabrik's Mexico, ~700 MB).

    Parameters
    ----------
    path : str or path-like
        The extract.
    params : OsmParams, optional
        Classes and defaults.
    states : geopandas.GeoDataFrame, optional
        State polygons for the ``state`` column.
    progress : callable, optional
        Called with one line per step.

    Returns
    -------
    Network
    """
    params = params or OsmParams()
    roads = read_pbf(path, highways=params.highways, progress=progress)
    return network_from_roads(roads, params=params, states=states, progress=progress,
                              what=str(path))

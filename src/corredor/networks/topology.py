"""Junctions from loose polylines: snap ends, split at T-junctions, merge chains.

Road data such as SICT's Datos Viales come as separate polylines per road
section whose ends only nearly meet. ``build_topology`` turns such lines into
a graph: ends within ``snap_m`` metres become one junction, an end that lies
within ``snap_m`` of another line's interior splits that line there, and
degree-2 junctions between pieces whose ``merge_on`` attributes agree are
dissolved. Every output link keeps the ids of the input lines it came from.

The same module holds the other geometry steps of a network built from such
data: straight connectors across small gaps (``bridge_gaps``,
``component_connectors``), threading km-posted points into lines
(``thread_points``, ``thread_road``, ``join_run_ends``), the component table and
the two-edges-per-link frames of a corredor Network (``network_frames``).

All distances are measured in a metric CRS (default EPSG:6372, Mexico ITRF2008
LCC); geometries come back in the input CRS. Interior crossings of two lines
(neither ending there) are *not* junctions: on highways they are usually
overpasses, and SICT sections end at the at-grade junctions anyway.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.ops import nearest_points

#: Metric CRS for all distance work: Mexico ITRF2008 / LCC (INEGI), metres.
METRIC_CRS = "EPSG:6372"


@dataclass(frozen=True)
class Topology:
    """Junction nodes and the links between them.

    ``nodes``: ``node`` (int, 0..n-1) and point geometry. ``links``: ``u``,
    ``v`` (node numbers), ``ids`` (the input ids, ';'-joined in drawing
    order), ``pieces`` (how many split pieces were merged), ``first_piece``
    (a stable order), the input attributes (of the longest piece; ``additive``
    ones summed) and LineString geometry drawn from ``u`` to ``v``.
    ``stats`` counts what was snapped, split, merged and dropped.
    """

    nodes: gpd.GeoDataFrame
    links: gpd.GeoDataFrame
    stats: dict[str, int] = field(default_factory=dict)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return int(root)

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def labels(self) -> np.ndarray:
        return np.array([self.find(i) for i in range(len(self.parent))])


def build_topology(
    lines: gpd.GeoDataFrame,
    *,
    snap_m: float = 25.0,
    id_column: str = "id",
    merge_on: Sequence[str] = (),
    additive: Sequence[str] = (),
    metric_crs: str = METRIC_CRS,
) -> Topology:
    """Turn loose LineStrings into junction nodes and links.

    Parameters
    ----------
    lines : GeoDataFrame
        LineStrings with an id column and any attributes.
    snap_m : float
        Tolerance in metres: ends closer than this are one junction; an end
        closer than this to another line's interior splits that line.
    id_column : str
        Column holding each line's id; links list their ids in ``ids``.
    merge_on : sequence of str
        Attributes that must be equal for two pieces meeting at a degree-2
        junction to be merged into one link (an empty sequence merges none).
    additive : sequence of str
        Numeric attributes that scale with length (e.g. a km figure): each
        piece of a split line gets its share by length, merged links the sum.
    metric_crs : str
        CRS in metres used for every distance.

    Returns
    -------
    Topology
    """
    if lines.crs is None:
        raise ValueError("build_topology needs lines with a CRS")
    to_m = Transformer.from_crs(lines.crs, metric_crs, always_xy=True)
    back = Transformer.from_crs(metric_crs, lines.crs, always_xy=True)
    coords = [_project(np.asarray(g.coords)[:, :2], to_m) for g in lines.geometry]
    stats: dict[str, int] = {"input_lines": len(coords)}
    node_of_end, anchors, cuts = _snap_and_split(coords, snap_m, stats)
    pieces = _cut_pieces(coords, node_of_end, cuts, anchors)
    stats["pieces"] = len(pieces)
    pieces = _drop_degenerate(pieces, snap_m, stats)
    attrs = lines.drop(columns=lines.geometry.name).reset_index(drop=True)
    links = _merge_chains(pieces, attrs, list(merge_on), list(additive), id_column, stats)
    used = sorted({p for link in links for p in (link["u"], link["v"])})
    renumber = {old: new for new, old in enumerate(used)}
    node_xy = _project(np.array([anchors[n] for n in used]).reshape(-1, 2), back)
    nodes = gpd.GeoDataFrame(
        {"node": np.arange(len(used))},
        geometry=shapely.points(node_xy),
        crs=lines.crs,
    )
    table = pd.DataFrame([{k: v for k, v in link.items() if k != "xy"} for link in links])
    table["u"] = table["u"].map(renumber)
    table["v"] = table["v"].map(renumber)
    geoms = [shapely.linestrings(_project(link["xy"], back)) for link in links]
    stats["links"] = len(table)
    stats["nodes"] = len(nodes)
    return Topology(nodes=nodes, links=gpd.GeoDataFrame(table, geometry=geoms, crs=lines.crs),
                    stats=stats)


def components(topology: Topology) -> np.ndarray:
    """Connected-component label of every link (undirected), largest first by link count."""
    links = topology.links
    n = len(topology.nodes)
    if len(links) == 0:
        return np.zeros(0, dtype=int)
    graph = coo_matrix((np.ones(len(links)), (links["u"], links["v"])), shape=(n, n))
    _, node_label = connected_components(graph, directed=False)
    label = node_label[links["u"].to_numpy()]
    order = pd.Series(label).value_counts().index
    rank = {old: new for new, old in enumerate(order)}
    return np.array([rank[x] for x in label])


# -- snapping and splitting --------------------------------------------------------


def _project(xy: np.ndarray, transformer: Transformer) -> np.ndarray:
    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _snap_and_split(
    coords: list[np.ndarray], snap_m: float, stats: dict[str, int]
) -> tuple[np.ndarray, dict[int, np.ndarray], dict[int, list[tuple[float, int]]]]:
    """Cluster ends into nodes, then find where nodes touch other lines' interiors.

    Returns the node of each line end (``(n_lines, 2)``), each node's
    coordinate, and per line the (position along line, node) cut points.
    """
    ends = np.array([[c[0], c[-1]] for c in coords]).reshape(-1, 2)
    uf = _UnionFind(len(ends))
    for a, b in cKDTree(ends).query_pairs(snap_m):
        uf.union(a, b)
    end_label = uf.labels()
    stats["ends_snapped"] = int(len(ends) - len(np.unique(end_label)))
    cluster_ids = np.unique(end_label)
    centre = {int(c): ends[end_label == c].mean(axis=0) for c in cluster_ids}
    lines = np.array([shapely.linestrings(c) for c in coords], dtype=object)
    tree = shapely.STRtree(lines)
    points = shapely.points(np.array([centre[int(c)] for c in cluster_ids]).reshape(-1, 2))
    hit_point, hit_line = tree.query(points, predicate="dwithin", distance=snap_m)
    line_ends = end_label.reshape(-1, 2)
    nodes = _UnionFind(len(ends))
    raw_cuts: dict[int, list[tuple[float, int]]] = {}
    positions = shapely.line_locate_point(lines[hit_line], points[hit_point])
    lengths = shapely.length(lines[hit_line])
    for p, li, pos, length in zip(hit_point, hit_line, positions, lengths, strict=True):
        node = int(cluster_ids[p])
        if node in line_ends[li]:
            continue
        if pos <= snap_m:
            nodes.union(node, int(line_ends[li][0]))
        elif pos >= length - snap_m:
            nodes.union(node, int(line_ends[li][1]))
        else:
            raw_cuts.setdefault(int(li), []).append((float(pos), node))
    cuts = _group_cuts(raw_cuts, nodes, snap_m)
    stats["t_junction_splits"] = sum(len(v) for v in cuts.values())
    node_label = nodes.labels()
    node_of_end = node_label[line_ends]
    anchors = _anchor_coordinates(coords, node_label, end_label, centre, cuts)
    cuts = {li: [(pos, int(node_label[n])) for pos, n in cl] for li, cl in cuts.items()}
    return node_of_end, anchors, cuts


def _group_cuts(
    raw_cuts: dict[int, list[tuple[float, int]]], nodes: _UnionFind, snap_m: float
) -> dict[int, list[tuple[float, int]]]:
    """One cut per cluster of nearby positions on a line; their nodes become one."""
    cuts: dict[int, list[tuple[float, int]]] = {}
    for li, found in raw_cuts.items():
        found.sort()
        grouped: list[list[tuple[float, int]]] = [[found[0]]]
        for pos, node in found[1:]:
            if pos - grouped[-1][-1][0] <= snap_m:
                grouped[-1].append((pos, node))
            else:
                grouped.append([(pos, node)])
        for group in grouped:
            for _, node in group[1:]:
                nodes.union(group[0][1], node)
        cuts[li] = [(float(np.mean([p for p, _ in g])), g[0][1]) for g in grouped]
    return cuts


def _anchor_coordinates(
    coords: list[np.ndarray],
    node_label: np.ndarray,
    end_label: np.ndarray,
    centre: dict[int, np.ndarray],
    cuts: dict[int, list[tuple[float, int]]],
) -> dict[int, np.ndarray]:
    """Each final node sits on its cut point when it splits a line, else at its ends' mean."""
    anchors: dict[int, np.ndarray] = {}
    for li, cl in cuts.items():
        line = shapely.linestrings(coords[li])
        for pos, node in cl:
            point = shapely.line_interpolate_point(line, pos)
            anchors.setdefault(int(node_label[node]), np.array([point.x, point.y]))
    members: dict[int, list[np.ndarray]] = {}
    for c in np.unique(end_label):
        members.setdefault(int(node_label[c]), []).append(centre[int(c)])
    for node, pts in members.items():
        anchors.setdefault(node, np.mean(pts, axis=0))
    return anchors


def _cut_pieces(
    coords: list[np.ndarray],
    node_of_end: np.ndarray,
    cuts: dict[int, list[tuple[float, int]]],
    anchors: dict[int, np.ndarray],
) -> list[dict]:
    """Cut every line at its cut points; piece ends sit exactly on their nodes."""
    pieces = []
    for li, xy in enumerate(coords):
        stops = [(0.0, int(node_of_end[li, 0]))]
        stops += sorted(cuts.get(li, []))
        seg = np.hypot(*np.diff(xy, axis=0).T)
        cum = np.concatenate([[0.0], np.cumsum(seg)])
        stops.append((float(cum[-1]), int(node_of_end[li, 1])))
        total = float(cum[-1]) or 1.0
        for (a, u), (b, v) in itertools.pairwise(stops):
            inner = xy[(cum > a) & (cum < b)]
            piece = np.vstack([anchors[u], inner, anchors[v]])
            pieces.append({"line": li, "u": u, "v": v, "xy": piece, "share": (b - a) / total})
    return pieces


def _drop_degenerate(pieces: list[dict], snap_m: float, stats: dict[str, int]) -> list[dict]:
    """Drop pieces shorter than the tolerance that start and end on the same node."""
    kept = []
    dropped = 0
    for piece in pieces:
        length = float(np.hypot(*np.diff(piece["xy"], axis=0).T).sum())
        if piece["u"] == piece["v"] and length <= 2 * snap_m:
            dropped += 1
            continue
        if len(piece["xy"]) < 2 or length == 0.0:
            dropped += 1
            continue
        kept.append(piece)
    stats["degenerate_pieces_dropped"] = dropped
    return kept


# -- chain merging ---------------------------------------------------------------


def _merge_chains(
    pieces: list[dict],
    attrs: pd.DataFrame,
    merge_on: list[str],
    additive: list[str],
    id_column: str,
    stats: dict[str, int],
) -> list[dict]:
    """Merge pieces through degree-2 nodes where the ``merge_on`` attributes agree."""
    incident: dict[int, list[int]] = {}
    for i, piece in enumerate(pieces):
        incident.setdefault(piece["u"], []).append(i)
        incident.setdefault(piece["v"], []).append(i)
    records = attrs.to_dict("records")
    keys = [_key(records[piece["line"]], merge_on) for piece in pieces]
    uf = _UnionFind(len(pieces))
    through: set[int] = set()
    if merge_on:
        for node, inc in incident.items():
            if len(inc) == 2 and inc[0] != inc[1] and keys[inc[0]] == keys[inc[1]]:
                uf.union(inc[0], inc[1])
                through.add(node)
    groups: dict[int, list[int]] = {}
    for i in range(len(pieces)):
        groups.setdefault(uf.find(i), []).append(i)
    links = []
    for members in groups.values():
        chain = _order_chain(members, pieces, through) if len(members) > 1 else [(members[0], 1)]
        links.append(_chain_link(chain, pieces, records, additive, id_column))
    stats["pieces_merged_away"] = len(pieces) - len(links)
    return links


def _key(record: dict, merge_on: list[str]) -> tuple:
    return tuple("<na>" if pd.isna(record[c]) else record[c] for c in merge_on)


def _order_chain(
    members: list[int], pieces: list[dict], through: set[int]
) -> list[tuple[int, int]]:
    """Walk a merged group end to end: (piece, +1 as drawn / -1 reversed)."""
    at_node: dict[int, list[int]] = {}
    for i in members:
        for end in (pieces[i]["u"], pieces[i]["v"]):
            at_node.setdefault(end, []).append(i)
    starts = [n for n, inc in at_node.items() if n not in through or len(inc) == 1]
    node = starts[0] if starts else pieces[members[0]]["u"]
    chain: list[tuple[int, int]] = []
    seen: set[int] = set()
    while len(chain) < len(members):
        nxt = [i for i in at_node[node] if i not in seen]
        if not nxt:
            break
        i = nxt[0]
        seen.add(i)
        forward = pieces[i]["u"] == node
        chain.append((i, 1 if forward else -1))
        node = pieces[i]["v"] if forward else pieces[i]["u"]
    return chain


def _chain_link(
    chain: list[tuple[int, int]],
    pieces: list[dict],
    records: list[dict],
    additive: list[str],
    id_column: str,
) -> dict:
    parts: list = []
    ids: list[str] = []
    for i, direction in chain:
        xy = pieces[i]["xy"] if direction == 1 else pieces[i]["xy"][::-1]
        parts.append(xy if not parts else xy[1:])
        line_id = str(records[pieces[i]["line"]][id_column])
        if line_id not in ids:
            ids.append(line_id)
    first, direction = chain[0]
    last, last_dir = chain[-1]
    u = pieces[first]["u"] if direction == 1 else pieces[first]["v"]
    v = pieces[last]["v"] if last_dir == 1 else pieces[last]["u"]
    longest = max(chain, key=lambda c: len(pieces[c[0]]["xy"]))[0]
    record = dict(records[pieces[longest]["line"]])
    for column in additive:
        record[column] = float(
            sum(pieces[i]["share"] * records[pieces[i]["line"]][column] for i, _ in chain)
        )
    record.update(
        u=u, v=v, ids=";".join(ids), pieces=len(chain), first_piece=min(i for i, _ in chain),
        xy=np.vstack(parts),
    )
    return record


# -- threading points into lines -----------------------------------------------------


def thread_points(
    xy_m: np.ndarray,
    km: np.ndarray,
    *,
    max_gap_km: float,
    stretch: float = 1.1,
    slack_km: float = 5.0,
) -> tuple[list[list[int]], list[int]]:
    """Runs of km-ordered points that a road line may be drawn through.

    Two points are consistent when the straight distance between them is at
    most ``stretch`` x their km-post difference + ``slack_km`` (a road is never
    shorter than its chord; the slack allows for stations set a little off the
    km post). The longest consistent subsequence is kept; runs are then cut
    where consecutive km posts are more than ``max_gap_km`` apart.

    Parameters
    ----------
    xy_m : (n, 2) array
        Point coordinates in metres, sorted by ``km``.
    km : (n,) array
        Km posts, non-decreasing.

    Returns
    -------
    (runs, dropped)
        Index lists of the kept runs, and the indices left out as inconsistent.
    """
    n = len(km)
    if n == 0:
        return [], []
    chord = np.hypot(*(xy_m[:, None, :] - xy_m[None, :, :]).transpose(2, 0, 1)) / 1000.0
    ok = chord <= stretch * np.abs(km[None, :] - km[:, None]) + slack_km
    best = np.ones(n, dtype=int)
    prev = np.full(n, -1)
    for i in range(1, n):
        for j in range(i - 1, -1, -1):
            if ok[j, i] and best[j] + 1 > best[i]:
                best[i], prev[i] = best[j] + 1, j
    chain = [int(np.argmax(best))]
    while prev[chain[-1]] >= 0:
        chain.append(int(prev[chain[-1]]))
    chain.reverse()
    dropped = sorted(set(range(n)) - set(chain))
    runs: list[list[int]] = [[chain[0]]]
    for a, b in itertools.pairwise(chain):
        if km[b] - km[a] > max_gap_km:
            runs.append([b])
        else:
            runs[-1].append(b)
    return runs, dropped


def gaps_to(
    targets: gpd.GeoSeries, others: gpd.GeoSeries, *, metric_crs: str = METRIC_CRS
) -> np.ndarray:
    """Distance in metres from each geometry of ``others`` to the nearest of ``targets``.

    Use points (e.g. junction nodes) for ``others``: line-to-line distances are slow.
    """
    if len(targets) == 0:
        return np.full(len(others), np.inf)
    if len(others) == 0:
        return np.zeros(0)
    tree = shapely.STRtree(targets.to_crs(metric_crs).to_numpy())
    near = others.to_crs(metric_crs).to_numpy()
    (index, _), dist = tree.query_nearest(near, return_distance=True, all_matches=False)
    out = np.full(len(near), np.inf)
    out[index] = dist
    return out


def geodesic_km(geometries: gpd.GeoSeries) -> np.ndarray:
    """WGS84 geodesic length in km of each LineString (lon/lat), computed in one pass."""
    from pyproj import Geod

    xy, which = shapely.get_coordinates(geometries.to_numpy(), return_index=True)
    if len(xy) < 2:
        return np.zeros(len(geometries))
    same = which[1:] == which[:-1]
    _, _, dist = Geod(ellps="WGS84").inv(xy[:-1, 0][same], xy[:-1, 1][same],
                                         xy[1:, 0][same], xy[1:, 1][same])
    return np.bincount(which[1:][same], weights=dist, minlength=len(geometries)) / 1000.0


def bridge_gaps(
    lines: gpd.GeoSeries,
    refs: Sequence[set[str]],
    *,
    snap_m: float,
    bridge_m: float,
    any_m: float = 0.0,
    metric_crs: str = METRIC_CRS,
) -> list[tuple[int, int, np.ndarray]]:
    """Straight connectors from dangling line ends across small gaps.

    A line end farther than ``snap_m`` from every other line is dangling. It
    is joined to the nearest other line within ``any_m`` (a junction drawn
    with a gap), else to the nearest line sharing one of its ``refs`` within
    ``bridge_m`` (the same route, interrupted), by a straight connector to the
    nearest point of that line, unless that runs back along the end's own line.
    Shortest gaps are bridged first; an end a connector already reaches is left alone.

    Returns
    -------
    list of (line index, end 0 or -1, (2, 2) array of metric coordinates end -> target)
    """
    geoms = lines.to_crs(metric_crs).to_numpy()
    tree = shapely.STRtree(geoms)
    ends = shapely.points(np.vstack([shapely.get_coordinates(g)[[0, -1]] for g in geoms]))
    hit_end, hit_line = tree.query(ends, predicate="dwithin", distance=bridge_m)
    owner = hit_end // 2
    other = hit_line != owner
    dist = shapely.distance(ends[hit_end[other]], geoms[hit_line[other]])
    found = pd.DataFrame({"end": hit_end[other], "line": hit_line[other], "d": dist})
    nearest_any = found.groupby("end")["d"].min()
    dangling = set(nearest_any.index[nearest_any > snap_m]) | (
        set(range(len(ends))) - set(nearest_any.index))
    found = found[found["end"].isin(dangling)]
    shares = np.array([bool(refs[e // 2] & refs[li]) for e, li in zip(
        found["end"], found["line"], strict=True)], dtype=bool)
    found = found[shares | (found["d"].to_numpy() <= any_m)]
    found = found.assign(rank=np.where(found["d"] <= any_m, 0, 1))
    best = found.sort_values(["rank", "d"]).drop_duplicates("end").sort_values("d")
    out: list[tuple[int, int, np.ndarray]] = []
    reached: list[shapely.Point] = []
    for e, li in zip(best["end"], best["line"], strict=True):
        if any(ends[e].distance(p) <= snap_m for p in reached):
            continue
        target = nearest_points(geoms[li], ends[e])[0]
        if geoms[e // 2].distance(target) < 0.5 * ends[e].distance(target):
            continue  # the connector would run back along its own line
        reached.append(target)
        xy = np.array([[ends[e].x, ends[e].y], [target.x, target.y]])
        out.append((int(e // 2), 0 if e % 2 == 0 else -1, xy))
    return out


def component_connectors(
    topology: Topology, main: int, *, max_m: float, metric_crs: str = METRIC_CRS
) -> list[tuple[int, int, float, np.ndarray]]:
    """The shortest dangling-end connector from each cut-off component to component ``main``.

    ``main`` is a label of ``components(topology)``. For every other component
    whose nearest dangling end (a node of degree 1) lies within ``max_m`` of a
    main-component link, returns (link index at that end, component label,
    gap in metres, (2, 2) array end -> nearest main point, in the links' CRS).
    """
    links = topology.links
    label = components(topology)
    degree = pd.concat([links["u"], links["v"]]).value_counts()
    ends = pd.concat([
        pd.DataFrame({"node": links["u"], "link": links.index, "comp": label}),
        pd.DataFrame({"node": links["v"], "link": links.index, "comp": label}),
    ])
    ends = ends[(ends["comp"] != main) & ends["node"].map(degree).eq(1)]
    if ends.empty:
        return []
    main_lines = links.geometry[label == main].to_crs(metric_crs).to_numpy()
    tree = shapely.STRtree(main_lines)
    points = topology.nodes.geometry.iloc[ends["node"].to_numpy()].to_crs(metric_crs).to_numpy()
    (index, target), dist = tree.query_nearest(points, return_distance=True, all_matches=False)
    ends = ends.iloc[index].assign(target=target, gap=dist)
    best = ends[ends["gap"] <= max_m].sort_values("gap").drop_duplicates("comp")
    back = Transformer.from_crs(metric_crs, links.crs, always_xy=True)
    out = []
    for node, link, comp, tgt, gap in best[["node", "link", "comp", "target", "gap"]].itertuples(
        index=False
    ):
        point = topology.nodes.geometry.iloc[node]
        start = _project(np.array([[point.x, point.y]]), Transformer.from_crs(
            links.crs, metric_crs, always_xy=True))[0]
        near = nearest_points(main_lines[tgt], shapely.Point(start))[0]
        xy = _project(np.array([start, [near.x, near.y]]), back)
        out.append((int(link), int(comp), float(gap), xy))
    return out


def covered_by_route(
    points: pd.DataFrame, lines_m: gpd.GeoDataFrame, *, cover_m: float
) -> np.ndarray:
    """Points (metric ``x``/``y``, ``refs``) within ``cover_m`` of a line sharing a ref."""
    covered = np.zeros(len(points), dtype=bool)
    if len(lines_m) == 0 or len(points) == 0:
        return covered
    tree = shapely.STRtree(lines_m.geometry.to_numpy())
    hit_p, hit_l = tree.query(
        shapely.points(points["x"], points["y"]), predicate="dwithin", distance=cover_m
    )
    line_refs = lines_m["refs"].str.split(";").to_numpy()
    point_refs = points["refs"].str.split(";").to_numpy()
    for p, li in zip(hit_p, hit_l, strict=True):
        if set(point_refs[p]) & set(line_refs[li]):
            covered[p] = True
    return covered


def network_frames(
    topology: Topology, links: gpd.GeoDataFrame, *, prefix: str, columns: Sequence[str]
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Junction nodes and two directed edges per link, in corredor's Network layout.

    Nodes are ``<prefix><n>`` of kind ``junction`` with the state most links
    at them carry; edges ``<link_id>:fwd`` (as drawn, u -> v) and ``:rev``
    (reversed geometry), with ``columns`` copied from ``links``.
    """
    ends = pd.concat([links[["u", "state"]].rename(columns={"u": "node"}),
                      links[["v", "state"]].rename(columns={"v": "node"})])
    counted = ends.value_counts().reset_index().sort_values(
        ["node", "count", "state"], ascending=[True, False, True])
    state = counted.drop_duplicates("node").set_index("node")["state"]
    nodes = gpd.GeoDataFrame({
        "node_id": prefix + topology.nodes["node"].astype(str), "kind": "junction", "name": "",
        "state": topology.nodes["node"].map(state).fillna(""), "capacity_trucks_day": np.nan,
    }, geometry=topology.nodes.geometry, crs=topology.nodes.crs)
    base = pd.DataFrame({c: links[c] for c in columns})
    u, v = prefix + links["u"].astype(str), prefix + links["v"].astype(str)
    fwd = base.assign(edge_id=links["link_id"] + ":fwd", u=u, v=v)
    rev = base.assign(edge_id=links["link_id"] + ":rev", u=v, v=u)
    geoms = list(links.geometry) + list(shapely.reverse(links.geometry.to_numpy()))
    edges = gpd.GeoDataFrame(pd.concat([fwd, rev], ignore_index=True), geometry=geoms,
                             crs=links.crs)
    return nodes, edges


# -- threading a road's points, joining run ends ------------------------------------


def thread_road(
    road: pd.DataFrame, extent: pd.Series, *, max_gap_km: float, junction: re.Pattern
) -> tuple[list, list[dict], list[dict]]:
    """Runs, report rows and left-out rows of one road's points, threaded in km order.

    ``road`` has ``road_id``, ``state``, ``ref``, ``name``, ``km``, ``x``/``y``
    (metres) and ``covered`` (the point lies on existing geometry of its
    route), sorted by km; ``extent`` the road's ``min``/``max`` km and the
    ``first``/``last`` place names. Covered points cut the road into blocks,
    each threaded on its own (``thread_points``), so existing geometry between
    blocks is no gap. Each run comes with its ``_reach``.
    """
    first = road.iloc[0]
    about = {"state": first["state"], "ref": first["ref"], "name": first["name"],
             "road_id": first["road_id"]}
    block = road["covered"].ne(road["covered"].shift()).cumsum()
    runs: list = []
    traced: list = []
    left: list = []
    free = road[~road["covered"]]
    if free.empty:
        return runs, traced, left  # every located station lies on existing geometry of its route
    for _, part in free.groupby(block[~road["covered"]], sort=False):
        part = part.reset_index(drop=True)
        found, dropped = thread_points(part[["x", "y"]].to_numpy(), part["km"].to_numpy(),
                                       max_gap_km=max_gap_km)
        for k, idx in enumerate(found):
            if len(idx) < 2:
                continue
            run = part.iloc[idx]
            runs.append((run, _reach(road, run, extent, max_gap_km, junction)))
            traced.append({**about, "from_km": part["km"].iloc[idx[0]],
                           "to_km": part["km"].iloc[idx[-1]], "stations": len(idx),
                           "covered_by_sict": int(road["covered"].sum()),
                           "dropped_inconsistent": len(dropped) if k == 0 else 0})
        left += _left_out(about, part, found, max_gap_km)
    if not runs:
        left = [{**about, "from_km": extent["min"], "to_km": extent["max"],
                 "reason": "fewer than 2 consistent located stations off existing geometry"}]
    return runs, traced, left


def _reach(road: pd.DataFrame, run: pd.DataFrame, extent: pd.Series, max_gap_km: float,
           junction: re.Pattern) -> tuple[float, float]:
    """How far (km) each end of a run may be joined to its own route.

    Where the next point beyond the end lies on existing geometry (covered),
    up to it; where it is an uncovered point (the run stopped at a gap), 0:
    the gap stays open; where there is none and the road's last listed place
    beyond the end is a junction, crossing, toll plaza or state limit (matches
    ``junction``), up to it; else 0 (a dead end). Plus 5 km slack, at most
    ``max_gap_km``.
    """
    out = []
    for end, km in ((0, run["km"].iloc[0]), (-1, run["km"].iloc[-1])):
        beyond = road[road["km"] < km] if end == 0 else road[road["km"] > km]
        terminal = extent["first"] if end == 0 else extent["last"]
        if len(beyond):
            nearest = beyond.iloc[-1] if end == 0 else beyond.iloc[0]
            left = abs(km - nearest["km"]) if nearest["covered"] else -5.0
        elif junction.match(str(terminal)):
            left = km - extent["min"] if end == 0 else extent["max"] - km
        else:
            left = -5.0
        out.append(min(left + 5.0, max_gap_km))
    return out[0], out[1]


def _left_out(about: dict, part: pd.DataFrame, runs: list[list[int]],
              max_gap_km: float) -> list[dict]:
    """Rows for the gaps between a block's runs wider than ``max_gap_km``."""
    kept = [r for r in runs if len(r) >= 2]
    out = []
    for a, b in itertools.pairwise(kept):
        lo, hi = part["km"].iloc[a[-1]], part["km"].iloc[b[0]]
        if hi - lo > max_gap_km:
            out.append({**about, "from_km": lo, "to_km": hi,
                        "reason": f"stations {hi - lo:.0f} km apart (> {max_gap_km:.0f} km)"})
    return out


def join_run_ends(
    runs: list, lines_m: gpd.GeoDataFrame, traced: list[dict], *, join_km: float
) -> list[dict]:
    """Connect each run end to the nearest road and return all pieces.

    ``runs``: (road id, run points, pieces, reach) with pieces dicts holding a
    metric ``xy`` (2, 2) array; ``lines_m``: existing lines (metric) with
    ``refs``. An end joins its own route within its reach (``_reach``), else
    any line within ``join_km``, by a straight connector that copies the end
    piece's attributes; ``traced[k]`` records the join as ``start_join`` /
    ``end_join``.
    """
    geoms = list(lines_m.geometry) + [shapely.linestrings(
        np.vstack([p["xy"][0] for p in pcs] + [pcs[-1]["xy"][1]])) for _, _, pcs, _ in runs]
    refs = [set(r.split(";")) for r in lines_m["refs"]] + [
        set(run["refs"].iloc[0].split(";")) for _, run, _, _ in runs]
    road = [None] * len(lines_m) + [road_id for road_id, *_ in runs]
    tree = shapely.STRtree(geoms)
    pieces: list[dict] = []
    for k, (_, run, pcs, reach) in enumerate(runs):
        for end in (0, -1):
            point = shapely.Point(run["x"].iloc[end], run["y"].iloc[end])
            hit = _nearest_line(tree, point, geoms, refs, len(lines_m) + k, road, reach[end],
                           join_km)
            if hit is None:
                continue
            target, where = hit
            edge = dict(pcs[end])
            xy = np.array([[where.x, where.y], [point.x, point.y]])
            edge["xy"] = xy if end == 0 else xy[::-1]
            (pcs.insert(0, edge) if end == 0 else pcs.append(edge))
            traced[k]["start_join" if end == 0 else "end_join"] = (
                f"{' / '.join(sorted(refs[target])) or 'road'} at "
                f"{point.distance(where) / 1000:.1f} km")
        pieces += pcs
    return pieces


def _nearest_line(
    tree: shapely.STRtree, point: shapely.Point, geoms: list, refs: list[set[str]], own: int,
    road: list, same_km: float, any_km: float,
) -> tuple[int, shapely.Point] | None:
    """Nearest (line index, point on it) to ``point`` on another road than line ``own``'s:
    lines sharing a ref within ``same_km``, else any line within ``any_km``."""
    for radius, need_ref in ((same_km, True), (any_km, False)):
        if radius <= 0:
            continue
        cands = [i for i in tree.query(point, predicate="dwithin", distance=radius * 1000)
                 if road[i] != road[own] and (not need_ref or refs[own] & refs[i])]
        if cands:
            best = min(cands, key=lambda i: geoms[i].distance(point))
            return best, nearest_points(geoms[best], point)[0]
    return None


# -- components ---------------------------------------------------------------------


def component_table(topology: Topology, links: gpd.GeoDataFrame, *, snap_m: float) -> pd.DataFrame:
    """One row per connected component, the main one (most federal km) first.

    ``links`` are ``topology.links`` with ``link_id``, ``network``,
    ``length_km``, ``state`` and ``ref``. Columns: ``component``, ``links``,
    ``km``, ``federal_km``, ``states``, ``refs``, ``gap_m`` (nearest junction of
    the component to a main-component link) and ``reason``.
    """
    label = components(topology)
    links = links.assign(component=label, federal_km=np.where(
        links["network"] == "federal", links["length_km"], 0.0))
    per = links.groupby("component").agg(
        links=("link_id", "size"), km=("length_km", "sum"), federal_km=("federal_km", "sum"),
        states=("state", lambda s: ";".join(sorted(set(s)))),
        refs=("ref", lambda s: ";".join(sorted({r for r in s if r})[:6])))
    if per.empty:
        return per.reset_index()
    main = int(per["federal_km"].idxmax())
    node_comp = pd.concat([links[["u", "component"]].rename(columns={"u": "node"}),
                           links[["v", "component"]].rename(columns={"v": "node"})])
    node_comp = node_comp[node_comp["component"] != main].drop_duplicates("node")
    points = topology.nodes.geometry.iloc[node_comp["node"].to_numpy()]
    gap = gaps_to(links.geometry[label == main], points)
    per["gap_m"] = pd.Series(gap, index=node_comp["component"].to_numpy()).groupby(level=0).min()
    per.loc[main, "gap_m"] = 0.0
    per["reason"] = [_reason(c == main, g, snap_m) for c, g in zip(per.index, per["gap_m"],
                                                                    strict=True)]
    return pd.concat([per.loc[[main]], per.drop(index=main)]).reset_index()


def _reason(is_main: bool, gap_m: float, snap_m: float) -> str:
    if is_main:
        return "main component"
    if gap_m <= snap_m:
        return "touches the main network only where no line ends (a crossing, not a junction)"
    if gap_m < 2000:
        return f"gap of {gap_m:.0f} m to the main network (> {snap_m:.0f} m snap tolerance)"
    return (f"isolated: {gap_m / 1000:.1f} km from the main network (an island, or the roads "
            "between are not in the data)")

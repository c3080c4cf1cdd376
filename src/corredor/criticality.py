"""Criticality: which links, crossings and corridors the freight cannot afford to lose.

For each closure (``corredor.closures``: a link, a border crossing, or every
edge of a node), Jenelius-style importance (Jenelius, Petersen & Mattsson,
"Importance and exposure in road network vulnerability analysis",
Transportation Research Part A 40(7), 2006) is measured on the all-or-nothing
assignment of the demand to cheapest paths: the demand-weighted increase in
generalised cost and the demand left with no path at all.

Only OD pairs whose current path uses a closure can change, and only the
nodes below the closed edge in the shortest-path tree of their root move.
So, per root (origin, or destination when there are fewer of them), one
Dijkstra builds the tree and every closure touching it is re-solved on that
subtree alone, seeded with the unchanged distances of the nodes around it
(exact: a cheapest path can always be rewritten to enter the subtree for the
last time from outside it). All subtrees of one root go into one block-diagonal
graph and one multi-source ``scipy.sparse.csgraph.dijkstra`` call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pydantic import Field
from scipy.sparse import csc_matrix, csr_matrix
from scipy.sparse.csgraph import depth_first_order, dijkstra

from corredor.background import Background
from corredor.closures import Closures, Corridor
from corredor.config import StrictModel
from corredor.congestion import DelayModel
from corredor.demand import DEMAND_COLUMNS
from corredor.errors import CorredorError
from corredor.graph import MIN_WEIGHT, CompiledGraph, WeightedCSR
from corredor.kpis import Valuation
from corredor.mincut import ABROAD_CLASSES, Cut, local_detours
from corredor.network import Network
from corredor.reroute import RerouteModel, RerouteParams, RerouteResult
from corredor.routing import edge_weights
from corredor.states import EdgeArrays

__all__ = [
    "CriticalityParams",
    "CriticalityResult",
    "Scan",
    "assess_criticality",
    "capacity_criticality",
    "closed_solutions",
    "corridor_table",
    "default_corridors",
    "scan_closures",
]

#: Node kinds whose closure is scanned (a border crossing is closed as its link).
SCANNED_NODE_KINDS = ("port", "junction", "city", "plant")
#: Road classes that are facilities rather than corridors (not given a default corridor).
FACILITY_CLASSES = ("border", "port_access", "connector")
#: Per-closure metrics of ``Scan.table``, in order.
SCAN_COLUMNS = (
    "affected_od_pairs", "affected_trucks_day", "impact_usd_day", "extra_cost_usd_day",
    "unmet_trucks_day", "delay_cost_usd_day", "detour_ratio_mean", "detour_ratio_max",
    "captive_trucks_day",
)
#: Capacity-aware metrics (``capacity_criticality``), NaN for closures not re-solved.
CAPACITY_COLUMNS = ("cap_extra_cost_usd_day", "cap_unmet_trucks_day", "cap_edges_over_90pct")
#: Edge columns that describe a link closure in the links table.
LINK_COLUMNS = ("ref", "name", "road_class", "bridge", "length_km")


class CriticalityParams(StrictModel):
    """Settings of the criticality analysis; every default says where it comes from."""

    weight: str = Field(
        "cost_usd",
        description="edge column routed on: the generalised cost in USD per truck trip "
        "(corredor.layers.cost), so importance is in USD per day",
    )
    both_directions: bool = Field(
        True, description="close both directions of a two-way link (shared link_id) together: "
        "a washed-out bridge or a blockade stops traffic both ways",
    )
    alternative_margin: float = Field(
        0.10, ge=0,
        description="assumption: a detour costing more than +10 % of the trip's generalised "
        "cost is counted as 'no practical alternative' (captive flow); a planner's threshold, "
        "not a measured figure",
    )
    capacity_top: int = Field(
        20, ge=0, description="closures re-solved with the capacitated rerouting LP: the top K "
        "links and the top K crossings/ports by uncapacitated impact",
    )
    node_kinds: tuple[str, ...] = Field(
        SCANNED_NODE_KINDS, description="node kinds scanned as closures")
    unranked_classes: tuple[str, ...] = Field(
        ABROAD_CLASSES, description="road classes reported but not ranked: the stylised US and "
        "Guatemalan links would top the ranking as artefacts (corredor.mincut.ABROAD_CLASSES)",
    )
    local_detours: bool = Field(
        True, description="also compute each link's own detour (ra2ce single-link redundancy: "
        "shortest path between its ends without it, by length_km)",
    )


@dataclass(frozen=True, eq=False)
class Scan:
    """Every closure's effect on the cheapest-path assignment of the demand.

    ``od`` has one row per distinct (origin, destination) with ``trucks_day``,
    ``delay_usd_day`` (cargo value x daily delay share, summed) and the baseline
    ``cost_usd_per_truck`` (inf when unreachable). ``hits`` has one row per
    (closure, od) whose baseline path the closure cuts, with the cheapest cost
    once it is closed (``cost_after``, inf = no path). ``edge_flow`` is the
    all-or-nothing baseline flow in trucks/day.
    """

    closures: Closures
    od: pd.DataFrame
    hits: pd.DataFrame
    edge_flow: np.ndarray

    def table(self, *, margin: float) -> pd.DataFrame:
        """Per closure: Jenelius importance, unmet demand, detour ratios, captive flow."""
        n = len(self.closures.ids)
        c = self.hits["closure"].to_numpy()
        k = self.hits["od"].to_numpy()
        after = self.hits["cost_after"].to_numpy()
        before = self.od["cost_usd_per_truck"].to_numpy()[k]
        trucks = self.od["trucks_day"].to_numpy()[k]
        cut = ~np.isfinite(after)
        ratio = np.where(cut, np.nan, after / np.maximum(before, MIN_WEIGHT))
        moved = np.where(cut, 0.0, trucks)
        delay = np.where(cut, self.od["delay_usd_day"].to_numpy()[k], 0.0)
        with np.errstate(invalid="ignore"):  # inf x 0 on cut pairs, replaced by 0
            extra = np.where(cut, 0.0, trucks * (after - before))
        ratio_max = np.full(n, np.nan)
        np.fmax.at(ratio_max, c, ratio)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio_mean = np.bincount(c, np.nan_to_num(ratio) * moved, n) / np.bincount(c, moved, n)
            captive = cut | (ratio > 1.0 + margin)
        impact = np.bincount(c, extra + delay, n)
        columns = {
            "affected_od_pairs": np.bincount(c, minlength=n),
            "affected_trucks_day": np.bincount(c, trucks, n),
            "impact_usd_day": impact,
            "extra_cost_usd_day": np.bincount(c, extra, n),
            "unmet_trucks_day": np.bincount(c, np.where(cut, trucks, 0.0), n),
            "delay_cost_usd_day": np.bincount(c, delay, n),
            "detour_ratio_mean": ratio_mean,
            "detour_ratio_max": ratio_max,
            "captive_trucks_day": np.bincount(c, np.where(captive, trucks, 0.0), n),
        }
        return pd.DataFrame({"closure_id": self.closures.ids, **columns})


def scan_closures(
    network: Network,
    demand: pd.DataFrame,
    closures: Closures,
    *,
    weight: str | np.ndarray = "cost_usd",
    delay_cost_share_per_day: float = RerouteParams().delay_cost_share_per_day,
) -> Scan:
    """Re-route, for every closure, exactly the OD pairs whose cheapest path it cuts.

    Parameters
    ----------
    network : Network
        The weighted network.
    demand : pandas.DataFrame
        The demand (rows with the same origin and destination are merged).
    closures : Closures
        The edge sets that fail together.
    weight : str or numpy.ndarray, default "cost_usd"
        Edge column (or array) routed on.
    delay_cost_share_per_day : float
        Cargo value share lost per day by a truck with no path.

    Returns
    -------
    Scan

    Raises
    ------
    CorredorError
        Missing demand columns, invalid values, or an unweighted network.
    """
    missing = [c for c in DEMAND_COLUMNS if c not in demand.columns]
    if missing:
        raise CorredorError(f"demand: missing column(s) {', '.join(missing)}")
    if isinstance(weight, str) and weight not in network.edges.columns:
        raise CorredorError(f"edges have no {weight!r} column: weight the network first "
                            "(corredor layers, or corredor.layers.apply_layers)")
    graph = network.compiled
    od = _od_pairs(demand, delay_cost_share_per_day)
    base, hits, flow = _scan(
        graph, edge_weights(network, weight), graph.positions(od["origin"]),
        graph.positions(od["destination"]), od["trucks_day"].to_numpy(float), closures.members,
    )
    od["cost_usd_per_truck"] = base
    return Scan(closures, od, hits, flow)


def capacity_criticality(
    network: Network,
    demand: pd.DataFrame,
    closed: Sequence[np.ndarray],
    *,
    cost: np.ndarray,
    capacity: np.ndarray,
    params: RerouteParams | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Extra cost and unmet demand of each edge mask in ``closed`` under the rerouting LP.

    Valued as ``corredor run`` values a day (``simulate.state_kpis``): transport
    cost of the trucks that move and, for each truck that cannot, one day of
    delay (its trip happens later). Every state warm-starts from the baseline's
    path pool. One row per mask, in order.

    Parameters
    ----------
    network : Network
        The weighted network.
    demand : pandas.DataFrame
        The demand rerouted.
    closed : sequence of numpy.ndarray
        One edge mask per closure to re-solve.
    cost, capacity : numpy.ndarray
        Per-edge cost (USD per truck trip) and capacity (trucks/day, NaN unlimited).
    params : RerouteParams, optional
        LP settings.
    progress : callable, optional
        Called as ``progress(done, total)``.

    Returns
    -------
    pandas.DataFrame
        ``CAPACITY_COLUMNS``, one row per mask.
    """
    solutions = closed_solutions(network, demand, closed, cost=cost, capacity=capacity,
                                 params=params, progress=progress)
    unclosed, base = next(solutions)
    valuation = Valuation.of(demand, base, params or RerouteParams())
    reference = valuation.kpis(network, unclosed, base)
    rows = []
    for arrays, result in solutions:
        state = valuation.kpis(network, arrays, result)
        rows.append((state["cost_usd"] - reference["cost_usd"],
                     state["unmet_trucks"] - reference["unmet_trucks"], state["edges_over_90pct"]))
    return pd.DataFrame(rows, columns=list(CAPACITY_COLUMNS))


def closed_solutions(
    network: Network,
    demand: pd.DataFrame,
    closed: Sequence[np.ndarray],
    *,
    cost: np.ndarray,
    capacity: np.ndarray,
    params: RerouteParams | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[tuple[EdgeArrays, RerouteResult]]:
    """The rerouting LP's solution with nothing closed, then with each mask of ``closed``.

    A closed edge's background traffic is diverted to the detours (as on a run's
    closure day); every state warm-starts from the unclosed solution's path pool.

    Parameters
    ----------
    network : Network
        The weighted network.
    demand : pandas.DataFrame
        The demand rerouted.
    closed : sequence of numpy.ndarray
        One edge mask per closure to re-solve.
    cost, capacity : numpy.ndarray
        Per-edge cost (USD per truck trip) and capacity (trucks/day, NaN unlimited).
    params : RerouteParams, optional
        LP settings.
    progress : callable, optional
        Called as ``progress(done, total)`` after each mask.

    Yields
    ------
    (EdgeArrays, RerouteResult)
        ``1 + len(closed)`` states and solutions, the unclosed one first.
    """
    params = params or RerouteParams()
    cost = np.asarray(cost, dtype=float)
    capacity = np.where(np.isnan(capacity), np.inf, np.asarray(capacity, dtype=float))
    edges = network.edges
    time_h = edges["travel_time_h"].to_numpy(dtype=float) if "travel_time_h" in edges else cost * 0
    background, delay = Background.of(network), DelayModel.of(network)

    def closed_state(mask: np.ndarray) -> EdgeArrays:
        """``mask`` closed, its background diverted to the detours."""
        mult, diverted, state_capacity = None, None, np.where(mask, 0.0, capacity)
        if mask.any():
            mult = np.where(mask, 0.0, 1.0)
            if background is not None:
                diverted = background.diverted_pce(mult, mask)
                state_capacity = background.truck_capacity(capacity, mult, diverted)
        return EdgeArrays(cost, state_capacity, time_h, mask, mask, background, delay,
                          capacity_mult=mult, diverted_pce=diverted)

    unclosed = closed_state(np.zeros(len(cost), dtype=bool))
    breakpoints = params.congestion_breakpoints
    model = RerouteModel.from_network(network, demand, cost=cost, capacity=capacity, params=params,
                                      curves=unclosed.curves(breakpoints))
    yield unclosed, model.solve()
    for done, mask in enumerate(closed, start=1):
        arrays = closed_state(mask)
        yield arrays, model.resolve(closed=mask, capacity=arrays.capacity,
                                    curves=arrays.curves(breakpoints))
        if progress is not None:
            progress(done, len(closed))


#: Columns of ``corridor_table``.
CORRIDOR_COLUMNS = ("corridor", "definition", "links", "length_km", "trucks_day", "truck_km_day",
                    "baseline_cost_usd_day", "captive_share", "mean_impact_usd_day",
                    "fragility_index", "worst_link", "worst_link_name",
                    "worst_link_impact_usd_day")


def corridor_table(
    network: Network, scan: Scan, links: pd.DataFrame, corridors: Sequence[Corridor]
) -> pd.DataFrame:
    """Per corridor: its users, captive share, worst link and fragility index.

    ``links`` is ``scan.table(...)`` with ``length_km`` and ``name``. The
    fragility index is the expected extra daily cost of the corridor's users
    when one of its links fails at a point drawn uniformly along its length, as
    a share of what those users pay on a normal day:
    sum_l (L_l / L) x impact_l / baseline cost of the users.

    Parameters
    ----------
    network : Network
        The network scanned.
    scan : Scan
        The link closures' scan.
    links : pandas.DataFrame
        Its table with ``length_km`` and ``name``.
    corridors : sequence of Corridor
        The corridors to summarise.

    Returns
    -------
    pandas.DataFrame
        One row per corridor, most fragile first.

    Raises
    ------
    CorredorError
        A corridor matches no edge.
    """
    members = scan.closures.members.tocsr()
    hit_closure, hit_od = scan.hits["closure"].to_numpy(), scan.hits["od"].to_numpy()
    trucks = scan.od["trucks_day"].to_numpy()
    cost = scan.od["cost_usd_per_truck"].to_numpy()
    impact, length = links["impact_usd_day"].to_numpy(), links["length_km"].to_numpy()
    flow, captive = links["affected_trucks_day"].to_numpy(), links["captive_trucks_day"].to_numpy()
    rows = []
    for corridor in corridors:
        on = np.unique(members[np.flatnonzero(corridor.mask(network))].indices)
        users = np.unique(hit_od[np.isin(hit_closure, on)])
        baseline = float(trucks[users] @ cost[users])
        truck_km = float(flow[on] @ length[on])
        worst = on[np.argmax(impact[on])]
        mean_impact = float(length[on] @ impact[on]) / float(length[on].sum())
        rows.append(
            {
                "corridor": corridor.name,
                "definition": corridor.definition,
                "links": len(on),
                "length_km": float(length[on].sum()),
                "trucks_day": float(trucks[users].sum()),
                "truck_km_day": truck_km,
                "baseline_cost_usd_day": baseline,
                "captive_share": float(captive[on] @ length[on]) / truck_km if truck_km else np.nan,
                "mean_impact_usd_day": mean_impact,
                "fragility_index": mean_impact / baseline if baseline else np.nan,
                "worst_link": links["closure_id"].iat[worst],
                "worst_link_name": links["name"].iat[worst],
                "worst_link_impact_usd_day": impact[worst],
            }
        )
    table = pd.DataFrame(rows, columns=list(CORRIDOR_COLUMNS))  # columns even with no corridor
    if len(table):
        table = table.sort_values(["fragility_index", "corridor"], ascending=[False, True],
                                  na_position="last")
    return table.reset_index(drop=True)


def default_corridors(
    network: Network, *, exclude: Sequence[str] = FACILITY_CLASSES
) -> list[Corridor]:
    """One corridor per route number (``ref``) on links not of the ``exclude`` road classes.

    Parameters
    ----------
    network : Network
        Any network.
    exclude : sequence of str
        Road classes that are not corridors.

    Returns
    -------
    list of Corridor
    """
    edges = network.edges
    roads = edges[~edges["road_class"].isin(exclude) & (edges["ref"].str.strip() != "")]
    return [Corridor(ref, refs=(ref,)) for ref in sorted(roads["ref"].unique())]


@dataclass(frozen=True, eq=False)
class CriticalityResult:
    """Everything ``corredor criticality`` writes: ranked links, edges, nodes, facilities.

    ``links`` has one row per closure (a link, or an edge with
    ``both_directions=False``), ``edges`` one row per edge with its own
    all-or-nothing flow and its closure's metrics, ``crossings`` the border
    crossings (closed as links) and seaports (closed as nodes). ``scan`` is the link
    scan the tables come from; ``plants`` the plant risk table
    (``corredor.plant_risk.plant_risk``), empty until it is added.
    """

    links: pd.DataFrame
    edges: pd.DataFrame
    nodes: pd.DataFrame
    crossings: pd.DataFrame
    corridors: pd.DataFrame
    scan: Scan
    cuts: list[Cut] = field(default_factory=list)
    plants: pd.DataFrame = field(default_factory=pd.DataFrame)


def assess_criticality(
    network: Network,
    demand: pd.DataFrame,
    *,
    params: CriticalityParams | None = None,
    reroute_params: RerouteParams | None = None,
    corridors: Sequence[Corridor] = (),
    cuts: Sequence[Cut] = (),
    progress: Callable[[int, int], None] | None = None,
) -> CriticalityResult:
    """Link, node, crossing and corridor criticality of a weighted network (``apply_layers``).

    ``corridors`` are added to one corridor per ``ref``; ``cuts`` (from
    ``corredor.mincut.min_cut``) are carried into the result for the outputs;
    ``progress(done, total)`` follows the capacitated re-solves.

    Parameters
    ----------
    network : Network
        The weighted network.
    demand : pandas.DataFrame
        The demand assigned.
    params : CriticalityParams, optional
        What is scanned and how.
    reroute_params : RerouteParams, optional
        Delay share and LP settings of the capacitated re-solves.
    corridors : sequence of Corridor
        Named corridors added to the per-ref ones.
    cuts : sequence of Cut
        Min cuts to carry into the result.
    progress : callable, optional
        Called as ``progress(done, total)`` during the capacitated re-solves.

    Returns
    -------
    CriticalityResult

    Raises
    ------
    CorredorError
        A corridor matches no edge, or the demand or network is unusable.
    """
    params = params or CriticalityParams()
    reroute_params = reroute_params or RerouteParams()
    for corridor in corridors:  # a corridor that matches nothing fails now, not after the scan
        corridor.mask(network)
    share = reroute_params.delay_cost_share_per_day
    closures = Closures.links(network, both_directions=params.both_directions)
    scan = scan_closures(network, demand, closures, weight=params.weight,
                         delay_cost_share_per_day=share)
    describe = network.edges.iloc[closures.first_edge()][list(LINK_COLUMNS)]
    links = pd.concat([scan.table(margin=params.alternative_margin),
                       describe.reset_index(drop=True)], axis=1)
    if params.local_detours:
        detour = local_detours(network, closures)
        links["detour_km"] = np.where(np.isfinite(detour), detour, np.nan)
        links["detour_extra_km"] = links["detour_km"] - links["length_km"]
    ranked = ~links["road_class"].isin(params.unranked_classes).to_numpy()
    links.insert(1, "rank", _rank(links["impact_usd_day"].to_numpy(), ranked))
    nodes, node_closures = _node_table(network, demand, params, share)
    crossing = (links["road_class"] == "border").to_numpy()
    port = (nodes["kind"] == "port").to_numpy()
    k, impact = params.capacity_top, links["impact_usd_day"].to_numpy()
    chosen = [(links, i, closures.mask(i)) for i in
              _top(impact, ranked & ~crossing, k) + _top(impact, crossing, k)]
    chosen += [(nodes, i, node_closures.mask(i))
               for i in _top(nodes["impact_usd_day"].to_numpy(), port, k)]
    links[list(CAPACITY_COLUMNS)] = nodes[list(CAPACITY_COLUMNS)] = np.nan
    if chosen:
        capped = capacity_criticality(
            network, demand, [mask for *_, mask in chosen],
            cost=edge_weights(network, params.weight),
            capacity=network.edges["capacity_trucks_day"].to_numpy(dtype=float),
            params=reroute_params, progress=progress,
        )
        for (frame, i, _), row in zip(chosen, capped.itertuples(index=False), strict=True):
            frame.loc[i, list(CAPACITY_COLUMNS)] = list(row)
    return CriticalityResult(
        links=links.sort_values(["rank", "closure_id"]).reset_index(drop=True),
        edges=_edge_frame(network, closures, links, scan.edge_flow),
        nodes=nodes.sort_values(["rank", "node_id"]).reset_index(drop=True),
        crossings=_crossing_table(network, links[crossing], nodes[port]),
        corridors=corridor_table(network, scan, links, [*default_corridors(
            network, exclude=FACILITY_CLASSES + params.unranked_classes), *corridors]),
        cuts=list(cuts),
        scan=scan,
    )


# -- helpers --------------------------------------------------------------------------


def _node_table(network: Network, demand: pd.DataFrame, params: CriticalityParams,
                share: float) -> tuple[pd.DataFrame, Closures]:
    """Every scanned node closed in turn (all its edges), ranked by impact."""
    nodes = network.nodes.loc[network.nodes["kind"].isin(params.node_kinds)]
    closures = Closures.nodes(network, list(nodes["node_id"]))
    table = scan_closures(network, demand, closures, weight=params.weight,
                          delay_cost_share_per_day=share).table(
        margin=params.alternative_margin)
    nodes = pd.concat([table.rename(columns={"closure_id": "node_id"}),
                       nodes[["kind", "name", "state"]].reset_index(drop=True)], axis=1)
    nodes.insert(1, "rank", _rank(nodes["impact_usd_day"].to_numpy(), np.ones(len(nodes), bool)))
    return nodes, closures


def _rank(values: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """1 + how many eligible values are larger (to the cent); NaN where not eligible."""
    rounded = np.round(np.nan_to_num(values), 2)
    ordered = np.sort(-rounded[eligible])
    rank = (np.searchsorted(ordered, -rounded, side="left") + 1).astype(float)
    return np.where(eligible, rank, np.nan)


def _top(values: np.ndarray, eligible: np.ndarray, k: int) -> list[int]:
    """Indices of the ``k`` largest positive ``values`` among ``eligible`` (ties: lowest index)."""
    candidates = np.flatnonzero(eligible & (values > 0))
    order = np.lexsort((candidates, -values[candidates]))
    return [int(i) for i in candidates[order][:k]]


def _edge_frame(
    network: Network, closures: Closures, links: pd.DataFrame, flow: np.ndarray
) -> pd.DataFrame:
    """One row per edge: its own flow and the metrics of the link closure it belongs to."""
    members = closures.members.tocsr()
    by_id = links.set_index("closure_id").loc[closures.ids[members.indices]]
    frame = by_id.drop(columns=list(LINK_COLUMNS)).reset_index()
    frame.insert(0, "edge_id", network.edges["edge_id"].to_numpy())
    frame.insert(3, "flow_trucks_day", flow)
    return frame


def _crossing_table(
    network: Network, crossings: pd.DataFrame, ports: pd.DataFrame
) -> pd.DataFrame:
    """Border crossings (closed as links) and seaports (closed as nodes), ranked by impact."""
    crossings = crossings.rename(columns={"closure_id": "id"}).assign(kind="crossing")
    if {"link_id", "observed_trucks_day"} <= set(network.edges.columns):
        observed = network.edges.drop_duplicates("link_id").set_index("link_id")
        crossings["observed_trucks_day"] = crossings["id"].map(observed["observed_trucks_day"])
    table = pd.concat([crossings, ports.rename(columns={"node_id": "id"}).assign(kind="port")],
                      ignore_index=True)
    table["rank"] = _rank(table["impact_usd_day"].to_numpy(), np.ones(len(table), dtype=bool))
    columns = ["rank", "kind", "id", "name", "observed_trucks_day", *SCAN_COLUMNS,
               *CAPACITY_COLUMNS]
    return table[[c for c in columns if c in table]].sort_values(["rank", "id"], ignore_index=True)


def _od_pairs(demand: pd.DataFrame, delay_share: float) -> pd.DataFrame:
    """Demand rows merged per (origin, destination): trucks summed, delay cost per truck."""
    table = demand.assign(
        origin=demand["origin"].astype(str),
        destination=demand["destination"].astype(str),
        trucks_day=pd.to_numeric(demand["trucks_day"], errors="coerce"),
        value=pd.to_numeric(demand["value_usd_per_truck"], errors="coerce"),
    )
    bad = table.index[~(table["trucks_day"] >= 0) | ~(table["value"] >= 0)]
    if len(bad):
        raise CorredorError("demand: trucks_day and value_usd_per_truck must be numbers >= 0 "
                            f"(bad rows {bad[:5].tolist()})")
    table["delay_usd_day"] = table["trucks_day"] * table["value"] * delay_share
    return table.groupby(["origin", "destination"], sort=False, as_index=False)[
        ["trucks_day", "delay_usd_day"]].sum()


def _ranges(starts: np.ndarray, stops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated ``arange(start, stop)`` for every pair, and each range's length."""
    lengths = np.maximum(stops - starts, 0)
    total = int(lengths.sum())
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return offsets + np.arange(total, dtype=np.int64), lengths


@dataclass(frozen=True, eq=False)
class _Tree:
    """Shortest-path tree of one root: distances, preorder positions, subtree sizes, tree edges."""

    dist: np.ndarray
    order: np.ndarray
    tin: np.ndarray
    size: np.ndarray
    edge: np.ndarray

    @classmethod
    def grow(cls, csr: WeightedCSR, root: int, n: int) -> _Tree:
        dist, pred = dijkstra(csr.matrix, directed=True, indices=root, return_predecessors=True)
        child = np.flatnonzero(pred >= 0)
        parent = pred[child].astype(np.int64)
        edge = np.full(n, -1, dtype=np.int64)
        edge[child] = csr.edges_between(parent, child, n)
        tree = csr_matrix((np.ones(len(child)), (parent, child)), shape=(n, n))
        order = depth_first_order(tree, root, directed=True, return_predecessors=False)
        tin = np.full(n, -1, dtype=np.int64)
        tin[order] = np.arange(len(order))
        depth = dijkstra(tree, directed=True, indices=root, unweighted=True)
        size = np.zeros(n, dtype=np.int64)
        size[order] = 1
        levels = depth[child].astype(np.int64)
        by_level = np.argsort(-levels, kind="stable")
        bounds = np.flatnonzero(np.diff(levels[by_level])) + 1
        for group in np.split(by_level, bounds):
            np.add.at(size, parent[group], size[child[group]])
        return cls(dist, order, tin, size, edge)


def _scan(
    graph: CompiledGraph,
    weights: np.ndarray,
    origins: np.ndarray,
    destinations: np.ndarray,
    trucks: np.ndarray,
    members: csc_matrix,
    *,
    max_block: int = 4_000_000,
) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    """Baseline cost per OD, the (closure, od, cost_after) hits and the all-or-nothing flow.

    Trees grow from the side with fewer distinct nodes (destinations: on the
    reversed graph). ``max_block`` bounds the nodes of one block-diagonal solve.
    """
    n, m = graph.n_nodes, graph.n_edges
    reverse = len(np.unique(destinations)) < len(np.unique(origins))
    if reverse:
        graph = graph.reversed()
        origins, destinations = destinations, origins
    csr = graph.weighted(weights)
    tail, head = graph.edge_u, graph.edge_v
    step = np.maximum(np.asarray(weights, dtype=float), MIN_WEIGHT)
    usable = np.flatnonzero(np.isfinite(step))
    into = usable[np.argsort(head[usable], kind="stable")]
    into_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(head[usable], minlength=n), out=into_ptr[1:])
    by_edge = members.tocsr()
    slots = _closure_slots(by_edge, m)
    base = np.full(len(origins), np.inf)
    flow = np.zeros(m)
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for root, rows in pd.Series(np.arange(len(origins))).groupby(origins):
        rows = rows.to_numpy()
        tree = _Tree.grow(csr, int(root), n)
        base[rows] = tree.dist[destinations[rows]]
        ttin = tree.tin[destinations[rows]]
        keep = ttin > 0
        rows, ttin = rows[keep], ttin[keep]
        if not len(rows):
            continue
        by_tin = np.argsort(ttin, kind="stable")
        rows, ttin = rows[by_tin], ttin[by_tin]
        reached = len(tree.order)
        count = np.concatenate([[0], np.cumsum(np.bincount(ttin, minlength=reached))])
        carried = np.concatenate([[0.0], np.cumsum(np.bincount(ttin, trucks[rows], reached))])
        nodes = tree.order[1:]
        lo, hi = tree.tin[nodes], tree.tin[nodes] + tree.size[nodes]
        used = count[hi] > count[lo]
        path_edges = tree.edge[nodes[used]]
        np.add.at(flow, path_edges, (carried[hi] - carried[lo])[used])
        unit, start, end = _subtrees(tree, members, by_edge, path_edges, head, n)
        for chunk in _chunks(unit, end - start, max_block):
            found.append(
                _replace(tree, rows, ttin, unit[chunk], start[chunk], end[chunk],
                         tail=tail, step=step, into=into, into_ptr=into_ptr,
                         slots=slots, n=n)
            )
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    closure, od, after = (np.concatenate(parts) for parts in zip(empty, *found, strict=True))
    return base, pd.DataFrame({"closure": closure, "od": od, "cost_after": after}), flow


def _closure_slots(by_edge: csr_matrix, m: int) -> np.ndarray:
    """Edges x k table of the closures each edge belongs to (-1 pads)."""
    per_edge = np.diff(by_edge.indptr)
    slots = np.full((m, max(int(per_edge.max(initial=0)), 1)), -1, dtype=np.int64)
    slots[np.repeat(np.arange(m), per_edge), _ranges(by_edge.indptr[:-1], by_edge.indptr[1:])[0]
          - np.repeat(by_edge.indptr[:-1], per_edge)] = by_edge.indices
    return slots


def _subtrees(tree: _Tree, members: csc_matrix, by_edge: csr_matrix, path_edges: np.ndarray,
              head: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per closure touching used tree edges: the preorder intervals of the subtrees it cuts.

    Intervals nested in another of the same closure are dropped (already re-solved).
    """
    pos, _ = _ranges(by_edge.indptr[path_edges], by_edge.indptr[path_edges + 1])
    touched = np.unique(by_edge.indices[pos])
    pos, sizes = _ranges(members.indptr[touched], members.indptr[touched + 1])
    member, unit = members.indices[pos], np.repeat(touched, sizes)
    in_tree = tree.edge[head[member]] == member
    unit, top = unit[in_tree], head[member[in_tree]]
    start = tree.tin[top]
    end = start + tree.size[top]
    by_start = np.lexsort((start, unit))
    unit, start, end = unit[by_start], start[by_start], end[by_start]
    reach = np.maximum.accumulate(unit * (n + 1) + end)
    nested = np.zeros(len(unit), dtype=bool)
    nested[1:] = unit[1:] * (n + 1) + start[1:] < reach[:-1]
    return unit[~nested], start[~nested], end[~nested]


def _chunks(unit: np.ndarray, lengths: np.ndarray, limit: int) -> list[slice]:
    """Slices of consecutive intervals, never splitting a closure, of about ``limit`` nodes."""
    if not len(unit):
        return []
    first = np.flatnonzero(np.r_[True, np.diff(unit) != 0])
    group = (np.cumsum(lengths) - lengths)[first] // limit
    cuts = first[np.r_[True, np.diff(group) != 0]]
    return [slice(a, b) for a, b in zip(cuts, [*cuts[1:], len(unit)], strict=True)]


def _replace(
    tree: _Tree, rows: np.ndarray, ttin: np.ndarray, unit: np.ndarray, start: np.ndarray,
    end: np.ndarray, *, tail: np.ndarray, step: np.ndarray, into: np.ndarray,
    into_ptr: np.ndarray, slots: np.ndarray, n: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Costs after closure for every target inside the closures' subtrees (one Dijkstra).

    Each closure's subtree nodes become one block of a block-diagonal graph
    with its own source; the source links to a subtree node with the unchanged
    distance of an outside neighbour plus the edge, and closure edges are left
    out. scipy relaxes every stored entry, so parallel entries act as their
    minimum. Entries are gathered per head node, so the graph is built as CSC.
    """
    units, rank = np.unique(unit, return_inverse=True)
    lengths = end - start
    block = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    total, size = int(lengths.sum()), int(lengths.sum()) + len(units)
    pos, _ = _ranges(start, end)
    interval = np.repeat(np.arange(len(unit)), lengths)
    slot, counts = _ranges(into_ptr[tree.order[pos]], into_ptr[tree.order[pos] + 1])
    edge = into[slot]
    owner = np.repeat(np.arange(total), counts)
    open_ = ~(slots[edge] == unit[interval[owner]][:, None]).any(axis=1)
    edge, owner = edge[open_], owner[open_]
    who = rank[interval[owner]]
    ytin = tree.tin[tail[edge]]
    first = np.searchsorted(rank, np.arange(len(units)))
    j = first[who]
    multi = np.flatnonzero(np.bincount(rank)[who] > 1)
    if len(multi):
        keys = rank * (n + 1) + start
        found = np.searchsorted(keys, who[multi] * (n + 1) + ytin[multi], side="right") - 1
        j[multi] = np.maximum(found, first[who[multi]])
    inside = (ytin >= start[j]) & (ytin < end[j])
    reach = tree.dist[tail[edge]]
    keep = inside | np.isfinite(reach)
    source = np.where(inside, block[j] + ytin - start[j], total + who)[keep]
    cost = np.where(inside, step[edge], reach + step[edge])[keep]
    indptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner[keep], minlength=size), out=indptr[1:])
    matrix = csc_matrix((cost, source, indptr), shape=(size, size))
    dist = dijkstra(matrix, directed=True, indices=total + np.arange(len(units)), min_only=True)
    lo = np.searchsorted(ttin, start, side="left")
    hi = np.searchsorted(ttin, end, side="left")
    which, per = _ranges(lo, hi)
    at = np.repeat(np.arange(len(unit)), per)
    return unit[at], rows[which], dist[block[at] + ttin[which] - start[at]]

"""Calibration: the truck OD matrix estimated from traffic counts, and how well it fits them.

The observations are the SICT/IMT Datos Viales counts carried on the edges
(``observed_trucks_day`` per direction with its ``observed_segment``): one
*site* per counted segment and direction, modelled as the length-weighted mean
flow of the edges that segment became. A seeded 20 % of the segments (both
directions together, ``corredor.counts.holdout``) is held out, and so are the
toll-plaza movements (``networks.plazas``): neither enters the estimate, and
the fit is reported on the three sets separately.

The estimate (``estimate_demand``) starts from a prior OD table, assigns it
all-or-nothing on the generalised cost (``site_shares``: the share of each OD
crossing each site) and adjusts it to the estimation counts by regularised
least squares (``corredor.counts.estimate_od``). Known freight totals (the BTS
count of trucks northbound at each border crossing, ``crossing_sites``) enter
as heavily weighted sites, and so do the seaports' landside truck boxes per day
(``port_sites``, from TEU, transshipment and truck shares in ``ports.csv``).
``evaluate`` reports the fit of any per-edge flows
(the rerouting LP's baseline, in ``corredor calibrate``) set by set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from corredor.counts import estimate_od, fit_table, geh, holdout
from corredor.errors import CorredorError
from corredor.network import CRS, Network
from corredor.networks.topology import METRIC_CRS
from corredor.routing import shortest_paths

__all__ = [
    "CROSSING_WEIGHT",
    "Calibration",
    "Sites",
    "assignment_matrix",
    "calibrate",
    "count_sites",
    "crossing_sites",
    "estimate_demand",
    "evaluate",
    "plaza_sites",
    "site_shares",
]

#: Weight of a border-crossing count in the estimate relative to a road count: the BTS
#: count of a crossing is a census of every truck, not a sample (assumption: 10).
CROSSING_WEIGHT = 10.0
#: Largest distance (km) from a toll-plaza movement to the road it is matched to.
PLAZA_MATCH_KM = 1.0
#: Design-hour share used for GEH where a site has no K factor. assumption: the SICT
#: network's median K factor is about 0.09; 0.1 is the common rural design value.
DEFAULT_K = 0.1


@dataclass(frozen=True, eq=False)
class Sites:
    """Count sites: each a set of edges whose length-weighted mean flow is compared with a count.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per site: ``site_id``, ``group`` (``estimation``, ``holdout``, ``plaza``,
        ``crossing``, ``port``), ``counted`` (trucks/day), ``k_factor``, ``road_class``,
        ``state``, ``weight`` (relative weight in the estimate; 0 for validation-only sites).
    edges : scipy.sparse.csr_matrix
        Sites x edges: the weight of each edge in the site's modelled flow (rows sum to 1,
        or to 2 for a two-way site such as a toll plaza).
    """

    table: pd.DataFrame
    edges: sparse.csr_matrix

    def modelled(self, edge_flow: np.ndarray) -> np.ndarray:
        """The modelled trucks/day at every site for per-edge flows."""
        return self.edges @ np.asarray(edge_flow, dtype=float)

    def concat(self, other: Sites) -> Sites:
        """These sites followed by ``other``."""
        return Sites(pd.concat([self.table, other.table], ignore_index=True),
                     sparse.vstack([self.edges, other.edges]).tocsr())


def count_sites(network: Network, *, holdout_fraction: float = 0.2, seed: int = 2024) -> Sites:
    """One site per counted segment and direction, with the seeded hold-out split.

    Parameters
    ----------
    network : Network
        With ``observed_trucks_day`` and ``observed_segment`` on counted edges (SICT model).
    holdout_fraction : float, default 0.2
        Share of segments held out of the estimate.
    seed : int, default 2024
        Seed of the split.

    Returns
    -------
    Sites

    Raises
    ------
    CorredorError
        The network carries no counts.
    """
    edges = network.edges
    if "observed_trucks_day" not in edges or "observed_segment" not in edges:
        raise CorredorError("the network carries no counts (observed_trucks_day, "
                            "observed_segment): build it from SICT Datos Viales")
    counted = pd.to_numeric(edges["observed_trucks_day"], errors="coerce").to_numpy(float)
    segment = edges["observed_segment"].fillna("").astype(str).to_numpy()
    direction = edges["edge_id"].astype(str).str.rsplit(":", n=1).str[-1].to_numpy()
    usable = np.isfinite(counted) & (segment != "") & ~edges["road_class"].isin(
        ["border", "port_access", "connector"]).to_numpy()
    keys = pd.Series(np.char.add(np.char.add(segment.astype(str), "|"), direction.astype(str)))
    codes, site_ids = pd.factorize(keys.where(usable))
    rows = np.flatnonzero(codes >= 0)
    length = edges["length_km"].to_numpy(float)[rows]
    weights = sparse.csr_matrix((length, (codes[rows], rows)), shape=(len(site_ids), len(edges)))
    weights = sparse.diags(1.0 / np.asarray(weights.sum(axis=1)).ravel()) @ weights
    first = pd.Series(rows).groupby(codes[rows]).first().to_numpy()
    site_segment = segment[first]
    held = holdout(list(pd.unique(site_segment)), fraction=holdout_fraction, seed=seed)
    held_segment = dict(zip(pd.unique(site_segment), held, strict=True))
    k = pd.to_numeric(edges.get("k_factor", pd.Series(np.nan, index=edges.index)),
                      errors="coerce").to_numpy(float)[first]
    table = pd.DataFrame({
        "site_id": np.asarray(site_ids, dtype=object),
        "group": np.where([held_segment[s] for s in site_segment], "holdout", "estimation"),
        "counted": counted[first],
        "k_factor": np.where(np.isfinite(k) & (k > 0), k, DEFAULT_K),
        "road_class": edges["road_class"].to_numpy()[first],
        "state": edges["state"].astype(str).str.split(";").str[0].to_numpy()[first],
    })
    table["weight"] = np.where(table["group"] == "estimation", 1.0, 0.0)
    return Sites(table, weights.tocsr())


def crossing_sites(network: Network, *, weight: float = CROSSING_WEIGHT) -> Sites:
    """One site per border crossing with a BTS count: northbound trucks/day (all trucks).

    Parameters
    ----------
    network : Network
        With ``observed_trucks_day`` on the northbound ``border`` edges.
    weight : float, default CROSSING_WEIGHT
        Weight in the estimate (0: validation only).

    Returns
    -------
    Sites
    """
    edges = network.edges
    counted = pd.to_numeric(edges.get("observed_trucks_day"), errors="coerce")
    rows = np.flatnonzero((edges["road_class"].eq("border") & (counted > 0)).to_numpy())
    table = pd.DataFrame({
        "site_id": edges["link_id"].to_numpy()[rows] if "link_id" in edges
        else edges["edge_id"].to_numpy()[rows],
        "group": "crossing",
        "counted": counted.to_numpy(float)[rows],
        "k_factor": DEFAULT_K,
        "road_class": "border",
        "state": edges["state"].astype(str).str.split(";").str[0].to_numpy()[rows],
        "weight": weight,
    })
    matrix = sparse.csr_matrix((np.ones(len(rows)), (np.arange(len(rows)), rows)),
                               shape=(len(rows), len(edges)))
    return Sites(table, matrix)


def port_sites(network: Network, *, weight: float = CROSSING_WEIGHT) -> Sites:
    """One site per seaport with a landside figure: truck boxes/day in and out together.

    Parameters
    ----------
    network : Network
        With ``truck_boxes_day`` on the port nodes (``ports.csv``) and ``port_access`` edges.
    weight : float, default CROSSING_WEIGHT
        Weight in the estimate (0: validation only).

    Returns
    -------
    Sites
    """
    nodes, edges = network.nodes, network.edges
    if "truck_boxes_day" not in nodes.columns:
        return Sites(pd.DataFrame(columns=["site_id", "group", "counted", "k_factor",
                                           "road_class", "state", "weight"]),
                     sparse.csr_matrix((0, len(edges))))
    boxes = pd.to_numeric(nodes["truck_boxes_day"], errors="coerce")
    ports = nodes[(nodes["kind"] == "port") & (boxes > 0)]
    access = edges["road_class"].eq("port_access").to_numpy()
    rows, cols = [], []
    for site, port in enumerate(ports["node_id"]):
        touching = np.flatnonzero(access & (edges["u"].eq(port) | edges["v"].eq(port)).to_numpy())
        rows += [site] * len(touching)
        cols += touching.tolist()
    table = pd.DataFrame({
        "site_id": ports["node_id"].to_numpy(), "group": "port",
        "counted": boxes[ports.index].to_numpy(float), "k_factor": DEFAULT_K,
        "road_class": "port_access", "state": ports["state"].astype(str).to_numpy(),
        "weight": weight,
    })
    return Sites(table, sparse.csr_matrix((np.ones(len(rows)), (rows, cols)),
                                          shape=(len(ports), len(edges))))


def plaza_sites(network: Network, movements: pd.DataFrame, *,
                max_km: float = PLAZA_MATCH_KM) -> tuple[Sites, pd.DataFrame]:
    """Toll-plaza movements as two-way validation sites on the nearest edge of their road.

    Parameters
    ----------
    network : Network
        The network.
    movements : pandas.DataFrame
        From ``corredor.networks.plazas.read_plaza_movements``.
    max_km : float, default PLAZA_MATCH_KM
        Movements farther than this from an edge of their road (its ``ref`` or ``refs``)
        are left unmatched.

    Returns
    -------
    (Sites, pandas.DataFrame)
        The sites (group ``plaza``, weight 0): one per plaza and matched link, counting
        the sum of the plaza's movements on that link (a plaza's movements are parts of
        its traffic: booths, directions, entries); and every movement with the
        ``link_id`` it matched (blank when none), its ``site_id`` and the distance in km.
    """
    edges = network.edges
    refs = edges["ref"].fillna("").astype(str)
    if "refs" in edges.columns:
        refs = refs + ";" + edges["refs"].fillna("").astype(str)
    forward = ~edges["edge_id"].astype(str).str.endswith(":rev").to_numpy()
    on_road: dict[str, list[int]] = {}
    for i in np.flatnonzero(forward):
        for ref in set(refs.iat[i].split(";")) - {""}:
            on_road.setdefault(ref, []).append(int(i))
    metric = edges.geometry.to_crs(METRIC_CRS).to_numpy()
    points = gpd.GeoSeries(gpd.points_from_xy(movements["lon"], movements["lat"]),
                           crs=CRS).to_crs(METRIC_CRS).to_numpy()
    link, distance = [], []
    for ref, point in zip(movements["ref"], points, strict=True):
        candidates = np.array(on_road.get(ref, []), dtype=int)
        if len(candidates) == 0:
            link.append(-1)
            distance.append(np.nan)
            continue
        gap = shapely.distance(metric[candidates], point) / 1000.0
        best = int(np.argmin(gap))
        link.append(int(candidates[best]) if gap[best] <= max_km else -1)
        distance.append(float(gap[best]))
    matched = movements.assign(
        link_id=[edges["link_id"].iat[i] if i >= 0 else "" for i in link],
        distance_km=distance)
    matched["site_id"] = np.where(matched["link_id"] != "",
                                  matched["plaza_id"] + "@" + matched["link_id"], "")
    plazas = matched[matched["site_id"] != ""].groupby("site_id", sort=True).agg(
        counted=("trucks_day", "sum"), link_id=("link_id", "first"))
    pair = edges.groupby("link_id").indices
    first = np.array([pair[link_id][0] for link_id in plazas["link_id"]], dtype=int)
    rows = np.repeat(np.arange(len(plazas)), [len(pair[x]) for x in plazas["link_id"]])
    cols = (np.concatenate([pair[x] for x in plazas["link_id"]]) if len(plazas)
            else np.zeros(0, dtype=int))
    k = pd.to_numeric(edges.get("k_factor"), errors="coerce").to_numpy(float)[first]
    table = pd.DataFrame({
        "site_id": plazas.index.to_numpy(),
        "group": "plaza",
        "counted": plazas["counted"].to_numpy(float),
        "k_factor": np.where(np.isfinite(k) & (k > 0), k, DEFAULT_K),
        "road_class": edges["road_class"].to_numpy()[first],
        "state": edges["state"].astype(str).str.split(";").str[0].to_numpy()[first],
        "weight": 0.0,
    })
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)),
                               shape=(len(plazas), len(edges)))
    return Sites(table, matrix), matched


def assignment_matrix(network: Network, demand: pd.DataFrame, *, weight: str = "cost_usd"
                      ) -> sparse.csr_matrix:
    """Edges x OD rows: 1 where the row's cheapest path (all-or-nothing) uses the edge.

    Parameters
    ----------
    network : Network
        The weighted network.
    demand : pandas.DataFrame
        OD rows (``origin``, ``destination``).
    weight : str, default "cost_usd"
        Edge column routed on.

    Returns
    -------
    scipy.sparse.csr_matrix
    """
    pairs = list(zip(demand["origin"].astype(str), demand["destination"].astype(str),
                     strict=True))
    found = shortest_paths(network, pairs, weight=weight)
    rows = np.concatenate(found.edges) if pairs else np.zeros(0, np.int64)
    cols = np.repeat(np.arange(len(pairs)), [len(e) for e in found.edges])
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)),
                             shape=(len(network.edges), len(pairs)))


def site_shares(network: Network, demand: pd.DataFrame, sites: Sites, *,
                weight: str = "cost_usd") -> sparse.csr_matrix:
    """Sites x OD rows: the share of each row's trucks each site counts (all-or-nothing).

    Parameters
    ----------
    network : Network
        The weighted network.
    demand : pandas.DataFrame
        OD rows.
    sites : Sites
        The sites.
    weight : str, default "cost_usd"
        Edge column routed on.

    Returns
    -------
    scipy.sparse.csr_matrix
    """
    return (sites.edges @ assignment_matrix(network, demand, weight=weight)).tocsr()


def estimate_demand(prior: pd.DataFrame, shares: sparse.csr_matrix, sites: Sites, *,
                    prior_weight: float = 1.0) -> pd.DataFrame:
    """The prior OD table with ``trucks_day`` adjusted to the weighted sites' counts.

    The assignment is all-or-nothing on fixed edge costs, so it does not depend on the
    matrix and one adjustment is the estimate (no assign-adjust loop is needed).

    Parameters
    ----------
    prior : pandas.DataFrame
        Demand rows (``DEMAND_COLUMNS``); its ``trucks_day`` is the prior.
    shares : scipy.sparse.csr_matrix
        From ``site_shares`` (sites x rows of ``prior``).
    sites : Sites
        Every site; only those with ``weight > 0`` enter, each row scaled by its weight.
    prior_weight : float, default 1.0
        lambda of ``corredor.counts.estimate_od``.

    Returns
    -------
    pandas.DataFrame
        The table with estimated ``trucks_day`` and the prior kept as ``prior_trucks_day``.
    """
    used = sites.table["weight"].to_numpy(float) > 0
    counts = np.where(used, sites.table["counted"].to_numpy(float), np.nan)
    scale = np.sqrt(np.where(used, sites.table["weight"].to_numpy(float), 1.0))
    base = prior["trucks_day"].to_numpy(float)
    estimate = estimate_od(base, sparse.diags(scale) @ shares, scale * counts,
                           prior_weight=prior_weight)
    return prior.assign(prior_trucks_day=base, trucks_day=estimate.trucks_day)


def evaluate(sites: Sites, edge_flow: np.ndarray, *,
             groups: Sequence[str] = ("road_class", "state")) -> pd.DataFrame:
    """Fit of modelled against counted trucks per site group, overall and by road class/state.

    Parameters
    ----------
    sites : Sites
        The sites (every group is reported separately).
    edge_flow : numpy.ndarray
        Modelled trucks/day per edge.
    groups : sequence of str
        Site columns to break the fit down by.

    Returns
    -------
    pandas.DataFrame
        ``set`` (estimation, holdout, plaza, ...) followed by ``corredor.counts.fit_table``'s
        columns.
    """
    modelled = sites.modelled(edge_flow)
    parts = []
    for name, index in sites.table.groupby("group", sort=False).indices.items():
        table = sites.table.iloc[index]
        fit = fit_table(modelled[index], table["counted"].to_numpy(float),
                        hour_factor=table["k_factor"].to_numpy(float),
                        groups=table[list(groups)].reset_index(drop=True))
        parts.append(fit.assign(set=name))
    result = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return result[["set", *[c for c in result.columns if c != "set"]]] if parts else result


@dataclass(frozen=True, eq=False)
class Calibration:
    """Modelled against counted trucks: per site, per set and group, and at the crossings.

    Attributes
    ----------
    sites : pandas.DataFrame
        One row per site: ``site_id, group, counted, modelled, geh, road_class, state,
        k_factor, weight``.
    fit : pandas.DataFrame
        From ``evaluate``: per set (estimation, holdout, plaza, crossing) overall and by road
        class and state.
    crossings : pandas.DataFrame
        Per border crossing: BTS northbound trucks/day and the modelled northbound and
        southbound trucks/day.
    edge_flow : numpy.ndarray
        The modelled trucks/day per edge (the baseline of the rerouting LP).
    plazas : pandas.DataFrame
        Every toll-plaza movement with the link it was matched to (empty without plazas).
    site_edges : scipy.sparse.csr_matrix
        Sites x edges weights (``Sites.edges``).
    """

    sites: pd.DataFrame
    fit: pd.DataFrame
    crossings: pd.DataFrame
    edge_flow: np.ndarray
    plazas: pd.DataFrame
    site_edges: sparse.csr_matrix

    def headline(self) -> pd.DataFrame:
        """Per set: sites, R^2, share with GEH < 5 and counted/modelled sums."""
        return self.fit[self.fit["group"] == "all"].drop(columns=["group", "value"]).reset_index(
            drop=True)


def calibrate(network: Network, edge_flow: np.ndarray, *,
              movements: pd.DataFrame | None = None, holdout_fraction: float = 0.2,
              seed: int = 2024) -> Calibration:
    """Compare per-edge truck flows with every count the network and the plazas carry.

    Parameters
    ----------
    network : Network
        With SICT counts on the edges (``count_sites``) and BTS counts on the crossings.
    edge_flow : numpy.ndarray
        Modelled trucks/day per edge (e.g. the rerouting LP's baseline ``edge_flow``).
    movements : pandas.DataFrame, optional
        Toll-plaza movements (``corredor.networks.plazas``); validation only.
    holdout_fraction, seed : float, int
        The hold-out split of the count segments (as the estimate used).

    Returns
    -------
    Calibration
    """
    sites = count_sites(network, holdout_fraction=holdout_fraction, seed=seed).concat(
        crossing_sites(network)).concat(port_sites(network))
    matched = pd.DataFrame()
    if movements is not None and len(movements):
        plazas, matched = plaza_sites(network, movements)
        sites = sites.concat(plazas)
    flow = np.asarray(edge_flow, dtype=float)
    modelled = sites.modelled(flow)
    table = sites.table.assign(modelled=modelled, geh=geh(
        modelled * sites.table["k_factor"], sites.table["counted"] * sites.table["k_factor"]))
    edges = network.edges
    border = np.flatnonzero(edges["road_class"].eq("border").to_numpy())
    counted = pd.to_numeric(edges.get("observed_trucks_day"), errors="coerce").to_numpy(float)
    north = [i for i in border if not str(edges["edge_id"].iat[i]).endswith(":rev")]
    position = network.edge_index
    crossings = pd.DataFrame({
        "link_id": edges["link_id"].to_numpy()[north] if "link_id" in edges else
        edges["edge_id"].to_numpy()[north],
        "name": edges["name"].to_numpy()[north],
        "bts_trucks_day": counted[north],
        "modelled_northbound": flow[north],
        "modelled_southbound": [
            flow[position[str(edges["edge_id"].iat[i])[:-4] + ":rev"]]
            if str(edges["edge_id"].iat[i]).endswith(":fwd")
            and str(edges["edge_id"].iat[i])[:-4] + ":rev" in position else np.nan
            for i in north],
    })
    return Calibration(sites=table, fit=evaluate(sites, flow), crossings=crossings,
                       edge_flow=flow, plazas=matched, site_edges=sites.edges)

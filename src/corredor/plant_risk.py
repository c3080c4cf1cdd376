"""Plants at risk: time-to-survive and time-to-recover for every critical element of a supply.

For each plant with parts supply in the demand (``corredor.plants``), the
criticality scan says which link and border-crossing closures cut the cheapest
path of its inbound trucks; the ``elements_per_plant`` that cut the most of its
inbound trucks are its critical elements. Each element is then closed in the
capacitated rerouting LP (``corredor.criticality.closed_solutions``), which gives
the share of the plant's inbound trucks left undelivered ``u`` and the
trucks-weighted extra transit ``d`` hours: the buffer plus the reroute capacity.
``TTS = (buffer - d/24) / u`` (``corredor.production.time_to_survive``); ``TTR``
is the element's recovery time (``ttr_days`` by element type, assumptions); the
plant is at risk from the element where ``TTR > TTS``, and the vehicles at risk
are those not built while the element is down (``vehicles_at_risk``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from pydantic import Field

from corredor.closures import Closures
from corredor.config import StrictModel
from corredor.criticality import Scan, closed_solutions
from corredor.network import Network
from corredor.plants import INBOUND, Plants, plant_rows, row_transit, supply_change
from corredor.production import PlantParams, time_to_survive, vehicles_at_risk
from corredor.reroute import RerouteParams

__all__ = ["PLANT_RISK_COLUMNS", "PlantRiskParams", "plant_risk"]

#: Columns of the plant risk table, in order.
PLANT_RISK_COLUMNS = (
    "plant_id", "plant", "element", "element_name", "ref", "element_type", "inbound_trucks_day",
    "inbound_trucks_cut_day", "unmet_share", "extra_hours", "buffer_days", "tts_days",
    "ttr_days", "at_risk", "vehicles_at_risk")


class PlantRiskParams(StrictModel):
    """Which elements are assessed per plant and how long each kind takes to recover."""

    elements_per_plant: int = Field(
        5, ge=0, le=100, description="critical elements per plant re-solved with the LP: the "
        "links and crossings whose closure cuts the most of its inbound trucks (0: no table)")
    ttr_days: dict[str, float] = Field(
        default_factory=lambda: {"bridge": 21.0, "border": 9.0, "road": 3.0},
        description="time-to-recover TTR by element type, days (assumptions: a bridge as the "
        "Bajío case's three weeks; a border crossing as the Texas enhanced inspections of "
        "2022-04-06..15; a road as the one- to three-day highway blockades of the Monte Carlo "
        "generators)")
    plants: PlantParams = Field(default_factory=PlantParams)


def plant_risk(
    network: Network,
    demand: pd.DataFrame,
    plants: Plants,
    scan: Scan,
    links: pd.DataFrame,
    *,
    params: PlantRiskParams,
    cost: np.ndarray,
    reroute_params: RerouteParams,
    excluded_classes: tuple[str, ...] = (),
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """The plant x critical element table (``PLANT_RISK_COLUMNS``), worst first.

    Parameters
    ----------
    network : Network
        The weighted network.
    demand : pandas.DataFrame
        The demand (its ``plant_inbound`` rows are the plants' supply).
    plants : Plants
        The plant table.
    scan : Scan
        The link criticality scan of ``demand`` (``corredor.criticality.scan_closures``).
    links : pandas.DataFrame
        One row per closure of ``scan`` (``closure_id``, ``name``, ``ref``, ``road_class``,
        ``bridge``), in any order: ``CriticalityResult.links``.
    params : PlantRiskParams
        Elements per plant, TTR per element type, buffers.
    cost : numpy.ndarray
        Edge costs the LP routes on.
    reroute_params : RerouteParams
        LP settings.
    excluded_classes : tuple of str
        Road classes never taken as elements (connectors, the stylised foreign roads).
    progress : callable, optional
        Called as ``progress(done, total)`` during the LP re-solves.

    Returns
    -------
    pandas.DataFrame
    """
    closures: Closures = scan.closures
    links = links.set_index(pd.Index(closures.ids).get_indexer(links["closure_id"])).sort_index()
    chosen = _elements(demand, plants, scan, links, params.elements_per_plant,
                       excluded_classes)
    if not chosen:
        return pd.DataFrame(columns=list(PLANT_RISK_COLUMNS))
    elements = sorted({c for picks in chosen.values() for c, _ in picks})
    solutions = closed_solutions(
        network, demand, [closures.mask(c) for c in elements], cost=cost,
        capacity=network.edges["capacity_trucks_day"].to_numpy(dtype=float),
        params=reroute_params, progress=progress)
    base_unmet, base_hours = row_transit(*next(solutions))
    transit = dict(zip(elements, (row_transit(*solved) for solved in solutions), strict=True))
    trucks = demand["trucks_day"].to_numpy(dtype=float)
    buffers = plants.buffers(params.plants)
    rows = []
    for plant, picks in chosen.items():
        inbound = plant_rows(demand, plant, INBOUND)
        total = trucks[inbound].sum()
        info = plants.table.loc[plant]
        plan = float(info["production_vehicles_year"]) / 365.0
        for c, cut_trucks in picks:
            unmet, hours = transit[c]
            shares, delays = supply_change(unmet[None, inbound], hours[None, inbound],
                                           trucks[inbound], base_unmet[inbound],
                                           base_hours[inbound])
            share, delay = float(shares[0]), float(delays[0])
            kind = _element_type(links.loc[c])
            ttr = float(params.ttr_days.get(kind, params.ttr_days.get("road", 3.0)))
            tts = float(time_to_survive(buffers[plant], share, delay))
            rows.append({
                "plant_id": plant, "plant": info["name"], "element": links.at[c, "closure_id"],
                "element_name": links.at[c, "name"], "ref": links.at[c, "ref"],
                "element_type": kind, "inbound_trucks_day": total,
                "inbound_trucks_cut_day": cut_trucks, "unmet_share": share,
                "extra_hours": delay, "buffer_days": float(buffers[plant]), "tts_days": tts,
                "ttr_days": ttr, "at_risk": ttr > tts,
                "vehicles_at_risk": float(vehicles_at_risk(plan, buffers[plant], share, delay,
                                                           ttr)),
            })
    table = pd.DataFrame(rows, columns=list(PLANT_RISK_COLUMNS))
    return table.sort_values(["vehicles_at_risk", "tts_days", "plant_id", "element"],
                             ascending=[False, True, True, True]).reset_index(drop=True)


def _elements(demand: pd.DataFrame, plants: Plants, scan: Scan, links: pd.DataFrame, k: int,
              excluded: tuple[str, ...]) -> dict[str, list[tuple[int, float]]]:
    """Per plant: its ``k`` closures cutting the most inbound trucks, with those trucks."""
    if k == 0:
        return {}
    supplied = set(demand.loc[demand["segment"] == INBOUND, "destination"])
    od = scan.od
    hits = scan.hits.assign(destination=od["destination"].to_numpy()[scan.hits["od"]],
                            trucks=od["trucks_day"].to_numpy()[scan.hits["od"]])
    eligible = ~links["road_class"].isin(excluded).to_numpy()
    hits = hits[eligible[hits["closure"].to_numpy()]]
    chosen = {}
    for plant in plants.table.index:
        if plant not in supplied:
            continue
        mine = hits[hits["destination"] == plant].groupby("closure")["trucks"].sum()
        ranked = mine.sort_values(ascending=False, kind="stable").head(k)
        if len(ranked):
            chosen[plant] = [(int(c), float(t)) for c, t in ranked.items()]
    return chosen


def _element_type(link: pd.Series) -> str:
    if link["road_class"] == "border":
        return "border"
    return "bridge" if bool(link["bridge"]) else "road"

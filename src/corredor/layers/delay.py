"""Delay layer: the volume-delay function of every capacitated edge (``corredor.congestion``).

Roads get the BPR function with ``DelayParams.bpr_alpha`` and ``bpr_beta``.
Border crossings and port gates get the queueing delay of
``corredor.congestion.queue_wait_h``. Its parameter ``J`` is calibrated per
crossing direction (northbound, the direction the counts and the published
waits are for) so that the wait at the crossing's counted utilisation
(``observed_trucks_day / capacity_trucks_day``) equals its published average
commercial wait (``crossing_waits.csv``, each row with its source). Crossings
without a published wait, the southbound directions and port gates get the
median calibrated ``8 J / C`` (``J`` scales with capacity ``C``): an
assumption, labelled in ``wait_source``; ``DelayParams.port_gate_wait_minutes``
calibrates the port gates to a wait of their own instead.

Columns written: ``delay_kind`` (``bpr``, ``queue`` or empty: no delay
function, uncapacitated edges and connectors), ``value_of_time_usd_h``,
``bpr_alpha``, ``bpr_beta``, ``queue_j``, ``queue_hours_day``,
``wait_published_min`` (NaN where none), ``wait_utilisation_obs`` and
``wait_source``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field

from corredor.config import StrictModel
from corredor.congestion import queue_j_for_wait
from corredor.csvfiles import read_csv
from corredor.errors import CorredorError
from corredor.layers.cost import CostParams
from corredor.network import Network
from corredor.networks.national import DATA_DIR

__all__ = ["DelayParams", "apply_delay", "read_crossing_waits"]

#: Road classes that carry the BPR function (roads; not connectors, crossings, port gates).
BPR_CLASSES = frozenset({"motorway", "trunk", "primary", "secondary", "tertiary",
                         "us_highway", "foreign_highway"})
#: Columns of a crossing-wait table.
WAIT_COLUMNS = ("crossing_id", "wait_minutes", "measure", "period", "source")


class DelayParams(StrictModel):
    """Constants of the delay layer; ``DelayParams(**overrides)`` from ``layers.delay``."""

    enabled: bool = Field(
        True, description="false: no congestion or queue delay anywhere (the hard-capacity LP)")
    bpr_alpha: float = Field(
        0.15, ge=0, le=10,
        description="BPR alpha: Bureau of Public Roads, Traffic Assignment Manual (US Department "
        "of Commerce, 1964): t = t0 (1 + 0.15 (v/c)^4)")
    bpr_beta: float = Field(4.0, ge=1, le=20, description="BPR beta (same source)")
    queue_hours_day: float = Field(
        16.0, gt=0, le=24,
        description="assumption: hours a day the commercial lanes of a crossing or a port gate "
        "serve trucks (the flow period H of the queueing delay)")
    port_gate_wait_minutes: float | None = Field(
        None, gt=0, le=1440,
        description="average wait at a port gate at its average truck flow, to calibrate the port "
        "queues to; None: the crossings' median calibrated queue (assumption)")


def read_crossing_waits(path: str | None = None) -> pd.DataFrame:
    """The published average commercial waits per crossing (``crossing_waits.csv``).

    Parameters
    ----------
    path : str, optional
        A table with ``WAIT_COLUMNS``; by default the bundled one.

    Returns
    -------
    pandas.DataFrame
    """
    where = path or DATA_DIR / "crossing_waits.csv"
    table = read_csv(where, what="crossing-wait table", dtype={"crossing_id": str})
    missing = [column for column in WAIT_COLUMNS if column not in table.columns]
    if missing:
        raise CorredorError(f"{where}: missing column(s) {', '.join(missing)} "
                            f"(need {', '.join(WAIT_COLUMNS)})")
    minutes = pd.to_numeric(table["wait_minutes"], errors="coerce")
    bad = table.loc[~(minutes > 0), "crossing_id"].tolist()
    if bad:
        raise CorredorError(f"{where}: wait_minutes must be a number "
                            f"> 0, not for {', '.join(map(str, bad[:5]))}")
    return table.assign(wait_minutes=minutes)


def apply_delay(network: Network, *, params: DelayParams | None = None,
                cost_params: CostParams | None = None,
                waits: pd.DataFrame | None = None) -> Network:
    """Add the delay columns (see the module) to the edges.

    Parameters
    ----------
    network : Network
        With the capacity layer's columns.
    params : DelayParams, optional
        The constants.
    cost_params : CostParams, optional
        For the value of time.
    waits : pandas.DataFrame, optional
        Published waits per crossing (``read_crossing_waits``); by default the bundled table.

    Returns
    -------
    Network
        A copy with the columns added.
    """
    params, cost_params = params or DelayParams(), cost_params or CostParams()
    edges = network.edges.copy()
    n = len(edges)
    klass = edges["road_class"].astype(str)
    capacity = pd.to_numeric(edges["capacity_trucks_day"], errors="coerce").to_numpy(dtype=float)
    capacitated = np.isfinite(capacity) & (capacity > 0)
    queue = klass.isin(["border", "port_access"]).to_numpy() & capacitated
    road = klass.isin(sorted(BPR_CLASSES)).to_numpy() & capacitated
    kind = np.where(road, "bpr", np.where(queue, "queue", ""))
    if not params.enabled:
        kind = np.full(n, "")
    edges["delay_kind"] = kind
    edges["value_of_time_usd_h"] = cost_params.value_of_time_usd_h
    edges["bpr_alpha"] = np.where(road, params.bpr_alpha, np.nan)
    edges["bpr_beta"] = np.where(road, params.bpr_beta, np.nan)
    hours = np.where(queue, params.queue_hours_day, np.nan)
    edges["queue_hours_day"] = hours
    published, utilisation, source = _published(edges, waits, queue, capacity)
    calibrated = np.isfinite(published)
    j = np.full(n, np.nan)
    j[calibrated] = queue_j_for_wait(published[calibrated] / 60.0, utilisation[calibrated],
                                     capacity[calibrated], hours[calibrated])
    factor = float(np.median(8.0 * j[calibrated] / capacity[calibrated])) if (
        calibrated.any()) else None
    port = (klass == "port_access").to_numpy() & queue
    if params.port_gate_wait_minutes is not None and port.any():
        x = _port_utilisation(network, edges, port)
        port &= (x > 0) & (x <= 1)
        wait_h = np.full(int(port.sum()), params.port_gate_wait_minutes / 60.0)
        j[port] = queue_j_for_wait(wait_h, x[port], capacity[port], hours[port])
        utilisation[port] = x[port]
        source[port] = (f"DelayParams.port_gate_wait_minutes = {params.port_gate_wait_minutes:g} "
                        "at the port's average truck flow")
    rest = queue & ~np.isfinite(j)
    if factor is None:
        j[rest] = 1.0
        source[rest] = "assumption: no published wait; M/M/1 queue (J = 1)"
    else:
        j[rest] = factor * capacity[rest] / 8.0
        source[rest] = ("assumption: no published wait; the median calibrated queue of the "
                        f"crossings with one (8 J / C = {factor:.4g})")
    edges["queue_j"] = j
    edges["wait_published_min"] = published
    edges["wait_utilisation_obs"] = utilisation
    edges["wait_source"] = np.where(queue, source, "")
    return network.with_edges(edges)


def _published(edges: pd.DataFrame, waits: pd.DataFrame | None, queue: np.ndarray,
               capacity: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Published wait (minutes), counted utilisation and source per edge (northbound only)."""
    n = len(edges)
    published = np.full(n, np.nan)
    source = np.full(n, "", dtype=object)
    observed = pd.to_numeric(edges.get("observed_trucks_day", pd.Series(np.nan, index=edges.index)),
                             errors="coerce").to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation = np.where(queue, observed / capacity, np.nan)
    northbound = (edges["road_class"] == "border").to_numpy() & edges["edge_id"].astype(
        str).str.endswith(":fwd").to_numpy() & queue
    if waits is None:
        if not northbound.any() or not (DATA_DIR / "crossing_waits.csv").exists():
            return published, utilisation, source
        waits = read_crossing_waits()
    by_id = waits.set_index("crossing_id")
    link = (edges["link_id"] if "link_id" in edges.columns
            else edges["edge_id"].str.rsplit(":", n=1).str[0]).astype(str)
    for i in np.flatnonzero(northbound):
        crossing = link.iat[i]
        if crossing in by_id.index and 0 < utilisation[i] <= 1:
            row = by_id.loc[crossing]
            published[i] = float(row["wait_minutes"])
            source[i] = f"{row['measure']}, {row['period']}: {row['source']}"
    return published, utilisation, source


def _port_utilisation(network: Network, edges: pd.DataFrame, port: np.ndarray) -> np.ndarray:
    """Average over capacity truck flow of each port gate (ports' ``truck_boxes_day``)."""
    x = np.full(len(edges), np.nan)
    nodes = network.nodes.set_index("node_id")
    if "truck_boxes_day" not in nodes.columns:
        raise CorredorError("layers.delay.port_gate_wait_minutes needs the ports' average truck "
                            "flow (nodes.truck_boxes_day), which this network does not have")
    boxes = pd.to_numeric(nodes["truck_boxes_day"], errors="coerce")
    capacity = edges["capacity_trucks_day"].to_numpy(dtype=float)
    for i in np.flatnonzero(port):
        node = edges["u"].iat[i] if edges["u"].iat[i] in boxes.index else edges["v"].iat[i]
        x[i] = float(boxes.get(node, np.nan)) / capacity[i]
    return x

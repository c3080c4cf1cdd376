"""What a network state costs: the KPIs of one rerouting solve, valued one way everywhere.

The timeline, Monte Carlo and the capacitated criticality re-solves all value
a state with ``Valuation.kpis``: the generalised transport cost of the trucks
that move, plus, for each truck that cannot, its baseline trip (it travels
later) and one day of delay (cargo value x daily delay share, Hummels &
Schaur 2013, ``RerouteParams.delay_cost_share_per_day``, or 24 x a row's
``value_loss_pct_per_hour``). The LP's unmet
penalty is a routing device and is never counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from corredor.network import Network
from corredor.reroute import RerouteParams, RerouteResult, delay_shares
from corredor.states import EdgeArrays

__all__ = ["SATURATION", "Valuation"]

#: Utilisation above which an edge counts as a bottleneck ("over 90 % capacity").
SATURATION = 0.9


@dataclass(frozen=True, eq=False)
class Valuation:
    """Per demand row: cargo value per truck and the cost of leaving one truck unmet for a day.

    Attributes
    ----------
    value_usd : numpy.ndarray
        Cargo value per truck.
    unmet_cost_usd : numpy.ndarray
        Baseline trip cost (NaN counted as 0) plus cargo value x daily delay share.
    """

    value_usd: np.ndarray
    unmet_cost_usd: np.ndarray

    @classmethod
    def of(cls, demand: pd.DataFrame, baseline: RerouteResult,
           params: RerouteParams) -> Valuation:
        """The valuation of a demand table given its baseline solution.

        Parameters
        ----------
        demand : pandas.DataFrame
            The demand rows the solutions are for.
        baseline : RerouteResult
            The undisrupted solution (its per-OD cost is the deferred trip's cost).
        params : RerouteParams
            For the daily delay share.

        Returns
        -------
        Valuation
        """
        value = demand["value_usd_per_truck"].to_numpy(dtype=float)
        deferred = np.nan_to_num(baseline.od["cost_usd_per_truck"].to_numpy(dtype=float))
        return cls(value, deferred + value * delay_shares(demand, params))

    def kpis(self, network: Network, arrays: EdgeArrays, result: RerouteResult
             ) -> dict[str, float]:
        """Economic KPIs of one state's solution.

        Parameters
        ----------
        network : Network
            The network the state is of (for edge lengths).
        arrays : EdgeArrays
            The state's costs, capacities and travel times.
        result : RerouteResult
            Its rerouting solution.

        Returns
        -------
        dict
            ``cost_usd`` (transport + delay), ``transport_cost_usd`` (with the
            congestion and queue cost and the perishables' value lost in transit,
            ``cargo_time_cost_usd``), ``congestion_cost_usd``, ``congestion_hours``
            (truck-hours of congestion and queueing), ``delay_cost_usd`` (of the unmet
            trucks), ``truck_hours``, ``truck_km``, ``unmet_trucks``,
            ``cargo_value_delayed_usd``, ``edges_over_90pct``, ``disrupted_edges``,
            ``closed_edges``.
        """
        flow = result.edge_flow
        with np.errstate(divide="ignore", invalid="ignore"):
            utilisation = np.where(arrays.capacity > 0, flow / arrays.capacity, 0.0)
        unmet = result.od["unmet_trucks_day"].to_numpy()
        unmet = np.where(unmet > 1e-9, unmet, 0.0)  # LP round-off, not trucks
        length = network.edges["length_km"].to_numpy(dtype=float)
        congestion = result.delay_cost_usd
        congestion_hours = 0.0
        if arrays.delay is not None:
            vot = arrays.delay.vot
            congestion_hours = float(np.sum(np.divide(congestion, vot, out=np.zeros_like(vot),
                                                      where=vot > 0)))
        paths = result.paths
        cargo_time = float(paths["flow_trucks_day"] @ paths["cargo_time_usd_per_truck"])
        transport = float(flow @ arrays.cost_usd) + float(congestion.sum()) + cargo_time
        delay = float(unmet @ self.unmet_cost_usd)
        return {
            "cost_usd": transport + delay,
            "transport_cost_usd": transport,
            "congestion_cost_usd": float(congestion.sum()),
            "congestion_hours": congestion_hours,
            "cargo_time_cost_usd": cargo_time,
            "delay_cost_usd": delay,
            "truck_hours": float(flow @ arrays.travel_time_h) + congestion_hours,
            "truck_km": float(flow @ length),
            "unmet_trucks": float(unmet.sum()),
            "cargo_value_delayed_usd": float(unmet @ self.value_usd),
            "edges_over_90pct": int(np.sum(utilisation > SATURATION)),
            "disrupted_edges": int(arrays.disrupted.sum()),
            "closed_edges": int(arrays.closed.sum()),
        }

"""Assembly plants: the plant table, their supply in the demand, and production on a timeline.

The bundled table (``data/mexico/plants.csv``) has one row per light-vehicle or
heavy-truck assembly plant with its production, working days, parts buffer
(``buffer_days``, a labelled assumption per plant), value per vehicle and main
outbound route, each with its source. A plant's **inbound** supply is the
demand rows of segment ``plant_inbound`` that end at it, its **outbound**
finished vehicles the ``plant_outbound`` rows that start at it.

On each day of a run, the plant's unmet inbound share and the trucks-weighted
extra inbound transit time (free-flow time plus congestion and queue hours,
against the baseline) drive its parts buffer (``corredor.production``); the
outbound rows give the finished vehicles delayed (unmet, or at least
``DELAYED_H`` hours later than on a normal day).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from corredor.csvfiles import read_csv
from corredor.errors import DataFileError
from corredor.networks.national import DATA_DIR
from corredor.production import EPS, PlantParams, run_buffer
from corredor.reroute import RerouteResult
from corredor.simulate import SimulationResult
from corredor.states import EdgeArrays

__all__ = ["DELAYED_H", "INBOUND", "OUTBOUND", "PLANT_COLUMNS", "Plants",
           "bundled_plants", "plant_rows", "read_plants", "row_transit", "supply_change"]

#: Demand segments of the plants' parts supply and of their finished vehicles.
INBOUND, OUTBOUND = "plant_inbound", "plant_outbound"
#: Required columns of a plant table (the bundled one also has every fact's source).
PLANT_COLUMNS = ("plant_id", "name", "vehicle_class", "production_vehicles_year",
                 "working_days_year", "buffer_days", "value_usd_per_vehicle", "outbound_node",
                 "outbound_road_share")
#: An outbound truck this many hours later than on a normal day counts as delayed.
DELAYED_H = 1.0
_RANGES = {"production_vehicles_year": (0.0, 5e6), "working_days_year": (1.0, 366.0),
           "buffer_days": (0.0, 365.0), "value_usd_per_vehicle": (0.0, 1e7),
           "outbound_road_share": (0.0, 1.0)}


@dataclass(frozen=True)
class Plants:
    """A checked plant table, indexed by ``plant_id``."""

    table: pd.DataFrame

    def buffers(self, params: PlantParams) -> pd.Series:
        """Each plant's buffer in days after the scenario's overrides and scale."""
        buffers = self.table["buffer_days"].astype(float).copy()
        for plant, days in params.buffer_days.items():
            buffers[plant] = days
        return buffers * params.buffer_scale

    def check_overrides(self, params: PlantParams) -> list[str]:
        """Problems with ``params.buffer_days``: unknown plants or days out of range."""
        problems = [f"plants.buffer_days: {plant!r} is not a plant of the table (one of "
                    f"{', '.join(self.table.index[:5])}, ...)"
                    for plant in params.buffer_days if plant not in self.table.index]
        problems += [f"plants.buffer_days.{plant}: {days} must be 0..365 days"
                     for plant, days in params.buffer_days.items() if not 0 <= days <= 365]
        return problems

    def production(self, demand: pd.DataFrame, simulation: SimulationResult,
                   params: PlantParams) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Production planned and lost per plant and per plant-day over a timeline.

        Parameters
        ----------
        demand : pandas.DataFrame
            The demand the solutions are for (its ``plant_inbound``/``plant_outbound`` rows
            are the plants' supply and shipments).
        simulation : SimulationResult
            The timeline: its baseline, distinct states and the state of each day.
        params : PlantParams
            Buffers and refill rate.

        Returns
        -------
        plants, plant_days : pandas.DataFrame
            One row per plant with inbound demand (totals), and one per plant and day.
        """
        supplied = (demand["segment"] == INBOUND) & demand["destination"].isin(self.table.index)
        if not supplied.any():
            return (pd.DataFrame(columns=_PLANT_RESULT_COLUMNS),
                    pd.DataFrame(columns=_PLANT_DAY_COLUMNS))
        base_unmet, base_hours = row_transit(simulation.baseline_arrays, simulation.baseline)
        solved = {key: row_transit(*simulation.states[key]) for key in set(simulation.day_state)}
        days = simulation.day_state
        unmet = np.array([solved[key][0] for key in days]).reshape(len(days), len(demand))
        hours = np.array([solved[key][1] for key in days]).reshape(len(days), len(demand))
        trucks = demand["trucks_day"].to_numpy(dtype=float)
        buffers = self.buffers(params)
        rows, day_rows = [], []
        for plant, info in self.table.iterrows():
            inbound = plant_rows(demand, plant, INBOUND)
            if not inbound.any():
                continue
            outbound = plant_rows(demand, plant, OUTBOUND)
            share, delay = supply_change(unmet[:, inbound], hours[:, inbound], trucks[inbound],
                                         base_unmet[inbound], base_hours[inbound])
            run = run_buffer(share, delay, buffer_days=float(buffers[plant]),
                             refill_rate=params.refill_rate)
            plan = float(info["production_vehicles_year"]) / 365.0
            late = _late_share(unmet[:, outbound], hours[:, outbound], trucks[outbound],
                               base_unmet[outbound], base_hours[outbound])
            shipped = plan * float(info["outbound_road_share"])
            lost = plan * (1.0 - run.production)
            rows.append({
                "plant_id": plant, "name": info["name"], "company": info.get("company", ""),
                "vehicle_class": info["vehicle_class"], "buffer_days": float(buffers[plant]),
                "plan_vehicles_day": plan, "inbound_trucks_day": float(trucks[inbound].sum()),
                "max_unmet_inbound_share": float(share.max(initial=0.0)),
                "max_extra_inbound_hours": float(delay.max(initial=0.0)),
                "vehicles_planned": plan * len(days), "vehicles_lost": float(lost.sum()),
                "lost_pct_of_plan": 100.0 * float(lost.sum()) / max(plan * len(days), EPS),
                "days_below_plan": run.days_below_plan,
                "buffer_recovered_day": run.recovered_day,
                "lost_output_usd": float(lost.sum()) * float(info["value_usd_per_vehicle"]),
                "finished_vehicles_delayed": float((late * shipped).sum()),
                "outbound_node": info["outbound_node"],
            })
            day_rows += [{"plant_id": plant, "day": t, "unmet_inbound_share": share[t],
                          "extra_inbound_hours": delay[t], "production_share": run.production[t],
                          "vehicles_lost": lost[t], "buffer_days_left": run.stock_days[t],
                          "finished_vehicles_delayed": late[t] * shipped}
                         for t in range(len(days))]
        plants = pd.DataFrame(rows, columns=_PLANT_RESULT_COLUMNS)
        plant_days = pd.DataFrame(day_rows, columns=_PLANT_DAY_COLUMNS)
        return plants, plant_days


_PLANT_RESULT_COLUMNS = [
    "plant_id", "name", "company", "vehicle_class", "buffer_days", "plan_vehicles_day",
    "inbound_trucks_day", "max_unmet_inbound_share", "max_extra_inbound_hours",
    "vehicles_planned", "vehicles_lost", "lost_pct_of_plan", "days_below_plan",
    "buffer_recovered_day", "lost_output_usd", "finished_vehicles_delayed", "outbound_node"]
_PLANT_DAY_COLUMNS = ["plant_id", "day", "unmet_inbound_share", "extra_inbound_hours",
                      "production_share", "vehicles_lost", "buffer_days_left",
                      "finished_vehicles_delayed"]


def row_transit(arrays: EdgeArrays, result: RerouteResult) -> tuple[np.ndarray, np.ndarray]:
    """Per demand row: unmet trucks and the flow-weighted hours per delivered truck.

    Hours are the free-flow travel time plus the congestion and queue hours of the
    state at the solution's flows (NaN for a row with nothing delivered).

    Parameters
    ----------
    arrays : EdgeArrays
        The state's travel times and delay functions.
    result : RerouteResult
        Its solution (with ``path_edges``).

    Returns
    -------
    unmet, hours : numpy.ndarray
        One value per demand row.
    """
    n = len(result.od)
    edge_hours = arrays.travel_time_h + arrays.delay_h(result.edge_flow)
    flow = result.paths["flow_trucks_day"].to_numpy(dtype=float)
    rows = result.paths["od"].to_numpy(dtype=np.int64)
    path_hours = np.array([edge_hours[e].sum() for e in result.path_edges])
    delivered = np.bincount(rows, weights=flow, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        hours = np.bincount(rows, weights=flow * path_hours, minlength=n) / delivered
    unmet = result.od["unmet_trucks_day"].to_numpy(dtype=float)
    return np.where(unmet > EPS, unmet, 0.0), np.where(delivered > EPS, hours, np.nan)


def plant_rows(demand: pd.DataFrame, plant: str, segment: str) -> np.ndarray:
    """Mask of the demand rows with trucks of ``segment`` into (inbound) or out of a plant.

    Parameters
    ----------
    demand : pandas.DataFrame
        The demand.
    plant : str
        The plant's node id.
    segment : {INBOUND, OUTBOUND}
        Parts ending at the plant, or finished vehicles starting at it.

    Returns
    -------
    numpy.ndarray
        Bool, one per demand row.
    """
    end = "destination" if segment == INBOUND else "origin"
    return ((demand[end] == plant) & (demand["segment"] == segment)
            & (demand["trucks_day"] > 0)).to_numpy()


def supply_change(unmet: np.ndarray, hours: np.ndarray, trucks: np.ndarray,
                  base_unmet: np.ndarray, base_hours: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Per state: the unmet share of a plant's inbound trucks beyond the baseline, extra hours.

    Parameters
    ----------
    unmet, hours : numpy.ndarray
        States x the plant's inbound rows: unmet trucks and hours per delivered truck
        (``row_transit``).
    trucks : numpy.ndarray
        Trucks per day of those rows.
    base_unmet, base_hours : numpy.ndarray
        The baseline's ``row_transit`` of those rows.

    Returns
    -------
    share, delay : numpy.ndarray
        Per state: the unmet share (0..1) and the delivered-trucks-weighted extra hours.
    """
    total = trucks.sum()
    share = np.clip((unmet - base_unmet).sum(axis=1) / total, 0.0, 1.0)
    delivered = trucks - unmet
    extra = np.nan_to_num(hours - np.nan_to_num(base_hours))
    with np.errstate(invalid="ignore", divide="ignore"):
        delay = (delivered * extra).sum(axis=1) / delivered.sum(axis=1)
    return share, np.nan_to_num(delay)


def _late_share(unmet: np.ndarray, hours: np.ndarray, trucks: np.ndarray,
                base_unmet: np.ndarray, base_hours: np.ndarray) -> np.ndarray:
    """Per day: the share of the outbound trucks unmet or ``DELAYED_H`` hours late."""
    if not len(trucks):
        return np.zeros(len(unmet))
    extra = np.nan_to_num(hours - np.nan_to_num(base_hours))
    late = np.maximum(unmet - base_unmet, 0.0) + np.where(extra >= DELAYED_H,
                                                          trucks - unmet, 0.0)
    return np.clip(late.sum(axis=1) / trucks.sum(), 0.0, 1.0)


def read_plants(path: str | Path) -> Plants:
    """Read and check a plant table; every fault is reported in one error naming the file.

    Parameters
    ----------
    path : str or Path
        A CSV with ``PLANT_COLUMNS`` (more columns are kept).

    Returns
    -------
    Plants

    Raises
    ------
    DataFileError
        Missing file or columns, repeated ids, numbers out of range, bad vehicle_class.
    """
    path = Path(path)
    table = read_csv(path, what="plant table", dtype=str, keep_default_na=False)
    missing = [c for c in PLANT_COLUMNS if c not in table.columns]
    if missing:
        raise DataFileError(f"{path}: missing column(s) {', '.join(missing)} (a plant table has "
                            f"{', '.join(PLANT_COLUMNS)})")
    problems = []
    repeated = sorted(set(table["plant_id"][table["plant_id"].duplicated()]))
    if repeated:
        problems.append(f"'plant_id' repeated: {', '.join(repeated)}")
    for column, (low, high) in _RANGES.items():
        values = pd.to_numeric(table[column], errors="coerce")
        bad = table.index[~((values >= low) & (values <= high))]
        if len(bad):
            problems.append(f"'{column}' must be a number {low:g}..{high:,.0f} (bad on line(s) "
                            f"{(bad + 2).tolist()[:5]})")
        table[column] = values
    bad = table.index[~table["vehicle_class"].isin(["light", "heavy"])]
    if len(bad):
        problems.append(f"'vehicle_class' must be light or heavy (bad on line(s) "
                        f"{(bad + 2).tolist()[:5]})")
    if problems:
        raise DataFileError(f"{path}: " + "; ".join(problems))
    return Plants(table.set_index("plant_id", drop=False).rename_axis(None))


def bundled_plants() -> Plants:
    """The bundled plant table (``data/mexico/plants.csv``)."""
    return read_plants(DATA_DIR / "plants.csv")

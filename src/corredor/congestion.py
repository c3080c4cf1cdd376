"""Delay that grows with flow: congestion on roads and queues at crossings and ports.

The delay layer (``corredor.layers.delay``) gives each capacitated edge a delay
function of its truck flow ``f`` (trucks/day), stored in edge columns so a
weighted network carries it:

* **Roads** (``delay_kind == "bpr"``): the Bureau of Public Roads volume-delay
  function, extra hours per truck ``t0 * alpha * x^beta`` on top of the
  free-flow time ``t0`` (``travel_time_h``), with the volume-to-capacity ratio
  ``x = (background PCE + truck_pce * f) / capacity PCE`` where the edge has
  counted background traffic (``corredor.background``) and ``x = f / C`` (its
  truck capacity) where it has none.
* **Crossings and port gates** (``delay_kind == "queue"``): waiting hours per
  truck from the time-dependent queueing delay of the coordinate-transformation
  method (Kimber & Hollis 1979; Akçelik 1991), over an operating day of ``H``
  hours with truck capacity ``C`` per day::

      W(x) = H / 4 * ((x - 1) + sqrt((x - 1)^2 + 8 J x / C)),    x = f / C

  For ``x`` well below 1 it is the steady-state queue ``J x / (Q (1 - x))``
  (``Q = C / H`` trucks/hour; ``J = 1`` is the M/M/1 queue), and beyond 1 the
  deterministic oversaturation queue ``H / 2 (x - 1)``, so it stays finite at
  capacity. ``J`` is calibrated so that ``W`` at the crossing's counted
  utilisation equals its published wait (``queue_j``). Effects that add waiting
  time (``wait_minutes``) shift ``W`` and clamp it at 0.

Each truck's delay is valued at ``value_of_time_usd_h``, so an edge's total delay
cost ``G(f) = f * delay(f) * value_of_time`` is convex in ``f``. The rerouting LP
(``corredor.reroute``) prices it through the secants of ``G`` between
breakpoints ``r_1 < ... < r_n = 1`` of the truck capacity (``Curves``): the
piecewise-linear cost equals ``G`` at the breakpoints and lies above it in
between, and the last breakpoint is the hard capacity. Only the trucks' own
delay is priced (system optimum for the trucks; the background traffic is
fixed and its delay not counted).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corredor.network import Network

__all__ = ["DELAY_COLUMNS", "Curves", "DelayModel", "queue_j_for_wait", "queue_wait_h"]

#: Edge columns the delay layer writes and ``DelayModel`` reads.
DELAY_COLUMNS = (
    "delay_kind", "value_of_time_usd_h", "bpr_alpha", "bpr_beta",
    "queue_j", "queue_hours_day",
)


def queue_wait_h(x: np.ndarray, j: np.ndarray, capacity: np.ndarray,
                 hours: np.ndarray) -> np.ndarray:
    """Waiting hours per truck at utilisation ``x`` (the module's ``W``).

    Parameters
    ----------
    x : numpy.ndarray
        Truck flow over truck capacity.
    j : numpy.ndarray
        Delay parameter (1: M/M/1).
    capacity : numpy.ndarray
        Trucks/day the facility serves at full utilisation (> 0).
    hours : numpy.ndarray
        Operating hours per day.

    Returns
    -------
    numpy.ndarray
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return hours / 4.0 * ((x - 1.0) + np.sqrt((x - 1.0) ** 2 + 8.0 * j * x / capacity))


def queue_j_for_wait(wait_h: np.ndarray, x: np.ndarray, capacity: np.ndarray,
                     hours: np.ndarray) -> np.ndarray:
    """The delay parameter ``J`` with ``queue_wait_h(x, J, capacity, hours) == wait_h``.

    Solving the module's ``W`` for ``J``: with ``y = 4 W / H``,
    ``J = C (y^2 - 2 y (x - 1)) / (8 x)``.

    Parameters
    ----------
    wait_h : numpy.ndarray
        Observed waiting hours per truck (> 0).
    x : numpy.ndarray
        Observed utilisation (> 0, at most 1).
    capacity, hours : numpy.ndarray
        As in ``queue_wait_h``.

    Returns
    -------
    numpy.ndarray
    """
    y = 4.0 * np.asarray(wait_h, dtype=float) / hours
    return capacity * (y * y - 2.0 * y * (np.asarray(x, dtype=float) - 1.0)) / (8.0 * x)


@dataclass(frozen=True, eq=False)
class Curves:
    """Piecewise-linear delay cost of every edge in one network state.

    ``width[e, j]`` is the trucks/day of segment ``j`` of edge ``e`` and
    ``slope[e, j]`` its USD per truck (non-decreasing in ``j``); the widths of
    an edge add up to its truck capacity. Edges without a delay function have
    one segment of slope 0 as wide as the capacity (the hard capacity alone).
    """

    width: np.ndarray
    slope: np.ndarray

    @property
    def priced(self) -> np.ndarray:
        """Edges whose delay cost is not identically 0."""
        return np.any(self.slope > 0, axis=1)

    def cost_usd(self, flow: np.ndarray) -> np.ndarray:
        """The piecewise-linear delay cost per edge at ``flow`` (filled segment by segment)."""
        start = np.concatenate([np.zeros((len(flow), 1)), np.cumsum(self.width, axis=1)[:, :-1]],
                               axis=1)
        filled = np.clip(np.asarray(flow, dtype=float)[:, None] - start, 0.0, self.width)
        return np.nansum(filled * self.slope, axis=1)


@dataclass(frozen=True, eq=False)
class DelayModel:
    """The delay functions of a weighted network (``DELAY_COLUMNS``; see the module).

    Attributes
    ----------
    kind : numpy.ndarray
        ``"bpr"``, ``"queue"`` or ``""`` per edge.
    free_h : numpy.ndarray
        Free-flow hours per truck (``travel_time_h``).
    vot : numpy.ndarray
        USD per truck-hour of delay.
    alpha, beta : numpy.ndarray
        BPR parameters.
    j, hours : numpy.ndarray
        Queue delay parameter and operating hours per day.
    capacity_pce, background_pce, truck_pce : numpy.ndarray
        PCE/day capacity and background per direction and PCE of a truck
        (NaN, 0 and 1 where the edge has no counted background).
    """

    kind: np.ndarray
    free_h: np.ndarray
    vot: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    j: np.ndarray
    hours: np.ndarray
    capacity_pce: np.ndarray
    background_pce: np.ndarray
    truck_pce: np.ndarray

    @classmethod
    def of(cls, network: Network) -> DelayModel | None:
        """The delay functions of ``network``, or None when the delay layer has not run."""
        edges = network.edges
        if not set(DELAY_COLUMNS) <= set(edges.columns):
            return None
        kind = edges["delay_kind"].fillna("").astype(str).to_numpy()
        if not np.any(kind != ""):
            return None

        def column(name: str, fill: float) -> np.ndarray:
            if name not in edges.columns:
                return np.full(len(edges), fill)
            return np.nan_to_num(edges[name].to_numpy(dtype=float), nan=fill)

        truck_pce = column("truck_pce", 1.0)
        return cls(
            kind=kind,
            free_h=column("travel_time_h", 0.0),
            vot=column("value_of_time_usd_h", 0.0),
            alpha=column("bpr_alpha", 0.0),
            beta=column("bpr_beta", 1.0),
            j=column("queue_j", 0.0),
            hours=column("queue_hours_day", 24.0),
            capacity_pce=column("capacity_pce_day", np.nan),
            background_pce=column("background_pce_day", 0.0),
            truck_pce=np.where(truck_pce >= 1, truck_pce, 1.0),
        )

    def hours_per_truck(self, flow: np.ndarray, capacity: np.ndarray, *,
                        capacity_mult: np.ndarray | None = None,
                        diverted_pce: np.ndarray | None = None,
                        wait_shift_h: np.ndarray | None = None) -> np.ndarray:
        """Delay per truck (hours) on every edge at ``flow`` trucks/day (0 where none).

        Parameters
        ----------
        flow : numpy.ndarray
            Trucks/day per edge.
        capacity : numpy.ndarray
            The state's truck capacity per edge (``inf``: uncapacitated, no delay).
        capacity_mult : numpy.ndarray, optional
            The state's capacity multipliers (scale the PCE capacity and background).
        diverted_pce : numpy.ndarray, optional
            Background PCE/day diverted onto each edge.
        wait_shift_h : numpy.ndarray, optional
            Hours added to (or, negative, taken from) each queue's wait.

        Returns
        -------
        numpy.ndarray
        """
        n = len(self.kind)
        flow = np.asarray(flow, dtype=float)
        f = flow.reshape(n, -1)  # one column per flow vector

        def per_edge(values: np.ndarray | None, fill: float) -> np.ndarray:
            column = np.full(n, fill) if values is None else np.asarray(values, dtype=float)
            return column[:, None]

        mult, extra = per_edge(capacity_mult, 1.0), per_edge(diverted_pce, 0.0)
        shift, cap = per_edge(wait_shift_h, 0.0), np.asarray(capacity, dtype=float)[:, None]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            counted = np.isfinite(self.capacity_pce)[:, None] & (mult > 0)
            x_plain = f / cap
            x_counted = ((self.background_pce[:, None] * mult + extra
                          + self.truck_pce[:, None] * f) / (self.capacity_pce[:, None] * mult))
            x = np.where(counted, x_counted, x_plain)
            bpr = (self.free_h * self.alpha)[:, None] * np.power(np.maximum(x, 0.0),
                                                                 self.beta[:, None])
            queue = np.maximum(queue_wait_h(x_plain, self.j[:, None], cap,
                                            self.hours[:, None]) + shift, 0.0)
        open_ = np.isfinite(cap) & (cap > 0)
        delay = (np.where(((self.kind == "bpr")[:, None]) & open_, bpr, 0.0)
                 + np.where(((self.kind == "queue")[:, None]) & open_, queue, 0.0))
        return np.nan_to_num(delay, nan=0.0, posinf=0.0).reshape(flow.shape)

    def curves(self, capacity: np.ndarray, breakpoints: tuple[float, ...], *,
               capacity_mult: np.ndarray | None = None,
               diverted_pce: np.ndarray | None = None,
               wait_shift_h: np.ndarray | None = None,
               load: np.ndarray | None = None) -> Curves:
        """Secant segments of the delay cost between ``breakpoints`` x truck capacity.

        With ``load`` (trucks/day already on each edge, fixed), the curves are those
        of the room left: breakpoints at ``load + r (capacity - load)`` and the cost
        ``G(load + g) - G(load)`` of ``g`` more trucks (the extra delay of all of them).

        Parameters
        ----------
        capacity : numpy.ndarray
            The state's truck capacity per edge.
        breakpoints : tuple of float
            Increasing fractions of capacity, the last 1.
        capacity_mult, diverted_pce, wait_shift_h : numpy.ndarray, optional
            The state's changes (see ``hours_per_truck``).
        load : numpy.ndarray, optional
            Fixed trucks/day per edge (at most the capacity).

        Returns
        -------
        Curves
        """
        capacity = np.asarray(capacity, dtype=float)
        finite = np.where(np.isfinite(capacity), capacity, 0.0)
        fixed = np.zeros(len(finite)) if load is None else np.minimum(load, finite)
        points = fixed[:, None] + (finite - fixed)[:, None] * np.asarray(
            (0.0, *breakpoints))[None, :]  # (n, J + 1)
        delay = self.hours_per_truck(points, capacity, capacity_mult=capacity_mult,
                                     diverted_pce=diverted_pce, wait_shift_h=wait_shift_h)
        total = points * delay * self.vot[:, None]
        width = np.diff(points, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.where(width > 0, np.diff(total, axis=1) / width, 0.0)
        slope = np.maximum.accumulate(np.maximum(slope, 0.0), axis=1)  # round-off only
        return Curves(width=width, slope=slope)

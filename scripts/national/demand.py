"""Author ``demand_segments.csv``: the known freight segments, trucks per day.

They are the freight part of the prior OD matrix that ``od_estimate.py`` adjusts
to the counts (its ``demand.csv`` is the model's demand).

Step 4 of ``make data`` (``scripts/national/build_all.py``), after ``ports.py``
(it reads ``ports.csv`` from the output folder); alone, from the repository root::

    .venv/bin/python scripts/national/demand.py [--out DIR]

The year, the TransBorder state names and the assumption tables (state hubs, US
destination shares, port hinterland shares) are in ``demand.yaml`` next to this
script; the port landside parameters come from ``ports.yaml`` (through
``ports.load_landside``). Two segments:

``us_export``
    Loaded northbound trucks from Mexican states to US destination regions.

    1. Total = loaded northbound trucks in ``year`` at all US-Mexico land ports,
       from the BTS Border Crossing Entry Data, computed as ``Trucks`` minus
       ``Truck Containers Empty``. The ``Truck Containers Loaded`` measure is *not*
       used: up to 2022 it equalled Trucks - Empty within about 2% nationally,
       but from 2023 (partly) and 2024 (all large ports) it counts more loaded
       containers than there are trucks (2024: 10.66 M loaded containers vs
       7.62 M trucks; Laredo's monthly value doubles from Jan 2024 while its
       truck count is flat), so it no longer measures loaded trucks.
    2. Split among Mexican states in proportion to each state's ``year`` truck-mode
       trade value in BTS TransBorder. The TransBorder state file holds only
       ``TradeType == Export`` rows (US exports *to* each Mexican state; no
       imports, no weights after 2014), so US exports to a state by truck are
       used as the proxy for that state's share of cross-border truck trade.
       Every state is represented by one hub node (Guanajuato: four hubs, with a
       stated split).
    3. Each state's trucks are allocated to US destination regions with a fixed
       share table (``assumption``), by regional profile of the Mexican state.
    4. Flows below ``min_trucks_day`` are merged into the largest flow of the same
       origin, so totals are preserved.
    5. ``value_usd_per_truck``: BTS TransBorder ``year`` US imports by truck through
       the Texas land ports divided by the loaded northbound trucks (Trucks - Empty)
       at the same Texas ports in the same year: a northbound value per loaded
       truck, applied to all rows.

``port_hinterland``
    Container trucks between the main container ports and inland hubs, from the
    port TEU in ``ports.csv``: trucks/day = TEU/yr x (1 - transshipment share) x
    truck share / TEU per box / 365 (``landside`` of ``ports.yaml``), split by
    ``import_share`` between port -> hub (imports) and hub -> port (exports), then
    across hubs with a fixed share table (``assumption``); the unallocated
    remainder is the port's local/other hinterland and is not modelled.

Inputs (read-only, never copied into the repository): ``../shared/data/bts/``.
"""

from __future__ import annotations

import calendar
import csv
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

sys.dont_write_bytecode = True  # do not leave __pycache__ next to the scripts

from common import (  # noqa: E402
    HERE,
    SHARED_DATA,
    AuthoringError,
    fmt,
    parse_out_dir,
    read_yaml,
    require,
    run,
    write_csv,
)
from ports import Landside, load_landside  # noqa: E402

SPEC = HERE / "demand.yaml"
SPEC_KEYS = (
    "year",
    "min_trucks_day",
    "transborder_states",
    "states",
    "us_profiles",
    "hinterland",
    "import_share",
    "full_box_share",
    "full_box_source",
)
BORDER_FILE = SHARED_DATA / "bts" / "bts_us_mexico_border_only.csv"
STATE_TRADE_FILE = SHARED_DATA / "bts" / "mexican_state_trade.csv"
TEXAS_PORTS_FILE = SHARED_DATA / "bts" / "texas_mexico_ports.csv"

#: Columns of demand.csv.
COLUMNS = ["origin", "destination", "segment", "trucks_day", "value_usd_per_truck", "source"]


def load_spec(path: Path = SPEC) -> dict[str, Any]:
    """Read ``demand.yaml`` and check that its tables are consistent.

    Parameters
    ----------
    path : pathlib.Path
        The spec (default: ``demand.yaml`` next to this script).

    Returns
    -------
    dict
        The parsed spec.

    Raises
    ------
    AuthoringError
        Naming the file and entry: a state without hubs or with an unknown profile,
        a TransBorder name mapped to a state with no entry.
    """
    spec = read_yaml(path, SPEC_KEYS)
    profiles = require(spec["us_profiles"], (), f"{path.name} us_profiles")
    for code, state in require(spec["states"], (), f"{path.name} states").items():
        require(state, ("hubs", "profile"), f"{path.name} states {code}")
        if state["profile"] not in profiles:
            raise AuthoringError(
                f"{path.name} states {code}: profile {state['profile']!r} not in us_profiles"
            )
    unknown = sorted(set(spec["transborder_states"].values()) - set(spec["states"]))
    if unknown:
        raise AuthoringError(f"{path.name} transborder_states: codes {unknown} not in states")
    return spec


# --- Data -----------------------------------------------------------------------
def border_loaded_trucks(year: int) -> pd.DataFrame:
    """Per US port: Trucks, Truck Containers Empty and loaded = Trucks - Empty, for one year.

    Parameters
    ----------
    year : int
        The calendar year.

    Returns
    -------
    pandas.DataFrame
        One row per port (``Port Code``, ``Port Name``, ``State``), with the measures
        as columns and ``loaded``.

    Raises
    ------
    AuthoringError
        When a port with trucks lacks a month of that year in the BTS file.
    """
    b = pd.read_csv(BORDER_FILE)
    b = b[b["Date"].str[-4:].astype(int) == year]
    b = b[b["Measure"].isin(["Trucks", "Truck Containers Empty", "Truck Containers Loaded"])]
    months = b.groupby("Port Code")["Date"].nunique()
    if (months[b.groupby("Port Code")["Value"].sum() > 0] != 12).any():
        raise AuthoringError(f"{BORDER_FILE}: {year} is not a full year for every port")
    p = b.pivot_table(
        index=["Port Code", "Port Name", "State"],
        columns="Measure",
        values="Value",
        aggfunc="sum",
        fill_value=0,
    ).reset_index()
    p["loaded"] = (p["Trucks"] - p["Truck Containers Empty"]).clip(lower=0)
    return p


def state_truck_values(year: int, state_codes: Mapping[str, str]) -> pd.Series:
    """US exports by truck to each Mexican state in one year (BTS TransBorder).

    Parameters
    ----------
    year : int
        The calendar year.
    state_codes : mapping
        TransBorder ``MexState`` spelling -> INEGI code (``transborder_states``).

    Returns
    -------
    pandas.Series
        Trade value in USD by INEGI code.

    Raises
    ------
    AuthoringError
        When the file has a state name that ``state_codes`` does not map.
    """
    t = pd.read_csv(STATE_TRADE_FILE)
    types = set(t["TradeType"].unique())
    t = t[(t["Year"] == year) & (t["Mode"] == "Truck") & (t["TradeType"] == "Export")]
    unknown = sorted(set(t["MexState"]) - set(state_codes))
    if unknown:
        raise AuthoringError(
            f"{STATE_TRADE_FILE.name}: state names {unknown} are not in transborder_states "
            f"of {SPEC.name}"
        )
    t = t.assign(code=t["MexState"].map(state_codes))
    values = t.groupby("code")["TradeValue"].sum()
    print(f"TransBorder trade types present: {sorted(types)}; {len(values)} states with truck rows")
    return values


def texas_value_per_loaded_truck(year: int, border: pd.DataFrame) -> tuple[float, float, float]:
    """Northbound value per loaded truck at the Texas land ports.

    Parameters
    ----------
    year : int
        The calendar year.
    border : pandas.DataFrame
        From :func:`border_loaded_trucks`.

    Returns
    -------
    (float, float, float)
        Value per loaded truck (USD), the TransBorder truck import value via Texas
        ports, and the loaded northbound trucks at those ports.
    """
    tx = pd.read_csv(TEXAS_PORTS_FILE)
    tx = tx[(tx["Year"] == year) & (tx["Mode"] == "Truck") & (tx["TradeType"] == "Import")]
    codes = set(tx["PortCode"].astype(int))
    tb = border[border["Port Code"].astype(int).isin(codes)]
    value = float(tx["TradeValue"].sum())
    loaded = float(tb["loaded"].sum())
    return value / loaded, value, loaded


def _profile_text(name: str, shares: Mapping[str, float]) -> str:
    ordered = sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))
    parts = ", ".join(f"{k.split(':')[1]} {v:.0%}" for k, v in ordered)
    return f"assumption: destination shares, profile '{name}' ({parts})"


def _merge_small(flows: dict[str, float], minimum: float, hub: str) -> int:
    """Merge flows below ``minimum`` into the origin's largest flow; return how many."""
    biggest = max(flows, key=lambda d: (flows[d], d))
    merged = 0
    for dest in sorted(flows):
        if dest != biggest and flows[dest] < minimum:
            flows[biggest] += flows.pop(dest)
            merged += 1
    if flows[biggest] < minimum:
        raise AuthoringError(
            f"{SPEC.name}: hub {hub} totals {flows[biggest]:.2f} trucks/day, below min_trucks_day"
        )
    return merged


def _row(
    origin: str, destination: str, segment: str, trucks: float, value: float, source: str
) -> dict[str, object]:
    return {
        "origin": origin,
        "destination": destination,
        "segment": segment,
        "trucks_day": fmt(trucks, 2),
        "value_usd_per_truck": fmt(value, 0),
        "source": source,
    }


def _export_base(year: int, border: pd.DataFrame, days: int, total_value: float) -> str:
    """The provenance text shared by every ``us_export`` row."""
    total_loaded = float(border["loaded"].sum())
    return (
        f"BTS Border Crossing Entry Data {year}: {total_loaded:,.0f} loaded northbound trucks "
        f"(Trucks {border['Trucks'].sum():,.0f} - Truck Containers Empty "
        f"{border['Truck Containers Empty'].sum():,.0f}, all US-Mexico ports; the "
        f"'Truck Containers Loaded' measure exceeds the truck count from 2024 and is not used) "
        f"/ {days} days = {total_loaded / days:,.1f}/day; state share = the state's share of BTS "
        f"TransBorder {year} US exports to Mexican states by truck "
        f"(${total_value / 1e9:,.1f} bn; proxy, the file has no import rows)"
    )


def us_export_rows(spec: Mapping[str, Any]) -> tuple[list[dict[str, object]], dict[str, float]]:
    """Rows of the ``us_export`` segment.

    Parameters
    ----------
    spec : mapping
        ``demand.yaml`` (:func:`load_spec`).

    Returns
    -------
    rows : list of dict
        One row per hub and US destination.
    stats : dict
        Totals for the report (and ``value_per_truck`` for the port segment).
    """
    year, minimum = spec["year"], spec["min_trucks_day"]
    days = 366 if calendar.isleap(year) else 365
    border = border_loaded_trucks(year)
    total_loaded = float(border["loaded"].sum())
    per_day = total_loaded / days
    value_per_truck, tx_value, tx_loaded = texas_value_per_loaded_truck(year, border)
    values = state_truck_values(year, spec["transborder_states"])
    total_value = float(values.sum())
    base = _export_base(year, border, days, total_value)
    value_note = (
        f"value: BTS TransBorder {year} US imports by truck via Texas ports "
        f"${tx_value / 1e9:,.1f} bn / {tx_loaded:,.0f} loaded northbound trucks at those ports"
    )
    rows: list[dict[str, object]] = []
    merged = 0
    for code, value in sorted(values.items()):
        share = value / total_value
        state = spec["states"][code]
        profile = spec["us_profiles"][state["profile"]]
        src = (
            f"{base}: INEGI {code} {share:.2%}"
            + (f"; {state['note']}" if state.get("note") else "")
            + f"; {_profile_text(state['profile'], profile)}, flows < {minimum}/day merged "
            f"into the origin's largest flow; {value_note}"
        )
        for hub, hub_share in state["hubs"].items():
            flows = {dest: per_day * share * hub_share * s for dest, s in profile.items()}
            merged += _merge_small(flows, minimum, hub)
            rows += [
                _row(hub, dest, "us_export", trucks, value_per_truck, src)
                for dest, trucks in flows.items()
            ]
    stats = {
        "loaded_trucks_year": total_loaded,
        "trucks_day": per_day,
        "value_per_truck": value_per_truck,
        "merged_flows": merged,
        "truck_export_value": total_value,
    }
    return rows, stats


def port_hinterland_rows(
    spec: Mapping[str, Any], landside: Landside, ports_csv: Path, value_per_truck: float
) -> list[dict[str, object]]:
    """Rows of the ``port_hinterland`` segment.

    Parameters
    ----------
    spec : mapping
        ``demand.yaml`` (:func:`load_spec`).
    landside : Landside
        The ports' landside parameters (``ports.load_landside``).
    ports_csv : pathlib.Path
        ``ports.csv`` written by ``ports.py`` (TEU per port).
    value_per_truck : float
        BTS northbound value per loaded truck (from :func:`us_export_rows`).

    Returns
    -------
    list of dict
        One row per port, hub and direction with at least ``min_trucks_day``.

    Raises
    ------
    AuthoringError
        When a hinterland port is not in ``ports.csv``, has no TEU or no landside
        parameters.
    """
    port_rows = _hinterland_ports(spec, landside, ports_csv)
    value = spec["full_box_share"] * value_per_truck
    tail = (
        f"value: assumption = full-box share {spec['full_box_share']:.2f} "
        f"({spec['full_box_source']}) x BTS {spec['year']} northbound value per "
        f"loaded truck ${value_per_truck:,.0f} (assumption: a full seaport box is "
        "worth about a loaded border truck)"
    )
    rows: list[dict[str, object]] = []
    for port_id, hubs in sorted(spec["hinterland"].items()):
        port = port_rows[port_id]
        remainder = 1.0 - sum(hubs.values())
        base = _port_base(spec, landside, port_id, port)
        boxes = landside.truck_boxes_per_day(port["name"], float(port["teu"]))
        import_share = spec["import_share"]
        for hub, share in sorted(hubs.items()):
            for origin, dest, dir_share in (
                (port_id, hub, import_share),
                (hub, port_id, 1.0 - import_share),
            ):
                trucks = boxes * dir_share * share
                if trucks < spec["min_trucks_day"]:
                    continue
                src = (
                    f"{base}; assumption: hub share {hub.split(':')[1]} {share:.0%} "
                    f"(remaining {remainder:.0%} = local/other hinterland, not modelled); {tail}"
                )
                rows.append(_row(origin, dest, "port_hinterland", trucks, value, src))
    return rows


def _hinterland_ports(
    spec: Mapping[str, Any], landside: Landside, ports_csv: Path
) -> dict[str, dict[str, str]]:
    """The ``ports.csv`` rows of the hinterland ports, checked to have TEU and landside data."""
    with ports_csv.open(encoding="utf-8") as handle:
        port_rows = {r["node_id"]: r for r in csv.DictReader(handle)}
    for port_id in spec["hinterland"]:
        port = port_rows.get(port_id)
        if port is None or port["teu"] == "" or port["name"] not in landside.ports:
            raise AuthoringError(
                f"{SPEC.name} hinterland {port_id}: needs a row with teu in {ports_csv} and "
                "landside parameters in ports.yaml"
            )
    return port_rows


def _port_base(
    spec: Mapping[str, Any],
    landside: Landside,
    port_id: str,
    port: Mapping[str, str],
) -> str:
    """The provenance text shared by every row of one port."""
    teu = float(port["teu"])
    p = landside.ports[port["name"]]
    boxes = landside.truck_boxes_per_day(port["name"], teu)
    estimated = port["throughput_source"].startswith("assumption")
    kind = "annualised estimate" if estimated else "published"
    import_share = spec["import_share"]
    return (
        f"ports.csv {port_id} TEU {teu:,.0f} ({port['throughput_year']}; {kind}) "
        f"x (1 - transshipment {p['transshipment']:.2f} [{p['transshipment_source']}]) "
        f"x truck share {p['truck_share']:.2f} [{p['truck_share_source']}] "
        f"/ {landside.teu_per_box} TEU per box (assumption: one box per truck) / 365 = "
        f"{boxes:,.0f} truck boxes/day; assumption: {import_share:.0%} port->hub (imports) and "
        f"{1 - import_share:.0%} hub->port (exports)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Build and write ``demand_segments.csv`` (the prior of ``od_estimate.py``).

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments (``--out DIR``); ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        0 (a problem raises :class:`common.AuthoringError` before anything is written).
    """
    out_dir = parse_out_dir("Write demand_segments.csv from demand.yaml, BTS and ports.csv.",
                            argv)
    spec = load_spec()
    export_rows, stats = us_export_rows(spec)
    port_rows = port_hinterland_rows(
        spec, load_landside(), out_dir / "ports.csv", stats["value_per_truck"]
    )
    rows = sorted(
        export_rows + port_rows, key=lambda r: (r["segment"], r["origin"], r["destination"])
    )
    out_file = out_dir / "demand_segments.csv"
    write_csv(out_file, COLUMNS, rows)
    for seg in ("us_export", "port_hinterland"):
        sel = [r for r in rows if r["segment"] == seg]
        total = sum(float(r["trucks_day"]) for r in sel)
        print(f"{seg}: {len(sel)} rows, {total:,.1f} trucks/day")
    print(f"stats: {stats}")
    print(f"wrote {len(rows)} rows to {out_file}")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))

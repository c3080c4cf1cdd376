"""Author ``data/mexico/demand.csv``: origin-destination truck flows per day.

Run once by a maintainer, after ``ports.py`` (it reads ``data/mexico/ports.csv``)::

    .venv/bin/python scripts/national/demand.py

Two segments:

``us_export``
    Loaded northbound trucks from Mexican states to US destination regions.

    1. Total = loaded northbound trucks in ``YEAR`` at all US-Mexico land ports,
       from the BTS Border Crossing Entry Data, computed as ``Trucks`` minus
       ``Truck Containers Empty``. The ``Truck Containers Loaded`` measure is *not*
       used: up to 2022 it equalled Trucks - Empty within about 2% nationally,
       but from 2023 (partly) and 2024 (all large ports) it counts more loaded
       containers than there are trucks (2024: 10.66 M loaded containers vs
       7.62 M trucks; Laredo's monthly value doubles from Jan 2024 while its
       truck count is flat), so it no longer measures loaded trucks.
    2. Split among Mexican states in proportion to each state's ``YEAR`` truck-mode
       trade value in BTS TransBorder. The TransBorder state file holds only
       ``TradeType == Export`` rows (US exports *to* each Mexican state; no
       imports, no weights after 2014), so US exports to a state by truck are
       used as the proxy for that state's share of cross-border truck trade.
       Every state is represented by one hub node (Guanajuato: four hubs, with a
       stated split).
    3. Each state's trucks are allocated to US destination regions with a fixed
       share table (``assumption``), by regional profile of the Mexican state.
    4. Flows below ``MIN_TRUCKS_DAY`` are merged into the largest flow of the same
       origin, so totals are preserved.
    5. ``value_usd_per_truck``: BTS TransBorder ``YEAR`` US imports by truck through
       the Texas land ports divided by the loaded northbound trucks (Trucks - Empty)
       at the same Texas ports in the same year: a northbound value per loaded
       truck, applied to all rows.

``port_hinterland``
    Container trucks between the main container ports and inland hubs, from the
    port TEU in ``ports.csv``: trucks/day = TEU/yr x (1 - transshipment share) x
    truck share / TEU per box / 365 (parameters in ``ports.LANDSIDE``), split 50/50
    between port -> hub (imports) and hub -> port (exports), then across hubs
    with a fixed share table (``assumption``); the unallocated remainder is the
    port's local/other hinterland and is not modelled.

Inputs (read-only, never copied into the repository): ``../shared/data/bts/``.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pandas as pd

sys.dont_write_bytecode = True  # do not leave __pycache__ next to the scripts
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import OUT_DIR, SHARED_DATA  # noqa: E402
from ports import LANDSIDE, TEU_PER_BOX, truck_boxes_per_day  # noqa: E402

BORDER_FILE = SHARED_DATA / "bts" / "bts_us_mexico_border_only.csv"
STATE_TRADE_FILE = SHARED_DATA / "bts" / "mexican_state_trade.csv"
TEXAS_PORTS_FILE = SHARED_DATA / "bts" / "texas_mexico_ports.csv"
PORTS_CSV = OUT_DIR / "ports.csv"
OUT_FILE = OUT_DIR / "demand.csv"

COLUMNS = ["origin", "destination", "segment", "trucks_day", "value_usd_per_truck", "source"]

YEAR = 2024  # latest full year in the border crossing file (it ends 2025-02)
DAYS = 366  # 2024 is a leap year
MIN_TRUCKS_DAY = 0.5

# --- Mexican states -----------------------------------------------------------
# TransBorder MexState spelling -> INEGI code
STATE_CODES = {
    "Aguascalientes": "01",
    "Baja California": "02",
    "Baja California Sur": "03",
    "Campeche": "04",
    "Coahuila": "05",
    "Coahuila de Zaragoza": "05",
    "Colima": "06",
    "Chiapas": "07",
    "Chihuahua": "08",
    "Distrito Federal": "09",
    "Mexico City": "09",
    "Ciudad de Mexico": "09",
    "Durango": "10",
    "Guanajuato": "11",
    "Guerrero": "12",
    "Hidalgo": "13",
    "Jalisco": "14",
    "Estado de Mexico": "15",
    "Mexico": "15",
    "Michoacan": "16",
    "Michoacan de Ocampo": "16",
    "Morelos": "17",
    "Nayarit": "18",
    "Nuevo Leon": "19",
    "Oaxaca": "20",
    "Puebla": "21",
    "Queretaro": "22",
    "Queretaro de Arteaga": "22",
    "Quintana Roo": "23",
    "San Luis Potosi": "24",
    "Sinaloa": "25",
    "Sonora": "26",
    "Tabasco": "27",
    "Tamaulipas": "28",
    "Tlaxcala": "29",
    "Veracruz": "30",
    "Veracruz de Ignacio de la Llave": "30",
    "Yucatan": "31",
    "Zacatecas": "32",
}

# INEGI code -> [(hub node, share of the state's trucks)]
STATE_HUBS = {
    "01": [("mx:aguascalientes", 1.0)],
    "02": [("mx:tijuana", 1.0)],
    "03": [("mx:la_paz", 1.0)],
    "04": [("mx:campeche", 1.0)],
    "05": [("mx:saltillo", 1.0)],
    "06": [("mx:colima", 1.0)],
    "07": [("mx:tuxtla_gutierrez", 1.0)],
    "08": [("mx:ciudad_juarez", 1.0)],
    "09": [("mx:ciudad_de_mexico", 1.0)],
    "10": [("mx:durango", 1.0)],
    "11": [("mx:leon", 0.30), ("mx:silao", 0.25), ("mx:irapuato", 0.20), ("mx:celaya", 0.25)],
    "12": [("mx:chilpancingo", 1.0)],
    "13": [("mx:pachuca", 1.0)],
    "14": [("mx:guadalajara", 1.0)],
    "15": [("mx:toluca", 1.0)],
    "16": [("mx:morelia", 1.0)],
    "17": [("mx:cuernavaca", 1.0)],
    "18": [("mx:tepic", 1.0)],
    "19": [("mx:monterrey", 1.0)],
    "20": [("mx:oaxaca", 1.0)],
    "21": [("mx:puebla", 1.0)],
    "22": [("mx:queretaro", 1.0)],
    "23": [("mx:cancun", 1.0)],
    "24": [("mx:san_luis_potosi", 1.0)],
    "25": [("mx:culiacan", 1.0)],
    "26": [("mx:hermosillo", 1.0)],
    "27": [("mx:villahermosa", 1.0)],
    "28": [("mx:reynosa", 1.0)],
    "29": [("mx:tlaxcala", 1.0)],
    "30": [("mx:veracruz", 1.0)],
    "31": [("mx:merida", 1.0)],
    "32": [("mx:zacatecas", 1.0)],
}
GUANAJUATO_NOTE = (
    "assumption: Guanajuato's trucks split León 30%, Silao 25%, Irapuato 20%, Celaya 25% "
    "(the four Bajío manufacturing clusters; not measured)"
)

# --- US destination shares (assumption) ---------------------------------------
PROFILES = {
    "baja_california": {
        "us:los_angeles": 0.80,
        "us:phoenix": 0.10,
        "us:dallas": 0.05,
        "us:chicago": 0.05,
    },
    "northwest": {
        "us:phoenix": 0.40,
        "us:los_angeles": 0.35,
        "us:dallas": 0.10,
        "us:chicago": 0.10,
        "us:houston": 0.05,
    },
    "chihuahua_durango": {
        "us:dallas": 0.25,
        "us:chicago": 0.20,
        "us:detroit": 0.15,
        "us:los_angeles": 0.10,
        "us:phoenix": 0.10,
        "us:houston": 0.10,
        "us:atlanta": 0.10,
    },
    "northeast": {
        "us:dallas": 0.20,
        "us:houston": 0.15,
        "us:san_antonio": 0.10,
        "us:chicago": 0.20,
        "us:detroit": 0.20,
        "us:atlanta": 0.15,
    },
    "west_center": {
        "us:dallas": 0.20,
        "us:houston": 0.10,
        "us:san_antonio": 0.10,
        "us:chicago": 0.20,
        "us:detroit": 0.10,
        "us:atlanta": 0.10,
        "us:los_angeles": 0.15,
        "us:phoenix": 0.05,
    },
    "center_south": {
        "us:dallas": 0.20,
        "us:houston": 0.15,
        "us:san_antonio": 0.10,
        "us:chicago": 0.20,
        "us:detroit": 0.15,
        "us:atlanta": 0.15,
        "us:los_angeles": 0.05,
    },
}
STATE_PROFILE = {
    "02": "baja_california",
    "03": "baja_california",
    "18": "northwest",
    "25": "northwest",
    "26": "northwest",
    "08": "chihuahua_durango",
    "10": "chihuahua_durango",
    "05": "northeast",
    "19": "northeast",
    "28": "northeast",
    "01": "west_center",
    "06": "west_center",
    "14": "west_center",
    "16": "west_center",
    "32": "west_center",
}  # every other state: center_south


def _profile_text(name: str) -> str:
    shares = PROFILES[name]
    ordered = sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))
    parts = ", ".join(f"{k.split(':')[1]} {v:.0%}" for k, v in ordered)
    return f"assumption: destination shares, profile '{name}' ({parts})"


# --- Port hinterland hub shares (assumption) ----------------------------------
HINTERLAND = {
    "port:manzanillo": (
        "Manzanillo",
        {
            "mx:guadalajara": 0.35,
            "mx:ciudad_de_mexico": 0.15,
            "mx:queretaro": 0.06,
            "mx:leon": 0.05,
            "mx:silao": 0.05,
            "mx:celaya": 0.04,
            "mx:san_luis_potosi": 0.03,
            "mx:monterrey": 0.05,
        },
    ),
    "port:lazaro_cardenas": (
        "Lázaro Cárdenas",
        {
            "mx:ciudad_de_mexico": 0.30,
            "mx:queretaro": 0.10,
            "mx:celaya": 0.05,
            "mx:silao": 0.05,
            "mx:leon": 0.04,
            "mx:guadalajara": 0.08,
            "mx:monterrey": 0.05,
            "mx:san_luis_potosi": 0.03,
        },
    ),
    "port:veracruz": (
        "Veracruz",
        {
            "mx:ciudad_de_mexico": 0.40,
            "mx:puebla": 0.15,
            "mx:queretaro": 0.07,
            "mx:celaya": 0.03,
            "mx:silao": 0.03,
            "mx:leon": 0.02,
            "mx:guadalajara": 0.02,
            "mx:monterrey": 0.03,
        },
    ),
    "port:altamira": (
        "Altamira",
        {
            "mx:monterrey": 0.30,
            "mx:san_luis_potosi": 0.12,
            "mx:queretaro": 0.06,
            "mx:celaya": 0.03,
            "mx:silao": 0.04,
            "mx:leon": 0.02,
            "mx:ciudad_de_mexico": 0.08,
            "mx:guadalajara": 0.02,
        },
    ),
    "port:ensenada": ("Ensenada", {"mx:tijuana": 0.60}),
}
IMPORT_SHARE = 0.5  # assumption: half of the landside boxes leave the port (imports)
FULL_BOX_SHARE = 0.70  # SEMAR Q1 2022: 1,396,631 full of 2,004,031 TEU (69.7%)
FULL_BOX_SOURCE = (
    "SEMAR Q1 2022 national port statistics, 1,396,631 full of 2,004,031 TEU (69.7%), "
    "as reported by logisticapress.com"
)


# --- Data -----------------------------------------------------------------------
def border_loaded_trucks(year: int) -> pd.DataFrame:
    """Per US port: Trucks, Truck Containers Empty and loaded = Trucks - Empty, for one year."""
    b = pd.read_csv(BORDER_FILE)
    b = b[b["Date"].str[-4:].astype(int) == year]
    b = b[b["Measure"].isin(["Trucks", "Truck Containers Empty", "Truck Containers Loaded"])]
    months = b.groupby("Port Code")["Date"].nunique()
    if (months[b.groupby("Port Code")["Value"].sum() > 0] != 12).any():
        raise ValueError(f"{year} is not a full year for every port in {BORDER_FILE.name}")
    p = b.pivot_table(
        index=["Port Code", "Port Name", "State"],
        columns="Measure",
        values="Value",
        aggfunc="sum",
        fill_value=0,
    ).reset_index()
    p["loaded"] = (p["Trucks"] - p["Truck Containers Empty"]).clip(lower=0)
    return p


def state_truck_values(year: int) -> pd.Series:
    t = pd.read_csv(STATE_TRADE_FILE)
    types = set(t["TradeType"].unique())
    t = t[(t["Year"] == year) & (t["Mode"] == "Truck") & (t["TradeType"] == "Export")]
    unknown = sorted(set(t["MexState"]) - set(STATE_CODES))
    if unknown:
        raise KeyError(f"unmapped TransBorder state names: {unknown}")
    t = t.assign(code=t["MexState"].map(STATE_CODES))
    values = t.groupby("code")["TradeValue"].sum()
    print(f"TransBorder trade types present: {sorted(types)}; {len(values)} states with truck rows")
    return values


def texas_value_per_loaded_truck(year: int, border: pd.DataFrame) -> tuple[float, float, float]:
    tx = pd.read_csv(TEXAS_PORTS_FILE)
    tx = tx[(tx["Year"] == year) & (tx["Mode"] == "Truck") & (tx["TradeType"] == "Import")]
    codes = set(tx["PortCode"].astype(int))
    tb = border[border["Port Code"].astype(int).isin(codes)]
    value = float(tx["TradeValue"].sum())
    loaded = float(tb["loaded"].sum())
    return value / loaded, value, loaded


def _fmt(x: float) -> str:
    return f"{x:.2f}"


def us_export_rows() -> tuple[list[dict[str, object]], dict[str, float]]:
    border = border_loaded_trucks(YEAR)
    total_loaded = float(border["loaded"].sum())
    per_day = total_loaded / DAYS
    value_per_truck, tx_value, tx_loaded = texas_value_per_loaded_truck(YEAR, border)
    values = state_truck_values(YEAR)
    total_value = float(values.sum())

    base = (
        f"BTS Border Crossing Entry Data {YEAR}: {total_loaded:,.0f} loaded northbound trucks "
        f"(Trucks {border['Trucks'].sum():,.0f} - Truck Containers Empty "
        f"{border['Truck Containers Empty'].sum():,.0f}, all US-Mexico ports; the "
        f"'Truck Containers Loaded' measure exceeds the truck count from 2024 and is not used) "
        f"/ {DAYS} days = {per_day:,.1f}/day; state share = the state's share of BTS TransBorder "
        f"{YEAR} US exports to Mexican states by truck (${total_value / 1e9:,.1f} bn; proxy, "
        f"the file has no import rows)"
    )
    value_note = (
        f"value: BTS TransBorder {YEAR} US imports by truck via Texas ports "
        f"${tx_value / 1e9:,.1f} bn / {tx_loaded:,.0f} loaded northbound trucks at those ports"
    )

    rows: list[dict[str, object]] = []
    merged = 0
    for code, value in sorted(values.items()):
        share = value / total_value
        state_trucks = per_day * share
        profile = STATE_PROFILE.get(code, "center_south")
        for hub, hub_share in STATE_HUBS[code]:
            flows = {dest: state_trucks * hub_share * s for dest, s in PROFILES[profile].items()}
            # merge flows below the threshold into the origin's largest flow
            biggest = max(flows, key=lambda d: (flows[d], d))
            for dest in sorted(flows):
                if dest != biggest and flows[dest] < MIN_TRUCKS_DAY:
                    flows[biggest] += flows.pop(dest)
                    merged += 1
            if flows[biggest] < MIN_TRUCKS_DAY:
                raise ValueError(f"{hub}: total {flows[biggest]:.2f} trucks/day below threshold")
            for dest, trucks in flows.items():
                src = (
                    f"{base}: INEGI {code} {share:.2%}"
                    + (f"; {GUANAJUATO_NOTE}" if code == "11" else "")
                    + f"; {_profile_text(profile)}, flows < {MIN_TRUCKS_DAY}/day merged into the "
                    f"origin's largest flow; {value_note}"
                )
                rows.append(
                    {
                        "origin": hub,
                        "destination": dest,
                        "segment": "us_export",
                        "trucks_day": _fmt(trucks),
                        "value_usd_per_truck": f"{value_per_truck:.0f}",
                        "source": src,
                    }
                )
    stats = {
        "loaded_trucks_year": total_loaded,
        "trucks_day": per_day,
        "value_per_truck": value_per_truck,
        "merged_flows": merged,
        "truck_export_value": total_value,
    }
    return rows, stats


def port_hinterland_rows(value_per_truck: float) -> list[dict[str, object]]:
    ports = {r["node_id"]: r for r in csv.DictReader(PORTS_CSV.open(encoding="utf-8"))}
    value = FULL_BOX_SHARE * value_per_truck
    rows: list[dict[str, object]] = []
    for port_id, (name, hubs) in sorted(HINTERLAND.items()):
        port = ports[port_id]
        teu = float(port["teu"])
        p = LANDSIDE[name]
        boxes = truck_boxes_per_day(name, teu)
        remainder = 1.0 - sum(hubs.values())
        kind = (
            "annualised estimate"
            if port["throughput_source"].startswith("assumption")
            else "published"
        )
        base = (
            f"ports.csv {port_id} TEU {teu:,.0f} ({port['throughput_year']}; "
            f"{kind}) "
            f"x (1 - transshipment {p['transshipment']:.2f} [{p['transshipment_source']}]) "
            f"x truck share {p['truck_share']:.2f} [{p['truck_share_source']}] "
            f"/ {TEU_PER_BOX} TEU per box (assumption: one box per truck) / 365 = {boxes:,.0f} "
            f"truck boxes/day; assumption: {IMPORT_SHARE:.0%} port->hub (imports) and "
            f"{1 - IMPORT_SHARE:.0%} hub->port (exports)"
        )
        for hub, share in sorted(hubs.items()):
            for origin, dest, dir_share in (
                (port_id, hub, IMPORT_SHARE),
                (hub, port_id, 1.0 - IMPORT_SHARE),
            ):
                trucks = boxes * dir_share * share
                if trucks < MIN_TRUCKS_DAY:
                    continue
                src = (
                    f"{base}; assumption: hub share {hub.split(':')[1]} {share:.0%} "
                    f"(remaining {remainder:.0%} = local/other hinterland, not modelled); "
                    f"value: assumption = full-box share {FULL_BOX_SHARE:.2f} ({FULL_BOX_SOURCE}) "
                    f"x BTS {YEAR} northbound value per loaded truck ${value_per_truck:,.0f} "
                    f"(assumption: a full seaport box is worth about a loaded border truck)"
                )
                rows.append(
                    {
                        "origin": origin,
                        "destination": dest,
                        "segment": "port_hinterland",
                        "trucks_day": _fmt(trucks),
                        "value_usd_per_truck": f"{value:.0f}",
                        "source": src,
                    }
                )
    return rows


def main() -> None:
    export_rows, stats = us_export_rows()
    port_rows = port_hinterland_rows(stats["value_per_truck"])
    rows = sorted(
        export_rows + port_rows, key=lambda r: (r["segment"], r["origin"], r["destination"])
    )
    with OUT_FILE.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    for seg in ("us_export", "port_hinterland"):
        sel = [r for r in rows if r["segment"] == seg]
        total = sum(float(r["trucks_day"]) for r in sel)
        print(f"{seg}: {len(sel)} rows, {total:,.1f} trucks/day")
    print(f"stats: {stats}")
    print(f"wrote {len(rows)} rows to {OUT_FILE}")


if __name__ == "__main__":
    main()

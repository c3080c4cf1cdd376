"""Author ``data/mexico/ports.csv``: Mexican seaports, their throughput and access road.

Run once by a maintainer::

    .venv/bin/python scripts/national/ports.py

Inputs (read-only, never copied into the repository):

- ``../shared/data/ports/mexico_ports_wpi.csv``: US NGA World Port Index (Pub. 150),
  for each port's coordinate, UN/LOCODE and WPI number.
- ``../shared/data/places/mexico_cities1000_geonames.csv`` (via ``common.mexican_place``)
  for the coordinate of the city node that gives road access to the port.

Throughput figures are not in any file of the shared data. They are typed in below,
each with its publisher, period and the page that reported it. Where only a
part-year 2024 figure was found, the annual value is an explicitly labelled
annualisation (``assumption: ...``) of that published figure. Ports for which no
verifiable figure was found are left blank.

The landside parameters (transshipment share, truck share of landside container
moves, TEU per box, peak factor) are defined here and reused by ``demand.py`` for
the ``port_hinterland`` demand segment, so the two tables stay consistent.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # do not leave __pycache__ next to the scripts
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corredor.networks.national import PORT_FIELDS  # noqa: E402

from common import OUT_DIR, SHARED_DATA, geodesic_km, mexican_place, slug  # noqa: E402

WPI_FILE = SHARED_DATA / "ports" / "mexico_ports_wpi.csv"
OUT_FILE = OUT_DIR / "ports.csv"


MIN_ACCESS_KM = 1.0

# (display name, WPI "Main Port Name", INEGI state, access node id,
#  GeoNames name of the access city)
PORTS = [
    ("Manzanillo", "Manzanillo", "06", "mx:manzanillo", "Manzanillo"),
    ("Lázaro Cárdenas", "Lazaro Cardenas", "16", "mx:lazaro_cardenas", "Ciudad Lázaro Cárdenas"),
    ("Veracruz", "Veracruz", "30", "mx:veracruz", "Veracruz"),
    ("Altamira", "Altamira", "28", "mx:altamira", "Altamira"),
    ("Tampico", "Tampico", "28", "mx:tampico", "Tampico"),
    ("Ensenada", "Ensenada", "02", "mx:ensenada", "Ensenada"),
    ("Mazatlán", "Mazatlan", "25", "mx:mazatlan", "Mazatlán"),
    ("Guaymas", "Guaymas", "26", "mx:guaymas", "Heroica Guaymas"),
    ("Topolobampo", "Topolobampo", "25", "mx:los_mochis", "Los Mochis"),
    ("Coatzacoalcos", "Coatzacoalcos", "30", "mx:coatzacoalcos", "Coatzacoalcos"),
    # WPI lists Progreso twice: 9510 "Progreso" (alt. "Terminal Remota") at the
    # town, and 9510.1 "Puerto Progreso" about 7 km offshore, where the remote
    # terminal at the end of the ~6.5 km pier/viaduct is. 9510.1 is used so that
    # the access link represents the viaduct that all port trucks must cross.
    ("Progreso", "Puerto Progreso", "31", "mx:progreso", "Progreso"),
    ("Salina Cruz", "Salina Cruz", "20", "mx:salina_cruz", "Salina Cruz"),
    ("Tuxpan", "Tuxpan", "30", "mx:tuxpan", "Túxpam de Rodríguez Cano"),
]

# --- Published throughput -------------------------------------------------------
# Jan-Apr 2024 container movements by port, SEMAR Coordinación General de Puertos y
# Marina Mercante (CGPMM) monthly statistics, as reported by FreightWaves
# ("Mexican ports' 2024 cargo volumes up 18% through April", 2024-05-22) and T21.
CGPMM_JAN_APR_2024 = (
    "SEMAR Coordinación General de Puertos y Marina Mercante (CGPMM) Jan-Apr 2024 "
    "container statistics, as reported by FreightWaves 2024-05-22 and T21"
)
JAN_APR_2024_TEU = {
    "Manzanillo": 1_272_955,
    "Lázaro Cárdenas": 711_148,
    "Veracruz": 424_949,
    "Altamira": 288_187,
    "Ensenada": 134_075,
    "Mazatlán": 12_221,
}
MANZANILLO_2024_TEU = 3_924_501
ANNUALISE = 3  # 12 months / 4 months


def _annualised(name: str) -> tuple[int, str]:
    part = JAN_APR_2024_TEU[name]
    teu = int(round(part * ANNUALISE, -3))
    check = JAN_APR_2024_TEU["Manzanillo"] * ANNUALISE / MANZANILLO_2024_TEU - 1
    text = (
        f"assumption: 2024 TEU annualised as 3 x the published Jan-Apr 2024 figure "
        f"{part:,} TEU ({CGPMM_JAN_APR_2024}), rounded to 1,000; the same rule applied "
        f"to Manzanillo gives {check:+.1%} against its published 2024 total"
    )
    return teu, text


def throughput() -> dict[str, dict[str, object]]:
    """teu, tonnes, year and source per port display name (blank when unknown)."""
    facts: dict[str, dict[str, object]] = {
        "Manzanillo": {
            "teu": MANZANILLO_2024_TEU,
            "tonnes": "",
            "throughput_year": 2024,
            "throughput_source": (
                "ASIPONA Manzanillo (SEMAR), 2024 container movement 3,924,501 TEU incl. "
                "transshipment, as reported by dariocelis.mx (2025); import 1.698 M and "
                "export 1.628 M TEU (transshipment 15%), containerised cargo 23.58 Mt, "
                "ASIPONA Manzanillo as reported by globalindustries.mx (Jan 2025)"
            ),
        },
        "Guaymas": {
            "teu": 16_031,
            "tonnes": "",
            "throughput_year": 2017,
            "throughput_source": (
                "SCT Coordinación General de Puertos y Marina Mercante, 2017 container "
                "movement, as reported by mexicoxport.com (latest full-year figure found)"
            ),
        },
        "Salina Cruz": {
            "teu": 2_304,
            "tonnes": "",
            "throughput_year": 2017,
            "throughput_source": (
                "SCT Coordinación General de Puertos y Marina Mercante, 2017 container "
                "movement, as reported by mexicoxport.com (latest full-year figure found)"
            ),
        },
    }
    for name in ("Lázaro Cárdenas", "Veracruz", "Altamira", "Ensenada", "Mazatlán"):
        teu, text = _annualised(name)
        facts[name] = {"teu": teu, "tonnes": "", "throughput_year": 2024, "throughput_source": text}
    return facts


# --- Landside parameters (shared with demand.py) --------------------------------
TEU_PER_BOX = 1.6  # assumption: average container = 1.6 TEU (mix of 20' and 40')
PEAK_FACTOR = 1.5  # assumption: gates sized for 1.5 x the average day

# transshipment share of TEU (never leaves the terminal) and truck share of the
# landside container moves; each with its provenance.
LANDSIDE = {
    "Manzanillo": {
        "transshipment": 0.15,
        "transshipment_source": (
            "ASIPONA Manzanillo 2024: 15% of TEU transshipment, as reported by "
            "globalindustries.mx (Jan 2025)"
        ),
        "truck_share": 0.75,
        "truck_share_source": (
            "assumption: 75% of landside boxes by truck, taken equal to the published "
            "Lázaro Cárdenas road/rail split"
        ),
    },
    "Lázaro Cárdenas": {
        "transshipment": 0.37,
        "transshipment_source": (
            "ASIPONA Lázaro Cárdenas Jan-May 2024: 335,697 of 910,891 TEU transshipment "
            "(37%), as reported by the Lázaro Cárdenas port community site 2024-07-04"
        ),
        "truck_share": 0.75,
        "truck_share_source": (
            "ASIPONA Lázaro Cárdenas Jan-Jul 2025: 640,989 containers by truck vs 209,337 "
            "by rail (75% truck), as reported by La Jornada 2025-08-27"
        ),
    },
    "Veracruz": {
        "transshipment": 0.0,
        "transshipment_source": "assumption: no transshipment (gateway port)",
        "truck_share": 0.85,
        "truck_share_source": "assumption: 85% of landside boxes by truck",
    },
    "Altamira": {
        "transshipment": 0.0,
        "transshipment_source": "assumption: no transshipment (gateway port)",
        "truck_share": 0.85,
        "truck_share_source": "assumption: 85% of landside boxes by truck",
    },
    "Ensenada": {
        "transshipment": 0.0,
        "transshipment_source": "assumption: no transshipment",
        "truck_share": 1.0,
        "truck_share_source": "assumption: all landside boxes by truck (no rail link used)",
    },
    "Mazatlán": {
        "transshipment": 0.0,
        "transshipment_source": "assumption: no transshipment",
        "truck_share": 1.0,
        "truck_share_source": "assumption: all landside boxes by truck",
    },
}


def truck_boxes_per_day(name: str, teu: float) -> float:
    """Average daily landside truck gate transactions (one box per truck) at a port."""
    p = LANDSIDE[name]
    return teu * (1.0 - p["transshipment"]) * p["truck_share"] / TEU_PER_BOX / 365.0


def _capacity(name: str, teu: object) -> tuple[str, str]:
    if name not in LANDSIDE or teu in ("", None):
        return "", ""
    p = LANDSIDE[name]
    avg = truck_boxes_per_day(name, float(teu))
    cap = int(round(avg * PEAK_FACTOR, -1))
    method = (
        f"assumption: not a measured gate capacity; = {PEAK_FACTOR} (peak-day factor, "
        f"assumption) x average daily truck gate transactions, where average = TEU/yr x "
        f"(1 - transshipment {p['transshipment']:.2f}) x truck share {p['truck_share']:.2f} "
        f"/ {TEU_PER_BOX} TEU per box (assumption) / 365 = {avg:,.0f}; transshipment: "
        f"{p['transshipment_source']}; truck share: {p['truck_share_source']}"
    )
    return str(cap), method


def _fmt(value: float) -> str:
    return f"{value:.5f}"


def load_wpi() -> dict[str, dict[str, str]]:
    with WPI_FILE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_name: dict[str, dict[str, str]] = {}
    for row in rows:
        name = row["Main Port Name"].strip()
        if name in by_name:
            raise ValueError(f"WPI port name {name!r} appears twice")
        by_name[name] = row
    return by_name


def build() -> list[dict[str, object]]:
    wpi = load_wpi()
    facts = throughput()
    out = []
    for name, wpi_name, state, access_node, place_name in PORTS:
        row = wpi[wpi_name]
        lon = round(float(row["Longitude"]), 5)
        lat = round(float(row["Latitude"]), 5)
        number = float(row["World Port Index Number"])
        wpi_number = str(int(number)) if number == int(number) else str(number)
        locode = row["UN/LOCODE"].replace(" ", "").strip()
        place = mexican_place(place_name, state)
        km = geodesic_km([(lon, lat), (float(place["lon"]), float(place["lat"]))])
        source = (
            f"US NGA World Port Index (Pub. 150), WPI {wpi_number} (coordinate, UN/LOCODE); "
            f"access_km: WGS84 geodesic from the WPI coordinate to GeoNames {place['geonameid']} "
            f"{place['name']} (GeoNames cities1000, CC-BY 4.0)"
        )
        if km < MIN_ACCESS_KM:
            source += (
                f"; assumption: access_km set to the minimum {MIN_ACCESS_KM} km because the "
                f"geodesic ({km:.2f} km) is below 1 km"
            )
            km = MIN_ACCESS_KM
        f = facts.get(name, {})
        teu = f.get("teu", "")
        cap, method = _capacity(name, teu)
        out.append(
            {
                "node_id": f"port:{slug(name)}",
                "name": name,
                "locode": locode,
                "wpi_number": wpi_number,
                "state": state,
                "lon": _fmt(lon),
                "lat": _fmt(lat),
                "access_node": access_node,
                "access_km": f"{km:.2f}",
                "teu": teu,
                "tonnes": f.get("tonnes", ""),
                "throughput_year": f.get("throughput_year", ""),
                "throughput_source": f.get(
                    "throughput_source", "no verifiable published figure found; left blank"
                ),
                "capacity_trucks_day": cap,
                "capacity_method": method,
                "source": source,
            }
        )
    out.sort(key=lambda r: r["node_id"])
    return out


def main() -> None:
    rows = build()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with OUT_FILE.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=PORT_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} ports to {OUT_FILE}")


if __name__ == "__main__":
    main()

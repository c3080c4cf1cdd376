"""SICT/IMT Datos Viales 2025: the official road network with 2024 counts, as a Network.

``read_segments`` reads the portal's per-state JSON (``json/raw/<state>.json``)
into one tidy row per SICT segment; ``read_stations`` reads the 13,826 count
stations (``csv/u1_estaciones.csv``); ``sict_network`` snaps the segments
into junctions (``corredor.networks.topology``), threads the count stations of
the three states without segment geometry (Chiapas, Michoacán, Veracruz) into
lines, and returns a validated ``Network`` with counts on every edge.

What the SICT fields mean (checked on the data, all 4,085 segments):

- ``FS_A``..``FS_E`` are the service volumes at the upper limit of each level
  of service, in **vehicles per hour, both directions together, for the
  segment's own traffic mix and terrain** (heavy-vehicle and grade effects
  already applied): comparing TDPA x K (two-way design-hour volume) with them
  reproduces SICT's ``NS`` on 99.85 % of segments, TDPA x K x D only on 34 %.
  On two-lane roads FS_E falls as the share of buses and trucks rises (Pearson
  r = -0.38 level, -0.81 rolling, -0.85 mountainous). ``FS_E`` is LOS E, i.e.
  capacity. Two patterns: FS_D/FS_E 0.35-0.65 (HCM two-lane method, FS_E at
  most 2,555 veh/h) and 0.75-1.0 (multilane method, FS_E 2,200-21,000 veh/h);
  nothing lies between. ``FS_A`` is ``*`` where LOS A cannot be reached.
  So a day's two-way capacity is FS_E / K vehicles of the observed mix, FS_E /
  (2 K) per direction, x ``truck_share`` for trucks: no further PCE step unless
  the mix changes (then convert with f_HV, see ``_lanes``).
- ``Tipo_Terr``: ``P`` plano (level), ``L`` lomerío (rolling), ``M`` montañoso
  (mountainous): median rise and fall along the segments on the 1 km DEM is
  6, 22 and 47 m per km, and two-lane FS_E medians are 1,896, 1,327 and 834.
- ``AA``/``BB``/``CC``: shares of cars/buses/trucks; ``K_ok``: design-hour
  factor; ``DOK``: peak-direction share.

Refs follow the model's style: ``MEX-045D`` -> ``MEX-45D``; state roads use
SICT's state abbreviation and number (``GTO-037`` -> ``GTO-37``; ``EM`` is the
Estado de México); ``MEX-051-GTO`` on a state segment (federal number 51 held
by Guanajuato) -> ``GTO-51``; concurrent routes keep every designation in
``refs`` (``MEX-057-MEX-057D`` -> ref ``MEX-57``, refs ``MEX-57;MEX-57D``).
Unnumbered roads (``TAB``, ``EM-D``, a bare ``MEX`` ramal) get an empty ref.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from corredor.errors import DataFileError
from corredor.network import CRS, EDGE_COLUMNS, Network
from corredor.networks.topology import (
    METRIC_CRS,
    bridge_gaps,
    build_topology,
    component_connectors,
    component_table,
    components,
    covered_by_route,
    geodesic_km,
    join_run_ends,
    network_frames,
    thread_road,
)

ATTRIBUTION = (
    "Road network and traffic counts: SICT / Instituto Mexicano del Transporte, Datos Viales "
    "2025 (TDPA 2024), via the CC BY 4.0 compilation iChocko/Datos-Viales-SICT"
)

#: INEGI code -> (portal file slug, SICT state abbreviation used in route names).
_STATE_LIST = (
    "aguascalientes:AGS baja_california:BC baja_california_sur:BCS campeche:CAM "
        "coahuila:COA colima:COL chiapas:CHIS chihuahua:CHIH distrito_federal:CDMX "
        "durango:DGO guanajuato:GTO guerrero:GRO hidalgo:HGO jalisco:JAL mexico:EM "
        "michoacan:MICH morelos:MOR nayarit:NAY nuevo_leon:NL oaxaca:OAX puebla:PUE "
        "queretaro:QRO quintana_roo:QR san_luis_potosi:SLP sinaloa:SIN sonora:SON "
        "tabasco:TAB tamaulipas:TAM tlaxcala:TLAX veracruz:VER yucatan:YUC zacatecas:ZAC"
)
STATES: dict[str, tuple[str, ...]] = {
    f"{i:02d}": tuple(pair.split(":")) for i, pair in enumerate(_STATE_LIST.split(), start=1)
}
_ABBREVIATIONS = {abbr for _, abbr in STATES.values()} | {"MEX", "TAMPS", "DF"}
_ALIASES = {"TAMPS": "TAM", "DF": "CDMX"}

#: Default snap tolerance (m). Of the 8,170 segment ends, 6,357 lie within 1 m of
#: another segment and 632 more within 1-25 m (digitising slack at junctions and
#: state lines); beyond 25 m the counts flatten (208 at 25-50 m, 174 at 50-100 m)
#: and true dead ends and parallel carriageways begin, which are left to the
#: labelled connectors below instead of being merged silently.
DEFAULT_SNAP_M = 25.0
#: Same-route gaps up to this many metres are bridged by a labelled straight connector
#: (SICT leaves such gaps where a route passes a town or meets a state line).
DEFAULT_BRIDGE_M = 2000.0
#: A dangling segment end this close to any other road is a junction drawn with a
#: gap and is joined to it (SICT sections end at junctions; 114 ends lie 100-250 m
#: from another segment, fewer beyond).
BRIDGE_ANY_M = 250.0
#: A part of the network cut off from the main component is joined to it by its
#: shortest dangling-end gap when that gap is at most this many metres.
DEFAULT_JOIN_COMPONENT_M = 2500.0

VEHICLE_CLASSES = ("M", "A", "B", "C2", "C3", "T3S2", "T3S3", "T3S2R4", "OTROS")
FS_FIELDS = ("FS_A", "FS_B", "FS_C", "FS_D", "FS_E")
#: Mexico's bounding box (lon, lat), generous: coordinates outside it are an error.
_LON, _LAT = (-119.0, -86.0), (14.0, 33.5)

#: Per-lane rate (pc/h/ln) that maps the multilane FS_E pattern to lanes: the
#: data's main cluster of FS_E / 2 / f_HV sits at 2 x 1,700 (4-lane divided roads),
#: further clusters at 3x and 4x; f_HV uses HCM 2000 E_T = 1.5/2.5/4.5 (P/L/M).
LANE_RATE_PCH = 1700.0
_E_T = {"P": 1.5, "L": 2.5, "M": 4.5}
#: FS_D / FS_E at or above this is SICT's multilane pattern (0.75-1.0; two-lane 0.35-0.65).
MULTILANE_FS_RATIO = 0.7

MERGE_ON = ("ref", "refs", "toll", "network", "state", "tdpa", "truck_share", "terrain", "fs_d",
            "fs_e", "geometry_method")



def normalise_ref(route: str, *, network: str = "federal") -> tuple[str, str]:
    """The model's ref and all designations (';'-joined) of a SICT ``Ruta``.

    Parameters
    ----------
    route : str
        SICT route, e.g. ``MEX-045D``, ``MEX-057-MEX-057D``, ``MEX-051-GTO``, ``TAB``.
    network : {"federal", "state"}
        On a state segment ``MEX-<n>-<ST>`` means the state-held stretch of
        federal number n and becomes ``<ST>-<n>``; the ref prefers a state
        designation, on a federal one a ``MEX-`` designation.

    Returns
    -------
    (ref, refs)
        ``("", "")`` for an unnumbered road.
    """
    designations: list[list] = []  # [prefix, number or None, suffix]
    for token in re.split(r"[-/\s]+", str(route).strip().upper()):
        token = token.replace("(D)", "")
        if not token:
            continue
        number = re.fullmatch(r"0*(\d+)(D?)", token)
        if number and designations:
            prefix = designations[-1][0]
            if designations[-1][1] is None and not designations[-1][2]:
                designations.pop()
            designations.append([prefix, int(number.group(1)), number.group(2)])
        elif token == "D" and designations:
            designations[-1][2] = "D"
        elif token in _ABBREVIATIONS:
            if network == "state" and token != "MEX" and designations and (
                designations[-1][0] == "MEX" and designations[-1][1] is not None
            ):
                designations[-1][0] = _ALIASES.get(token, token)
                continue
            designations.append([_ALIASES.get(token, token), None, ""])
    named = list(dict.fromkeys(f"{p}-{n}{s}" for p, n, s in designations if n is not None))
    if not named:
        return "", ""
    federal = [r for r in named if r.startswith("MEX-")]
    own = [r for r in named if not r.startswith("MEX-")]
    preferred = (federal or own) if network == "federal" else (own or federal)
    return preferred[0], ";".join(named)



def _state_codes(states: Iterable[str | int] | None) -> list[str]:
    if states is None:
        return sorted(STATES)
    slugs = {slug: code for code, (slug, _) in STATES.items()}
    codes = []
    for state in states:
        text = str(state).strip().lower().replace(" ", "_")
        code = text.zfill(2) if text.isdigit() else slugs.get(text)
        if code not in STATES:
            raise DataFileError(f"states: unknown state {state!r}; use an INEGI code 01..32 or "
                                "a slug such as 'guanajuato' or 'nuevo_leon'")
        codes.append(code)
    return sorted(set(codes))


def available_states(folder: str | Path) -> list[str]:
    """INEGI codes of the states whose segment JSON is in ``folder/json/raw``."""
    raw = Path(folder) / "json" / "raw"
    return [code for code, (slug, _) in STATES.items() if (raw / f"{slug}.json").is_file()]


def read_segments(
    folder: str | Path, *, states: Iterable[str | int] | None = None
) -> gpd.GeoDataFrame:
    """One row per SICT segment (per part, for the few two-part segments).

    Parameters
    ----------
    folder : path
        The Datos Viales folder holding ``json/raw/<state>.json``.
    states : iterable of INEGI codes or slugs, optional
        Default: every state whose JSON is present. A requested state without
        a file is an error.

    Returns
    -------
    GeoDataFrame (EPSG:4326)
        ``sict_id``, ``state``, ``ref``, ``refs``, ``route_raw``, ``name``,
        ``network`` (federal/state), ``toll``, ``from_km``, ``to_km``,
        ``dist_km``, ``tdpa``, ``share_<class>`` (M, A, B, C2, C3, T3S2, T3S3,
        T3S2R4, OTROS), ``car_share``, ``bus_share``, ``truck_share``,
        ``trucks_day`` (TDPA x CC, both directions), ``k_factor``,
        ``d_factor``, ``fs_a``..``fs_e`` (veh/h, both directions, see the
        module docstring), ``los``, ``terrain`` (P/L/M), ``part``,
        ``source_file`` and LineString geometry. ``attrs["defaults"]`` counts
        every documented default applied (missing count -> NaN, FS_A ``*`` ->
        NaN, lower-case terrain, two-part segments, ...).

    Raises
    ------
    DataFileError
        The folder or a file is missing, a file is not the portal's JSON, or
        a segment has a malformed field (the message names file, segment, field).
    """
    raw = Path(folder) / "json" / "raw"
    if not raw.is_dir():
        raise DataFileError(f"{raw}: no such folder; expected the Datos Viales folder with "
                            "json/raw/<state>.json (e.g. ../shared/data/sict)")
    wanted = available_states(folder) if states is None else _state_codes(states)
    defaults: Counter[str] = Counter()
    frames = []
    for code in wanted:
        path = raw / f"{STATES[code][0]}.json"
        if not path.is_file():
            raise DataFileError(f"{path}: no segment file for state {code}; files present: "
                                f"{', '.join(available_states(folder)) or 'none'}")
        frames.append(_read_state(path, code, defaults))
    rows = [row for frame in frames for row in frame]
    table = gpd.GeoDataFrame(rows or {"sict_id": []}, geometry="geometry" if rows else
                             gpd.GeoSeries([], crs=CRS), crs=CRS)
    table.attrs["defaults"] = dict(defaults)
    return table


def _read_state(path: Path, code: str, defaults: Counter[str]) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataFileError(f"{path}: not valid JSON ({exc})") from exc
    try:
        records = data["byState"]["coordinates"]
    except (TypeError, KeyError) as exc:
        raise DataFileError(f"{path}: no 'byState.coordinates' list (the portal's "
                            "getByStateEstaciones format)") from exc
    if not isinstance(records, list):
        raise DataFileError(f"{path}: 'byState.coordinates' should be a list of segments")
    rows = []
    for index, record in enumerate(records):
        if not (isinstance(record, list) and len(record) == 2 and isinstance(record[0], dict)):
            raise DataFileError(f"{path}: segment #{index} should be [attrs, [[lon, lat], ...]]")
        row = _segment(record[0], record[1], path, index, code, defaults)
        if row is not None:
            rows.append(row)
    return _join_parts(rows, defaults)


def _segment(
    attrs: dict, coords: object, path: Path, index: int, code: str, defaults: Counter[str]
) -> dict | None:
    sid = attrs.get("ID_SegDV2025")
    if not isinstance(sid, str) or not sid.strip():
        raise DataFileError(f"{path}: segment #{index}: ID_SegDV2025 is missing or empty")
    where = f"{path}: segment {sid}"
    red = _choice(attrs, "Red_OK", {"Federal": "federal", "Estatal": "state"}, where)
    toll = _choice(attrs, "Operacion", {"Cuota": True, "Libre": False}, where)
    route = attrs.get("Ruta")
    if not isinstance(route, str):
        raise DataFileError(f"{where}: Ruta should be a route such as 'MEX-045D', got {route!r}")
    ref, refs = normalise_ref(route, network=str(red))
    geometry = _line(coords, where)
    if geometry is None:
        defaults["segments with fewer than 2 distinct points (dropped)"] += 1
        return None
    row = {
        "sict_id": sid.strip(), "state": code, "ref": ref, "refs": refs, "route_raw": route,
        "name": str(attrs.get("Carretera") or "").strip(), "network": red, "toll": toll,
        "from_km": _num(attrs, "DeKm", where, defaults, lo=0),
        "to_km": _num(attrs, "Akm", where, defaults, lo=0),
        "dist_km": _num(attrs, "Dist", where, defaults, lo=0),
    }
    row.update(_counts(attrs, where, defaults))
    row["los"] = _code(attrs, "NS", "ABCDEF", where, defaults)
    row["terrain"] = _code(attrs, "Tipo_Terr", "PLM", where, defaults)
    row.update(part=0, source_file=path.name, geometry=geometry)
    return row


def _choice(attrs: dict, key: str, allowed: dict, where: str) -> object:
    value = attrs.get(key)
    if value not in allowed:
        raise DataFileError(f"{where}: {key} is {value!r}; valid values are "
                            f"{', '.join(map(repr, allowed))}")
    return allowed[value]


def _num(
    attrs: dict, key: str, where: str, defaults: Counter[str], *, lo: float, hi: float = np.inf
) -> float:
    value = attrs.get(key)
    if value is None or (isinstance(value, str) and value.strip() in {"", "*"}):
        defaults[f"{key} missing -> NaN" if value != "*" else f"{key} '*' -> NaN"] += 1
        return float("nan")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataFileError(f"{where}: {key} is {value!r}, not a number") from None
    if not (lo <= number <= hi):
        raise DataFileError(f"{where}: {key} is {number}; valid range is {lo} to {hi}")
    return number


def _counts(attrs: dict, where: str, defaults: Counter[str]) -> dict:
    out = {"tdpa": _num(attrs, "TDPA2024", where, defaults, lo=0)}
    for cls in VEHICLE_CLASSES:
        out[f"share_{cls.lower()}"] = _num(attrs, cls, where, defaults, lo=0, hi=1)
    for key, column in (("AA", "car_share"), ("BB", "bus_share"), ("CC", "truck_share")):
        out[column] = _num(attrs, key, where, defaults, lo=0, hi=1)
    out["trucks_day"] = out["tdpa"] * out["truck_share"]
    out["k_factor"] = _num(attrs, "K_ok", where, defaults, lo=0, hi=1)
    out["d_factor"] = _num(attrs, "DOK", where, defaults, lo=0, hi=1)
    for key in FS_FIELDS:
        out[key.lower()] = _num(attrs, key, where, defaults, lo=0)
    return out


def _code(attrs: dict, key: str, valid: str, where: str, defaults: Counter[str]) -> str:
    """A one-letter code (NS A-F, Tipo_Terr P/L/M); missing -> '' and lower case are counted."""
    value = attrs.get(key)
    if value is None or str(value).strip() == "":
        defaults[f"{key} missing -> ''"] += 1
        return ""
    text = str(value).strip()
    if text.upper() not in valid:
        raise DataFileError(f"{where}: {key} is {value!r}; valid values are {', '.join(valid)}"
                            + (" (plano, lomerío, montañoso)" if key == "Tipo_Terr" else ""))
    if text != text.upper():
        defaults[f"{key} lower case -> upper case"] += 1
    return text.upper()


def _line(coords: object, where: str) -> shapely.LineString | None:
    try:
        xy = np.asarray(coords, dtype=float)
    except (TypeError, ValueError):
        raise DataFileError(f"{where}: geometry should be a list of [lon, lat] pairs") from None
    if xy.ndim != 2 or xy.shape[1] != 2 or not np.isfinite(xy).all():
        raise DataFileError(f"{where}: geometry should be a list of [lon, lat] number pairs")
    if ((xy[:, 0] < _LON[0]) | (xy[:, 0] > _LON[1]) | (xy[:, 1] < _LAT[0])
            | (xy[:, 1] > _LAT[1])).any():
        raise DataFileError(f"{where}: geometry has points outside Mexico (valid: lon "
                            f"{_LON[0]}..{_LON[1]}, lat {_LAT[0]}..{_LAT[1]}; is the pair order "
                            "[lon, lat]?)")
    keep = np.concatenate([[True], (np.diff(xy, axis=0) != 0).any(axis=1)])
    xy = xy[keep]
    return shapely.linestrings(xy) if len(xy) >= 2 else None


def _join_parts(rows: list[dict], defaults: Counter[str]) -> list[dict]:
    """Two rows with one segment id are parts: join them where they touch, else number them."""
    by_id: dict[str, list[dict]] = {}
    for row in rows:
        by_id.setdefault(row["sict_id"], []).append(row)
    out = []
    for parts in by_id.values():
        if len(parts) == 1:
            out.append(parts[0])
            continue
        merged = shapely.line_merge(shapely.MultiLineString([p["geometry"] for p in parts]))
        if merged.geom_type == "LineString":
            defaults["two-part segments joined into one line"] += 1
            out.append({**parts[0], "geometry": merged})
            continue
        defaults["multi-part segments kept as separate rows (part 0, 1, ...)"] += 1
        out.extend({**p, "part": k} for k, p in enumerate(parts))
    return out


STATION_COLUMNS = (
    "station_id", "state_slug", "carretera_id", "carretera", "ruta", "punto_generador",
    "tipo", "sc", "km", "lat", "lon", "tdpa_2024", "pct_AA", "pct_BB", "pct_CC", "d_val",
    "k_prima",
)


def read_stations(folder: str | Path) -> gpd.GeoDataFrame:
    """The count stations of ``csv/u1_estaciones.csv`` (latin-1, UTF-8 or UTF-8 with BOM).

    Returns
    -------
    GeoDataFrame (EPSG:4326)
        ``station_id``, ``state`` (INEGI code), ``road_id`` (the portal's
        carretera id, one km reference), ``name``, ``route_raw``, ``ref``,
        ``refs``, ``place`` (punto generador), ``tipo``, ``sc``, ``km``,
        ``tdpa``, ``car_share``/``bus_share``/``truck_share`` (fractions),
        ``d_factor``, ``k_factor``, ``located`` and Point geometry (empty
        where the portal gives no coordinates).
    """
    path = Path(folder) / "csv" / "u1_estaciones.csv"
    if not path.is_file():
        raise DataFileError(f"{path}: no such file (the Datos Viales count stations table)")
    table = _read_csv(path)
    missing = [c for c in STATION_COLUMNS if c not in table.columns]
    if missing:
        raise DataFileError(f"{path}: missing column(s) {', '.join(missing)}; "
                            f"found {', '.join(table.columns)}")
    slug_code = {slug.replace("_", " "): code for code, (slug, _) in STATES.items()}
    state = table["state_slug"].str.strip().str.lower().map(slug_code)
    if state.isna().any():
        bad = sorted(set(table.loc[state.isna(), "state_slug"].astype(str)))[:5]
        raise DataFileError(f"{path}: state_slug {bad} is not one of the 32 portal slugs")
    number = {c: pd.to_numeric(table[c], errors="coerce") for c in STATION_COLUMNS[6:]}
    refs = table["ruta"].fillna("").map(normalise_ref)
    out = pd.DataFrame({
        "station_id": table["station_id"].astype(str), "state": state,
        "road_id": table["state_slug"].str.strip() + ":" + table["carretera_id"].astype(str),
        "name": table["carretera"].fillna("").str.strip(), "route_raw": table["ruta"].fillna(""),
        "ref": refs.str[0], "refs": refs.str[1], "place": table["punto_generador"].fillna(""),
        "tipo": number["tipo"], "sc": number["sc"], "km": number["km"], "tdpa": number["tdpa_2024"],
        "car_share": number["pct_AA"] / 100, "bus_share": number["pct_BB"] / 100,
        "truck_share": number["pct_CC"] / 100, "d_factor": number["d_val"],
        "k_factor": number["k_prima"],
    })
    out["located"] = located = number["lat"].notna() & number["lon"].notna()
    points = shapely.points(number["lon"].fillna(0), number["lat"].fillna(0))
    points[~located.to_numpy()] = shapely.Point()
    return gpd.GeoDataFrame(out, geometry=points, crs=CRS)


def _read_csv(path: Path) -> pd.DataFrame:
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            table = pd.read_csv(path, dtype=str, encoding=encoding)
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise DataFileError(f"{path}: not a readable CSV table ({exc})") from exc
        table.columns = [str(c).strip().lstrip("\ufeff") for c in table.columns]
        return table
    raise DataFileError(f"{path}: neither UTF-8 nor latin-1 text")  # pragma: no cover


TRACED = "traced from SICT count stations"
#: Place names of SICT stations at junctions, crossings, toll plazas and state limits.
_JUNCTION = re.compile(r"^\s*(T\.|X\.|T |X |Ent|Lim\.|Plaza de Cobro)", re.IGNORECASE)
SEGMENT = "SICT segment geometry"
BRIDGED = "connector across a gap in the SICT geometry"
JOINED = "connector joining a cut-off part to the main network"
#: Order of station types at one km post: 1 stands before the junction (in km
#: order), 3 after it, 2 on it (e.g. a toll plaza); checked on the coordinates.
_TIPO_ORDER = {1.0: 0, 2.0: 1, 3.0: 2}


def _station_points(stations: gpd.GeoDataFrame, codes: list[str]) -> pd.DataFrame:
    """Located stations of federal roads, one point per (road, km, tipo), metric x/y.

    Stations with ``sc`` 1 and 2 count one direction each (their sum is the
    segment's TDPA where SICT has both), ``sc`` 0 both: ``tdpa`` is two-way.
    """
    st = stations[stations["state"].isin(codes) & stations["located"]].copy()
    st = st[st["refs"].str.contains("MEX-", regex=False)]
    xy = st.geometry.to_crs(METRIC_CRS)
    st["x"], st["y"] = xy.x.to_numpy(), xy.y.to_numpy()
    st["tipo"] = st["tipo"].fillna(2.0)
    st["one_way"] = st["sc"].fillna(0) > 0
    shares = ["car_share", "bus_share", "truck_share", "k_factor", "d_factor"]
    agg = st.groupby(["road_id", "km", "tipo"], sort=False).agg(
        x=("x", "mean"), y=("y", "mean"), station_id=("station_id", "first"),
        tdpa=("tdpa", "mean"), one_way=("one_way", "max"), state=("state", "first"),
        ref=("ref", "first"), refs=("refs", "first"), name=("name", "first"),
        **{c: (c, "mean") for c in shares},
    ).reset_index()
    agg.loc[agg["one_way"], "tdpa"] *= 2
    # A road crossing a state line is listed by each state: keep the first listing.
    same = agg[["name", "km", "tipo"]].assign(x=agg["x"].round(-1), y=agg["y"].round(-1))
    agg = agg[~same.duplicated()]
    agg["order"] = agg["tipo"].map(_TIPO_ORDER).fillna(1)
    return agg.sort_values(["road_id", "km", "order"]).reset_index(drop=True)


def _count_point(a: pd.Series, b: pd.Series) -> pd.Series:
    """Which station's count a piece a->b carries: b if it stands before its junction
    (tipo 1), else a if after or on its junction (tipo 3 or 2), else b if on (2), else a."""
    if b["tipo"] == 1:
        return b
    if a["tipo"] in (2, 3):
        return a
    return b if b["tipo"] == 2 else a


def _run_pieces(run: pd.DataFrame) -> list[dict]:
    pieces = []
    for (_, a), (_, b) in zip(run.iloc[:-1].iterrows(), run.iloc[1:].iterrows(), strict=True):
        count = _count_point(a, b)
        name = str(a["name"])
        toll = a["ref"].endswith("D") or "cuota" in name.lower()
        pieces.append({
            "sict_id": f"est:{count['station_id']}", "state": a["state"], "ref": a["ref"],
            "refs": a["refs"], "route_raw": a["refs"], "name": name, "network": "federal",
            "toll": toll, "from_km": a["km"], "to_km": b["km"], "dist_km": b["km"] - a["km"],
            "tdpa": count["tdpa"], "car_share": count["car_share"],
            "bus_share": count["bus_share"], "truck_share": count["truck_share"],
            "trucks_day": count["tdpa"] * count["truck_share"],
            "k_factor": count["k_factor"], "d_factor": count["d_factor"], "los": "",
            "terrain": "", "part": 0, "source_file": "u1_estaciones.csv",
            **dict.fromkeys((f.lower() for f in FS_FIELDS), np.nan),
            "geometry_method": TRACED, "xy": np.array([[a["x"], a["y"]], [b["x"], b["y"]]]),
        })
    return pieces


def _trace_roads(stations: gpd.GeoDataFrame, lines: gpd.GeoDataFrame, codes: list[str], *,
                 max_gap_km: float, cover_m: float, join_km: float) -> tuple:
    """Thread each federal road's stations (by km) into pieces; see ``sict_network``."""
    points = _station_points(stations, codes)
    lines_m = lines[["refs", "geometry"]].to_crs(METRIC_CRS)
    points["covered"] = covered_by_route(points, lines_m, cover_m=cover_m)
    listed = stations[stations["state"].isin(codes)].sort_values("km")
    ends = listed.groupby("road_id").agg(min=("km", "min"), max=("km", "max"),
                                         first=("place", "first"), last=("place", "last"))
    runs, traced, left = [], [], []
    for road_id, road in points.groupby("road_id", sort=False):
        found = thread_road(road, ends.loc[road_id], max_gap_km=max_gap_km, junction=_JUNCTION)
        runs += [(road_id, run, _run_pieces(run), reach) for run, reach in found[0]]
        traced += found[1]
        left += found[2]
    left += _unlocated_roads(listed)
    pieces = join_run_ends(runs, lines_m, traced, join_km=join_km)
    geoms = shapely.linestrings([p.pop("xy") for p in pieces]) if pieces else []
    out = gpd.GeoDataFrame(pieces, geometry=gpd.GeoSeries(geoms, crs=METRIC_CRS)).to_crs(CRS)
    return out, pd.DataFrame(traced), pd.DataFrame(left)


def _unlocated_roads(listed: gpd.GeoDataFrame) -> list[dict]:
    federal = listed[listed["refs"].str.contains("MEX-", regex=False)]
    none = federal[~federal.groupby("road_id")["located"].transform("any")]
    return [{"state": r["state"].iloc[0], "ref": r["ref"].iloc[0], "name": r["name"].iloc[0],
             "road_id": road_id, "from_km": r["km"].min(), "to_km": r["km"].max(),
             "reason": f"no located station ({len(r)} without coordinates)"}
            for road_id, r in none.groupby("road_id")]



@dataclass(frozen=True)
class SictBuild:
    """A SICT network and what building it found.

    ``report``: DataFrames ``components`` (main first, with why the others are apart),
    ``traced_roads``, ``left_out_roads``, ``km_by_state_class``, ``km_check`` (km
    against SICT ``Dist`` and the raw geometry); dicts ``defaults``, ``topology``,
    ``timings_s``, ``parameters``; ``main_federal_share``, ``component_joins``,
    ``connector_links``, ``connector_km``.
    """

    network: Network
    report: dict[str, object] = field(default_factory=dict)


def sict_network(
    folder: str | Path,
    *,
    states: Iterable[str | int] | None = None,
    federal_only: bool = False,
    snap_m: float = DEFAULT_SNAP_M,
    trace: bool = True,
    max_station_gap_km: float = 60.0,
    cover_m: float = 1500.0,
    join_km: float = 5.0,
    bridge_m: float = DEFAULT_BRIDGE_M,
    join_component_m: float = DEFAULT_JOIN_COMPONENT_M,
) -> SictBuild:
    """Build a corredor ``Network`` from the Datos Viales folder.

    Parameters
    ----------
    folder : path
        The Datos Viales folder (``json/raw/`` and ``csv/``).
    states : iterable of INEGI codes or slugs, optional
        Default all 32. States without segment JSON are traced (``trace``).
    federal_only : bool
        Keep only federal segments (traced roads are federal anyway).
    snap_m : float
        Junction tolerance in metres (``DEFAULT_SNAP_M``, see there).
    bridge_m : float
        A dangling segment end (nothing within ``snap_m``) is joined by a
        labelled straight connector to any road within ``BRIDGE_ANY_M`` (a
        junction drawn with a gap), else to its own route within ``bridge_m``.
    join_component_m : float
        A part still cut off from the main component is joined to it by its
        shortest dangling-end gap up to this many metres (labelled connector).
    trace : bool
        Thread the count stations of states without segment geometry: per
        road (one portal carretera, one km reference) the located stations in
        km order (type 1 before type 3 at a km post), minus those within
        ``cover_m`` of a SICT segment of the same route (real geometry) and
        those inconsistent with their neighbours (chord > 1.1 x km difference
        + 5 km). Stations more than ``max_station_gap_km`` apart (km posts) are
        too sparse: that stretch is left out and listed. Run ends are joined by
        straight connectors: to their own route where it goes on (``_reach``
        in ``topology``), else to any road within ``join_km``.

    Returns
    -------
    SictBuild
    """
    timings: dict[str, float] = {"start": time.perf_counter()}
    codes = _state_codes(states)
    segments, lines, traced_report, left_out = _lines(
        folder, codes, federal_only=federal_only, snap_m=snap_m, bridge_m=bridge_m,
        trace=trace, max_gap_km=max_station_gap_km, cover_m=cover_m, join_km=join_km,
        timings=timings)
    topology = _topology(lines, snap_m)
    joins = _component_joins(topology, join_component_m)
    if len(joins):
        topology = _topology(pd.concat([lines, joins], ignore_index=True), snap_m)
    _lap(timings, "topology")
    links = _link_table(topology)
    nodes, edges = network_frames(topology, links, prefix="sict:",
                                  columns=EDGE_CORE + EDGE_EXTRA)
    network = Network.from_frames(nodes, edges)
    _lap(timings, "network")
    report = _report(topology, links, segments, snap_m)
    connectors = links["geometry_method"].isin([BRIDGED, JOINED])
    report.update(
        defaults=segments.attrs.get("defaults", {}), topology=topology.stats,
        traced_roads=traced_report, left_out_roads=left_out,
        component_joins=len(joins), connector_links=int(connectors.sum()),
        connector_km=float(links.loc[connectors, "length_km"].sum()),
        timings_s={k: v for k, v in timings.items() if k != "start"},
        parameters={"snap_m": snap_m, "max_station_gap_km": max_station_gap_km,
                    "cover_m": cover_m, "join_km": join_km, "bridge_m": bridge_m,
                    "join_component_m": join_component_m, "states": codes},
    )
    return SictBuild(network=network, report=report)


def _lap(timings: dict[str, float], name: str) -> None:
    now = time.perf_counter()
    timings[name] = now - timings["start"] - sum(v for k, v in timings.items() if k != "start")


def _lines(folder: str | Path, codes: list[str], *, federal_only: bool, snap_m: float,
           bridge_m: float, trace: bool, max_gap_km: float, cover_m: float, join_km: float,
           timings: dict[str, float]) -> tuple:
    """Segment lines, gap connectors and traced lines, ready for ``build_topology``."""
    have = set(available_states(folder))
    segments = read_segments(folder, states=[c for c in codes if c in have])
    if federal_only and len(segments):
        segments = segments[segments["network"] == "federal"]
    lines = _segment_lines(segments)
    lines = pd.concat([lines, _bridge(lines, snap_m, bridge_m)], ignore_index=True)
    _lap(timings, "read_segments")
    to_trace = [c for c in codes if c not in have] if trace else []
    traced, traced_report, left_out = _trace_roads(
        read_stations(folder), lines, to_trace, max_gap_km=max_gap_km, cover_m=cover_m,
        join_km=join_km) if to_trace else (lines.iloc[:0], pd.DataFrame(), pd.DataFrame())
    # traced lengths: km posts between stations where longer than the geodesic chord
    if len(traced):
        traced["length_km"] = np.maximum(geodesic_km(traced.geometry), traced["dist_km"].abs())
    _lap(timings, "trace")
    return segments, pd.concat([lines, traced], ignore_index=True), traced_report, left_out


def _topology(lines: pd.DataFrame, snap_m: float):
    return build_topology(
        gpd.GeoDataFrame(lines, geometry="geometry", crs=CRS), snap_m=snap_m,
        id_column="sict_id", merge_on=MERGE_ON, additive=("length_km", "sict_km"),
    )


def _component_joins(topology, max_m: float) -> gpd.GeoDataFrame:
    """Connector rows joining each cut-off component to the main one (``max_m``)."""
    links = topology.links
    federal = links["length_km"].where(links["network"] == "federal", 0.0)
    main = int(federal.groupby(components(topology)).sum().idxmax()) if len(links) else 0
    found = component_connectors(topology, main, max_m=max_m) if max_m > 0 else []
    rows = links.iloc[[link for link, *_ in found]].drop(
        columns=["u", "v", "ids", "pieces", "first_piece"])
    rows = rows.assign(sict_id=links["ids"].iloc[[link for link, *_ in found]].str.split(";")
                       .str[0])
    lines = shapely.linestrings([xy for *_, xy in found]) if found else np.empty(0, object)
    return _connectors(rows, lines, JOINED)


def _connectors(rows: pd.DataFrame, geoms: np.ndarray, method: str) -> gpd.GeoDataFrame:
    """Copies of ``rows`` (attributes, counts) drawn as ``geoms`` (EPSG:4326) connectors."""
    out = gpd.GeoDataFrame(rows.drop(columns="geometry", errors="ignore").copy(),
                           geometry=list(geoms), crs=CRS)
    return out.assign(geometry_method=method, length_km=geodesic_km(out.geometry), sict_km=0.0)


def _segment_lines(segments: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    lines = segments.assign(geometry_method=SEGMENT, refs=segments.get("refs", ""),
                            length_km=geodesic_km(segments.geometry))
    share = lines["length_km"] / lines.groupby("sict_id")["length_km"].transform("sum")
    return lines.assign(sict_km=lines.get("dist_km", np.nan) * share)


def _bridge(lines: gpd.GeoDataFrame, snap_m: float, bridge_m: float) -> gpd.GeoDataFrame:
    """Connector rows across gaps wider than ``snap_m`` (``bridge_gaps``)."""
    refs = [set(r.split(";")) - {""} for r in lines["refs"]]
    found = bridge_gaps(lines.geometry, refs, snap_m=snap_m, bridge_m=bridge_m,
                        any_m=BRIDGE_ANY_M) if len(lines) and bridge_m > snap_m else []
    geoms = gpd.GeoSeries(shapely.linestrings([xy for *_, xy in found]) if found else [],
                          crs=METRIC_CRS).to_crs(CRS).to_numpy()
    return _connectors(lines.iloc[[i for i, *_ in found]], geoms, BRIDGED)


def _link_table(topology) -> gpd.GeoDataFrame:
    """Edge attributes of every link: class, lanes, speed, counts, ids."""
    links = topology.links.copy()
    ids = links["ids"]
    seq = links.sort_values("first_piece").groupby("ids").cumcount() + 1
    repeated = ids.map(ids.value_counts()) > 1
    links["link_id"] = "sict:" + ids.str.replace(";", "+") + np.where(
        repeated, "#" + seq.reindex(links.index).astype(str), "")
    multilane = (links["fs_d"] / links["fs_e"]) >= MULTILANE_FS_RATIO
    links["road_class"] = np.select(
        [links["network"] == "state", links["toll"].astype(bool), multilane],
        ["secondary", "motorway", "trunk"], "primary")
    links["lanes"], links["lanes_method"] = _lanes(links, multilane)
    speeds = speed_table().set_index(["road_class", "terrain"])["speed_kph"]
    terrain = links["terrain"].where(links["terrain"].isin(["P", "L", "M"]), "unknown")
    links["speed_kph"] = speeds.reindex(pd.MultiIndex.from_arrays([links["road_class"], terrain])
                                        ).to_numpy()
    return links.assign(
        observed_trucks_day=links["tdpa"] * links["truck_share"] / 2,
        observed_segment=np.where(links["tdpa"].notna(), ids.str.split(";").str[0], ""),
        sict_ids=ids, network_class=links["network"], fs_e_veh_h=links["fs_e"], bridge=False,
        capacity_trucks_day=np.nan, toll=links["toll"].astype(bool),
        source=np.where(links["geometry_method"] == TRACED,
                        ATTRIBUTION + "; geometry traced from count stations", ATTRIBUTION))


def _lanes(links: pd.DataFrame, multilane: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Lanes per direction estimated from FS_E (see ``LANE_RATE_PCH``)."""
    heavy = (links["bus_share"].fillna(0) + links["truck_share"].fillna(0)).clip(0, 1)
    f_hv = 1.0 / (1.0 + heavy * (links["terrain"].map(_E_T).fillna(_E_T["L"]) - 1.0))
    estimate = np.maximum(2, np.round(links["fs_e"] / 2 / (f_hv * LANE_RATE_PCH)))
    known = links["fs_e"].notna() & links["fs_d"].notna()
    default = np.where(links["road_class"] == "motorway", 2.0, 1.0)
    lanes = np.where(known, np.where(multilane, estimate, 1.0), default)
    method = np.where(known, np.where(
        multilane, "estimate: FS_E / 2 / (f_HV x 1,700 pc/h/ln), SICT multilane pattern",
        "estimate: SICT two-lane pattern (FS_D/FS_E < 0.7), 1 lane per direction"),
        "assumption: class default (no FS_E): motorway 2, other 1 lane per direction")
    return lanes.astype(float), method


def speed_table() -> pd.DataFrame:
    """The truck free-flow speed table (road class x terrain, a source per row)."""
    return pd.read_csv(str(files("corredor") / "data" / "sict" / "truck_speeds.csv"))


EDGE_EXTRA = ("link_id", "refs", "sict_ids", "observed_trucks_day", "observed_segment", "tdpa",
              "car_share", "bus_share", "truck_share", "k_factor", "d_factor", "fs_e_veh_h",
              "los", "terrain", "network_class", "geometry_method", "lanes_method", "sict_km")
EDGE_CORE = tuple(c for c in EDGE_COLUMNS if c not in ("edge_id", "u", "v"))


def _report(topology, links: gpd.GeoDataFrame, segments: gpd.GeoDataFrame,
            snap_m: float) -> dict[str, object]:
    per = component_table(topology, links, snap_m=snap_m)
    km = links.groupby(["state", "network", "road_class"])["length_km"].sum().rename("km")
    total = per["federal_km"].sum()
    return {
        "components": per,
        "main_federal_share": float(per["federal_km"].iloc[0] / total) if total else np.nan,
        "km_by_state_class": km.reset_index(),
        "km_check": _km_check(links, segments),
    }


def _km_check(links: gpd.GeoDataFrame, segments: gpd.GeoDataFrame) -> pd.DataFrame:
    """Network km per state and network against SICT's own Dist and the raw geometry."""
    if segments.empty:
        return pd.DataFrame()
    once = segments.drop_duplicates("sict_id")
    sict = once.groupby(["state", "network"])["dist_km"].sum().rename("sict_dist_km")
    raw = segments.assign(km=geodesic_km(segments.geometry))
    geom = raw.groupby(["state", "network"])["km"].sum().rename("segment_geodesic_km")
    built = links[links["geometry_method"] == SEGMENT].groupby(["state", "network"]).agg(
        network_km=("length_km", "sum"), network_sict_km=("sict_km", "sum"))
    table = pd.concat([sict, geom, built], axis=1).fillna(0.0)
    table["network_vs_geometry"] = table["network_km"] / table["segment_geodesic_km"]
    table["sict_km_vs_dist"] = table["network_sict_km"] / table["sict_dist_km"]
    table["geometry_vs_dist"] = table["segment_geodesic_km"] / table["sict_dist_km"]
    return table.reset_index()

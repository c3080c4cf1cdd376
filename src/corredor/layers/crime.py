"""Crime layer: SESNSP cargo-theft records turned into a theft risk per edge.

The Secretariado Ejecutivo del SNSP publishes monthly counts of investigation
files (*carpetas de investigación*) by crime, at state level
(``IDEFC_NM_*.csv``) and municipal level (``IDM_NM_*.csv``). "Robo a
transportista" (con / sin violencia) is the cargo-theft record. This module
reads both formats, sums a year window, and spreads each area's incidents over
the truck-km the network carries in that area.

Calibration (the exposure): every edge carries a number of trucks per day and
direction: its counted trucks (``observed_trucks_day``, SICT Datos Viales 2024,
on the bundled model) where it has a count, else an assumed number by road
class (``CrimeParams.exposure_trucks_day``); ``exposure_column`` names another
edge column (an assigned flow). The counts, not the model's assigned flows, are
the default: they are what the assignment is fitted to, and the theft cost then
does not depend on the routing it steers. An area's yearly truck-km is
the sum over its edges of length inside the area x trucks/day x 365. The area's
theft rate per truck-km is its incidents per year divided by that truck-km, so
every truck-km driven in the area carries the same risk and the network's
expected incidents per year equal the recorded ones. An edge's
``theft_prob_per_km`` is the length-weighted mix of the rates of the areas it
crosses; ``theft_prob`` per traversal is ``1 - exp(-rate x length_km)``; the
expected loss per trip is ``theft_prob x cargo value x loss share``.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pydantic import Field, field_validator, model_validator

from corredor.boundaries import read_boundaries
from corredor.config import StrictModel
from corredor.csvfiles import detect_encoding
from corredor.errors import CorredorError, DataFileError
from corredor.network import ROAD_CLASSES, Network
from corredor.networks.national import DATA_DIR, read_table

__all__ = [
    "CARGO_THEFT",
    "THEFT_COLUMNS",
    "CrimeParams",
    "TheftCalibration",
    "apply_crime",
    "area_shares",
    "bundled_crime_counts",
    "calibrate_theft",
    "cargo_theft_counts",
    "read_sesnsp",
    "scale_theft",
]

#: Month columns of the SESNSP files, in order (canonical, accent-free, lower case).
MONTHS = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
)
CARGO_THEFT = "Robo a transportista"
CON_VIOLENCIA = "robo_transportista_con_violencia"
SIN_VIOLENCIA = "robo_transportista_sin_violencia"
#: The bundled state-level table, written by scripts/crime_state_table.py.
CRIME_STATE_FILE = "crime_state.csv"
CRIME_STATE_FIELDS = [
    "state", "state_name", "year", CON_VIOLENCIA, SIN_VIOLENCIA, "total", "months", "source",
]
#: Edge columns this layer adds.
THEFT_COLUMNS = (
    "theft_exposure_trucks_day", "theft_incidents_year", "theft_prob_per_km", "theft_prob",
    "theft_loss_usd",
)
#: Metric CRS for lengths inside polygons (Mexico ITRF2008 / LCC).
METRIC_CRS = "EPSG:6372"

# canonical name -> (official header, accepted spellings after _key normalisation)
_HEADERS = {
    "year": ("Año", {"ano", "anio", "year"}),
    "state": ("Clave_Ent", {"clave ent", "cve ent", "clave entidad", "cve entidad"}),
    "state_name": ("Entidad", {"entidad", "nombre entidad"}),
    "bien_juridico": ("Bien jurídico afectado", {"bien juridico afectado", "bien juridico"}),
    "tipo": ("Tipo de delito", {"tipo de delito", "tipo delito"}),
    "subtipo": ("Subtipo de delito", {"subtipo de delito", "subtipo delito"}),
    "modalidad": ("Modalidad", {"modalidad"}),
    **{
        month: (month.capitalize(), {month, "setiembre"} if month == "septiembre" else {month})
        for month in MONTHS
    },
}
_MUNICIPAL_HEADERS = {
    "municipality": (
        "Cve. Municipio", {"cve municipio", "clave municipio", "cve mun", "clave mun"}
    ),
    "municipality_name": ("Municipio", {"municipio", "nombre municipio"}),
}
_CHUNK_ROWS = 200_000


# -- reading SESNSP files -------------------------------------------------------


def read_sesnsp(
    path: str | os.PathLike[str], *, subtypes: Iterable[str] | None = None
) -> pd.DataFrame:
    """Read a SESNSP state (``IDEFC_NM_*``) or municipal (``IDM_NM_*``) incidence file.

    Encoding (latin-1, UTF-8, UTF-8 with BOM) is detected; headers are matched
    ignoring accents, case, spaces and punctuation. Returns canonical columns
    ``year, state, state_name, [municipality, municipality_name,] bien_juridico,
    tipo, subtipo, modalidad, enero..diciembre``; ``state`` is the 2-digit and
    ``municipality`` the 5-digit INEGI code, months not yet published are NaN.
    ``subtypes`` keeps only those *Subtipo de delito* rows while reading, which
    keeps memory small on the large municipal file.

    Parameters
    ----------
    path : str or path-like
        The incidence CSV.
    subtypes : iterable of str, optional
        Keep only these *Subtipo de delito* rows.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: SESNSP file not found")
    encoding = detect_encoding(path)
    try:
        header = pd.read_csv(path, encoding=encoding, nrows=0).columns
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        raise DataFileError(f"{path}: not a readable CSV ({exc})") from exc
    rename = _match_headers(header, path)
    wanted = {_key(s) for s in subtypes} if subtypes is not None else None
    chunks = []
    try:
        reader = pd.read_csv(
            path, encoding=encoding, dtype=str, keep_default_na=False, usecols=list(rename),
            chunksize=_CHUNK_ROWS,
        )
        for chunk in reader:
            chunk = chunk.rename(columns=rename)
            if wanted is not None:
                chunk = chunk[_keys(chunk["subtipo"]).isin(wanted)]
            chunks.append(chunk)
    except pd.errors.ParserError as exc:
        raise DataFileError(f"{path}: not a readable CSV ({exc})") from exc
    table = pd.concat(chunks) if chunks else pd.DataFrame(columns=list(rename.values()))
    return _typed(table, path)


def _key(text: object) -> str:
    """Accent-free, lower-case, single-spaced words: 'Cve. Municipio' -> 'cve municipio'."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).strip()


def _keys(values: pd.Series) -> pd.Series:
    """``_key`` of every value, computed once per distinct value."""
    return values.map({value: _key(value) for value in values.unique()})


def _match_headers(header: Iterable[str], path: Path) -> dict[str, str]:
    """Map the file's headers to canonical names; a missing column is a ``DataFileError``."""
    by_key = {_key(column): column for column in header}
    wanted = dict(_HEADERS)
    municipal = {spelling for _, spellings in _MUNICIPAL_HEADERS.values() for spelling in spellings}
    if municipal & set(by_key):
        wanted.update(_MUNICIPAL_HEADERS)
    rename, missing = {}, []
    for canonical, (official, spellings) in wanted.items():
        found = next((by_key[s] for s in spellings if s in by_key), None)
        if found is None:
            missing.append(official)
        else:
            rename[found] = canonical
    if missing:
        raise DataFileError(
            f"{path}: missing column(s) {', '.join(repr(m) for m in missing)} in a SESNSP "
            f"incidence file (found: {', '.join(map(str, header))})"
        )
    return rename


def _typed(table: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Codes as zero-padded strings, year as int, months as float (blank = not published).

    ``table`` keeps the reader's row index, so problems name file lines (index + 2).
    """
    table = table.copy()
    problems = []
    for column in ("year", *MONTHS):
        text = table[column].astype(str).str.strip().str.replace(",", "", regex=False)
        values = pd.to_numeric(text.replace("", np.nan), errors="coerce")
        invalid = values.isna() if column == "year" else values.isna() & (text != "")
        if invalid.any():
            lines = (table.index[invalid] + 2).tolist()[:5]
            problems.append(f"'{column}' is not a number on line(s) {lines}")
        table[column] = values
    for column, width in (("state", 2), ("municipality", 5)):
        if column in table.columns:
            codes = table[column].astype(str).str.strip()
            bad = table.index[~codes.str.fullmatch(r"\d+")]
            if len(bad):
                lines = (bad + 2).tolist()[:5]
                problems.append(f"'{column}' code is not a number on line(s) {lines}")
            table[column] = codes.str.zfill(width)
    if problems:
        raise DataFileError(f"{path}: " + "; ".join(problems))
    table["year"] = table["year"].astype("int64")
    return table.reset_index(drop=True)


def cargo_theft_counts(table: pd.DataFrame, *, subtype: str = CARGO_THEFT) -> pd.DataFrame:
    """Yearly cargo-theft counts per area from a ``read_sesnsp`` table.

    One row per state (or municipality) and year: ``state, state_name,
    [municipality, municipality_name,] year, robo_transportista_con_violencia,
    robo_transportista_sin_violencia, total, months``. ``months`` is the number
    of months of that year with published data (5 for a file ending in May), so
    partial years can be annualised; ``total`` also counts any other modality.

    Parameters
    ----------
    table : pandas.DataFrame
        From ``read_sesnsp``.
    subtype : str, default "Robo a transportista"
        The *Subtipo de delito*.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    CorredorError
        No rows of that subtype.
    """
    rows = table[_keys(table["subtipo"]) == _key(subtype)]
    if rows.empty:
        present = ", ".join(sorted(table["subtipo"].unique())[:10])
        raise CorredorError(
            f"no {subtype!r} rows in the SESNSP table"
            + (f" (subtypes present: {present})" if present else "")
        )
    published = rows[list(MONTHS)].notna().groupby(rows["year"]).any().sum(axis=1)
    modality = _keys(rows["modalidad"])
    counts = rows[list(MONTHS)].sum(axis=1, min_count=0)
    frame = rows.assign(
        **{
            CON_VIOLENCIA: counts.where(modality == "con violencia", 0.0),
            SIN_VIOLENCIA: counts.where(modality == "sin violencia", 0.0),
            "total": counts,
        }
    )
    area = ["municipality"] if "municipality" in rows.columns else ["state"]
    names = {"state": "first", "state_name": "first", "municipality_name": "first"}
    agg = {c: how for c, how in names.items() if c in frame.columns and c not in area}
    agg.update({CON_VIOLENCIA: "sum", SIN_VIOLENCIA: "sum", "total": "sum"})
    out = frame.groupby([*area, "year"], as_index=False).agg(agg)
    for column in (CON_VIOLENCIA, SIN_VIOLENCIA, "total"):
        out[column] = out[column].round().astype("int64")
    out["months"] = out["year"].map(published).astype("int64")
    leading = ["state", "state_name", "municipality", "municipality_name"]
    order = [c for c in leading if c in out.columns]
    columns = [*order, "year", CON_VIOLENCIA, SIN_VIOLENCIA, "total", "months"]
    return out[columns].sort_values([*area, "year"]).reset_index(drop=True)


def bundled_crime_counts(data_dir: Path | None = None) -> pd.DataFrame:
    """The bundled state counts, ``data/mexico/crime_state.csv``, like ``cargo_theft_counts``.

    Parameters
    ----------
    data_dir : Path, optional
        Folder holding ``crime_state.csv`` (default: the package data).

    Returns
    -------
    pandas.DataFrame
    """
    path = Path(data_dir or DATA_DIR) / CRIME_STATE_FILE
    table = read_table(path, CRIME_STATE_FIELDS)
    numeric = ["year", CON_VIOLENCIA, SIN_VIOLENCIA, "total", "months"]
    try:
        table[numeric] = table[numeric].astype("int64")
    except ValueError as exc:
        raise DataFileError(f"{path}: {', '.join(numeric)} must be integers ({exc})") from exc
    table["state"] = table["state"].str.zfill(2)
    return table


# -- parameters -----------------------------------------------------------------

#: Assumed trucks/day per direction on each road class, used as truck-km exposure.
DEFAULT_EXPOSURE_TRUCKS_DAY: dict[str, float] = {
    # assumption: order-of-magnitude truck flows per direction on Mexican roads;
    # replace with counts (SCT Datos Viales) or an assigned demand via exposure_column.
    "motorway": 3000.0,
    "trunk": 2000.0,
    "primary": 1000.0,
    "secondary": 500.0,
    "tertiary": 200.0,
    "border": 2000.0,
    "port_access": 1000.0,
    "connector": 300.0,
    "us_highway": 3000.0,
    "foreign_highway": 500.0,
}


#: Edge column of counted trucks/day (SICT networks), the default theft exposure.
DEFAULT_EXPOSURE_COLUMN = "observed_trucks_day"


class CrimeParams(StrictModel):
    """Constants of the crime layer; ``CrimeParams(**overrides)`` from a scenario."""

    years: tuple[int, int] | None = Field(
        None, description="first and last year of the window; default: the last "
        "`window_years` complete (12-month) years in the data",
    )
    window_years: int = Field(3, ge=1, description="assumption: a 3-year window smooths noise")
    cargo_value_usd: float = Field(
        78_471.0, ge=0,
        description="BTS 2024 northbound value per loaded truck: US BTS TransBorder 2024 US "
        "imports by truck through the Texas land ports / BTS Border Crossing loaded trucks "
        "(Trucks - Truck Containers Empty) at those ports, as in data/mexico/demand.csv",
    )
    loss_share: float = Field(
        1.0, ge=0, le=1,
        description="assumption: a robbed truck loses its whole load (no recovery or insurance "
        "netted); lower it to account for recoveries",
    )
    reporting_rate: float = Field(
        1.0, gt=0, le=1,
        description="assumption: every cargo theft becomes a SESNSP record; set below 1 to "
        "scale recorded incidents up for unreported thefts",
    )
    exposure_trucks_day: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_EXPOSURE_TRUCKS_DAY),
        description="assumption: trucks/day per direction by road class (truck-km exposure)",
    )
    exposure_column: str | None = Field(
        DEFAULT_EXPOSURE_COLUMN, description="edge column with trucks/day per direction "
        "(default: the counted trucks of SICT networks, where a network has them); blanks "
        "fall back to exposure_trucks_day; null: exposure_trucks_day everywhere",
    )

    @field_validator("exposure_trucks_day", mode="before")
    @classmethod
    def _merge_with_defaults(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        unknown = sorted(set(value) - ROAD_CLASSES)
        if unknown:
            raise ValueError(f"unknown road class(es) {unknown}; valid: {sorted(ROAD_CLASSES)}")
        merged = {**DEFAULT_EXPOSURE_TRUCKS_DAY, **value}
        negative = sorted(k for k, v in merged.items() if float(v) < 0)
        if negative:
            raise ValueError(f"exposure must be >= 0 (not for {negative})")
        return merged

    @model_validator(mode="after")
    def _ordered_years(self) -> CrimeParams:
        if self.years is not None and self.years[0] > self.years[1]:
            raise ValueError(f"years {self.years}: the first year must not be after the last")
        return self


# -- areas: which state / municipality each edge runs through ---------------------


def area_shares(
    network: Network, boundaries: str | os.PathLike[str] | gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """Share of each edge's length in each area: ``edge`` (row), ``edge_id``, ``area``, ``share``.

    Without boundaries an edge's ``state`` column is used ("11;14" gives half
    to each). With polygons (``read_boundaries``) the share is the edge's
    length inside each polygon over its whole length, so a part outside every
    polygon (abroad) carries no crime; shares above 1 from overlapping
    polygons are scaled back to 1.

    Parameters
    ----------
    network : Network
        The network.
    boundaries : str, path-like or geopandas.GeoDataFrame, optional
        State or municipal polygons (default: the edges' ``state`` column).

    Returns
    -------
    pandas.DataFrame
    """
    edges = network.edges
    if boundaries is None:
        states = edges["state"].fillna("").astype(str).str.split(";")
        long = states.explode()
        long = long[long.str.strip() != ""].str.strip()
        frame = pd.DataFrame({"edge": long.index.to_numpy(), "area": long.str.zfill(2).to_numpy()})
        frame["share"] = 1.0 / frame.groupby("edge")["area"].transform("size")
    else:
        frame = _polygon_shares(edges, read_boundaries(boundaries))
    frame.insert(1, "edge_id", edges["edge_id"].to_numpy()[frame["edge"].to_numpy()])
    return frame.reset_index(drop=True)


def _polygon_shares(edges: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame) -> pd.DataFrame:
    lines = edges.geometry.to_crs(METRIC_CRS).to_numpy()
    shapes = polygons.to_crs(METRIC_CRS)
    edge, polygon = shapes.sindex.query(lines, predicate="intersects")
    pieces = shapely.length(shapely.intersection(lines[edge], shapes.geometry.to_numpy()[polygon]))
    whole = shapely.length(lines)[edge]
    hits = np.bincount(edge, minlength=len(lines))[edge]
    share = np.where(whole > 0, pieces / np.where(whole > 0, whole, 1.0), 1.0 / hits)
    frame = pd.DataFrame(
        {"edge": edge, "area": polygons["code"].to_numpy()[polygon], "share": share}
    )
    frame = frame[frame["share"] > 0].groupby(["edge", "area"], as_index=False)["share"].sum()
    total = frame.groupby("edge")["share"].transform("sum")
    frame["share"] = frame["share"] / np.maximum(total, 1.0)
    return frame


# -- calibration ----------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TheftCalibration:
    """Per-area theft rates and the per-edge result of one calibration.

    ``areas`` has one row per area with incidents or exposure: ``area``,
    ``level`` (state, municipality, or state fallback for municipal incidents
    recorded where the network has no road), ``incidents_year``,
    ``exposure_truck_km_year``, ``rate_per_truck_km`` and
    ``assigned_incidents_year`` (0 where the network has no exposure).
    """

    areas: pd.DataFrame
    rate_per_km: np.ndarray
    exposure_trucks_day: np.ndarray
    years: tuple[int, int]
    months: int

    @property
    def incidents_year(self) -> float:
        """Recorded incidents per year in the window (scaled by the reporting rate)."""
        recorded = self.areas["level"] != "state fallback"
        return float(self.areas.loc[recorded, "incidents_year"].sum())

    @property
    def unassigned_incidents_year(self) -> float:
        """Incidents per year in areas the network does not reach."""
        assigned = self.areas["assigned_incidents_year"].sum()
        return self.incidents_year - float(assigned)


def calibrate_theft(
    network: Network,
    counts: pd.DataFrame,
    *,
    boundaries: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    params: CrimeParams | None = None,
) -> TheftCalibration:
    """Theft rate per truck-km for every edge, calibrated to the window's incidents.

    ``counts`` is a ``cargo_theft_counts`` / ``bundled_crime_counts`` table.
    Municipal counts are used at municipal level when municipal ``boundaries``
    are given (incidents of municipalities the network does not cross are
    spread over their state's roads); otherwise they are summed to states.

    Parameters
    ----------
    network : Network
        The network.
    counts : pandas.DataFrame
        Incident counts per area and year.
    boundaries : optional
        Polygons (see ``area_shares``).
    params : CrimeParams, optional
        Window, reporting rate, exposure.

    Returns
    -------
    TheftCalibration
    """
    params = params or CrimeParams()
    years, months = _window(counts, params)
    in_window = counts[counts["year"].between(*years)]
    polygons = read_boundaries(boundaries) if boundaries is not None else None
    shares = area_shares(network, polygons)
    municipal = (
        "municipality" in counts.columns
        and polygons is not None
        and polygons["code"].str.len().eq(5).all()
    )
    if not municipal:
        shares = _to_states(shares)
    area = "municipality" if municipal else "state"
    incidents = in_window.groupby(in_window[area])["total"].sum() * 12.0 / months
    incidents = incidents / params.reporting_rate

    trucks = _exposure_trucks_day(network, params)
    truck_km = network.edges["length_km"].to_numpy(dtype=float) * trucks * 365.0
    rate, table, unplaced = _rates(shares, truck_km, incidents, area)
    tables = [table]
    if municipal and len(unplaced):
        pool = unplaced.groupby(unplaced.index.str[:2]).sum()
        extra, fallback, _ = _rates(_to_states(shares), truck_km, pool, "state fallback")
        rate, tables = rate + extra, [table, fallback]
    areas = pd.concat(tables, ignore_index=True)
    return TheftCalibration(
        areas=areas, rate_per_km=rate, exposure_trucks_day=trucks, years=years, months=months
    )


def _window(counts: pd.DataFrame, params: CrimeParams) -> tuple[tuple[int, int], int]:
    """The year window and its number of published months."""
    published = counts.groupby("year")["months"].max()
    if published.empty:
        raise CorredorError("the crime counts table is empty")
    if params.years is None:
        complete = published.index[published == 12]
        chosen = complete[-params.window_years:] if len(complete) else published.index
        years = (int(chosen.min()), int(chosen.max()))
    else:
        years = params.years
        missing = [y for y in range(years[0], years[1] + 1) if y not in published.index]
        if missing:
            raise CorredorError(
                f"crime years {years[0]}-{years[1]}: no data for {missing}; the counts cover "
                f"{published.index.min()}-{published.index.max()}"
            )
    months = int(published.loc[years[0]:years[1]].sum())
    if months == 0:
        raise CorredorError(f"crime years {years[0]}-{years[1]} have no published month")
    return years, months


def _to_states(shares: pd.DataFrame) -> pd.DataFrame:
    states = shares.assign(area=shares["area"].str[:2])
    return states.groupby(["edge", "edge_id", "area"], as_index=False)["share"].sum()


def _exposure_trucks_day(network: Network, params: CrimeParams) -> np.ndarray:
    edges = network.edges
    unknown = sorted(set(edges["road_class"]) - set(params.exposure_trucks_day))
    if unknown:
        raise CorredorError(
            f"edges: no theft exposure for road_class {unknown}; set exposure_trucks_day for "
            f"them (known: {sorted(params.exposure_trucks_day)})"
        )
    trucks = edges["road_class"].map(params.exposure_trucks_day).to_numpy(dtype=float)
    column = params.exposure_column
    if column == DEFAULT_EXPOSURE_COLUMN and column not in edges.columns:
        column = None  # a network without counts (OSM): the class assumption
    if column is not None:
        if column not in edges.columns:
            raise CorredorError(
                f"exposure_column {column!r} is not an edge column "
                f"(numeric columns: {', '.join(edges.select_dtypes('number').columns)})"
            )
        given = pd.to_numeric(edges[column], errors="coerce").to_numpy(dtype=float)
        if (given < 0).any():
            raise CorredorError(f"exposure_column {column!r} has negative trucks/day")
        trucks = np.where(np.isfinite(given), given, trucks)
    return trucks


def _rates(
    shares: pd.DataFrame, truck_km: np.ndarray, incidents: pd.Series, level: str
) -> tuple[np.ndarray, pd.DataFrame, pd.Series]:
    """Per-edge rate from area incidents / truck-km, with the area table and unplaced incidents."""
    weighted = shares["share"].to_numpy() * truck_km[shares["edge"].to_numpy()]
    exposure = pd.Series(weighted).groupby(shares["area"].to_numpy()).sum()
    index = exposure.index.union(incidents.index)
    exposure = exposure.reindex(index, fill_value=0.0)
    incidents = incidents.reindex(index, fill_value=0.0)
    placed = exposure > 0
    area_rate = (incidents / exposure.where(placed)).fillna(0.0)
    edge_rate = shares["share"].to_numpy() * area_rate.reindex(shares["area"]).to_numpy()
    rate = np.bincount(shares["edge"].to_numpy(), weights=edge_rate, minlength=len(truck_km))
    table = pd.DataFrame(
        {
            "area": index,
            "level": level,
            "incidents_year": incidents.to_numpy(),
            "exposure_truck_km_year": exposure.to_numpy(),
            "rate_per_truck_km": area_rate.to_numpy(),
            "assigned_incidents_year": incidents.where(placed, 0.0).to_numpy(),
        }
    )
    unplaced = incidents[~placed & (incidents > 0)]
    return rate, table, unplaced


# -- the layer --------------------------------------------------------------------


def apply_crime(
    network: Network,
    counts: pd.DataFrame | None = None,
    *,
    boundaries: str | os.PathLike[str] | gpd.GeoDataFrame | None = None,
    params: CrimeParams | None = None,
) -> Network:
    """Add the theft columns (``THEFT_COLUMNS``) to the edges.

    ``counts`` defaults to the bundled state table. ``theft_incidents_year`` sums
    to the window's incidents over the areas the network reaches.

    Parameters
    ----------
    network : Network
        The network.
    counts : pandas.DataFrame, optional
        A ``cargo_theft_counts`` table.
    boundaries : str, path-like or geopandas.GeoDataFrame, optional
        Polygons for length-weighted assignment.
    params : CrimeParams, optional
        Window, cargo value, exposure.

    Returns
    -------
    Network
        A copy with the columns added.
    """
    params = params or CrimeParams()
    counts = bundled_crime_counts() if counts is None else counts
    calibration = calibrate_theft(network, counts, boundaries=boundaries, params=params)
    edges = network.edges.copy()
    length = edges["length_km"].to_numpy(dtype=float)
    rate = calibration.rate_per_km
    prob = -np.expm1(-rate * length)
    edges["theft_exposure_trucks_day"] = calibration.exposure_trucks_day
    edges["theft_incidents_year"] = rate * length * calibration.exposure_trucks_day * 365.0
    edges["theft_prob_per_km"] = rate
    edges["theft_prob"] = prob
    edges["theft_loss_usd"] = prob * params.cargo_value_usd * params.loss_share
    return network.with_edges(edges)


def scale_theft(
    network: Network, selection: np.ndarray | Iterable[str], factor: float
) -> Network:
    """Multiply the theft rate of selected edges by ``factor`` (a surge x3, an escort x0).

    ``selection`` is a boolean mask over the edges or edge ids. Incidents scale
    with the rate; ``theft_prob`` and ``theft_loss_usd`` are recomputed (the
    value at risk per trip, loss / probability, is kept). Factors compound.
    Re-run ``apply_cost`` afterwards so ``cost_usd`` follows.

    Parameters
    ----------
    network : Network
        With the crime layer's columns.
    selection : numpy.ndarray or iterable of str
        A bool mask over the edges, or edge ids.
    factor : float
        Multiplier of the theft rate (>= 0).

    Returns
    -------
    Network
        A copy with the columns added.
    """
    if not (np.isfinite(factor) and factor >= 0):
        raise CorredorError(f"theft factor must be a number >= 0, got {factor!r}")
    missing = [c for c in THEFT_COLUMNS if c not in network.edges.columns]
    if missing:
        raise CorredorError(f"edges lack {', '.join(missing)}: apply the crime layer first")
    mask = _mask(network, selection)
    edges = network.edges.copy()
    old_prob = edges["theft_prob"].to_numpy(dtype=float)
    at_risk = np.divide(
        edges["theft_loss_usd"].to_numpy(dtype=float), old_prob,
        out=np.zeros_like(old_prob), where=old_prob > 0,
    )
    scale = np.where(mask, factor, 1.0)
    rate = edges["theft_prob_per_km"].to_numpy(dtype=float) * scale
    prob = -np.expm1(-rate * edges["length_km"].to_numpy(dtype=float))
    edges["theft_prob_per_km"] = rate
    edges["theft_incidents_year"] = edges["theft_incidents_year"].to_numpy(dtype=float) * scale
    edges["theft_prob"] = prob
    edges["theft_loss_usd"] = prob * at_risk
    return network.with_edges(edges)


def _mask(network: Network, selection: np.ndarray | Iterable[str]) -> np.ndarray:
    if isinstance(selection, np.ndarray) and selection.dtype == bool:
        if selection.shape != (len(network.edges),):
            raise CorredorError(
                f"a boolean edge selection needs {len(network.edges)} values, got {selection.shape}"
            )
        return selection
    ids = [str(edge_id) for edge_id in selection]
    unknown = [edge_id for edge_id in ids if edge_id not in network.edge_index]
    if unknown:
        raise CorredorError(f"unknown edge id(s): {', '.join(unknown[:10])}")
    mask = np.zeros(len(network.edges), dtype=bool)
    mask[[network.edge_index[edge_id] for edge_id in ids]] = True
    return mask

"""INEGI state and municipal polygons: one reader for every layer that joins by area.

Theft assignment (``layers.crime``) and state codes on OSM networks
(``networks.osm``) read the same kind of file; both go through
``read_boundaries``. ``read_area`` reads any polygon file (a QGIS drawing, an
extract boundary) as one area, for polygon selectors and OSM downloads.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataSourceError

from corredor.errors import DataFileError
from corredor.network import CRS

__all__ = ["read_area", "read_boundaries", "read_states"]


def read_boundaries(
    source: str | os.PathLike[str] | gpd.GeoDataFrame, *, id_column: str | None = None
) -> gpd.GeoDataFrame:
    """State or municipal polygons as a GeoDataFrame with a ``code`` column (INEGI code).

    The code column is ``id_column`` or the first of ``code``, ``CVEGEO``, ``CVE_ENT``,
    ``state``, ``id``; codes of up to 2 digits are states, of 4-5 digits municipalities
    (zero-padded).

    Parameters
    ----------
    source : str, path-like or geopandas.GeoDataFrame
        A polygon file (shapefile, GeoPackage, GeoJSON) or polygons already read.
    id_column : str, optional
        The column with the INEGI code.

    Returns
    -------
    geopandas.GeoDataFrame
        ``code`` and geometry in EPSG:4326 (invalid polygons repaired).

    Raises
    ------
    DataFileError
        Missing or unreadable file, no code column, codes that are not INEGI codes, no CRS.
    """
    if isinstance(source, gpd.GeoDataFrame):
        frame, where = source, "boundaries"
    else:
        where = str(source)
        if not Path(source).is_file():
            raise DataFileError(f"{where}: boundaries file not found")
        try:
            frame = pyogrio.read_dataframe(source)
        except DataSourceError as exc:
            raise DataFileError(f"{where}: not a readable vector file ({exc})") from exc
    candidates = [id_column] if id_column else ["code", "CVEGEO", "CVE_ENT", "state", "id"]
    column = next((c for c in candidates if c in frame.columns), None)
    if column is None:
        raise DataFileError(
            f"{where}: no area code column {' or '.join(candidates)} "
            f"(columns: {', '.join(map(str, frame.columns))})"
        )
    if frame.crs is None:
        raise DataFileError(f"{where}: no CRS; set one (e.g. EPSG:4326) before joining")
    raw = frame[column]
    if pd.api.types.is_numeric_dtype(raw):
        raw = raw.astype("int64")
    codes = raw.astype(str).str.strip()
    digits = codes.str.len()
    if not codes.str.fullmatch(r"\d+").all() or not (
        (digits <= 2).all() or digits.between(4, 5).all()
    ):
        raise DataFileError(
            f"{where}: column '{column}' must hold INEGI codes, all state (1-2 digits) or all "
            f"municipal (4-5 digits); e.g. {', '.join(codes.head(3))}"
        )
    codes = codes.str.zfill(2 if (digits <= 2).all() else 5)
    geometry = frame.geometry.to_crs(CRS)
    invalid = ~geometry.is_valid
    if invalid.any():
        geometry = geometry.copy()
        geometry[invalid] = geometry[invalid].make_valid()
    return gpd.GeoDataFrame({"code": codes.to_numpy()}, geometry=geometry.to_numpy(), crs=CRS)


def read_states(path: str | os.PathLike[str], *, field: str | None = None) -> gpd.GeoDataFrame:
    """State polygons with a 2-digit INEGI ``state`` code (municipal codes give their state).

    Parameters
    ----------
    path : str or path-like
        State (or municipal) polygons, e.g. INEGI ``estatal.shp``.
    field : str, optional
        The column with the INEGI code (see ``read_boundaries``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``state`` and geometry in EPSG:4326.
    """
    areas = read_boundaries(path, id_column=field)
    return gpd.GeoDataFrame({"state": areas["code"].str[:2]}, geometry=areas.geometry, crs=CRS)


def read_area(path: str | os.PathLike[str]) -> shapely.Geometry:
    """The union of the polygons in a GeoJSON, GeoPackage or shapefile, in EPSG:4326.

    Parameters
    ----------
    path : str or path-like
        A vector file with polygon or multipolygon features (a file without a CRS is taken
        to be in EPSG:4326).

    Returns
    -------
    shapely.Geometry
        A Polygon or MultiPolygon.

    Raises
    ------
    DataFileError
        The file is missing, unreadable, or holds no polygon.
    """
    where = Path(path)
    if not where.is_file():
        raise DataFileError(f"{where}: polygon file not found")
    try:
        frame = pyogrio.read_dataframe(where)
    except (DataSourceError, OSError, ValueError) as exc:
        raise DataFileError(f"{where}: not a readable polygon file ({exc})") from exc
    if frame.crs is not None:
        frame = frame.to_crs(CRS)
    shape = frame.geometry.union_all() if len(frame) else shapely.Polygon()
    if shape.is_empty or shape.geom_type not in ("Polygon", "MultiPolygon"):
        raise DataFileError(
            f"{where}: expected polygons, found {shape.geom_type if len(frame) else 'no features'}"
        )
    return shape.make_valid() if not shape.is_valid else shape

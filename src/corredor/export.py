"""Writing networks to files a GIS opens: GeoPackage and RFC 7946 GeoJSON.

Every write goes to a temporary name in the target folder and is renamed at the
end, so a failed run never leaves half a file behind.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import mapping

from corredor.errors import CorredorError
from corredor.network import CRS, Network

#: Decimal places kept in GeoJSON coordinates (~0.1 m), as RFC 7946 recommends.
GEOJSON_PRECISION = 6

NETWORK_FORMATS = (".gpkg", ".geojson")


def write_network(network: Network, path: str | Path) -> Path:
    """Write a network as ``.gpkg`` (nodes and edges layers) or ``.geojson`` (one collection)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        return network.to_gpkg(path)
    if suffix == ".geojson":
        nodes = network.nodes.assign(feature="node")
        edges = network.edges.assign(feature="edge")
        return write_geojson([nodes, edges], path)
    raise CorredorError(
        f"{path}: unknown output format {suffix!r}; use one of {', '.join(NETWORK_FORMATS)}"
    )


def write_geojson(frames: list[gpd.GeoDataFrame], path: str | Path) -> Path:
    """One RFC 7946 FeatureCollection from the rows of ``frames`` (lon/lat, 6 decimals, no crs)."""
    path = Path(path)
    features = []
    for frame in frames:
        frame = frame.to_crs(CRS) if frame.crs is not None and not frame.crs.equals(CRS) else frame
        rounded = shapely.set_precision(frame.geometry.to_numpy(), 10.0**-GEOJSON_PRECISION)
        properties = frame.drop(columns=frame.geometry.name).to_dict("records")
        for props, geometry in zip(properties, rounded, strict=True):
            features.append(
                {
                    "type": "Feature",
                    "properties": {key: _json_value(value) for key, value in props.items()},
                    "geometry": mapping(geometry),
                }
            )
    document = {"type": "FeatureCollection", "features": features}
    _atomic_write_text(path, json.dumps(document, ensure_ascii=False, allow_nan=False))
    return path


def _json_value(value: object) -> object:
    """Plain JSON scalars: numpy types unwrapped, NaN as null."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp_name, 0o644)  # mkstemp creates 0600; outputs are meant to be shared
        os.replace(tmp_name, path)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)

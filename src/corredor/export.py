"""Writing networks to files a GIS opens: GeoPackage and RFC 7946 GeoJSON.

Every write goes to a temporary name in the target folder and is renamed at the
end, so a failed run never leaves half a file behind.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
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


@contextmanager
def output_folder(folder: str | Path) -> Iterator[Path]:
    """Write a run's files into a temporary sibling folder, then swap it into place.

    A run that fails half-way leaves the previous results (or nothing) behind,
    never a mixture.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".tmp-{folder.name}-", dir=folder.parent))
    try:
        yield staging
        staging.chmod(0o755)
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def write_edge_results(
    network: Network, table: pd.DataFrame, folder: Path, *, name: str = "edges"
) -> list[Path]:
    """Edges with their run results as ``<name>.gpkg`` and ``<name>.geojson`` (flat columns)."""
    keep = [
        c
        for c in (
            "edge_id",
            "link_id",
            "u",
            "v",
            "ref",
            "name",
            "road_class",
            "toll",
            "bridge",
            "lanes",
            "length_km",
            "capacity_trucks_day",
            "cost_usd",
            "theft_loss_usd",
            "flood_closure_days_year",
            "state",
        )
        if c in network.edges.columns
    ]
    frame = gpd.GeoDataFrame(
        pd.concat(
            [network.edges[keep].reset_index(drop=True), table.drop(columns="edge_id")], axis=1
        ),
        geometry=network.edges.geometry.reset_index(drop=True),
        crs=CRS,
    )
    gpkg = folder / f"{name}.gpkg"
    pyogrio.write_dataframe(frame, gpkg, layer=name, driver="GPKG")
    return [gpkg, write_geojson([frame], folder / f"{name}.geojson")]

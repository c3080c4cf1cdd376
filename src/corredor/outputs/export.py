"""Writing layers to files a GIS opens: GeoPackage, RFC 7946 GeoJSON, CSV, shapefile.

Every write goes to a temporary name in the target folder and is renamed at the
end, so a failed run never leaves half a file behind. ``read_result_layer``
reads back the layers a run or criticality folder holds (for ``corredor
export`` and ``corredor compare``).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import mapping

from corredor.errors import CorredorError, DataFileError
from corredor.network import CRS, GPKG_VERSION, Network, require_flat
from corredor.outputs.styles import LAYER_STYLES, embed_styles

__all__ = [
    "LAYER_FORMATS",
    "NETWORK_FORMATS",
    "RUN_LAYERS",
    "edge_results_frame",
    "json_scalar",
    "layer_format",
    "read_result_layer",
    "read_run_summary",
    "run_layers",
    "write_geojson",
    "write_layer",
    "write_network",
    "write_run_layers",
    "write_styled_gpkg",
]

#: Decimal places kept in GeoJSON coordinates (~0.1 m), as RFC 7946 recommends.
GEOJSON_PRECISION = 6

NETWORK_FORMATS = (".gpkg", ".geojson")

#: QGIS styles of a network GeoPackage's layers (``corredor export``, ``layers``, ``build``).
NETWORK_STYLES = {"nodes": "nodes", "edges": "network_edges"}


def write_network(network: Network, path: str | Path) -> list[Path]:
    """Write a network: ``.gpkg`` (styled nodes and edges layers) or two ``.geojson`` files.

    GeoJSON holds one geometry type per file as most tools expect: ``<name>_nodes.geojson``
    and ``<name>_edges.geojson``.

    Parameters
    ----------
    network : Network
        The network.
    path : str or Path
        ``.gpkg`` or ``.geojson``.

    Returns
    -------
    list of Path

    Raises
    ------
    CorredorError
        Another suffix.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        for frame, layer in ((network.nodes, "nodes"), (network.edges, "edges")):
            require_flat(frame, layer)
        return [write_styled_gpkg({"nodes": network.nodes, "edges": network.edges}, path,
                                  styles=NETWORK_STYLES)]
    if suffix == ".geojson":
        return [write_geojson([frame], path.with_name(f"{path.stem}_{layer}.geojson"))
                for layer, frame in (("nodes", network.nodes), ("edges", network.edges))]
    raise CorredorError(
        f"{path}: unknown output format {suffix!r}; use one of {', '.join(NETWORK_FORMATS)}"
    )


def write_geojson(frames: list[gpd.GeoDataFrame], path: str | Path) -> Path:
    """One RFC 7946 FeatureCollection from the rows of ``frames`` (lon/lat, 6 decimals, no crs).

    Parameters
    ----------
    frames : list of geopandas.GeoDataFrame
        The features (any CRS; reprojected).
    path : str or Path
        The file to write.

    Returns
    -------
    Path
    """
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
                    "properties": {key: json_scalar(value) for key, value in props.items()},
                    "geometry": mapping(geometry),
                }
            )
    document = {"type": "FeatureCollection", "features": features}
    _atomic_write_text(path, json.dumps(document, ensure_ascii=False, allow_nan=False))
    return path


def json_scalar(value: object) -> object:
    """A plain JSON scalar: numpy types unwrapped, NaN and infinities as None.

    Parameters
    ----------
    value : object
        A cell value.

    Returns
    -------
    object
    """
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


#: Network edge columns carried into run outputs, when present (core first, then layers).
RESULT_EDGE_COLUMNS = (
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

#: Node columns in a run's ``nodes`` layer, when present.
RESULT_NODE_COLUMNS = ("node_id", "kind", "name", "state", "capacity_trucks_day", "source")

#: Layers of a run GeoPackage, in the order QGIS lists them (lines above points last).
RUN_LAYERS = ("flow_change", "disrupted", "edges", "nodes")


def edge_results_frame(network: Network, table: pd.DataFrame) -> gpd.GeoDataFrame:
    """Every edge with its run results as flat columns, in EPSG:4326.

    Parameters
    ----------
    network : Network
        The network run.
    table : pandas.DataFrame
        Per-edge results in edge order (``edge_id`` first).

    Returns
    -------
    geopandas.GeoDataFrame
    """
    keep = [c for c in RESULT_EDGE_COLUMNS if c in network.edges.columns]
    return gpd.GeoDataFrame(
        pd.concat(
            [network.edges[keep].reset_index(drop=True), table.drop(columns="edge_id")], axis=1
        ),
        geometry=network.edges.geometry.reset_index(drop=True),
        crs=CRS,
    )


def run_layers(network: Network, table: pd.DataFrame) -> dict[str, gpd.GeoDataFrame]:
    """The layers of a run a planner opens: ``nodes``, ``edges``, ``disrupted``, ``flow_change``.

    ``table`` is ``simulate.edge_table``. ``disrupted`` holds the edges any disruption touched,
    with ``status`` closed or degraded; ``flow_change`` holds one row per physical link (both
    directions summed), so the map shows the net change once instead of two overlapping lines.

    Parameters
    ----------
    network : Network
        The network run.
    table : pandas.DataFrame
        ``corredor.simulate.edge_table``.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
    """
    edges = edge_results_frame(network, table)
    node_columns = [c for c in RESULT_NODE_COLUMNS if c in network.nodes.columns]
    nodes = gpd.GeoDataFrame(
        network.nodes[node_columns].reset_index(drop=True),
        geometry=network.nodes.geometry.reset_index(drop=True),
        crs=CRS,
    )
    disrupted = edges.loc[edges["is_disrupted"]].copy()
    disrupted.insert(
        1, "status", np.where(disrupted["is_closed"], "closed", "degraded").astype(object)
    )
    link = edges["link_id"] if "link_id" in edges.columns else edges["edge_id"]
    sums = edges.groupby(link, sort=False)[
        ["baseline_flow_trucks_day", "disrupted_flow_trucks_day", "flow_change_trucks_day"]
    ].sum()
    first = edges.loc[~link.duplicated()]
    link_columns = [c for c in ("link_id", "ref", "name", "road_class") if c in first.columns]
    flow_change = gpd.GeoDataFrame(
        first[link_columns]
        .reset_index(drop=True)
        .assign(
            baseline_flow_trucks_day=sums["baseline_flow_trucks_day"].to_numpy(),
            disrupted_flow_trucks_day=sums["disrupted_flow_trucks_day"].to_numpy(),
            flow_change_trucks_day=sums["flow_change_trucks_day"].to_numpy(),
            is_closed=edges.groupby(link, sort=False)["is_closed"].any().to_numpy(),
        ),
        geometry=first.geometry.reset_index(drop=True),
        crs=CRS,
    )
    return {"nodes": nodes, "edges": edges, "disrupted": disrupted, "flow_change": flow_change}


def write_run_layers(
    network: Network, table: pd.DataFrame, folder: str | Path, *, name: str = "edges"
) -> list[Path]:
    """``<name>.gpkg`` with every run layer and its embedded QGIS style, plus one GeoJSON each.

    The GeoJSON files are ``<layer>.geojson`` (the edges one is ``<name>.geojson``).

    Parameters
    ----------
    network : Network
        The network run.
    table : pandas.DataFrame
        ``corredor.simulate.edge_table``.
    folder : str or Path
        Where to write.
    name : str, default "edges"
        Name of the GeoPackage and of the edge GeoJSON.

    Returns
    -------
    list of Path
    """
    folder = Path(folder)
    layers = run_layers(network, table)
    ordered = {layer: layers[layer] for layer in RUN_LAYERS}
    written = [write_styled_gpkg(ordered, folder / f"{name}.gpkg")]
    for layer, frame in layers.items():
        file_name = f"{name}.geojson" if layer == "edges" else f"{layer}.geojson"
        written.append(write_geojson([frame], folder / file_name))
    return written


def write_styled_gpkg(layers: dict[str, gpd.GeoDataFrame], path: str | Path, *,
                      styles: dict[str, str] | None = None) -> Path:
    """A GeoPackage (version 1.2) with one layer per frame, each with its QGIS default style.

    Parameters
    ----------
    layers : dict of str to geopandas.GeoDataFrame
        Layer name -> frame.
    path : str or Path
        The GeoPackage.
    styles : dict of str to str, optional
        Layer -> bundled style name (``LAYER_STYLES``); default: a layer whose name is a
        bundled style gets it, others none.

    Returns
    -------
    Path
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".gpkg")
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        for i, (layer, frame) in enumerate(layers.items()):
            kinds = set(frame.geometry.geom_type.dropna()) if len(frame) else set()
            geometry_type = "Point" if kinds <= {"Point"} and kinds else "LineString"
            if not len(frame):
                geometry_type = "Point" if layer in ("nodes", "sites") else "LineString"
            pyogrio.write_dataframe(
                frame,
                tmp,
                layer=layer,
                driver="GPKG",
                append=i > 0,
                geometry_type=geometry_type,
                dataset_options={"VERSION": GPKG_VERSION} if i == 0 else None,
            )
        chosen = styles if styles is not None else {
            layer: layer for layer in layers if layer in LAYER_STYLES}
        if chosen:
            embed_styles(tmp, chosen)
        os.chmod(tmp, 0o644)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


#: Formats ``corredor export`` writes a layer to.
LAYER_FORMATS = ("gpkg", "geojson", "csv", "shp")


def layer_format(path: str | Path, fmt: str | None = None) -> str:
    """The format to write: ``fmt`` if given, else the file's suffix; an unknown one is an error.

    Parameters
    ----------
    path : str or Path
        The output file.
    fmt : str, optional
        ``LAYER_FORMATS`` value.

    Returns
    -------
    str

    Raises
    ------
    CorredorError
        An unknown format.
    """
    chosen = (fmt or Path(path).suffix.lstrip(".")).lower()
    if chosen not in LAYER_FORMATS:
        raise CorredorError(
            f"{path}: unknown layer format {chosen!r}; use one of {', '.join(LAYER_FORMATS)}"
        )
    return chosen


def write_layer(frame: gpd.GeoDataFrame, path: str | Path, fmt: str | None = None, *,
                style: str | None = None) -> list[Path]:
    """One layer as GeoPackage, RFC 7946 GeoJSON, CSV (geometry as WKT) or shapefile.

    Shapefiles cannot hold booleans, names over 10 characters or text over 254: booleans
    become 0/1, GDAL shortens the names and cuts long text (a ``.cpg`` keeps UTF-8); the
    shapefile comes with ``<name>_fields.csv``, the crosswalk from each column to its
    shapefile field. Use GeoPackage to keep everything. Written atomically.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        The layer.
    path : str or Path
        The file to write (its suffix chosen by the format).
    fmt : str, optional
        ``gpkg``, ``geojson``, ``csv`` or ``shp`` (default: the suffix).
    style : str, optional
        The bundled QGIS style embedded in a GeoPackage (``LAYER_STYLES`` key).

    Returns
    -------
    list of Path
        Every file written (a shapefile is several, plus its field crosswalk).
    """
    path = Path(path)
    fmt = layer_format(path, fmt)
    path = path.with_suffix(f".{fmt}")
    if fmt == "geojson":
        return [write_geojson([frame], path)]
    if fmt == "csv":
        table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        table["wkt"] = shapely.to_wkt(frame.geometry.to_numpy(), rounding_precision=6)
        _atomic_write_text(path, table.to_csv(index=False))
        return [path]
    if fmt == "gpkg":
        styles = {path.stem: style} if style is not None else {}
        return [write_styled_gpkg({path.stem: frame}, path, styles=styles)]
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=path.parent))
    try:
        if fmt == "shp":
            flags = frame.select_dtypes("bool").columns
            shp = frame.assign(**{column: frame[column].astype("int32") for column in flags})
            with warnings.catch_warnings():  # name laundering and truncation: documented above
                warnings.simplefilter("ignore", RuntimeWarning)
                pyogrio.write_dataframe(
                    shp,
                    staging / path.name,
                    driver="ESRI Shapefile",
                    layer_options={"ENCODING": "UTF-8"},
                )
            _field_crosswalk(frame, staging / path.name, staging / f"{path.stem}_fields.csv")
        written = []
        for part in sorted(staging.iterdir()):
            part.chmod(0o644)
            written.append(part.replace(path.parent / part.name))
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _field_crosswalk(frame: gpd.GeoDataFrame, shapefile: Path, target: Path) -> None:
    """Each column's shapefile field name (GDAL shortens them to 10 characters)."""
    fields = list(pyogrio.read_info(shapefile)["fields"])
    columns = [c for c in frame.columns if c != frame.geometry.name]
    table = pd.DataFrame({"column": columns, "shapefile_field": fields[:len(columns)]})
    table.to_csv(target, index=False)


def read_result_layer(folder: str | Path, kind: str) -> gpd.GeoDataFrame:
    """The edge layer of a ``corredor run`` folder (``flows``) or a criticality folder.

    Parameters
    ----------
    folder : str or Path
        A folder a ``corredor run`` or ``corredor criticality`` wrote.
    kind : {"flows", "criticality"}
        Which layer.

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    CorredorError
        The folder has no such layer.
    """
    folder = Path(folder)
    file_name, layer = {
        "flows": ("edges.gpkg", "edges"),
        "criticality": ("criticality.gpkg", "criticality"),
    }[kind]
    path = folder / file_name
    if not path.is_file():
        command = "corredor run" if kind == "flows" else "corredor criticality"
        raise CorredorError(f"{folder}: no {file_name} here; is this a `{command}` folder?")
    return pyogrio.read_dataframe(path, layer=layer)


def read_run_summary(folder: str | Path) -> dict:
    """The ``summary.json`` of a ``corredor run`` folder.

    Parameters
    ----------
    folder : str or Path
        A run folder.

    Returns
    -------
    dict

    Raises
    ------
    DataFileError
        No readable summary.json there.
    """
    path = Path(folder) / "summary.json"
    if not path.is_file():
        raise DataFileError(f"{folder}: no summary.json here; is this a `corredor run` folder?")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: not a readable summary ({exc})") from None

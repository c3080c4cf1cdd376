"""QGIS default styles embedded in GeoPackages, so a layer opens already styled.

QGIS looks for a ``layer_styles`` table in a GeoPackage and applies the row
with ``useAsDefault`` for the layer it opens. The styles themselves are the
``.qml`` files in ``src/corredor/data/styles/`` (edit them in QGIS and save
them back there); this module only copies them into the table.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from contextlib import closing
from importlib.resources import files
from pathlib import Path

from corredor.errors import DataFileError

__all__ = ["LAYER_STYLES", "STYLE_DIR", "embed_styles", "style_qml"]

#: Where the .qml sources live: package data ``corredor/data/styles``.
STYLE_DIR = Path(str(files("corredor") / "data" / "styles"))

#: Layer name -> style file in STYLE_DIR (a layer's default style has the layer's name).
LAYER_STYLES = {
    "nodes": "nodes.qml",
    "edges": "edges.qml",
    "network_edges": "network_edges.qml",
    "disrupted": "disrupted.qml",
    "flow_change": "flow_change.qml",
    "flow_difference": "flow_difference.qml",
    "criticality": "criticality.qml",
    "cuts": "cuts.qml",
    "plant_risk": "plant_risk.qml",
    "routes": "routes.qml",
    "sites": "sites.qml",
}

# The table QGIS itself creates when it saves a style into a GeoPackage.
_CREATE = """
CREATE TABLE IF NOT EXISTS layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    f_table_catalog TEXT(256),
    f_table_schema TEXT(256),
    f_table_name TEXT(256),
    f_geometry_column TEXT(256),
    styleName TEXT(30),
    styleQML TEXT,
    styleSLD TEXT,
    useAsDefault BOOLEAN,
    description TEXT,
    owner TEXT(30),
    ui TEXT(30),
    update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
)
"""


def style_qml(layer: str, *, style_dir: Path = STYLE_DIR) -> str:
    """The QML text of a layer's bundled style.

    Parameters
    ----------
    layer : str
        A key of ``LAYER_STYLES``.
    style_dir : Path
        Folder of the ``.qml`` files.

    Returns
    -------
    str

    Raises
    ------
    DataFileError
        No style for the layer, or its file is missing.
    """
    if layer not in LAYER_STYLES:
        raise DataFileError(
            f"no bundled QGIS style for layer {layer!r}; styled layers: {', '.join(LAYER_STYLES)}"
        )
    path = style_dir / LAYER_STYLES[layer]
    if not path.is_file():
        raise DataFileError(f"{path}: QGIS style file missing (expected in {style_dir})")
    return path.read_text(encoding="utf-8")


def embed_styles(gpkg: str | Path, layers: Iterable[str] | Mapping[str, str], *,
                 style_dir: Path = STYLE_DIR) -> None:
    """Store each layer's bundled style as its default in the GeoPackage's ``layer_styles``.

    Existing default rows for those layers are replaced, so re-embedding is idempotent.
    The table is registered in ``gpkg_contents`` as an attributes table, as QGIS does.

    Parameters
    ----------
    gpkg : str or Path
        The GeoPackage.
    layers : iterable of str, or mapping of str to str
        Its layers to style, each with the style of its own name, or layer -> style name
        (a key of ``LAYER_STYLES``).
    style_dir : Path
        Folder of the ``.qml`` files.

    Raises
    ------
    DataFileError
        A layer has no style or is not in the GeoPackage.
    """
    chosen = dict(layers) if isinstance(layers, Mapping) else {layer: layer for layer in layers}
    styles = {layer: style_qml(style, style_dir=style_dir) for layer, style in chosen.items()}
    layers = list(chosen)
    with closing(sqlite3.connect(gpkg)) as db, db:
        columns = dict(
            db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
        )
        missing = [layer for layer in layers if layer not in columns]
        if missing:
            raise DataFileError(
                f"{gpkg}: no spatial layer {', '.join(missing)} to style "
                f"(layers: {', '.join(sorted(columns))})"
            )
        db.execute(_CREATE)
        db.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles')"
        )
        for layer, qml in styles.items():
            db.execute(
                "DELETE FROM layer_styles WHERE f_table_name = ? AND styleName = ?",
                (layer, layer),
            )
            db.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', NULL)",
                (layer, columns[layer], layer, qml,
                 f"corredor style {LAYER_STYLES[chosen[layer]]}"),
            )

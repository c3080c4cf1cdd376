"""Interactive offline map: MapLibre GL JS inlined, the layers drawn from GeoDataFrames.

A planner opens the report from ``file://`` on a laptop without internet, so
the page makes no request at all: the MapLibre GL JS library and its CSS are
read from the ``maplibre`` Python package (which ships them) and inlined; the
layers are inline GeoJSON sources; there is no basemap, no tile, no sprite and
no glyph URL (the style has no ``glyphs`` key and no symbol layer, so MapLibre
never asks for fonts; names show in the hover/click popups, which are HTML).
The map's worker runs from a ``blob:`` URL that MapLibre builds in memory.

Usage::

    layers = [
        MapLayer("states", "States", states, color="#eceae4", outline="#b8b4aa", size=0.6),
        MapLayer("change", "Flow change", edges, color=Diverging("flow_change"),
                 size=Scale("flow_change", unit="trucks/day"),
                 fields={"name": "Name", "ref": "Route", "flow_change": "Change"}),
    ]
    fragment = web_map(layers, bounds=(-102, 20.5, -100.5, 21.5), title="Flow change")

Layers are drawn in the order given (the first at the bottom); the panel
lists them top first, like a GIS layer list, each with a checkbox.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from corredor.errors import CorredorError

__all__ = [
    "MAP_TEXT",
    "Categories",
    "Diverging",
    "MapLayer",
    "Ramp",
    "Scale",
    "maplibre_assets",
    "web_map",
    "web_map_page",
]

#: The map's own words (panel, buttons, messages); layer labels come from the caller.
MAP_TEXT = {
    "en": {
        "locale": "en-US",
        "layers": "Layers",
        "reset": "Back to the initial view",
        "no_webgl": "This map needs WebGL, which this browser has turned off.",
        "yes": "yes",
        "no": "no",
        "missing": "–",
        "map": "Interactive map",
    },
    "es": {
        "locale": "es-MX",
        "layers": "Capas",
        "reset": "Volver a la vista inicial",
        "no_webgl": "Este mapa necesita WebGL, que este navegador tiene desactivado.",
        "yes": "sí",
        "no": "no",
        "missing": "–",
        "map": "Mapa interactivo",
    },
}

#: Diverging colours (ColorBrewer RdBu): fewer trucks blue, no change pale, more trucks red.
DIVERGING_COLORS = ("#2166ac", "#f2f0ea", "#b2182b")

_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_KINDS = {"Polygon": "fill", "LineString": "line", "Point": "circle"}


def _number(column: str) -> list:
    """MapLibre expression: the column as a number, 0 when missing."""
    return ["to-number", ["get", column], 0]


def _fmt(value: float) -> str:
    """A legend number: thousands separated, at most 2 decimals below 100."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


def _top(frame: pd.DataFrame, column: str, value: float) -> str:
    """The legend's upper end: ``≥ value`` when larger values are drawn as it."""
    largest = pd.to_numeric(frame[column], errors="coerce").abs().max()
    return f"≥ {_fmt(value)}" if pd.notna(largest) and largest > value else _fmt(value)


def _finite_abs_max(frame: pd.DataFrame, column: str) -> float:
    values = pd.to_numeric(frame[column], errors="coerce").abs()
    largest = values.max()
    return float(largest) if pd.notna(largest) and largest > 0 else 1.0


@dataclass(frozen=True)
class Ramp:
    """Colour interpolated along a numeric column (e.g. utilisation 0 -> 1.2).

    Parameters
    ----------
    column : str
        Numeric property; missing values count as 0.
    stops : sequence of (value, colour)
        Increasing values and the colour at each; between stops colours blend.
    """

    column: str
    stops: tuple[tuple[float, str], ...]

    def expression(self, frame: pd.DataFrame) -> list:
        flat = [item for value, colour in sorted(self.stops) for item in (value, colour)]
        return ["interpolate", ["linear"], _number(self.column), *flat]

    def legend(self, frame: pd.DataFrame) -> str:
        stops = sorted(self.stops)
        return _gradient([c for _, c in stops],
                         [_fmt(stops[0][0]), _top(frame, self.column, stops[-1][0])])


@dataclass(frozen=True)
class Diverging:
    """Diverging colours for a signed column (flow change): blue < 0 < red.

    Parameters
    ----------
    column : str
        Numeric property, e.g. ``flow_change`` in trucks/day.
    limit : float, optional
        Value drawn in the full colours (default: the largest absolute value).
    colors : (str, str, str)
        Colours for ``-limit``, 0 and ``+limit``.
    """

    column: str
    limit: float | None = None
    colors: tuple[str, str, str] = DIVERGING_COLORS

    def _limit(self, frame: pd.DataFrame) -> float:
        return self.limit if self.limit else _finite_abs_max(frame, self.column)

    def expression(self, frame: pd.DataFrame) -> list:
        limit = self._limit(frame)
        low, mid, high = self.colors
        return ["interpolate", ["linear"], _number(self.column), -limit, low, 0, mid, limit, high]

    def legend(self, frame: pd.DataFrame) -> str:
        limit = self._limit(frame)
        return _gradient(list(self.colors), [f"−{_fmt(limit)}", "0", f"+{_fmt(limit)}"])


def _category_label(value: Any) -> str:
    """How MapLibre's ``to-string`` spells a property value."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class Categories:
    """One colour per value of a column (road class, closed/degraded, kind).

    Parameters
    ----------
    column : str
        Property whose value picks the colour (strings, integers or booleans).
    colors : mapping
        Value -> colour, in legend order.
    labels : mapping, optional
        Value -> legend text (default: the value itself).
    default : str
        Colour of any other value.
    """

    column: str
    colors: Mapping[Any, str]
    labels: Mapping[Any, str] = field(default_factory=dict)
    default: str = "#888888"

    def expression(self, frame: pd.DataFrame) -> list | str:
        if not self.colors:
            return self.default
        pairs = [item for value, c in self.colors.items() for item in (_category_label(value), c)]
        return ["match", ["to-string", ["get", self.column]], *pairs, self.default]

    def legend(self, frame: pd.DataFrame) -> str:
        rows = "".join(
            f'<li><span class="cm-dot" style="background:{html.escape(colour)}"></span>'
            f"{html.escape(str(self.labels.get(value, value)))}</li>"
            for value, colour in self.colors.items()
        )
        return f'<ul class="cm-cats">{rows}</ul>'


@dataclass(frozen=True)
class Scale:
    """Line width or circle radius (pixels) growing with the absolute value of a column.

    Parameters
    ----------
    column : str
        Numeric property, e.g. trucks/day; the sign is ignored.
    range : (float, float)
        Pixels at the two ends of ``domain``.
    domain : (float, float), optional
        Values drawn at ``range``; default ``(0, largest absolute value)``.
    unit : str
        Shown in the legend after the largest value, e.g. ``"trucks/day"``.
    """

    column: str
    range: tuple[float, float] = (1.0, 8.0)
    domain: tuple[float, float] | None = None
    unit: str = ""

    def _domain(self, frame: pd.DataFrame) -> tuple[float, float]:
        low, high = self.domain or (0.0, _finite_abs_max(frame, self.column))
        return low, high if high > low else low + 1.0

    def expression(self, frame: pd.DataFrame) -> list:
        (low, high), (small, large) = self._domain(frame), self.range
        value = ["abs", _number(self.column)]
        return ["interpolate", ["linear"], value, low, small, high, large]

    def legend(self, frame: pd.DataFrame, kind: str, colour: str = "#777777") -> str:
        (low, high), (small, large) = self._domain(frame), self.range
        fill = f"background:{html.escape(colour)};"
        marks = "".join(
            f'<span class="cm-size"><span class="cm-{kind}" '
            f'style="{fill}{_size_css(kind, px)}"></span>'
            f"{html.escape(label)}</span>"
            for label, px in ((_fmt(low), small), (_top(frame, self.column, high), large))
        )
        unit = f' <span class="cm-unit">{html.escape(self.unit)}</span>' if self.unit else ""
        return f'<div class="cm-sizes">{marks}{unit}</div>'


Color = str | Ramp | Diverging | Categories
Size = float | Scale


@dataclass(frozen=True)
class MapLayer:
    """One toggleable layer of the map.

    Parameters
    ----------
    key : str
        Identifier, unique in the map (letters, digits, ``_``, ``-``).
    label : str
        What the panel calls it, in the report's language.
    data : GeoDataFrame
        Features of one geometry family: polygons (drawn as a fill with an
        outline), lines, or points (circles). EPSG:4326, or reprojected to it.
    color : str, Ramp, Diverging or Categories
        Fill/line/circle colour: a constant or a rule on a column.
    size : float or Scale
        Line width or circle radius in pixels (polygon outline width).
    fields : mapping
        Column -> label shown when the planner hovers or clicks a feature,
        in this order (e.g. name, ref, flows, utilisation, wait, cost).
    title : str, optional
        Column whose value heads the popup (default ``"name"`` when present).
    visible : bool
        Whether the layer is on when the page opens.
    opacity : float
        0 (transparent) to 1.
    outline : str, optional
        Polygon outline colour, or circle stroke colour (default white).
    where : str, optional
        Column that must be true (or non-zero) for a feature to be drawn,
        e.g. ``closed``. Layers given the same GeoDataFrame object share one
        copy of its geometry in the page, so a network drawn as several
        layers (all roads, baseline flow, closed) costs its size once.
    kind : {"fill", "line", "circle"}, optional
        How to draw the features; inferred from the geometry. An empty layer
        (no closure in this scenario) is allowed: it is listed, drawing nothing.
    """

    key: str
    label: str
    data: gpd.GeoDataFrame
    color: Color = "#3b6ea8"
    size: Size = 2.0
    fields: Mapping[str, str] = field(default_factory=dict)
    title: str | None = None
    visible: bool = True
    opacity: float = 1.0
    outline: str | None = None
    where: str | None = None
    kind: str | None = None

    def columns(self) -> list[str]:
        """Every column the page needs: popup fields, title and rule columns."""
        wanted = [*self.fields, self.popup_title(), self.where]
        wanted += [rule.column for rule in (self.color, self.size) if hasattr(rule, "column")]
        return [c for c in dict.fromkeys(wanted) if c]

    def popup_title(self) -> str | None:
        if self.title is not None:
            return self.title
        return "name" if self.fields and "name" in self.data.columns else None


def _geometry_kind(layer: MapLayer) -> str:
    """``fill``, ``line`` or ``circle``: as given, else from the layer's geometry types."""
    types = set(layer.data.geometry.geom_type.dropna().str.replace("Multi", "")) - {""}
    kinds = {_KINDS.get(t) for t in types}
    if layer.kind is not None and layer.kind not in _KINDS.values():
        raise CorredorError(f"map layer {layer.key!r}: kind must be fill, line or circle; "
                            f"got {layer.kind!r}")
    if not types:
        return layer.kind or "line"
    if len(kinds) != 1 or None in kinds or layer.kind not in (None, *kinds):
        raise CorredorError(
            f"map layer {layer.key!r}: features must be all polygons, all lines or all "
            f"points{f' (kind {layer.kind!r})' if layer.kind else ''}; "
            f"found {', '.join(sorted(types))}"
        )
    return str(kinds.pop())


def _check_layers(layers: Sequence[MapLayer]) -> None:
    """Collect every problem with the layers and raise once."""
    problems = []
    keys = [layer.key for layer in layers]
    problems += [f"{key!r} is not a valid key (letters, digits, _ and -)"
                 for key in keys if not _KEY.match(key)]
    problems += [f"key {key!r} is used twice" for key in sorted({k for k in keys
                                                                  if keys.count(k) > 1})]
    for layer in layers:
        if layer.data.crs is None:
            problems.append(f"layer {layer.key!r} has no CRS (EPSG:4326 expected)")
        missing = [c for c in layer.columns() if c not in layer.data.columns]
        if missing:
            problems.append(f"layer {layer.key!r} lacks column(s) {', '.join(missing)}; "
                            f"it has {', '.join(map(str, layer.data.columns))}")
    if problems:
        raise CorredorError("web map: " + "; ".join(problems))


def _display_geometries(frame: gpd.GeoDataFrame, *, tolerance: float,
                        precision: int) -> gpd.GeoSeries:
    """EPSG:4326, simplified by ``tolerance`` degrees, coordinates rounded."""
    series = frame.geometry.to_crs(4326) if frame.crs.to_epsg() != 4326 else frame.geometry
    geoms = series.values
    if tolerance > 0:
        geoms = shapely.simplify(geoms, tolerance, preserve_topology=True)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, precision))
    return gpd.GeoSeries(geoms, index=frame.index, crs=4326)


def _clean_value(value: Any) -> Any:
    """A JSON-ready property value (numbers rounded to 2 decimals), None when missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return round(float(value), 2) if math.isfinite(value) else None
    return str(value)


def _sources(layers: Sequence[MapLayer]) -> dict[str, tuple[gpd.GeoDataFrame, list[str]]]:
    """Source key -> (frame, columns): one source per distinct GeoDataFrame object.

    A source is named after the first layer that uses it and holds the
    columns every layer drawing it needs.
    """
    sources: dict[str, tuple[gpd.GeoDataFrame, list[str]]] = {}
    for layer in layers:
        key = _source_key(layers, layer)
        _, columns = sources.setdefault(key, (layer.data, []))
        columns += [c for c in layer.columns() if c not in columns]
    return sources


def _source_key(layers: Sequence[MapLayer], layer: MapLayer) -> str:
    return next(other.key for other in layers if other.data is layer.data)


def _feature_collection(frame: gpd.GeoDataFrame, columns: list[str], *, tolerance: float,
                        precision: int) -> str:
    """The features as compact GeoJSON text (missing values left out)."""
    geoms = _display_geometries(frame, tolerance=tolerance, precision=precision)
    keep = ~(geoms.isna() | geoms.is_empty)
    geometry_json = shapely.to_geojson(geoms[keep].values)
    records = frame.loc[keep, columns].to_dict("records")
    features = []
    for geometry, record in zip(geometry_json, records, strict=True):
        props = {k: v for k, v in ((k, _clean_value(v)) for k, v in record.items())
                 if v is not None}
        features.append(
            f'{{"type":"Feature","geometry":{geometry},"properties":{_json(props)}}}'
        )
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


def _paint(layer: MapLayer, kind: str) -> dict:
    """The MapLibre paint properties of the layer's main style layer."""
    frame = layer.data
    color = layer.color if isinstance(layer.color, str) else layer.color.expression(frame)
    if kind == "fill":
        return {"fill-color": color, "fill-opacity": layer.opacity}
    size = layer.size if isinstance(layer.size, int | float) else layer.size.expression(frame)
    if kind == "line":
        return {"line-color": color, "line-width": size, "line-opacity": layer.opacity}
    return {
        "circle-color": color, "circle-radius": size, "circle-opacity": layer.opacity,
        "circle-stroke-color": layer.outline or "#ffffff", "circle-stroke-width": 1,
    }


def _style_layers(layer: MapLayer, kind: str, source: str) -> list[dict]:
    """MapLibre style layers for one map layer (a polygon layer adds an outline)."""
    visibility = "visible" if layer.visible else "none"
    main: dict[str, Any] = {
        "id": layer.key, "type": kind, "source": source,
        "layout": {"visibility": visibility}, "paint": _paint(layer, kind),
    }
    if layer.where:
        main["filter"] = ["to-boolean", ["get", layer.where]]
    if kind == "line":
        main["layout"] |= {"line-cap": "round", "line-join": "round"}
    if isinstance(layer.size, Scale) and kind != "fill":
        # big lines on top of small ones; small circles on top of big ones
        value: list[Any] = ["abs", _number(layer.size.column)]
        main["layout"][f"{kind}-sort-key"] = value if kind == "line" else ["-", 0, value]
    if kind != "fill":
        return [main]
    width = layer.size if isinstance(layer.size, int | float) else 1.0
    outline = {
        "id": f"{layer.key}-outline", "type": "line", "source": source,
        "layout": {"visibility": visibility},
        "paint": {"line-color": layer.outline or "#8c8c8c", "line-width": width},
    } | ({"filter": main["filter"]} if layer.where else {})
    return [main, outline]


def _size_css(kind: str, px: float) -> str:
    if kind == "circle":
        return f"width:{2 * px:.1f}px;height:{2 * px:.1f}px"
    return f"height:{max(px, 1):.1f}px"


def _gradient(colours: list[str], labels: list[str]) -> str:
    stops = ",".join(html.escape(c) for c in colours)
    marks = "".join(f"<span>{html.escape(label)}</span>" for label in labels)
    return (f'<div class="cm-ramp" style="background:linear-gradient(to right,{stops})"></div>'
            f'<div class="cm-ramp-labels">{marks}</div>')


def _swatch(layer: MapLayer, kind: str) -> str:
    """The small symbol before a layer's name in the panel."""
    colour = layer.color if isinstance(layer.color, str) else "#777777"
    px = layer.size if isinstance(layer.size, int | float) else 3.0
    if kind == "fill":
        border = html.escape(layer.outline or "#8c8c8c")
        css = f"background:{html.escape(colour)};border:1px solid {border}"
    elif kind == "circle":
        css = f"background:{html.escape(colour)};{_size_css('circle', min(px, 6))}"
    else:
        css = f"background:{html.escape(colour)};{_size_css('line', min(px, 6))}"
    return f'<span class="cm-swatch cm-{kind}" style="{css}"></span>'


def _legend_item(layer: MapLayer, kind: str) -> str:
    """One row of the panel: checkbox, symbol, label and the rules' keys."""
    checked = " checked" if layer.visible else ""
    keys = []
    if not isinstance(layer.color, str):
        keys.append(layer.color.legend(layer.data))
    if isinstance(layer.size, Scale):
        colour = layer.color if isinstance(layer.color, str) else "#777777"
        keys.append(layer.size.legend(layer.data, kind, colour))
    return (
        f'<li><label><input type="checkbox" data-layer="{html.escape(layer.key)}"{checked}>'
        f"{_swatch(layer, kind)}<span>{html.escape(layer.label)}</span></label>"
        f'{"".join(keys)}</li>'
    )


def _bounds(layers: Sequence[MapLayer], bounds: Sequence[float] | None) -> list[float]:
    """West, south, east, north of the initial view (all layers when not given)."""
    if bounds is None:
        frames = [layer.data.to_crs(4326).total_bounds for layer in layers if len(layer.data)]
        if not frames:
            return [-118.4, 14.5, -86.7, 32.7]  # Mexico
        stacked = np.array(frames)
        bounds = [*stacked[:, :2].min(axis=0), *stacked[:, 2:].max(axis=0)]
    west, south, east, north = (float(v) for v in bounds)
    if not all(map(math.isfinite, (west, south, east, north))) or west > east or south > north:
        raise CorredorError(f"web map: bounds must be west, south, east, north; got {bounds}")
    pad = 0.05 if (east - west) < 1e-6 or (north - south) < 1e-6 else 0.0
    return [round(v, 6) for v in (west - pad, south - pad, east + pad, north + pad)]


def _json(value: Any) -> str:
    """Compact JSON that is safe inside ``<script>`` (no ``<`` survives)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


@cache
def _asset(name: str) -> str:
    """A file MapLibre's Python package ships, read without importing the package."""
    path = Path(str(distribution("maplibre").locate_file(f"maplibre/srcjs/{name}")))
    return path.read_text(encoding="utf-8")


def maplibre_assets() -> str:
    """The MapLibre GL JS library and its CSS as inline ``<style>`` and ``<script>``.

    Put this once in a page that holds several maps and pass
    ``include_library=False`` to :func:`web_map`.

    Returns
    -------
    str
        About 0.95 MB of HTML, read from the ``maplibre`` Python package.
    """
    return (f"<style>{_asset('maplibre-gl.css')}\n{_MAP_CSS}</style>\n"
            f"<script>{_asset('maplibre-gl.js')}</script>\n<script>{_MAP_JS}</script>\n")


def _spec(layers: Sequence[MapLayer], kinds: list[str], *, element_id: str,
          bounds: list[float], lang: str, tolerance: float, precision: int,
          background: str) -> str:
    """The map's JavaScript description; GeoJSON sources spliced in as text."""
    style_layers = [{"id": "background", "type": "background",
                     "paint": {"background-color": background}}]
    info = []
    for layer, kind in zip(layers, kinds, strict=True):
        drawn = _style_layers(layer, kind, _source_key(layers, layer))
        style_layers += drawn
        info.append({"key": layer.key, "ids": [d["id"] for d in drawn],
                     "title": layer.popup_title(),
                     "fields": [[c, label] for c, label in layer.fields.items()]})
    sources = ",".join(
        f'{_json(key)}:{{"type":"geojson","data":'
        f"{_feature_collection(frame, columns, tolerance=tolerance, precision=precision)}}}"
        for key, (frame, columns) in _sources(layers).items()
    )
    style = f'{{"version":8,"sources":{{{sources}}},"layers":{_json(style_layers)}}}'
    return (f'{{"id":{_json(element_id)},"bounds":{_json(bounds)},"text":{_json(MAP_TEXT[lang])},'
            f'"layers":{_json(info)},"style":{style}}}')


def web_map(
    layers: Sequence[MapLayer],
    *,
    bounds: Sequence[float] | None = None,
    title: str = "",
    lang: str = "en",
    element_id: str = "corredor-map",
    height: str = "600px",
    tolerance: float = 0.0005,
    precision: int = 6,
    background: str = "#dfe8ee",
    include_library: bool = True,
) -> str:
    """An interactive MapLibre GL map as a self-contained HTML fragment.

    Parameters
    ----------
    layers : sequence of MapLayer
        Drawn in this order, the first at the bottom (e.g. state outlines,
        network, baseline flow, flow change, closures, crossings, plants).
    bounds : (west, south, east, north), optional
        Where the view opens (the disrupted area); default: all layers.
    title : str
        Heading of the layer panel (default: "Layers" in ``lang``).
    lang : {"en", "es"}
        Language of the map's own words and of number formatting.
    element_id : str
        HTML id of the map; give each map of a page its own.
    height : str
        CSS height of the map (it takes the full width).
    tolerance : float
        Simplification tolerance in degrees (0.0005 is about 50 m); 0 keeps
        every vertex.
    precision : int
        Decimals kept in coordinates (6 is about 0.1 m).
    background : str
        Colour behind everything (there is no basemap).
    include_library : bool
        Inline MapLibre GL JS (about 0.95 MB). With several maps in one page,
        inline :func:`maplibre_assets` once (anywhere in the page) and pass
        False here for every map.

    Returns
    -------
    str
        HTML: a ``<div class="corredor-map">`` with the map and its panel,
        and the scripts that draw it. It makes no network request; it sets
        ``data-map-state="idle"`` on the div once drawn (``"error"`` on failure).
    """
    if lang not in MAP_TEXT:
        raise CorredorError(f"web map: lang must be one of {', '.join(MAP_TEXT)}; got {lang!r}")
    if not _KEY.match(element_id):
        raise CorredorError(f"web map: element_id {element_id!r} must be a plain HTML id")
    _check_layers(layers)
    kinds = [_geometry_kind(layer) for layer in layers]
    spec = _spec(layers, kinds, element_id=element_id, bounds=_bounds(layers, bounds),
                 lang=lang, tolerance=tolerance, precision=precision, background=background)
    text = MAP_TEXT[lang]
    heading = html.escape(title or text["layers"])
    return (
        (maplibre_assets() if include_library else "")
        + f'<div class="corredor-map" id="{element_id}" data-map-state="loading" '
        f'role="region" aria-label="{html.escape(text["map"])}: {heading}" '
        f'style="height:{html.escape(height)}"><div class="cm-canvas"></div>'
        f"{_panel(layers, kinds, heading, text)}</div>\n"
        f"<script>(function(){{var go=function(){{corredorMap({spec});}};"
        f"if(document.readyState==='loading'){{document.addEventListener("
        f"'DOMContentLoaded',go);}}else{{go();}}}})();</script>\n"
    )


def _panel(layers: Sequence[MapLayer], kinds: list[str], heading: str,
           text: Mapping[str, str]) -> str:
    """The layer panel: a checkbox and key per layer, top layer first, and a reset button."""
    items = "".join(_legend_item(layer, kind)
                    for layer, kind in reversed(list(zip(layers, kinds, strict=True))))
    return (
        f'<div class="cm-panel"><details open><summary>{heading}</summary><ul>{items}</ul>'
        f'<button type="button" class="cm-reset">{html.escape(text["reset"])}</button>'
        f"</details></div>"
    )


def web_map_page(layers: Sequence[MapLayer], *, title: str, lang: str = "en",
                 **options: Any) -> str:
    """A whole HTML page holding one full-window :func:`web_map`.

    Parameters
    ----------
    layers : sequence of MapLayer
        As for :func:`web_map`.
    title : str
        Page title and panel heading.
    lang : {"en", "es"}
        Page language.
    **options
        Any other keyword of :func:`web_map` (``bounds``, ``tolerance``...).

    Returns
    -------
    str
        A UTF-8 HTML document that works offline from ``file://``.
    """
    options.setdefault("height", "100vh")
    body = web_map(layers, title=title, lang=lang, **options)
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>html,body{{margin:0;padding:0}}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
    )


_MAP_CSS = """
.corredor-map{position:relative;width:100%;font:13px/1.35 system-ui,sans-serif;color:#222}
.corredor-map .cm-canvas{position:absolute;inset:0}
.corredor-map .cm-panel{position:absolute;top:8px;right:8px;z-index:2;max-width:260px;
 max-height:calc(100% - 40px);overflow:auto;background:rgba(255,255,255,.94);
 border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);padding:6px 10px}
.corredor-map summary{font-weight:600;cursor:pointer}
.corredor-map .cm-panel ul{list-style:none;margin:4px 0;padding:0}
.corredor-map .cm-panel li{margin:5px 0}
.corredor-map label{display:flex;align-items:center;gap:6px;cursor:pointer}
.corredor-map .cm-swatch{display:inline-block;flex:none;width:18px}
.corredor-map .cm-fill{height:12px}
.corredor-map .cm-circle{border-radius:50%;background:#777;display:inline-block}
.corredor-map .cm-line{display:inline-block;width:18px;background:#777}
.corredor-map .cm-ramp{height:8px;margin:3px 0 0 24px;border:1px solid #ccc}
.corredor-map .cm-ramp-labels{display:flex;justify-content:space-between;margin-left:24px;
 font-size:11px}
.corredor-map .cm-cats{margin:2px 0 0 24px!important;font-size:11px}
.corredor-map .cm-cats li{margin:1px 0!important}
.corredor-map .cm-dot{display:inline-block;width:10px;height:10px;margin-right:4px}
.corredor-map .cm-sizes{display:flex;align-items:center;gap:10px;margin-left:24px;
 font-size:11px}
.corredor-map .cm-size{display:flex;align-items:center;gap:3px}
.corredor-map .cm-reset{margin-top:4px;font:inherit;font-size:12px;cursor:pointer}
.corredor-map .cm-popup strong{display:block;margin-bottom:3px}
.corredor-map .cm-popup td{padding:0 6px 0 0;vertical-align:top}
.corredor-map .cm-popup td+td{text-align:right;font-variant-numeric:tabular-nums}
.corredor-map .cm-message{padding:2em;text-align:center}
"""

_MAP_JS = r"""
(function () {
  if (window.corredorMap) { return; }
  function format(value, text) {
    if (typeof value === 'number') {
      var digits = Math.abs(value) >= 100 ? 0 : 2;
      return new Intl.NumberFormat(text.locale, {maximumFractionDigits: digits}).format(value);
    }
    if (typeof value === 'boolean') { return value ? text.yes : text.no; }
    return String(value);
  }
  function popupContent(layer, props, text) {
    var box = document.createElement('div');
    box.className = 'cm-popup';
    if (layer.title && props[layer.title] != null) {
      var head = document.createElement('strong');
      head.textContent = format(props[layer.title], text);
      box.appendChild(head);
    }
    var table = document.createElement('table');
    layer.fields.forEach(function (pair) {
      if (pair[0] === layer.title) { return; }
      var row = table.insertRow();
      row.insertCell().textContent = pair[1];
      var value = props[pair[0]];
      row.insertCell().textContent = value == null ? text.missing : format(value, text);
    });
    box.appendChild(table);
    return box;
  }
  function featureAt(map, point, ids) {
    var box = [[point.x - 4, point.y - 4], [point.x + 4, point.y + 4]];
    var found = map.queryRenderedFeatures(box, {layers: ids});
    return found.length ? found[0] : null;
  }
  function wirePopups(map, spec) {
    var byId = {}, ids = [];
    spec.layers.forEach(function (layer) {
      if (!layer.fields.length && !layer.title) { return; }
      layer.ids.forEach(function (id) { byId[id] = layer; ids.push(id); });
    });
    var hover = new maplibregl.Popup({closeButton: false, closeOnClick: false,
                                      maxWidth: '320px', className: 'cm-hover'});
    var pinned = new maplibregl.Popup({maxWidth: '320px'});
    function show(popup, e) {
      var f = featureAt(map, e.point, ids.filter(function (id) { return map.getLayer(id); }));
      if (!f) { return false; }
      popup.setLngLat(e.lngLat).setDOMContent(popupContent(byId[f.layer.id], f.properties,
                                                            spec.text)).addTo(map);
      return true;
    }
    map.on('mousemove', function (e) {
      var over = show(hover, e);
      map.getCanvas().style.cursor = over ? 'pointer' : '';
      if (!over) { hover.remove(); }
    });
    map.on('mouseout', function () { hover.remove(); });
    map.on('click', function (e) { hover.remove(); show(pinned, e); });
  }
  function wirePanel(map, root, spec) {
    var byKey = {};
    spec.layers.forEach(function (layer) { byKey[layer.key] = layer; });
    root.querySelectorAll('input[data-layer]').forEach(function (box) {
      box.addEventListener('change', function () {
        if (root.dataset.mapState !== 'error') { root.dataset.mapState = 'loading'; }
        byKey[box.dataset.layer].ids.forEach(function (id) {
          map.setLayoutProperty(id, 'visibility', box.checked ? 'visible' : 'none');
        });
      });
    });
    root.querySelector('.cm-reset').addEventListener('click', function () {
      map.fitBounds(spec.bounds, {padding: 24, animate: false});
    });
  }
  window.corredorMap = function (spec) {
    var root = document.getElementById(spec.id);
    var canvasBox = root.querySelector('.cm-canvas');
    var map;
    try {
      map = new maplibregl.Map({
        container: canvasBox, style: spec.style, bounds: spec.bounds,
        fitBoundsOptions: {padding: 24}, attributionControl: false, fadeDuration: 0,
        dragRotate: false, pitchWithRotate: false, touchPitch: false, maxPitch: 0
      });
    } catch (err) {
      root.dataset.mapState = 'error';
      canvasBox.className += ' cm-message';
      canvasBox.textContent = spec.text.no_webgl;
      console.error('corredor map ' + spec.id + ': ' + err.message);
      return;
    }
    (window.corredorMaps = window.corredorMaps || {})[spec.id] = map;
    map.addControl(new maplibregl.NavigationControl({showCompass: false}), 'top-left');
    map.addControl(new maplibregl.ScaleControl({unit: 'metric'}), 'bottom-left');
    map.on('error', function (e) {
      root.dataset.mapState = 'error';
      console.error('corredor map ' + spec.id + ': ' + (e.error ? e.error.message : e));
    });
    map.on('idle', function () {
      if (root.dataset.mapState !== 'error') { root.dataset.mapState = 'idle'; }
    });
    wirePopups(map, spec);
    wirePanel(map, root, spec);
  };
})();
"""

"""Cartographic dressing shared by every corredor map: outline, scale bar, north arrow, labels.

The plotting functions draw their own data; :func:`dress_map` then adds what makes a
PNG readable as a map without downloading a basemap.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
from matplotlib import patheffects

from corredor.network import Network

#: Environment variable naming a state-boundary file (e.g. INEGI ``estatal.shp``) drawn under
#: every map. No boundaries are bundled: the reference boundaries may not be redistributed.
BOUNDARIES_ENV = "CORREDOR_BOUNDARIES"


def default_outline_path() -> Path | None:
    """The boundary file named by ``$CORREDOR_BOUNDARIES``, if any."""
    value = os.environ.get(BOUNDARIES_ENV)
    return Path(value) if value else None


#: km per degree of latitude, and of longitude at the equator: 2 pi x 6378.137 km / 360
#: (WGS84 equatorial radius, spherical approximation; good to ~1 % for a scale bar).
KM_PER_DEGREE = 111.32

#: Cities labelled when present in the network: the largest metropolitan areas and the
#: main freight hubs (assumption: editorial choice for readability, not a ranking).
MAIN_CITIES = (
    "mx:ciudad_de_mexico",
    "mx:guadalajara",
    "mx:monterrey",
    "mx:puebla",
    "mx:tijuana",
    "mx:leon",
    "mx:ciudad_juarez",
    "mx:queretaro",
    "mx:san_luis_potosi",
    "mx:merida",
    "mx:hermosillo",
    "mx:veracruz",
    "mx:aguascalientes",
    "mx:chihuahua",
    "mx:saltillo",
    "mx:culiacan",
    "mx:morelia",
    "mx:toluca",
    "mx:nuevo_laredo",
    "mx:manzanillo",
    "mx:lazaro_cardenas",
    "mx:oaxaca",
    "mx:tuxtla_gutierrez",
    "mx:villahermosa",
    "mx:durango",
    "mx:zacatecas",
)

_HALO = [patheffects.withStroke(linewidth=2.5, foreground="white")]


@dataclass(frozen=True)
class MapStyle:
    """What :func:`dress_map` adds; override a field to change one map."""

    outline_path: Path | None = field(default_factory=default_outline_path)
    cities: tuple[str, ...] = MAIN_CITIES
    label_crossings: bool = True
    fontsize: float = 6.5
    legend_loc: str = "lower left"
    legend_fontsize: float = 8.0


@dataclass(frozen=True)
class MapDecoration:
    """What was added, so callers and tests can check it without reading pixels."""

    scale_km: float
    scale_degrees_lon: float
    latitude: float
    labels: dict[str, str] = field(default_factory=dict)


def km_per_degree_lon(latitude: float) -> float:
    """Length of one degree of longitude at ``latitude`` (km)."""
    return KM_PER_DEGREE * float(np.cos(np.radians(latitude)))


def nice_scale_km(width_km: float) -> float:
    """A round bar length (1, 2 or 5 x 10^k km) of at most a fifth of the map width."""
    target = max(width_km / 5.0, 1e-3)
    power = 10.0 ** np.floor(np.log10(target))
    return float(max(step * power for step in (1.0, 2.0, 5.0) if step * power <= target))


def short_crossing_name(name: str) -> str:
    """'Nuevo Progreso – Progreso' -> 'Nuevo Progreso'; 'World Trade Bridge (…)' -> 'World…'."""
    return name.split(" (")[0].split(" – ")[0].strip()


def dress_map(
    ax,
    network: Network,
    *,
    outline: gpd.GeoDataFrame | None = None,
    style: MapStyle | None = None,
) -> MapDecoration:
    """Outline underneath, lon/lat aspect, scale bar, north arrow, city/crossing labels, legend.

    Call it after the data are drawn: it keeps the data's extent (the outline does not
    widen the view). ``outline`` (or the file in ``style.outline_path``, by default
    ``$CORREDOR_BOUNDARIES``) is drawn underneath; without one the map has no outline,
    since it is orientation only.
    """
    style = style or MapStyle()
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    if outline is None and style.outline_path is not None and style.outline_path.is_file():
        outline = gpd.read_file(style.outline_path)
    if outline is not None:
        outline.to_crs(network.nodes.crs).plot(
            ax=ax, facecolor="#f1f1ec", edgecolor="white", linewidth=0.8, zorder=0
        )
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    latitude = (ylim[0] + ylim[1]) / 2.0
    ax.set_aspect(1.0 / np.cos(np.radians(latitude)))
    decoration = _scale_bar(ax, latitude)
    _north_arrow(ax)
    labels = _labels(ax, network, style)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc=style.legend_loc, fontsize=style.legend_fontsize, framealpha=0.9)
    return MapDecoration(decoration[0], decoration[1], latitude, labels)


def _scale_bar(ax, latitude: float) -> tuple[float, float]:
    """A black bar in the lower right, its length a round number of km at ``latitude``."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    per_degree = km_per_degree_lon(latitude)
    km = nice_scale_km((x1 - x0) * per_degree)
    degrees = km / per_degree
    right, base = x1 - 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    ax.plot(
        [right - degrees, right],
        [base, base],
        color="black",
        linewidth=3,
        solid_capstyle="butt",
        zorder=8,
        gid="scale_bar",
    )
    ax.text(
        right - degrees / 2,
        base + 0.012 * (y1 - y0),
        f"{km:g} km",
        ha="center",
        va="bottom",
        fontsize=8,
        zorder=8,
        path_effects=_HALO,
        gid="scale_bar_label",
    )
    return km, degrees


def _north_arrow(ax) -> None:
    """Upper left: the national maps keep the US Midwest in the upper right."""
    ax.annotate(
        "N",
        xy=(0.04, 0.97),
        xytext=(0.04, 0.87),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=10,
        fontweight="bold",
        zorder=8,
        arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.5},
        path_effects=_HALO,
        gid="north_arrow",
    )


def _labels(ax, network: Network, style: MapStyle) -> dict[str, str]:
    """Label main cities, then crossings, dropping any whose text box hits an earlier one."""
    nodes = network.nodes.set_index("node_id")
    wanted = [
        (node, nodes.at[node, "name"], nodes.at[node, "geometry"])
        for node in style.cities
        if node in nodes.index
    ]
    if style.label_crossings and "road_class" in network.edges.columns:
        border = network.edges[network.edges["road_class"] == "border"]
        key = border["link_id"] if "link_id" in border.columns else border["edge_id"]
        first = ~key.duplicated()
        for link, u, v, name in zip(
            key[first], border["u"][first], border["v"][first], border["name"][first], strict=True
        ):
            mexican = u if str(u).startswith("mx:") else v
            if mexican in nodes.index:
                wanted.append((link, short_crossing_name(str(name)), nodes.at[mexican, "geometry"]))
    ax.apply_aspect()
    renderer = ax.figure.canvas.get_renderer()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    placed, labels = [], {}
    for key, text, point in wanted:
        if not (x0 <= point.x <= x1 and y0 <= point.y <= y1):
            continue
        # Above lines, below result markers (closures at zorder 6), so no result is hidden.
        label = ax.annotate(
            text,
            (point.x, point.y),
            xytext=(3, 2),
            textcoords="offset points",
            fontsize=style.fontsize,
            zorder=5.5,
            path_effects=_HALO,
        )
        box = label.get_window_extent(renderer)
        if any(box.overlaps(other) for other in placed):
            label.remove()
            continue
        placed.append(box)
        ax.scatter([point.x], [point.y], s=6, color="#333333", zorder=4)
        labels[key] = text
    return labels

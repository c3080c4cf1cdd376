"""Cartography every corredor map shares: outline, scale bar, north arrow, placed labels.

The plotting functions (``corredor.outputs.maps``) draw their own data;
``dress_map`` then adds what makes a PNG readable as a map without a basemap:
an outline underneath (state polygons, read by the caller), a scale bar, a
north arrow, and labels placed without overlap. Labels a map passes in (ranks,
sites) come first; then the main cities, then border crossings; each is tried
at four positions around its point and dropped only when none is free. Every
figure is saved through ``save_png`` (a temporary name, then renamed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
from matplotlib import patheffects

from corredor.network import Network

matplotlib.use("Agg")
import matplotlib.pyplot as plt

__all__ = ["MapDecoration", "MapLabel", "MapStyle", "dress_map", "km_per_degree_lon",
           "nice_scale_km", "save_png", "short_crossing_name"]


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

    cities: tuple[str, ...] = MAIN_CITIES
    label_crossings: bool = True
    fontsize: float = 6.5
    legend_loc: str = "lower left"
    legend_fontsize: float = 8.0


@dataclass(frozen=True)
class MapLabel:
    """A label a map wants placed: ``key`` identifies it in ``MapDecoration.labels``."""

    key: str
    text: str
    x: float
    y: float
    bold: bool = False
    mark: bool = False


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
    labels: Sequence[MapLabel] = (),
) -> MapDecoration:
    """Outline underneath, lon/lat aspect, scale bar, north arrow, city/crossing labels, legend.

    Call it after the data are drawn: it keeps the data's extent (the outline does not
    widen the view). ``outline`` (state polygons, e.g. INEGI ``estatal.shp`` read with
    ``corredor.boundaries.read_boundaries``) is drawn underneath; without one the map has
    no outline, since it is orientation only.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The map's axes, data already drawn, in lon/lat.
    network : Network
        For the city and crossing labels.
    outline : geopandas.GeoDataFrame, optional
        Polygons drawn underneath.
    style : MapStyle, optional
        Labels, fonts and legend placement.
    labels : sequence of MapLabel
        The map's own labels (ranks, sites), placed before the city and crossing labels.

    Returns
    -------
    MapDecoration
        What was added (scale bar length, labels placed).
    """
    style = style or MapStyle()
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
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
    placed = _labels(ax, [*labels, *_place_names(network, style)], style)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc=style.legend_loc, fontsize=style.legend_fontsize, framealpha=0.9)
    return MapDecoration(decoration[0], decoration[1], latitude, placed)


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


def _place_names(network: Network, style: MapStyle) -> list[MapLabel]:
    """The main cities, then the border crossings (at their Mexican end), as labels."""
    nodes = network.nodes.set_index("node_id")
    wanted = [MapLabel(node, str(nodes.at[node, "name"]), nodes.at[node, "geometry"].x,
                       nodes.at[node, "geometry"].y, mark=True)
              for node in style.cities if node in nodes.index]
    if style.label_crossings and "road_class" in network.edges.columns:
        border = network.edges[network.edges["road_class"] == "border"]
        key = border["link_id"] if "link_id" in border.columns else border["edge_id"]
        first = ~key.duplicated()
        for link, u, v, name in zip(
            key[first], border["u"][first], border["v"][first], border["name"][first], strict=True
        ):
            mexican = u if str(u).startswith("mx:") else v
            if mexican in nodes.index:
                point = nodes.at[mexican, "geometry"]
                wanted.append(MapLabel(str(link), short_crossing_name(str(name)), point.x,
                                       point.y, mark=True))
    return wanted


#: Where a label may sit around its point (offset in points, alignment), tried in order.
_POSITIONS = (((3, 2), "left", "bottom"), ((-3, 2), "right", "bottom"),
              ((3, -2), "left", "top"), ((-3, -2), "right", "top"))


def _labels(ax, wanted: Sequence[MapLabel], style: MapStyle) -> dict[str, str]:
    """Place labels in order, each at the first free position; drop those with none free."""
    ax.apply_aspect()
    renderer = ax.figure.canvas.get_renderer()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    placed: list = []
    shown: dict[str, str] = {}
    for item in wanted:
        if not (x0 <= item.x <= x1 and y0 <= item.y <= y1):
            continue
        for offset, ha, va in _POSITIONS:
            # above lines, below result markers (closures at zorder 6): no result is hidden
            label = ax.annotate(item.text, (item.x, item.y), xytext=offset, ha=ha, va=va,
                                textcoords="offset points", fontsize=style.fontsize,
                                fontweight="bold" if item.bold else "normal", zorder=5.5,
                                path_effects=_HALO)
            box = label.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in placed):
                break
            label.remove()
        else:
            continue
        placed.append(box)
        if item.mark:
            ax.scatter([item.x], [item.y], s=6, color="#333333", zorder=4)
        shown[item.key] = item.text
    return shown


def save_png(fig, path: Path) -> Path:
    """Save a figure as PNG under a temporary name, rename it into place and close it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path : Path
        Where the PNG goes.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{path.name}")
    fig.savefig(tmp, format="png")
    plt.close(fig)
    tmp.replace(path)
    return path

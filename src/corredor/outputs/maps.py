"""Every PNG corredor draws, and the cartographic dressing they share.

The plotting functions draw their own data; ``dress_map`` then adds what makes
a PNG readable as a map without downloading a basemap: an outline underneath
(state boundaries, read by the caller), a scale bar, a north arrow and
non-overlapping labels. Every figure is saved through ``save_png`` (a
temporary name, then renamed), so a failed run never leaves half an image.
This is the only module that imports matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects

from corredor.criticality import CriticalityResult
from corredor.montecarlo import MonteCarloResult
from corredor.network import CRS, Network, undirected_links
from corredor.sourcing import SourcingResult, routes_frame, sites_frame

matplotlib.use("Agg")
import matplotlib.pyplot as plt

__all__ = [
    "MapDecoration",
    "MapStyle",
    "dress_map",
    "plot_criticality",
    "plot_exceedance",
    "plot_flow_change",
    "plot_network",
    "plot_routes",
    "plot_timeline",
    "save_png",
]


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
    placed: list = []
    labels: dict[str, str] = {}
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


#: Map colours by road class (also the legend order).
ROAD_CLASS_COLOURS = {
    "motorway": "#c0392b",
    "trunk": "#e67e22",
    "primary": "#f1c40f",
    "secondary": "#95a5a6",
    "tertiary": "#bdc3c7",
    "us_highway": "#2e86c1",
    "foreign_highway": "#16a085",
    "border": "#8e44ad",
    "port_access": "#1abc9c",
    "connector": "#7f8c8d",
}


def plot_network(
    network: Network,
    path: str | Path,
    *,
    title: str = "corredor network by road class",
    outline: gpd.GeoDataFrame | None = None,
    label_kinds: tuple[str, ...] = ("port", "us_region"),
) -> Path:
    """Write a PNG map of the network coloured by road class, bridges and crossings marked.

    Parameters
    ----------
    network : Network
        Any network.
    path : str or Path
        The PNG to write.
    title : str
        Map title.
    outline : geopandas.GeoDataFrame, optional
        State polygons drawn underneath.
    label_kinds : tuple of str
        Node kinds labelled by name.

    Returns
    -------
    Path
        The PNG written.
    """
    path = Path(path)
    fig, ax = plt.subplots(figsize=(12, 9), dpi=120)
    links = network.edges.loc[undirected_links(network).index]
    for road_class, colour in ROAD_CLASS_COLOURS.items():
        subset = links[links["road_class"] == road_class]
        if len(subset):
            width = 2.0 if road_class in ("motorway", "border") else 1.2
            subset.plot(ax=ax, color=colour, linewidth=width, label=f"{road_class} ({len(subset)})")
    bridges = links[links["bridge"]]
    if len(bridges):
        _mark_middles(ax, bridges, s=30, marker="s", zorder=5, label=f"bridge ({len(bridges)})")
    nodes = network.nodes
    ports = nodes[nodes["kind"] == "port"]
    ax.scatter(
        ports.geometry.x,
        ports.geometry.y,
        s=40,
        marker="^",
        color="#1abc9c",
        edgecolor="black",
        zorder=6,
        label=f"seaport ({len(ports)})",
    )
    for node in nodes[nodes["kind"].isin(label_kinds)].itertuples():
        ax.annotate(
            node.name,
            (node.geometry.x, node.geometry.y),
            fontsize=6,
            xytext=(3, 3),
            textcoords="offset points",
        )
    ax.set_title(title)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    dress_map(ax, network, outline=outline)
    fig.tight_layout()
    return save_png(fig, path)


def plot_flow_change(
    network: Network, table: pd.DataFrame, path: str | Path, *, title: str,
    outline: gpd.GeoDataFrame | None = None,
) -> Path:
    """PNG map: flow increases red, decreases blue (width by trucks/day), closures black.

    Parameters
    ----------
    network : Network
        The network run.
    table : pandas.DataFrame
        ``corredor.simulate.edge_table`` of the run.
    path : str or Path
        The PNG to write.
    title : str
        Map title.
    outline : geopandas.GeoDataFrame, optional
        State polygons drawn underneath.

    Returns
    -------
    Path
        The PNG written.
    """
    edges = network.edges.assign(
        change=table["flow_change_trucks_day"].to_numpy(), closed=table["is_closed"].to_numpy()
    )
    forward = edges.loc[undirected_links(network).index]
    link_key = edges["link_id"] if "link_id" in edges.columns else edges["edge_id"]
    net_change = edges.groupby(link_key)["change"].sum()
    forward = forward.assign(
        change=net_change.reindex(link_key.loc[forward.index]).to_numpy(),
        closed=edges.groupby(link_key)["closed"]
        .any()
        .reindex(link_key.loc[forward.index])
        .to_numpy(),
    )
    fig, ax = plt.subplots(figsize=(12, 9), dpi=120)
    forward.plot(ax=ax, color="#d0d0d0", linewidth=0.6)
    scale = max(float(forward["change"].abs().max()), 1.0)
    for sign, colour, label in ((1, "#c0392b", "more trucks"), (-1, "#2471a3", "fewer trucks")):
        subset = forward[np.sign(forward["change"]) == sign]
        subset = subset[subset["change"].abs() > 0.5]
        if len(subset):
            subset.plot(
                ax=ax,
                color=colour,
                linewidth=(0.8 + 5 * subset["change"].abs() / scale).to_numpy(),
                label=f"{label} ({len(subset)} links)",
            )
    closed = forward[forward["closed"]]
    if len(closed):
        _mark_middles(ax, closed, s=60, marker="X", zorder=6, label=f"closed ({len(closed)} links)")
    ax.set_title(
        f"{title}\nflow change on the worst day (line width: up to {scale:,.0f} trucks/day)"
    )
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    dress_map(ax, network, outline=outline)
    fig.tight_layout()
    return save_png(fig, Path(path))


def plot_timeline(timeline: pd.DataFrame, path: str | Path, *, title: str) -> Path:
    """PNG chart: extra cost per day (bars) and unmet trucks (line) over the horizon.

    Parameters
    ----------
    timeline : pandas.DataFrame
        ``SimulationResult.timeline``.
    path : str or Path
        The PNG to write.
    title : str
        Chart title.

    Returns
    -------
    Path
        The PNG written.
    """
    fig, ax = plt.subplots(figsize=(10, 3.6), dpi=120)
    ax.bar(timeline["day"], timeline["extra_cost_usd"] / 1e3, color="#c0392b", width=0.8)
    ax.set_xlabel("day")
    ax.set_ylabel("extra cost (USD thousand)", color="#c0392b")
    unmet = ax.twinx()
    unmet.plot(timeline["day"], timeline["unmet_trucks"], color="#2471a3", marker=".")
    unmet.set_ylabel("unmet trucks/day", color="#2471a3")
    unmet.set_ylim(0, max(1.0, float(timeline["unmet_trucks"].max()) * 1.1))
    ax.set_title(title)
    fig.tight_layout()
    return save_png(fig, Path(path))


def plot_exceedance(result: MonteCarloResult, path: str | Path, *, title: str) -> Path:
    """Exceedance curves: probability that a year's extra cost / unmet demand is exceeded.

    Parameters
    ----------
    result : MonteCarloResult
        The years drawn.
    path : str or Path
        The PNG to write.
    title : str
        Chart title.

    Returns
    -------
    Path
        The PNG written.
    """
    curve = result.exceedance
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), dpi=120)
    for ax, column, label in (
        (axes[0], "extra_cost_usd", "extra generalised cost per year (USD million)"),
        (axes[1], "unmet_truck_days", "unmet truck-days per year"),
    ):
        scale = 1e6 if column == "extra_cost_usd" else 1.0
        ax.plot(curve[column] / scale, curve["exceedance_probability"], color="#c0392b")
        ax.set_yscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel("annual exceedance probability")
        ax.grid(True, which="both", alpha=0.3)
    fig.suptitle(f"{title}: {len(curve)} Monte Carlo years")
    fig.tight_layout()
    return save_png(fig, Path(path))


def _mark_middles(ax, lines: gpd.GeoDataFrame, **style) -> None:
    """A black marker at the middle of each line (bridges, closed links)."""
    middles = shapely.line_interpolate_point(lines.geometry.to_numpy(), 0.5, normalized=True)
    ax.scatter(shapely.get_x(middles), shapely.get_y(middles), color="black", **style)


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


def plot_criticality(
    network: Network, result: CriticalityResult, path: Path, *, top: int = 20,
    outline: gpd.GeoDataFrame | None = None,
) -> Path:
    """PNG map: ranked links by impact (width), the top ``top`` numbered, crossings, min cuts.

    Parameters
    ----------
    network : Network
        The network analysed.
    result : CriticalityResult
        The analysis.
    path : Path
        The PNG to write.
    top : int, default 20
        Links numbered.
    outline : geopandas.GeoDataFrame, optional
        State polygons drawn underneath.

    Returns
    -------
    Path
        The PNG written.
    """
    links = network.edges.loc[undirected_links(network).index]
    frame = result.edges.set_index("edge_id").loc[links["edge_id"]]
    impact, rank = frame["impact_usd_day"].to_numpy(), frame["rank"].to_numpy()
    ranked, hit = ~np.isnan(rank), impact > 0.005
    scale = max(float(np.max(impact[ranked], initial=0.0)), 1.0)
    leading = rank <= top
    crossing = (links["road_class"] == "border").to_numpy() & hit
    fig, ax = plt.subplots(figsize=(12, 9), dpi=120)
    links.plot(ax=ax, color="#d0d0d0", linewidth=0.6)
    for mask, colour, label in (
        (~ranked & hit, "#85c1e9", "outside Mexico: stylised, not ranked"),
        (ranked & hit & ~leading, "#f5b041", "other links whose closure costs"),
        (leading, "#c0392b", f"top {top} links (number = rank)"),
    ):
        if mask.any():
            width = 0.8 + 5 * np.minimum(impact[mask] / scale, 1.0) * ranked[mask]
            links[mask].plot(ax=ax, color=colour, linewidth=width, label=label)
    middles = shapely.line_interpolate_point(links.geometry.to_numpy(), 0.5, normalized=True)
    for point, number in zip(middles[leading], rank[leading], strict=True):
        ax.annotate(f"{number:.0f}", (point.x, point.y), fontsize=7, fontweight="bold",
                    xytext=(2, 2), textcoords="offset points")
    ax.scatter(shapely.get_x(middles[crossing]), shapely.get_y(middles[crossing]),
               s=20 + 200 * impact[crossing] / scale, marker="D", color="#8e44ad", zorder=5,
               label="border crossing (size = impact)")
    for style, cut in zip(("--", ":", "-."), result.cuts, strict=False):
        gpd.GeoSeries(network.edges.geometry.to_numpy()[cut.edges], crs=CRS).plot(
            ax=ax, color="black", linewidth=2.5, linestyle=style,
            label=f"min cut {cut.name}: {cut.connectivity:.0f} links",
        )
    ax.set_title(
        "Link criticality: extra generalised cost + cargo delay per day of closure (USD)\n"
        f"line width up to {scale:,.0f} USD/day; grey: closing it affects no modelled trip"
    )
    ax.set(xlabel="longitude", ylabel="latitude")
    dress_map(ax, network, outline=outline)
    fig.tight_layout()
    return save_png(fig, Path(path))


def plot_routes(result: SourcingResult, path: Path, *,
                outline: gpd.GeoDataFrame | None = None) -> Path:
    """PNG map: each candidate's route in its colour, shared links black, sites labelled.

    Parameters
    ----------
    result : SourcingResult
        The analysis.
    path : Path
        The PNG to write.
    outline : geopandas.GeoDataFrame, optional
        State polygons drawn underneath.

    Returns
    -------
    Path
        The PNG written.
    """
    case = result.case
    routes, sites = routes_frame(result), sites_frame(result)
    fig, ax = plt.subplots(figsize=(11, 9), dpi=120)
    case.network.edges.plot(ax=ax, color="#dddddd", linewidth=0.5)
    for s, name in enumerate(case.names):
        share = result.recommended.shares.get(name, 0.0)
        routes[routes["candidate"] == name].plot(
            ax=ax, color=plt.get_cmap("tab10")(s % 10), linewidth=1.5 + 5 * share, alpha=0.8,
            label=f"{name} ({share:.0%})")
    shared = routes[routes["shared"]].drop_duplicates("link_id")
    if len(shared):
        shared.plot(ax=ax, color="black", linewidth=1.0, linestyle="--",
                    label=f"shared links ({len(shared)})")
    critical = routes[routes["shared_critical"]].drop_duplicates("link_id")
    if len(critical):
        middles = shapely.line_interpolate_point(critical.geometry.to_numpy(), 0.5,
                                                 normalized=True)
        ax.scatter(shapely.get_x(middles), shapely.get_y(middles), marker="X", s=80,
                   color="black", zorder=6, label=f"shared critical links ({len(critical)})")
    for site in sites.itertuples():
        buyer, xy = site.role == "buyer", (site.geometry.x, site.geometry.y)
        ax.scatter(*xy, zorder=7, edgecolor="black", marker="*" if buyer else "o",
                   s=160 if buyer else 50, color="white")
        ax.annotate(site.site, xy, fontsize=8, xytext=(4, 4), textcoords="offset points")
    west, south, east, north = routes.total_bounds
    pad = 0.1 * max(east - west, north - south, 1.0)
    ax.set(xlim=(west - pad, east + pad), ylim=(south - pad, north + pad))
    ax.set_title(f"{case.spec.name}: routes to {case.spec.buyer.name}\n"
                 f"recommended: {result.recommended.label()}")
    dress_map(ax, case.network, outline=outline)
    fig.tight_layout()
    return save_png(fig, Path(path))

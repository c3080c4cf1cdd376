"""Every PNG corredor draws: network, flow change, timeline, exceedance, expected cost,
criticality and sourcing routes.

Each function draws its data and hands the axes to
``corredor.outputs.cartography.dress_map`` (outline, scale bar, north arrow,
labels placed without overlap), in the language ``lang``. Maps whose line
width carries a quantity get a line-width key; the flow-change map gets an
inset of the disrupted area when that area is small on the national map.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.lines import Line2D

from corredor.criticality import CriticalityResult
from corredor.montecarlo import MonteCarloResult
from corredor.network import CRS, Network, link_keys, undirected_links
from corredor.outputs.cartography import MapLabel, dress_map, plt, save_png
from corredor.outputs.text import class_label, words
from corredor.sourcing import SourcingResult, routes_frame, sites_frame

__all__ = [
    "ROAD_CLASS_COLOURS",
    "plot_criticality",
    "plot_exceedance",
    "plot_expected_links",
    "plot_flow_change",
    "plot_network",
    "plot_routes",
    "plot_timeline",
]

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
#: Widest line a quantity gets (points); the thinnest is 0.8.
MAX_WIDTH = 5.8


def plot_network(network: Network, path: str | Path, *, outline: gpd.GeoDataFrame | None = None,
                 label_kinds: tuple[str, ...] = ("port", "us_region"), lang: str = "en"
                 ) -> Path:
    """PNG map of the network coloured by road class, bridges and seaports marked.

    Parameters
    ----------
    network : Network
        Any network.
    path : str or Path
        The PNG to write.
    outline : geopandas.GeoDataFrame, optional
        State polygons drawn underneath.
    label_kinds : tuple of str
        Node kinds labelled by name.
    lang : {"en", "es"}, default "en"
        Language of the map's text.

    Returns
    -------
    Path
        The PNG written.
    """
    t = words(lang)
    fig, ax = plt.subplots(figsize=(12, 9), dpi=120)
    links = network.edges.loc[undirected_links(network).index]
    for road_class, colour in ROAD_CLASS_COLOURS.items():
        subset = links[links["road_class"] == road_class]
        if len(subset):
            width = 2.0 if road_class in ("motorway", "border") else 1.2
            subset.plot(ax=ax, color=colour, linewidth=width,
                        label=f"{class_label(road_class, lang)} ({len(subset)})")
    bridges = links[links["bridge"]]
    if len(bridges):
        _mark_middles(ax, bridges, s=30, marker="s", zorder=5, label=f"{t['bridge']} "
                      f"({len(bridges)})")
    nodes = network.nodes
    ports = nodes[nodes["kind"] == "port"]
    ax.scatter(ports.geometry.x, ports.geometry.y, s=40, marker="^", color="#1abc9c",
               edgecolor="black", zorder=6, label=f"{t['seaport']} ({len(ports)})")
    named = nodes[nodes["kind"].isin(label_kinds)]
    labels = [MapLabel(row.node_id, str(row.name), row.geometry.x, row.geometry.y)
              for row in named.itertuples()]
    _finish(ax, network, t["network_title"], outline, lang, labels)
    return save_png(fig, Path(path))


def plot_flow_change(network: Network, table: pd.DataFrame, path: str | Path, *, title: str,
                     outline: gpd.GeoDataFrame | None = None, lang: str = "en") -> Path:
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
    lang : {"en", "es"}, default "en"
        Language of the map's text.

    Returns
    -------
    Path
        The PNG written.
    """
    t = words(lang)
    links = _per_link(network, change=table["flow_change_trucks_day"].to_numpy(),
                      closed=table["is_closed"].to_numpy())
    fig, ax = plt.subplots(figsize=(12, 9), dpi=120)
    scale = max(float(links["change"].abs().max()), 1.0)
    _draw_change(ax, links, scale, t)
    ax.set_title(f"{title}\n{t['flow_title'].format(scale=scale)}")
    _width_key(ax, scale, t["trucks_day"], t)
    _finish(ax, network, None, outline, lang)
    focus = links[(links["change"].abs() > 0.5) | links["closed"]]
    _inset(ax, focus, lambda inset: _draw_change(inset, links, scale, t, legend=False), t)
    return save_png(fig, Path(path))


def plot_timeline(timeline: pd.DataFrame, path: str | Path, *, title: str,
                  lang: str = "en") -> Path:
    """PNG chart: extra cost per day (bars) and unmet trucks (line) over the horizon.

    Parameters
    ----------
    timeline : pandas.DataFrame
        ``SimulationResult.timeline``.
    path : str or Path
        The PNG to write.
    title : str
        Chart title.
    lang : {"en", "es"}, default "en"
        Language of the chart's text.

    Returns
    -------
    Path
        The PNG written.
    """
    t = words(lang)
    fig, ax = plt.subplots(figsize=(10, 3.6), dpi=120)
    ax.bar(timeline["day"], timeline["extra_cost_usd"] / 1e3, color="#c0392b", width=0.8)
    ax.set_xlabel(t["day"])
    ax.set_ylabel(t["extra_cost_k"], color="#c0392b")
    unmet = ax.twinx()
    unmet.plot(timeline["day"], timeline["unmet_trucks"], color="#2471a3", marker=".")
    unmet.set_ylabel(t["unmet_per_day"], color="#2471a3")
    unmet.set_ylim(0, max(1.0, float(timeline["unmet_trucks"].max()) * 1.1))
    ax.set_title(title)
    fig.tight_layout()
    return save_png(fig, Path(path))


def plot_exceedance(result: MonteCarloResult, path: str | Path, *, title: str,
                    lang: str = "en") -> Path:
    """Exceedance curves: probability that a year's extra cost / unmet demand is exceeded.

    Parameters
    ----------
    result : MonteCarloResult
        The years drawn.
    path : str or Path
        The PNG to write.
    title : str
        Chart title.
    lang : {"en", "es"}, default "en"
        Language of the chart's text.

    Returns
    -------
    Path
        The PNG written.
    """
    t, curve = words(lang), result.exceedance
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), dpi=120)
    for ax, column, label in ((axes[0], "extra_cost_usd", t["exceed_cost"]),
                              (axes[1], "unmet_truck_days", t["exceed_unmet"])):
        scale = 1e6 if column == "extra_cost_usd" else 1.0
        ax.plot(curve[column] / scale, curve["exceedance_probability"], color="#c0392b")
        ax.set_yscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel(t["exceed_probability"])
        ax.grid(True, which="both", alpha=0.3)
    fig.suptitle(f"{title}: {t['mc_years'].format(runs=len(curve))}")
    fig.tight_layout()
    return save_png(fig, Path(path))


def plot_expected_links(network: Network, links: pd.DataFrame, path: str | Path, *, title: str,
                        outline: gpd.GeoDataFrame | None = None, lang: str = "en") -> Path:
    """PNG map of the expected extra cost per simulated year attributed to each link.

    Parameters
    ----------
    network : Network
        The network the years were drawn on.
    links : pandas.DataFrame
        ``MonteCarloResult.links``.
    path : str or Path
        The PNG to write.
    title : str
        Map title.
    outline : geopandas.GeoDataFrame, optional
        State polygons drawn underneath.
    lang : {"en", "es"}, default "en"
        Language of the map's text.

    Returns
    -------
    Path
        The PNG written.
    """
    t = words(lang)
    expected = links.set_index("link_id")["expected_extra_cost_usd"]
    frame = _per_link(network)
    frame["cost"] = frame["link_key"].map(expected).fillna(0.0).to_numpy()
    fig, ax = plt.subplots(figsize=(12, 9), dpi=120)
    frame.plot(ax=ax, color="#d0d0d0", linewidth=0.6)
    scale = max(float(frame["cost"].max()), 1.0)
    hit = frame[frame["cost"] > 0]
    if len(hit):
        hit.plot(ax=ax, color="#c0392b", linewidth=_widths(hit["cost"], scale))
    ax.set_title(f"{title}\n{t['expected_title'].format(scale=scale)}")
    _width_key(ax, scale, "USD", t)
    _finish(ax, network, None, outline, lang)
    return save_png(fig, Path(path))


def plot_criticality(network: Network, result: CriticalityResult, path: Path, *, top: int = 20,
                     outline: gpd.GeoDataFrame | None = None, lang: str = "en") -> Path:
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
    lang : {"en", "es"}, default "en"
        Language of the map's text.

    Returns
    -------
    Path
        The PNG written.
    """
    t = words(lang)
    links = network.edges.loc[undirected_links(network).index]
    frame = result.edges.set_index("edge_id").loc[links["edge_id"]]
    impact, rank = frame["impact_usd_day"].to_numpy(), frame["rank"].to_numpy()
    ranked, hit = ~np.isnan(rank), impact > 0.005
    scale = max(float(np.max(impact[ranked], initial=0.0)), 1.0)
    leading = rank <= top
    fig, ax = plt.subplots(figsize=(12, 9), dpi=120)
    links.plot(ax=ax, color="#d0d0d0", linewidth=0.6)
    for mask, colour, label in ((~ranked & hit, "#85c1e9", t["abroad"]),
                                (ranked & hit & ~leading, "#f5b041", t["other_costly"]),
                                (leading, "#c0392b", t["top_links"].format(top=top))):
        if mask.any():
            width = 0.8 + 5 * np.minimum(impact[mask] / scale, 1.0) * ranked[mask]
            links[mask].plot(ax=ax, color=colour, linewidth=width, label=label)
    middles = shapely.line_interpolate_point(links.geometry.to_numpy(), 0.5, normalized=True)
    crossing = (links["road_class"] == "border").to_numpy() & hit
    ax.scatter(shapely.get_x(middles[crossing]), shapely.get_y(middles[crossing]),
               s=20 + 200 * impact[crossing] / scale, marker="D", color="#8e44ad", zorder=5,
               label=t["crossing_impact"])
    for style, cut in zip(("--", ":", "-."), result.cuts, strict=False):
        gpd.GeoSeries(network.edges.geometry.to_numpy()[cut.edges], crs=CRS).plot(
            ax=ax, color="black", linewidth=2.5, linestyle=style,
            label=t["min_cut"].format(name=cut.name, n=cut.connectivity))
    order = np.argsort(rank[leading])  # rank 1 gets its place first
    labels = [MapLabel(f"rank:{number:.0f}", f"{number:.0f}", point.x, point.y, bold=True)
              for point, number in zip(middles[leading][order], rank[leading][order],
                                       strict=True)]
    _finish(ax, network, t["criticality_title"].format(scale=scale), outline, lang, labels)
    return save_png(fig, Path(path))


def plot_routes(result: SourcingResult, path: Path, *, outline: gpd.GeoDataFrame | None = None,
                lang: str = "en") -> Path:
    """PNG map: each candidate's route in its colour, shared links black, sites labelled.

    Parameters
    ----------
    result : SourcingResult
        The analysis.
    path : Path
        The PNG to write.
    outline : geopandas.GeoDataFrame, optional
        State polygons drawn underneath.
    lang : {"en", "es"}, default "en"
        Language of the map's text.

    Returns
    -------
    Path
        The PNG written.
    """
    t, case = words(lang), result.case
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
                    label=t["shared_links"].format(n=len(shared)))
    critical = routes[routes["shared_critical"]].drop_duplicates("link_id")
    if len(critical):
        _mark_middles(ax, critical, marker="X", s=80, zorder=6,
                      label=t["shared_critical"].format(n=len(critical)))
    for site in sites.itertuples():
        buyer = site.role == "buyer"
        ax.scatter(site.geometry.x, site.geometry.y, zorder=7, edgecolor="black",
                   marker="*" if buyer else "o", s=160 if buyer else 50, color="white")
    west, south, east, north = routes.total_bounds
    pad = 0.1 * max(east - west, north - south, 1.0)
    ax.set(xlim=(west - pad, east + pad), ylim=(south - pad, north + pad))
    labels = [MapLabel(f"site:{row.site}", str(row.site), row.geometry.x, row.geometry.y,
                       bold=True) for row in sites.itertuples()]
    title = t["routes_title"].format(name=case.spec.name, buyer=case.spec.buyer.name,
                                     split=result.recommended.label())
    _finish(ax, case.network, title, outline, lang, labels)
    return save_png(fig, Path(path))


# -- helpers ----------------------------------------------------------------------------


def _finish(ax, network: Network, title: str | None, outline: gpd.GeoDataFrame | None,
            lang: str, labels: Sequence[MapLabel] = ()) -> None:
    """Title, axis names, the map dressing and a tight layout."""
    t = words(lang)
    if title is not None:
        ax.set_title(title)
    ax.set(xlabel=t["longitude"], ylabel=t["latitude"])
    dress_map(ax, network, outline=outline, labels=labels)
    ax.figure.tight_layout()


def _per_link(network: Network, **values: np.ndarray) -> gpd.GeoDataFrame:
    """One row per physical link (its first edge's geometry): sums or any() of edge values."""
    keys = pd.Series(link_keys(network))
    first = undirected_links(network).index
    frame = network.edges.loc[first, ["ref", "name", "road_class", "geometry"]].copy()
    frame["link_key"] = keys.loc[first].to_numpy()
    for column, per_edge in values.items():
        grouped = pd.Series(per_edge).groupby(keys)
        total = grouped.any() if per_edge.dtype == bool else grouped.sum()
        frame[column] = total.reindex(frame["link_key"]).to_numpy()
    return frame


def _widths(values: pd.Series, scale: float) -> np.ndarray:
    return (0.8 + (MAX_WIDTH - 0.8) * np.minimum(values.abs() / scale, 1.0)).to_numpy()


def _draw_change(ax, links: gpd.GeoDataFrame, scale: float, t: dict[str, str], *,
                 legend: bool = True) -> None:
    """Grey network, red more / blue fewer trucks (width by the change), black closures."""
    links.plot(ax=ax, color="#d0d0d0", linewidth=0.6)
    for sign, colour, word in ((1, "#c0392b", "more_trucks"), (-1, "#2471a3", "fewer_trucks")):
        subset = links[(np.sign(links["change"]) == sign) & (links["change"].abs() > 0.5)]
        if len(subset):
            subset.plot(ax=ax, color=colour, linewidth=_widths(subset["change"], scale),
                        label=f"{t[word]} ({len(subset)})" if legend else None)
    closed = links[links["closed"]]
    if len(closed):
        _mark_middles(ax, closed, s=60, marker="X", zorder=6,
                      label=t["closed_links"].format(n=len(closed)) if legend else None)


def _width_key(ax, scale: float, unit: str, t: dict[str, str]) -> None:
    """Legend entries showing what a line width means (a quarter, half and all of the scale)."""
    for share in (0.25, 0.5, 1.0):
        ax.add_line(Line2D([], [], color="#555555", linewidth=0.8 + (MAX_WIDTH - 0.8) * share,
                           label=f"{t['width_key']}: {share * scale:,.0f} {unit}"))


def _inset(ax, focus: gpd.GeoDataFrame, draw, t: dict[str, str]) -> None:
    """An inset of the area ``focus`` covers, when it is small on the main map."""
    if focus.empty:
        return
    west, south, east, north = focus.total_bounds
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    if max(east - west, 1e-9) > 0.3 * (x1 - x0) or max(north - south, 1e-9) > 0.3 * (y1 - y0):
        return
    pad = max(east - west, north - south, 0.2) * 0.4
    inset = ax.inset_axes((0.66, 0.62, 0.32, 0.35))
    draw(inset)
    inset.set(xlim=(west - pad, east + pad), ylim=(south - pad, north + pad), xticks=[],
              yticks=[], title=t["inset"])
    inset.title.set_fontsize(8)
    inset.set_aspect(1.0 / np.cos(np.radians((south + north) / 2)))
    ax.indicate_inset_zoom(inset, edgecolor="#333333")


def _mark_middles(ax, lines: gpd.GeoDataFrame, **style) -> None:
    """A black marker at the middle of each line (bridges, closed links)."""
    middles = shapely.line_interpolate_point(lines.geometry.to_numpy(), 0.5, normalized=True)
    ax.scatter(shapely.get_x(middles), shapely.get_y(middles), color="black", **style)

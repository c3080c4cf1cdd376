"""The validation report of ``corredor calibrate``: tables, a scatter plot, a GeoPackage, a page.

Files: ``fit.csv`` (per set, overall and by road class and state), ``sites.csv``
(every count site, counted and modelled), ``crossings.csv`` (BTS against the
model), ``scatter.png``, ``calibration.gpkg`` (counted edges with their counts
and modelled flows; plaza movements as points) and ``report.html`` (with an
interactive map of the counted links coloured by modelled minus counted trucks,
and the toll plazas coloured by GEH).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from corredor.calibration import Calibration
from corredor.counts import GEH_TARGET
from corredor.network import CRS, Network, link_keys
from corredor.outputs.cartography import plt, save_png
from corredor.outputs.export import write_styled_gpkg
from corredor.outputs.html import MAP_HEIGHT, page_html, states_layer
from corredor.outputs.text import column_label, words
from corredor.outputs.webmap import (
    DIVERGING_COLORS,
    Categories,
    Diverging,
    MapLayer,
    Scale,
    web_map,
)

__all__ = ["PLAZA_COLOURS", "headline_text", "set_label", "write_calibration"]

_SET_ORDER = ("estimation", "holdout", "plaza", "crossing", "port")


def set_label(name: str, lang: str = "en") -> str:
    """How a set of sites (``estimation``, ``holdout``, ...) is named in the report.

    Parameters
    ----------
    name : str
        The set.
    lang : {"en", "es"}, default "en"
        The language.

    Returns
    -------
    str
    """
    return words(lang)[f"set_{name}"]


def headline_text(result: Calibration) -> list[str]:
    """One line per set: R^2, the share with GEH < 5, and modelled/counted totals."""
    lines = []
    rows = result.headline().set_index("set")
    for name in _SET_ORDER:
        if name not in rows.index:
            continue
        row = rows.loc[name]
        lines.append(
            f"{name:10s} {int(row['sites']):>5,} sites  R2 {row['r2']:6.3f}  "
            f"GEH<{GEH_TARGET:g} {row['geh_under_5_share']:6.1%}  "
            f"modelled/counted {row['modelled_sum'] / max(row['counted_sum'], 1e-9):5.2f}")
    return lines


def write_calibration(network: Network, result: Calibration, folder: Path, *,
                      title: str | None = None,
                      outline: gpd.GeoDataFrame | None = None, lang: str = "en") -> list[Path]:
    """Write the report's files into ``folder`` (an output folder's staging area).

    Parameters
    ----------
    network : Network
        The network the flows are on.
    result : Calibration
        From ``corredor.calibration.calibrate``.
    folder : Path
        Where to write.
    title : str, optional
        The page's title (default: "Modelled against counted trucks" in ``lang``).
    outline : geopandas.GeoDataFrame, optional
        State polygons drawn under the map.
    lang : {"en", "es"}, default "en"
        Language of the page, the plot and the map.

    Returns
    -------
    list of Path
        The files written.
    """
    folder, t = Path(folder), words(lang)

    def heads(columns) -> list[str]:
        return [column_label(column, lang) for column in columns]

    written = []
    for name, frame in (("fit.csv", result.fit), ("sites.csv", result.sites),
                        ("crossings.csv", result.crossings)):
        frame.to_csv(folder / name, index=False, float_format="%.4f")
        written.append(folder / name)
    written.append(_scatter(result, folder / "scatter.png", lang))
    layers = _layers(network, result)
    written.append(write_styled_gpkg(layers, folder / "calibration.gpkg", styles={}))
    headline = result.headline()
    headline = headline.assign(set=[set_label(name, lang) for name in headline["set"]])
    sections = [(t["cal_fit"], heads(headline.columns), _rows(headline))]
    for group, key, names in (("road_class", "cal_by_class", _SET_ORDER),
                              ("state", "cal_by_state", ("estimation", "holdout"))):
        for name in names:
            part = result.fit[(result.fit["set"] == name) & (result.fit["group"] == group)]
            if len(part):
                sections.append((t[key].format(set=set_label(name, lang)),
                                 heads([group, *part.columns[3:]]),
                                 _rows(part.drop(columns=["set", "group"]))))
    sections.append((t["cal_crossings"], heads(result.crossings.columns),
                     _rows(result.crossings)))
    ports = result.sites[result.sites["group"] == "port"][["site_id", "counted", "modelled"]]
    sections.append((t["cal_ports"], heads(["port", "truck_boxes_day", "modelled_trucks_day"]),
                     _rows(ports)))
    notes = [t["cal_note_geh"].format(target=f"{GEH_TARGET:g}"), t["cal_note_lp"],
             t["cal_note_bts"], t["cal_note_counts"]]
    page = page_html(title or t["cal_title"], notes, sections,
                     {t["cal_scatter"]: folder / "scatter.png"}, lang=lang,
                     maps={t["map_calibration"]: _map(network, layers, outline, lang)})
    (folder / "report.html").write_text(page, encoding="utf-8")
    written.append(folder / "report.html")
    return written


def _rows(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(None if isinstance(v, float) and not np.isfinite(v) else
                  (round(v, 3) if isinstance(v, float) else v) for v in row)
            for row in frame.itertuples(index=False)]


def _scatter(result: Calibration, path: Path, lang: str) -> Path:
    present = [s for s in _SET_ORDER if (result.sites["group"] == s).any()]
    figure, axes = plt.subplots(1, len(present), figsize=(4.2 * len(present), 4.2),
                                squeeze=False)
    rows = result.headline().set_index("set")
    for axis, name in zip(axes[0], present, strict=True):
        part = result.sites[result.sites["group"] == name]
        good = part["geh"] < GEH_TARGET
        top = max(float(part[["counted", "modelled"]].max().max()), 10.0) * 1.5
        axis.plot([1, top], [1, top], color="#888", lw=0.8)
        axis.scatter(part.loc[~good, "counted"].clip(lower=1), part.loc[~good, "modelled"].clip(
            lower=1), s=4, color="#c0392b", alpha=0.5, label=f"GEH >= {GEH_TARGET:g}")
        axis.scatter(part.loc[good, "counted"].clip(lower=1), part.loc[good, "modelled"].clip(
            lower=1), s=4, color="#2471a3", alpha=0.5, label=f"GEH < {GEH_TARGET:g}")
        axis.set(xscale="log", yscale="log", xlim=(1, top), ylim=(1, top),
                 xlabel=column_label("counted_trucks_day", lang),
                 ylabel=column_label("modelled_trucks_day", lang),
                 title=f"{name}: R² {rows.loc[name, 'r2']:.2f}, "
                       f"GEH<5 {rows.loc[name, 'geh_under_5_share']:.0%}")
        axis.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    return save_png(figure, path)


def _layers(network: Network, result: Calibration) -> dict[str, gpd.GeoDataFrame]:
    edges = network.edges
    weights = result.site_edges.tocoo()
    site_of = np.full(len(edges), -1)
    site_of[weights.col] = weights.row
    counted = site_of >= 0
    sites = result.sites
    index = site_of[counted]
    layer = gpd.GeoDataFrame({
        "edge_id": edges["edge_id"].to_numpy()[counted],
        "name": edges["name"].to_numpy()[counted],
        "ref": edges["ref"].to_numpy()[counted],
        "road_class": edges["road_class"].to_numpy()[counted],
        "site_id": sites["site_id"].to_numpy()[index],
        "set": sites["group"].to_numpy()[index],
        "counted_trucks_day": sites["counted"].to_numpy()[index],
        "site_modelled_trucks_day": sites["modelled"].to_numpy()[index],
        "edge_modelled_trucks_day": result.edge_flow[counted],
        "difference_trucks_day": (sites["modelled"] - sites["counted"]).to_numpy()[index],
        "geh": sites["geh"].to_numpy()[index],
    }, geometry=edges.geometry.to_numpy()[counted], crs=edges.crs)
    layers = {"counts": layer}
    if len(result.plazas):
        plazas = result.plazas
        modelled = sites[sites["group"] == "plaza"].set_index("site_id")
        site = plazas["site_id"]  # the plaza's movements on one link: one count site
        layers["plazas"] = gpd.GeoDataFrame(
            plazas.drop(columns=["lon", "lat"]).assign(
                site_counted_trucks_day=site.map(modelled["counted"]),
                site_modelled_trucks_day=site.map(modelled["modelled"]),
                geh=site.map(modelled["geh"])),
            geometry=gpd.points_from_xy(plazas["lon"], plazas["lat"]), crs=CRS)
    return layers


#: Colours of the toll plazas by the worst GEH of their movements.
PLAZA_COLOURS = {"geh_good": "#1a9850", "geh_fair": "#fdae61", "geh_poor": "#d73027",
                "geh_none": "#969696"}


def _map(network: Network, layers: dict[str, gpd.GeoDataFrame],
         outline: gpd.GeoDataFrame | None, lang: str) -> str:
    """The report's map: one feature per counted link and site, the plazas as points."""
    t = words(lang)
    counts = layers["counts"]
    link = pd.Series(link_keys(network), index=network.edges["edge_id"])
    counts = counts.loc[~counts.assign(link=counts["edge_id"].map(link).to_numpy())
                        .duplicated(["link", "site_id"]).to_numpy()]
    differences = counts["difference_trucks_day"].abs()
    limit = float(differences.quantile(0.95)) if len(counts) else 1.0
    labels = {column: column_label(column, lang) for column in (
        "name", "ref", "site_id", "counted_trucks_day", "site_modelled_trucks_day",
        "difference_trucks_day", "geh", "set", "fit", "movements")}
    drawn = [
        *states_layer(outline, lang),
        MapLayer("counts", t["layer_counted"], counts,
                 color=Diverging("difference_trucks_day", limit=max(limit, 1.0),
                                 colors=(DIVERGING_COLORS[0], "#c8c8c8", DIVERGING_COLORS[2])),
                 size=Scale("counted_trucks_day", (1.0, 6.0), unit=t["trucks_day"]),
                 fields={c: labels[c] for c in ("name", "ref", "site_id", "set",
                                                "counted_trucks_day", "site_modelled_trucks_day",
                                                "difference_trucks_day", "geh")}),
    ]
    if "plazas" in layers:
        plazas = _plaza_points(layers["plazas"], lang)
        drawn.append(MapLayer(
            "plazas", t["layer_plazas"], plazas, size=5.0, outline="#333333", kind="circle",
            color=Categories("fit", {t[key]: colour for key, colour in PLAZA_COLOURS.items()}),
            fields={"name": labels["name"], "movements": labels["movements"],
                    "trucks_day": labels["counted_trucks_day"],
                    "modelled_trucks_day": labels["site_modelled_trucks_day"],
                    "geh": labels["geh"], "fit": labels["fit"]}))
    return web_map(drawn, lang=lang, element_id="calibration-map", height=MAP_HEIGHT,
                   include_library=False)


def _plaza_points(movements: gpd.GeoDataFrame, lang: str) -> gpd.GeoDataFrame:
    """One point per toll plaza: its movements' trucks, its sites' modelled trucks, worst GEH."""
    t = words(lang)
    sites = movements[movements["site_id"] != ""].drop_duplicates("site_id").groupby(
        "plaza_id").agg(modelled_trucks_day=("site_modelled_trucks_day", "sum"),
                        geh=("geh", "max"))
    plazas = movements.groupby("plaza_id", sort=False).agg(
        name=("name", "first"), movements=("movement_id", "size"),
        trucks_day=("trucks_day", "sum"), geometry=("geometry", "first")).join(sites)
    fit = np.select([plazas["geh"] < GEH_TARGET, plazas["geh"] < 2 * GEH_TARGET,
                     plazas["geh"].notna()], ["geh_good", "geh_fair", "geh_poor"], "geh_none")
    return gpd.GeoDataFrame(plazas.assign(fit=[t[key] for key in fit]).reset_index(),
                            geometry="geometry", crs=CRS)

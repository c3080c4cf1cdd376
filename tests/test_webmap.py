"""The interactive report map: self-contained, offline, drawn in a real browser.

The page-building tests run everywhere; the browser tests open the page in
headless Chromium (tests/browser.py) with every request blocked and skip when
Chromium is not installed.
"""

from __future__ import annotations

import json
import re
import time

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

from browser import Page, count_near, find_chromium, render, screenshot
from corredor.errors import CorredorError
from corredor.outputs.webmap import (
    MAP_TEXT,
    Categories,
    Diverging,
    MapLayer,
    Ramp,
    Scale,
    maplibre_assets,
    web_map,
    web_map_page,
)

from factories import make_network

CITIES = {
    "leon": (-101.68, 21.12),
    "silao": (-101.43, 20.94),
    "irapuato": (-101.35, 20.68),
    "lagos": (-101.93, 21.36),
    "guanajuato": (-101.25, 21.02),
}
#: link -> baseline trucks/day and the change the disruption causes
FLOWS = {
    "leon-silao": (4000.0, -2000.0),  # full blue
    "silao-irapuato": (3000.0, 2000.0),  # full red
    "leon-lagos": (2500.0, 500.0),
    "guanajuato-silao": (900.0, 0.0),
}
BOUNDS = (-102.0, 20.6, -101.2, 21.4)
RED, BLUE = (178, 24, 43), (33, 102, 172)  # Diverging's colours at +/- the limit
STATE_FILL, BACKGROUND = (236, 234, 228), (223, 232, 238)
PORT = (106, 61, 154)

needs_chromium = pytest.mark.skipif(
    find_chromium() is None,
    reason="Chromium is not installed (apt-get install chromium); browser tests skipped",
)


def fixture_edges() -> gpd.GeoDataFrame:
    """One feature per link of a small Bajío network, with flows and a closure."""
    links = [(*name.split("-"), 30.0) for name in FLOWS]
    edges = make_network(CITIES, links).edges
    edges = edges[edges["edge_id"].str.endswith(":fwd")].copy()
    edges["link"] = edges["u"] + "-" + edges["v"]
    edges["name"] = edges["link"].str.replace("-", " – ").str.title()
    edges["flow_base"] = [FLOWS[link][0] for link in edges["link"]]
    edges["flow_change"] = [FLOWS[link][1] for link in edges["link"]]
    edges["utilisation"] = edges["flow_base"] / 5000.0
    edges["closed"] = edges["link"] == "guanajuato-silao"
    return edges


def fixture_layers(edges: gpd.GeoDataFrame | None = None) -> list[MapLayer]:
    edges = fixture_edges() if edges is None else edges
    states = gpd.GeoDataFrame(
        {"name": ["Guanajuato", "Jalisco"]},
        geometry=[box(-101.9, 20.3, -100.5, 21.9), box(-104.0, 20.3, -101.9, 21.9)],
        crs=4326,
    )
    ports = gpd.GeoDataFrame(
        {"name": ["Aduana interior"], "trucks_day": [1200.0], "wait_h": [2.5]},
        geometry=[Point(-101.55, 21.25)], crs=4326,
    )
    fields = {"name": "Link", "ref": "Route", "flow_base": "Baseline trucks/day",
              "flow_change": "Change trucks/day", "utilisation": "Utilisation"}
    return [
        MapLayer("states", "States", states, color="#eceae4", outline="#9a968c", size=1.0),
        MapLayer("network", "Network", edges, color="#666666", size=1.0, fields=fields),
        MapLayer("utilisation", "Utilisation", edges, size=6.0, visible=False, fields=fields,
                 color=Ramp("utilisation", ((0.0, "#fff7bc"), (0.9, "#fe9929"),
                                            (1.2, "#8c2d04")))),
        MapLayer("change", "Flow change", edges, color=Diverging("flow_change"),
                 size=Scale("flow_change", range=(2.0, 14.0), unit="trucks/day"), fields=fields),
        MapLayer("closed", "Closed", edges, color="#111111", size=5.0, where="closed",
                 fields=fields),
        MapLayer("ports", "Crossings and ports", ports, color="#6a3d9a",
                 size=Scale("trucks_day", range=(4.0, 16.0)),
                 fields={"name": "Name", "trucks_day": "Trucks/day", "wait_h": "Wait (h)"}),
    ]


def map_spec(page: str) -> dict:
    """The description a page passes to ``corredorMap(...)``, parsed back."""
    start = page.index("corredorMap({") + len("corredorMap(")
    spec, _ = json.JSONDecoder().raw_decode(page, start)
    return spec


# ---- the page itself (no browser) -------------------------------------------


def test_page_references_nothing_outside_itself():
    page = web_map_page(fixture_layers(), title="Bajío", bounds=BOUNDS)
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", page)
    css = "".join(re.findall(r"<style>(.*?)</style>", page, flags=re.S))
    assert "@import" not in css
    assert not re.search(r"url\((?!\s*['\"]?data:)", css), "CSS url() must be data: only"
    style = map_spec(page)["style"]
    assert "glyphs" not in style and "sprite" not in style
    assert {source["type"] for source in style["sources"].values()} == {"geojson"}
    assert all(isinstance(source["data"], dict) for source in style["sources"].values())
    assert {layer["type"] for layer in style["layers"]} <= {"background", "fill", "line",
                                                            "circle"}


def test_layers_sharing_a_frame_share_one_copy_of_the_geometry():
    style = map_spec(web_map(fixture_layers(), bounds=BOUNDS))["style"]
    assert sorted(style["sources"]) == ["network", "ports", "states"]
    drawn = {layer["id"]: layer for layer in style["layers"]}
    assert drawn["change"]["source"] == drawn["closed"]["source"] == "network"
    assert drawn["closed"]["filter"] == ["to-boolean", ["get", "closed"]]


def test_coordinates_rounded_and_lines_simplified():
    t = np.linspace(0, 1, 2001)
    wiggly = shapely.LineString(np.c_[-101.6 + 0.3 * t, 21.0 + 0.00001 * np.sin(400 * t)])
    edges = gpd.GeoDataFrame({"name": ["Recta"]}, geometry=[wiggly], crs=4326)
    page = web_map([MapLayer("road", "Road", edges)], bounds=BOUNDS, tolerance=0.0005)
    coords = map_spec(page)["style"]["sources"]["road"]["data"]["features"][0]["geometry"][
        "coordinates"
    ]
    assert len(coords) < 20  # 2,001 vertices within 1 m of a straight line
    assert all(len(repr(c).split(".")[-1]) <= 6 for xy in coords for c in xy)


def test_only_needed_columns_travel_and_missing_values_are_left_out():
    edges = fixture_edges()
    edges.loc[edges.index[0], "utilisation"] = np.nan
    page = web_map(fixture_layers(edges), bounds=BOUNDS, include_library=False)
    features = map_spec(page)["style"]["sources"]["network"]["data"]["features"]
    keys = set().union(*(f["properties"] for f in features))
    assert keys == {"name", "ref", "flow_base", "flow_change", "utilisation", "closed"}
    assert "utilisation" not in features[0]["properties"]
    assert "NaN" not in page


def test_panel_lists_layers_top_first_with_keys():
    page = web_map(fixture_layers(), bounds=BOUNDS, title="Flow change")
    labels = re.findall(r'data-layer="([^"]+)"', page)
    assert labels == ["ports", "closed", "change", "utilisation", "network", "states"]
    ticked = re.findall(r'data-layer="([^"]+)" checked', page)
    assert ticked == ["ports", "closed", "change", "network", "states"]
    drawn = {layer["id"]: layer for layer in map_spec(page)["style"]["layers"]}
    assert drawn["utilisation"]["layout"]["visibility"] == "none"
    assert "−2,000" in page and "+2,000" in page  # diverging key: the full-colour values
    assert "trucks/day" in page


def test_spanish_map_has_no_english_ui_words():
    page = web_map(fixture_layers(), bounds=BOUNDS, lang="es", include_library=False)
    for key, english in MAP_TEXT["en"].items():
        if english != MAP_TEXT["es"][key] and key != "locale":
            shown = page.replace(f'"{key}":', "")  # the words' keys are not shown
            assert english not in shown, f"{english!r} left in the Spanish map"
    assert "Capas" in page and "Volver a la vista inicial" in page


def test_an_empty_layer_is_listed_and_draws_nothing():
    edges = fixture_edges()
    empty = MapLayer("bottlenecks", "New bottlenecks", edges.iloc[:0], color="#ff7f00",
                     fields={"name": "Link"})
    page = web_map([*fixture_layers(edges), empty], bounds=BOUNDS)
    assert 'data-layer="bottlenecks"' in page and "New bottlenecks" in page
    assert map_spec(page)["style"]["sources"]["bottlenecks"]["data"]["features"] == []


def test_view_opens_on_the_given_bounds_or_on_all_layers():
    assert map_spec(web_map(fixture_layers(), bounds=BOUNDS))["bounds"] == list(BOUNDS)
    west, south, east, north = map_spec(web_map(fixture_layers()))["bounds"]
    assert (west, south, east, north) == (-104.0, 20.3, -100.5, 21.9)  # the states' extent


def test_projected_layer_is_reprojected():
    edges = fixture_edges().to_crs(6372)
    page = web_map([MapLayer("roads", "Roads", edges)], bounds=BOUNDS)
    x, y = map_spec(page)["style"]["sources"]["roads"]["data"]["features"][0]["geometry"][
        "coordinates"
    ][0]
    assert (x, y) == pytest.approx(CITIES["leon"], abs=1e-5)


def test_bad_layers_are_one_error_listing_every_problem():
    edges = fixture_edges()
    mixed = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[Point(0, 0), box(0, 0, 1, 1)],
                             crs=4326)
    with pytest.raises(CorredorError) as caught:
        web_map([
            MapLayer("roads", "Roads", edges, fields={"trucks": "Trucks"}),
            MapLayer("roads", "Again", edges.set_crs(None, allow_override=True)),
        ])
    message = str(caught.value)
    assert "lacks column(s) trucks" in message
    assert "'roads' is used twice" in message
    assert "no CRS" in message
    with pytest.raises(CorredorError, match="all polygons, all lines or all points"):
        web_map([MapLayer("mixed", "Mixed", mixed)])
    with pytest.raises(CorredorError, match="lang must be one of en, es"):
        web_map(fixture_layers(), lang="fr")


def test_national_size_page_stays_under_15_mb():
    """13,000 directed edges of 100 vertices each (1.3 M vertices), three layers."""
    rng = np.random.default_rng(7)
    n, vertices = 13_000, 100
    start = np.c_[rng.uniform(-117, -87, n), rng.uniform(15, 32, n)]
    heading = rng.uniform(0, 2 * np.pi, (n, 1)) + np.cumsum(rng.normal(0, 0.1, (n, vertices)),
                                                            axis=1)
    xy = start[:, None, :] + np.cumsum(0.001 * np.dstack([np.cos(heading), np.sin(heading)]),
                                       axis=1)
    edges = gpd.GeoDataFrame({
        "name": [f"Ciudad {i} – Ciudad {i + 1}" for i in range(n)],
        "ref": [f"MEX-{i % 200}D" for i in range(n)],
        "flow_base": rng.gamma(1.5, 800, n).round(1),
        "flow_change": rng.normal(0, 300, n).round(1),
        "utilisation": rng.uniform(0, 1.3, n),
        "road_class": rng.choice(["motorway", "trunk", "primary"], n),
    }, geometry=shapely.linestrings(xy), crs=4326)
    edges["changed"] = edges["flow_change"].abs() > 300
    fields = {"name": "Link", "ref": "Route", "flow_base": "Baseline",
              "flow_change": "Change", "utilisation": "Utilisation"}
    layers = [
        MapLayer("network", "Network", edges, fields=fields,
                 color=Categories("road_class", {"motorway": "#444", "trunk": "#777"})),
        MapLayer("base", "Baseline", edges, size=Scale("flow_base"), visible=False),
        MapLayer("change", "Change", edges, color=Diverging("flow_change"),
                 size=Scale("flow_change"), where="changed"),
    ]
    size_mb = len(web_map_page(layers, title="México").encode()) / 1e6
    assert size_mb < 15, f"{size_mb:.1f} MB"


# ---- in the browser -------------------------------------------------------


@pytest.fixture(scope="module")
def browser_page():
    if find_chromium() is None:
        pytest.skip("Chromium is not installed (apt-get install chromium); browser tests skipped")
    with Page(width=800, height=600) as page:
        yield page


@pytest.fixture
def fixture_page(tmp_path):
    path = tmp_path / "map.html"
    path.write_text(web_map_page(fixture_layers(), title="Bajío", bounds=BOUNDS),
                    encoding="utf-8")
    return path


def near(image, colour, tolerance=16, *, page: Page | None = None) -> int:
    """How many map pixels of the screenshot are within ``tolerance`` of ``colour``.

    With ``page``, the layer panel (whose keys repeat the layers' colours) is left out.
    """
    exclude = (page.box(".cm-panel"),) if page is not None else ()
    return count_near(image, colour, tolerance, exclude=exclude)


def screen_xy(page: Page, lon: float, lat: float) -> tuple[float, float]:
    """Viewport pixel of a longitude/latitude on the map."""
    return tuple(page.evaluate(
        "(() => { const m = corredorMaps['corredor-map'];"
        " const r = m.getContainer().getBoundingClientRect();"
        f" const p = m.project([{lon}, {lat}]); return [r.left + p.x, r.top + p.y]; }})()"
    ))


def midpoint(a: str, b: str) -> tuple[float, float]:
    (x1, y1), (x2, y2) = CITIES[a], CITIES[b]
    return (x1 + x2) / 2, (y1 + y2) / 2


@needs_chromium
def test_map_draws_offline_without_errors(browser_page, fixture_page):
    browser_page.open(fixture_page)
    result = browser_page.result()
    assert browser_page.evaluate("document.querySelector('.corredor-map').dataset.mapState") \
        == "idle"
    assert result.external_requests == []
    assert result.console_errors == []
    image = result.image
    assert len(set(image.getpixel((x, y)) for x in range(0, 800, 7) for y in range(0, 600, 7))) \
        > 20
    drawn = {name: near(image, colour, tolerance, page=browser_page) for name, colour, tolerance
             in [("red", RED, 16), ("blue", BLUE, 16), ("state", STATE_FILL, 2),
                 ("port", PORT, 16)]}
    # +2,000 trucks/day red, -2,000 blue, the state filled, the port a purple circle
    assert drawn["red"] > 1000 and drawn["blue"] > 1000, drawn
    assert drawn["state"] > 10_000 and drawn["port"] > 100, drawn


@needs_chromium
def test_view_opens_on_the_disrupted_area(browser_page, fixture_page):
    browser_page.open(fixture_page)
    west, south, east, north = browser_page.evaluate(
        "corredorMaps['corredor-map'].getBounds().toArray().flat()"
    )
    assert west <= BOUNDS[0] and south <= BOUNDS[1] and east >= BOUNDS[2] and north >= BOUNDS[3]
    assert east - west < 3 * (BOUNDS[2] - BOUNDS[0])  # not the whole country


@needs_chromium
def test_hover_and_click_show_name_route_and_flows(browser_page, fixture_page):
    browser_page.open(fixture_page)
    browser_page.mouse_move(*screen_xy(browser_page, *midpoint("leon", "silao")))
    browser_page.wait_for("!!document.querySelector('.maplibregl-popup')", timeout=5)
    text = browser_page.evaluate("document.querySelector('.maplibregl-popup').innerText")
    assert "Leon – Silao" in text and "MEX-45D" in text
    assert "4,000" in text and "-2,000" in text and "0.8" in text
    browser_page.click(*screen_xy(browser_page, *midpoint("silao", "irapuato")))
    browser_page.wait_for(
        "[...document.querySelectorAll('.maplibregl-popup')]"
        ".some(p => p.innerText.includes('Silao – Irapuato'))", timeout=5)


@needs_chromium
def test_unticking_a_layer_hides_it(browser_page, fixture_page):
    browser_page.open(fixture_page)
    toggle = "(() => { document.querySelector('input[data-layer=change]').click(); return 1; })()"
    browser_page.evaluate(toggle)
    browser_page.wait_for()
    hidden = browser_page.result().image
    assert near(hidden, RED, page=browser_page) == 0
    assert near(hidden, BLUE, page=browser_page) == 0
    browser_page.evaluate(toggle)
    browser_page.wait_for()
    assert near(browser_page.result().image, RED, page=browser_page) > 300


@needs_chromium
def test_harness_sees_and_blocks_requests(tmp_path):
    """The no-request assertions above would be empty if the harness missed requests."""
    page = tmp_path / "leaky.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="https://tiles.example.org/0/0/0.png"><script>'
        "new Worker(URL.createObjectURL(new Blob(["
        "\"fetch('https://glyphs.example.org/0-255.pbf').finally(() => postMessage(1))\"])))"
        ".onmessage = () => { window.done = true; };"
        "</script></body></html>", encoding="utf-8")
    started = time.monotonic()
    result = render(page, ready="window.done === true", timeout=10)
    assert time.monotonic() - started < 10
    assert set(result.external_requests) == {"https://tiles.example.org/0/0/0.png",
                                             "https://glyphs.example.org/0-255.pbf"}
    assert any("ERR_BLOCKED_BY_CLIENT" in error for error in result.console_errors)


@needs_chromium
def test_screenshot_writes_a_png_of_the_requested_size(tmp_path, fixture_page):
    from PIL import Image

    png = screenshot(fixture_page, tmp_path / "docs" / "map.png", width=640, height=400)
    with Image.open(png) as image:
        assert image.size == (640, 400)
        assert near(image.convert("RGB"), RED) > 500  # the panel alone has under 50


@needs_chromium
def test_screenshot_of_a_map_below_the_fold(tmp_path):
    """A report's map further down a long page: photograph just the map."""
    from PIL import Image

    page = tmp_path / "report.html"
    page.write_text('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"></head><body>'
                    '<h1>Report</h1><div style="height:1500px">tables</div>'
                    + web_map(fixture_layers(), bounds=BOUNDS, height="360px")
                    + "</body></html>", encoding="utf-8")
    png = screenshot(page, tmp_path / "map.png", 700, 500, selector=".corredor-map")
    with Image.open(png) as image:
        assert image.size == (684, 360)  # the map's box (the body has an 8 px margin)
        assert near(image.convert("RGB"), BLUE) > 500


@needs_chromium
def test_several_maps_share_one_library(browser_page, tmp_path):
    layers = fixture_layers()
    maps = [web_map(layers, bounds=BOUNDS, element_id=name, height="280px",
                    include_library=False) for name in ("before", "after")]
    page = tmp_path / "report.html"
    page.write_text('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"></head><body>'
                    + "".join(maps) + maplibre_assets() + "</body></html>", encoding="utf-8")
    assert page.read_text(encoding="utf-8").count("MapLibre GL JS") == 1
    browser_page.open(page)
    result = browser_page.result()
    assert browser_page.evaluate("Object.keys(corredorMaps).sort()") == ["after", "before"]
    assert result.external_requests == [] and result.console_errors == []
    assert near(result.image, RED, page=browser_page) > 500

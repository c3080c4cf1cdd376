"""Map dressing: state outline (from $CORREDOR_BOUNDARIES), scale bar, north arrow, labels."""

from __future__ import annotations

import math

import matplotlib
import pandas as pd
import pytest
import yaml

from corredor.cli.base import BOUNDARIES_ENV, map_outline
from corredor.criticality import CriticalityParams, assess_criticality
from corredor.layers import apply_layers
from corredor.outputs import cartography, maps
from corredor.outputs.cartography import (
    MapLabel,
    MapStyle,
    dress_map,
    km_per_degree_lon,
    nice_scale_km,
    short_crossing_name,
)
from corredor.pipeline import prepare_sourcing
from corredor.sourcing import analyse

from factories import make_network

matplotlib.use("Agg")
import matplotlib.pyplot as plt

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# A small Bajío-sized network: León, Silao, Querétaro, a border crossing to a US node.
COORDS = {"mx:leon": (-101.68, 21.12), "mx:silao": (-101.43, 20.94),
          "mx:queretaro": (-100.39, 20.59), "mx:nuevo_laredo": (-99.51, 27.48),
          "us:laredo": (-99.50, 27.53)}
LINKS = [("mx:leon", "mx:silao", 30.0), ("mx:silao", "mx:queretaro", 120.0),
         ("mx:queretaro", "mx:nuevo_laredo", 900.0), ("mx:nuevo_laredo", "us:laredo", 5.0)]


@pytest.fixture(autouse=True)
def boundaries(shared_data, monkeypatch):
    """Maps draw the INEGI state outline of the reference data (skipped without it)."""
    path = shared_data / "boundaries" / "estatal.shp"
    monkeypatch.setenv(BOUNDARIES_ENV, str(path))
    return path


@pytest.fixture
def outline(boundaries):
    return map_outline()


@pytest.fixture(scope="module")
def network():
    return make_network(
        COORDS, LINKS,
        road_class=["motorway", "motorway", "motorway", "border"],
        name=["a", "b", "c", "World Trade Bridge (Nuevo Laredo – Laredo)"],
        bridge=[True, False, False, False],
    )


@pytest.fixture
def dressed(monkeypatch):
    """Record each axis the plotting functions dress (the figure itself is closed on save)."""
    calls = []
    original = cartography.dress_map

    def spy(ax, network, **kwargs):
        decoration = original(ax, network, **kwargs)
        calls.append((ax, decoration))
        return decoration

    monkeypatch.setattr(maps, "dress_map", spy)
    return calls


def outline_drawn(ax) -> bool:
    """The state outline is the polygon collection drawn underneath everything (zorder 0)."""
    return any(c.get_zorder() == 0 and len(c.get_paths()) >= 32 for c in ax.collections)


def assert_png_map(path, calls):
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert len(calls) == 1
    ax, decoration = calls[0]
    assert outline_drawn(ax)
    assert decoration.scale_km > 0
    assert any(text.get_gid() == "north_arrow" for text in ax.texts)


def test_outline_comes_from_the_boundaries_named_in_the_environment(outline, monkeypatch,
                                                                    tmp_path):
    assert len(outline) == 32
    fig, ax = plt.subplots()
    dress_map(ax, make_network(COORDS, LINKS), outline=outline)
    plt.close(fig)
    assert outline_drawn(ax)
    monkeypatch.setenv(BOUNDARIES_ENV, str(tmp_path / "absent.shp"))
    with pytest.warns(UserWarning, match="drawn without an outline"):
        assert map_outline() is None


def test_scale_bar_length_is_right_for_the_latitude(network, outline):
    assert km_per_degree_lon(0.0) == pytest.approx(111.32)
    assert km_per_degree_lon(60.0) == pytest.approx(55.66)
    assert nice_scale_km(2600.0) == 500.0
    assert nice_scale_km(130.0) == 20.0
    fig, ax = plt.subplots()
    ax.set_xlim(-104.0, -98.0)
    ax.set_ylim(19.0, 23.0)
    decoration = dress_map(ax, network, outline=outline)
    plt.close(fig)
    assert decoration.latitude == pytest.approx(21.0)
    width_km = 6.0 * 111.32 * math.cos(math.radians(21.0))  # ~624 km
    assert decoration.scale_km == 100.0  # largest 1-2-5 length under a fifth of the width
    assert decoration.scale_degrees_lon == pytest.approx(100.0 / (width_km / 6.0))
    bar = next(line for line in ax.lines if line.get_gid() == "scale_bar")
    assert abs(bar.get_xdata()[1] - bar.get_xdata()[0]) == pytest.approx(
        decoration.scale_degrees_lon)
    assert any(text.get_text() == "100 km" for text in ax.texts)


def test_north_arrow_labels_and_extent(network, outline):
    fig, ax = plt.subplots()
    ax.plot([-102.0, -99.0], [20.0, 28.0], label="data")
    before = ax.get_xlim(), ax.get_ylim()
    decoration = dress_map(ax, network, outline=outline,
                           style=MapStyle(cities=("mx:leon", "mx:queretaro", "mx:nowhere")))
    plt.close(fig)
    assert (ax.get_xlim(), ax.get_ylim()) == before  # the outline does not widen the view
    assert outline_drawn(ax)
    assert any(text.get_gid() == "north_arrow" and text.get_text() == "N" for text in ax.texts)
    assert decoration.labels["mx:leon"] == "MX:LEON"
    assert decoration.labels["mx:queretaro"] == "MX:QUERETARO"
    assert decoration.labels["mx:nuevo_laredo-us:laredo-3"] == "World Trade Bridge"
    assert "mx:nowhere" not in decoration.labels
    shown = {text.get_text() for text in ax.texts}
    assert {"MX:LEON", "MX:QUERETARO", "World Trade Bridge"} <= shown
    assert ax.get_legend() is not None


def test_labels_never_overlap_ranks_come_first_and_no_outline_without_one(network):
    fig, ax = plt.subplots(figsize=(3, 3))
    ax.set_xlim(-120.0, -85.0)
    ax.set_ylim(14.0, 33.0)
    style = MapStyle(cities=("mx:leon", "mx:silao", "mx:queretaro"))
    ranks = [MapLabel(f"rank:{i}", str(i), -101.6 + 0.05 * i, 21.1) for i in range(1, 4)]
    decoration = dress_map(ax, network, style=style, labels=ranks)
    renderer = fig.canvas.get_renderer()
    boxes = [text.get_window_extent(renderer) for text in ax.texts
             if text.get_text() in decoration.labels.values()]
    plt.close(fig)
    assert {"rank:1", "rank:2", "rank:3"} <= set(decoration.labels)  # the map's own first
    assert "mx:silao" not in decoration.labels  # 30 km from León: no free place left for it
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert not outline_drawn(ax)


def test_short_crossing_names():
    assert short_crossing_name("Nuevo Progreso – Progreso") == "Nuevo Progreso"
    assert short_crossing_name("Mesa de Otay (Tijuana) – Otay Mesa") == "Mesa de Otay"


def test_network_map_is_dressed(network, dressed, outline, tmp_path):
    assert_png_map(maps.plot_network(network, tmp_path / "network.png", outline=outline), dressed)


def test_flow_change_map_is_dressed(network, dressed, outline, tmp_path):
    n = len(network.edges)
    table = pd.DataFrame({"flow_change_trucks_day": [100.0, -50.0] + [0.0] * (n - 2),
                          "is_closed": [False] * (n - 1) + [True]})
    path = maps.plot_flow_change(network, table, tmp_path / "flow.png", title="test",
                                 outline=outline)
    assert_png_map(path, dressed)
    legend = [text.get_text() for text in dressed[0][0].get_legend().get_texts()]
    assert any(entry == "line width: 50 trucks/day" for entry in legend)  # net +100 - 50


def test_flow_change_map_in_spanish_with_an_inset_of_the_disrupted_area(network, dressed,
                                                                        tmp_path):
    n = len(network.edges)
    table = pd.DataFrame({"flow_change_trucks_day": [100.0, 100.0] + [0.0] * (n - 2),
                          "is_closed": [True, True] + [False] * (n - 2)})  # León-Silao only
    maps.plot_flow_change(network, table, tmp_path / "flujo.png", title="prueba", lang="es")
    ax = dressed[0][0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("longitud", "latitud")
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert any(entry.startswith("más camiones") for entry in legend)
    assert any(entry.startswith("ancho de línea") for entry in legend)
    assert not any("trucks" in entry or "closed" in entry for entry in legend)
    assert len(ax.child_axes) == 1 and ax.child_axes[0].get_title() == "zona afectada"


def test_criticality_map_is_dressed(network, dressed, outline, tmp_path):
    demand = pd.DataFrame({"origin": ["mx:leon"], "destination": ["us:laredo"],
                           "segment": ["test"], "trucks_day": [100.0],
                           "value_usd_per_truck": [10_000.0]})
    result = assess_criticality(network, demand, params=CriticalityParams(weight="length_km"))
    path = maps.plot_criticality(network, result, tmp_path / "criticality.png", outline=outline)
    assert_png_map(path, dressed)


def test_sourcing_routes_map_is_dressed(dressed, outline, tmp_path):
    net = apply_layers(make_network(COORDS, LINKS))
    spec = {
        "name": "maps", "buyer": {"node": "us:laredo", "name": "plant"},
        "candidates": [
            {"name": "A", "node": "mx:leon", "price_usd_per_truckload": 1000},
            {"name": "B", "node": "mx:queretaro", "price_usd_per_truckload": 1050},
        ],
        "weekly_truckloads": 7, "inventory_days": 2,
        "shortfall_penalty_usd_per_truckload": 1000,
        "monte_carlo": {"runs": 20, "seed": 1, "horizon_days": 30},
    }
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    result = analyse(prepare_sourcing(path, network=net).case)
    png = maps.plot_routes(result, tmp_path / "routes.png", outline=outline)
    assert_png_map(png, dressed)

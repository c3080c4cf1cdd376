"""Dual sourcing: common-mode failures, the CVaR allocation MILP and the spec file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from corredor.config import YamlFile
from corredor.errors import NoPathError, ScenarioError
from corredor.layers import apply_layers
from corredor.layers.cost import CostParams
from corredor.montecarlo import draw_events, run_monte_carlo
from corredor.outputs.writers import write_sourcing
from corredor.pipeline import event_drawer, prepare_sourcing
from corredor.reroute import RerouteParams
from corredor.scenario import Effect, MonteCarlo, Timing
from corredor.sourcing import (
    AllocationModel,
    SourcingFile,
    SourcingResult,
    analyse,
    cut_days,
    cvar,
    load_sourcing_spec,
)
from corredor.sourcing.draws import SourcingCase, outage_stats, run_draws
from corredor.states import ActiveDisruption

from factories import make_network

EXAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "sourcing-leon-san-antonio.yaml"

# s1 and s2 reach the buyer b only over the bridge j-k; s3 has its own road via m;
# z-y is an island that cannot reach b.
COORDS = {"s1": (-101.0, 21.0), "s2": (-101.0, 21.2), "j": (-100.8, 21.1), "k": (-100.6, 21.1),
          "b": (-100.4, 21.0), "s3": (-100.8, 20.8), "m": (-100.6, 20.8),
          "z": (-99.0, 19.0), "y": (-99.1, 19.0)}
LINKS = [("s1", "j", 10.0), ("s2", "j", 10.0), ("j", "k", 10.0), ("k", "b", 10.0),
         ("s3", "m", 10.0), ("m", "b", 10.0), ("z", "y", 5.0)]


@pytest.fixture(scope="module")
def network():
    bridge = [link == ("j", "k", 10.0) for link in LINKS]
    return apply_layers(make_network(COORDS, LINKS, bridge=bridge))


def spec_dict(**overrides) -> dict:
    spec = {
        "name": "test-sourcing",
        "buyer": {"node": "b", "name": "plant"},
        "candidates": [
            {"name": "S1", "node": "s1", "price_usd_per_truckload": 1000, "max_share": 0.6},
            {"name": "S2", "node": "s2", "price_usd_per_truckload": 1010},
            {"name": "S3", "node": "s3", "price_usd_per_truckload": 1100},
        ],
        "weekly_truckloads": 7,
        "inventory_days": 2,
        "min_share": 0.2,
        "shortfall_penalty_usd_per_truckload": 1_000_000,
        "monte_carlo": {
            "runs": 200, "seed": 11, "horizon_days": 365,
            "bridge_failures": {"annual_probability": 0.2,
                                "duration": {"distribution": "fixed", "days": 10}},
            "blockades": [{"name": "s3 road blocked", "rate_per_year": 0.1,
                           "select": {"links": ["s3-m-4"]},
                           "duration": {"distribution": "fixed", "days": 10}}],
        },
    }
    spec.update(overrides)
    return spec


def write_spec(tmp_path: Path, spec: dict, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def with_runs(spec_file: SourcingFile, runs: int) -> SourcingFile:
    mc = spec_file.model.monte_carlo.model_copy(update={"runs": runs})
    return YamlFile(spec_file.model.model_copy(update={"monte_carlo": mc}), spec_file.path,
                    spec_file.lines)


def build_case(network, spec_file: SourcingFile) -> SourcingCase:
    """The case of a spec on an already weighted test network."""
    return prepare_sourcing(spec_file, network=network).case


def analysed(network, spec_file: SourcingFile) -> SourcingResult:
    return analyse(build_case(network, spec_file))


@pytest.fixture(scope="module")
def result(network, tmp_path_factory):
    path = write_spec(tmp_path_factory.mktemp("spec"), spec_dict(risk_aversion=5.0))
    return analysed(network, load_sourcing_spec(path))


def test_suppliers_sharing_a_bridge_fail_together_more_than_disjoint_ones(result):
    pairs = result.pairs.set_index(["a", "b"])
    shared, disjoint = pairs.loc[("S1", "S2")], pairs.loc[("S1", "S3")]
    assert shared["p_joint_failure"] > 0.1
    assert shared["p_joint_failure"] > 3 * disjoint["p_joint_failure"]
    assert shared["corr_delivered"] == pytest.approx(1.0)
    assert "j" in shared["shared_critical"] and disjoint["shared_critical"] == ""
    assert {result.pairs.iloc[0]["a"], result.pairs.iloc[0]["b"]} != {"S1", "S2"}
    assert result.pairs.iloc[-1][["a", "b"]].tolist() == ["S1", "S2"]


def test_high_risk_aversion_diversifies_and_zero_risk_aversion_buys_cheapest(result):
    assert set(result.recommended.shares) == {"S1", "S3"}
    cheapest = result.frontier[0]
    assert cheapest.risk_aversion == 0
    assert cheapest.shares == pytest.approx({"S1": 0.6, "S2": 0.4})
    assert result.recommended.cvar_shortfall_usd < cheapest.cvar_shortfall_usd
    assert result.recommended.expected_landed_cost_usd > cheapest.expected_landed_cost_usd
    # the frontier trades cost for tail risk: never dearer and riskier at once
    costs = [a.expected_landed_cost_usd for a in result.frontier]
    tails = [a.cvar_shortfall_usd for a in result.frontier]
    assert costs == sorted(costs) and tails == sorted(tails, reverse=True)


def brute_force_cvar(losses: np.ndarray, alpha: float) -> float:
    """min over eta of eta + E[(L - eta)+] / (1 - alpha): the minimum sits on a sample."""
    return min(eta + np.maximum(losses - eta, 0).mean() / (1 - alpha) for eta in losses)


@pytest.mark.parametrize("alpha", [0.5, 0.8, 0.9, 0.75])
def test_cvar_equals_brute_force(alpha):
    rng = np.random.default_rng(4)
    for n in (1, 3, 7, 10):
        losses = rng.choice([0.0, 0.0, 5.0, 12.0, 40.0], size=n)
        assert cvar(losses, alpha) == pytest.approx(brute_force_cvar(losses, alpha))


def test_milp_optimum_matches_brute_force_over_splits():
    rng = np.random.default_rng(7)
    losses = rng.choice([0.0, 0.0, 0.0, 30.0, 100.0], size=(9, 2))
    cost = np.array([10.0, 14.0])
    model = AllocationModel(["a", "b"], cost, losses, max_share=[1, 1], forced=[False, False],
                            max_suppliers=2, min_share=0.0, alpha=0.8)
    for lam in (0.0, 0.3, 2.0):
        best = model.solve(lam)
        x = np.array([best.shares.get("a", 0.0), best.shares.get("b", 0.0)])
        assert best.cvar_shortfall_usd == pytest.approx(brute_force_cvar(losses @ x, 0.8))
        grid = [np.array([w, 1 - w]) for w in np.linspace(0, 1, 201)]
        brute = min(cost @ g + lam * brute_force_cvar(losses @ g, 0.8) for g in grid)
        assert best.objective_usd <= brute + 1e-6  # no split on a fine grid does better


def test_at_most_k_suppliers_each_with_the_minimum_share():
    # every candidate fails alone in its own draws: spreading always lowers the tail
    losses = np.kron(np.eye(4), np.ones((3, 1))) * 100.0
    model_args = {"max_share": [1.0] * 4, "forced": [False, False, False, True],
                  "min_share": 0.3, "alpha": 0.5}
    cost = np.array([1.0, 2.0, 3.0, 4.0])
    for k in (1, 2, 3):
        if k == 1:
            chosen = AllocationModel(list("abcd"), cost, losses, max_suppliers=k,
                                     **model_args).solve(50.0)
            assert chosen.shares == {"d": 1.0}  # the incumbent is always kept
            continue
        chosen = AllocationModel(list("abcd"), cost, losses, max_suppliers=k,
                                 **model_args).solve(50.0)
        assert len(chosen.shares) == k
        assert "d" in chosen.shares
        assert min(chosen.shares.values()) >= 0.3 - 1e-9
        assert sum(chosen.shares.values()) == pytest.approx(1.0)


def test_outage_longer_than_inventory_cover_is_shortfall():
    cut = np.array([[1, 1, 1, 1, 0, 1, 1, 0, 0, 1], [0] * 10], dtype=bool)
    ttr, longest, shortfall = outage_stats(cut, inventory_days=2)
    assert ttr.tolist() == [7, 0] and longest.tolist() == [4, 0]
    assert shortfall.tolist() == [2.0, 0.0]  # 4-day outage: 2 short; 2- and 1-day: covered


def test_unreachable_supplier_is_a_clear_error(network, tmp_path):
    spec = spec_dict()
    spec["candidates"].append({"name": "Island", "node": "z", "price_usd_per_truckload": 900})
    path = write_spec(tmp_path, spec)
    with pytest.raises(NoPathError, match=r"spec\.yaml:\d+: candidates\.3 \(Island\): no route "
                                          r"from z to the buyer b"):
        analysed(network, load_sourcing_spec(path))


def test_spec_mistakes_are_listed_with_their_lines(network, tmp_path):
    spec = spec_dict(max_suppliers=0)
    spec["candidates"][1]["pirce_usd_per_truckload"] = 5
    spec["candidates"][2] = {"name": "S3", "lon": -100.8, "price_usd_per_truckload": 1}
    with pytest.raises(ScenarioError) as error:
        load_sourcing_spec(write_spec(tmp_path, spec))
    text = str(error.value)
    assert "candidates.1.pirce_usd_per_truckload: unknown key" in text
    assert "candidates.2: Value error" not in text and "give either node" in text
    assert "max_suppliers: Input should be greater than or equal to 1" in text
    assert all(line.split(":")[1].strip().isdigit() for line in error.value.problems)

    far = spec_dict()
    far["candidates"][2] = {"name": "S3", "lon": -90.0, "lat": 30.0, "price_usd_per_truckload": 1}
    far["candidates"][1]["node"] = "nowhere"
    with pytest.raises(ScenarioError, match="'nowhere' is not a node") as error:
        analysed(network, load_sourcing_spec(write_spec(tmp_path, far, "far.yaml")))
    assert "km from the nearest node" in str(error.value)


def test_lon_lat_site_snaps_to_the_nearest_node(network, tmp_path):
    spec = spec_dict()
    spec["candidates"][2] = {"name": "S3", "lon": -100.79, "lat": 20.81,
                             "price_usd_per_truckload": 1100}
    result = analysed(network, with_runs(load_sourcing_spec(write_spec(tmp_path, spec)), 20))
    row = result.candidates.set_index("candidate").loc["S3"]
    assert row["node"] == "s3" and 0 < row["snapped_km"] < 2


def test_stress_scenario_closes_the_shared_bridge_for_both(network, tmp_path):
    scenario = {"name": "bridge-out", "horizon_days": 30, "disruptions": [{
        "name": "bridge", "select": {"bridge": True}, "effect": {"close": True},
        "timing": {"start_day": 5, "days": 10}}]}
    write_spec(tmp_path, scenario, "bridge-out.yaml")
    path = write_spec(tmp_path, spec_dict(stress_scenarios=["bridge-out.yaml"]))
    stress = analysed(network, with_runs(load_sourcing_spec(path), 10)).stress
    by_candidate = stress.set_index("candidate")
    assert by_candidate.loc["S1", "cut_days"] == 10 and by_candidate.loc["S2", "cut_days"] == 10
    assert by_candidate.loc["S1", "shortfall_days"] == 8  # 10 days out, 2 days of cover
    assert by_candidate.loc["S3", "cut_days"] == 0


def test_a_detour_within_the_cost_limit_is_not_a_cut(network, tmp_path):
    spec = spec_dict(max_detour_cost_increase=None)
    case = build_case(network, load_sourcing_spec(write_spec(tmp_path, spec)))
    slow = ActiveDisruption("slow bridge", Effect(wait_hours=100), Timing(start_day=0, days=5),
                            network.edges["bridge"].to_numpy())
    assert not cut_days(case, [slow], 10).any()  # only physical cuts count without a limit
    limited = build_case(network, load_sourcing_spec(write_spec(tmp_path, spec_dict())))
    assert cut_days(limited, [slow], 10)[:2].sum(axis=1).tolist() == [5, 5]


def test_draws_are_deterministic_and_independent_of_jobs(network, tmp_path):
    case = build_case(network, with_runs(load_sourcing_spec(write_spec(tmp_path, spec_dict())),
                                         60))
    one, two = run_draws(case, jobs=1), run_draws(case, jobs=2)
    np.testing.assert_array_equal(one.shortfall_days, two.shortfall_days)
    np.testing.assert_array_equal(one.joint, two.joint)
    assert one.ttr_days.sum() > 0


def test_example_spec_ranks_juarez_as_the_diversifier_and_writes_files(tmp_path, monkeypatch):
    monkeypatch.setenv("CORREDOR_CACHE", str(tmp_path / "cache"))
    spec_file = with_runs(load_sourcing_spec(EXAMPLE), 60)
    result = analyse(prepare_sourcing(spec_file).case)
    pairs = result.pairs.set_index(["a", "b"])
    assert pairs.loc[("León", "Querétaro"), "p_joint_failure"] > pairs.loc[
        ("León", "Ciudad Juárez"), "p_joint_failure"]
    assert "León" in result.recommended.shares
    out = tmp_path / "out"
    out.mkdir()
    written = {path.name for path in write_sourcing(result, out)}
    assert {"candidates.csv", "pairs.csv", "frontier.csv", "summary.json", "routes.gpkg",
            "routes.geojson", "routes.png", "stress.csv"} <= written
    routes = json.loads((out / "routes.geojson").read_text(encoding="utf-8"))
    shared = [f for f in routes["features"] if f["properties"].get("shared")]
    assert {f["properties"]["candidate"] for f in shared} >= {"León", "Querétaro", "Saltillo"}
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert sum(summary["recommended"]["shares"].values()) == pytest.approx(1.0)


def test_draw_events_gives_the_monte_carlo_runs_own_events(network):
    mc = MonteCarlo.model_validate({**spec_dict()["monte_carlo"], "runs": 30})
    demand = pd.DataFrame({"origin": ["s1"], "destination": ["b"], "segment": ["parts"],
                           "trucks_day": [10.0], "value_usd_per_truck": [100_000.0]})
    drawer = event_drawer(network, mc)
    years = run_monte_carlo(network, demand, drawer, cost_params=CostParams(),
                            reroute_params=RerouteParams())
    drawn = draw_events(drawer)
    assert [len(events) for events in drawn] == years.runs["events"].tolist()
    again = draw_events(drawer, runs=[5, 7])
    assert [e.timing for e in again[1]] == [e.timing for e in drawn[7]]


def test_cli_sourcing_prints_the_split_and_writes_files(tmp_path):
    from click.testing import CliRunner

    from corredor.cli import cli

    spec = Path(__file__).resolve().parents[1] / "scenarios" / "sourcing-leon-san-antonio.yaml"
    small = tmp_path / "spec.yaml"
    text = spec.read_text(encoding="utf-8").replace("runs: 1000", "runs: 20")
    for name in ("nuevo-laredo-closure.yaml", "bajio-bridges-2024.yaml"):
        text = text.replace(name, str(spec.parent / name))
    small.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["sourcing", str(small), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "recommended split" in result.output and "Efficient frontier" in result.output
    written = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"candidates.csv", "pairs.csv", "frontier.csv", "routes.gpkg", "routes.png"} <= written
    bad = tmp_path / "bad.yaml"
    bad.write_text(small.read_text(encoding="utf-8") + "colour: red\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["sourcing", str(bad), "-o", str(tmp_path / "bad_out")])
    assert result.exit_code == 2 and "colour: unknown key" in result.output
    assert not (tmp_path / "bad_out").exists()

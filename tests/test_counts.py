"""OD estimation from counts, the hold-out split, GEH and fit tables: known answers."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from corredor.counts import estimate_od, fit_table, geh, holdout
from corredor.errors import CorredorError
from corredor.routing import shortest_paths

from factories import make_network


def test_geh_by_hand_and_the_zero_case():
    assert geh(np.array([100.0]), np.array([50.0]))[0] == pytest.approx(np.sqrt(2 * 2500 / 150))
    assert geh(np.array([0.0, 10.0]), np.array([0.0, 10.0])).tolist() == [0.0, 0.0]


def test_holdout_is_deterministic_order_free_and_about_the_fraction():
    ids = [f"seg-{i}" for i in range(10_000)]
    held = holdout(ids, fraction=0.2, seed=7)
    assert 0.19 < held.mean() < 0.21
    shuffled = list(reversed(ids))
    assert (holdout(shuffled, fraction=0.2, seed=7) == held[::-1]).all()
    assert (holdout(ids[:100], fraction=0.2, seed=7) == held[:100]).all()  # others don't matter
    assert (holdout(ids, fraction=0.2, seed=8) != held).any()


def test_identifiable_matrix_is_recovered_from_its_own_counts():
    # every OD has its own direct link: the counts determine the matrix exactly
    rng = np.random.default_rng(3)
    truth = rng.uniform(10, 500, size=12)
    counts = truth.copy()
    prior = truth * rng.uniform(0.3, 2.0, size=12)
    estimate = estimate_od(prior, sparse.identity(12), counts, prior_weight=1e-6)
    assert estimate.trucks_day == pytest.approx(truth, rel=1e-3)
    assert estimate.modelled == pytest.approx(counts, rel=1e-3)


def grid():
    coords = {f"n{r}{c}": (-101.0 + 0.1 * c, 21.0 + 0.1 * r) for r in range(4) for c in range(4)}
    links = [(f"n{r}{c}", f"n{r}{c + 1}", 10.0 + r) for r in range(4) for c in range(3)]
    links += [(f"n{r}{c}", f"n{r + 1}{c}", 11.0 + c) for r in range(3) for c in range(4)]
    return make_network(coords, links)


def assignment(network, pairs):
    """Sites (all edges) x ODs: 1 where the OD's cheapest path uses the edge."""
    found = shortest_paths(network, pairs, weight="length_km")
    rows = np.concatenate(found.edges)
    cols = np.repeat(np.arange(len(pairs)), [len(e) for e in found.edges])
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)),
                             shape=(len(network.edges), len(pairs)))


def test_estimate_reproduces_counts_and_moves_the_prior_toward_the_truth():
    network = grid()
    nodes = list(network.nodes["node_id"])
    pairs = [(o, d) for o, d in itertools.permutations(nodes[::3], 2)]
    rng = np.random.default_rng(11)
    truth = rng.uniform(5, 200, size=len(pairs))
    shares = assignment(network, pairs)
    counts = shares @ truth
    counts[rng.random(len(counts)) < 0.3] = np.nan  # 30 % of edges without a count
    prior = truth * rng.uniform(0.5, 1.5, size=len(truth))
    estimate = estimate_od(prior, shares, counts, prior_weight=0.01)
    seen = np.isfinite(counts)
    table = fit_table(estimate.modelled[seen], counts[seen], hour_factor=0.1)
    assert table.loc[0, "r2"] > 0.99 and table.loc[0, "geh_under_5_share"] == 1.0
    assert np.abs(estimate.trucks_day - truth).sum() < 0.5 * np.abs(prior - truth).sum()


def test_fixed_totals_hold_next_to_the_counts():
    shares = sparse.csr_matrix(np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]))
    counts = np.array([100.0, np.nan])
    prior = np.array([30.0, 30.0, 30.0])
    fixed = [(np.array([True, False, True]), 90.0)]
    first = estimate_od(prior, shares, counts, fixed_totals=fixed, prior_weight=0.01)
    assert first.trucks_day[0] + first.trucks_day[2] == pytest.approx(90.0, rel=1e-3)
    assert first.modelled[0] == pytest.approx(100.0, rel=0.02)
    assert (first.trucks_day >= 0).all()


def test_fit_table_by_group():
    modelled, counted = np.array([100.0, 100.0, 30.0, 0.0]), np.array([100.0, 200.0, 30.0, 5.0])
    groups = pd.DataFrame({"road_class": ["motorway", "motorway", "primary", "primary"]})
    table = fit_table(modelled, counted, hour_factor=1.0, groups=groups).set_index("value")
    assert table.loc["all", "sites"] == 4
    assert table.loc["motorway", "geh_under_5_share"] == 0.5  # GEH(100, 200) = 8.2; (100, 100) = 0
    assert table.loc["primary", "modelled_sum"] == 30.0
    with pytest.raises(CorredorError, match="assignment is"):
        estimate_od(np.ones(3), np.ones((2, 2)), np.ones(2))

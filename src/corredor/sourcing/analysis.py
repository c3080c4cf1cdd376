"""What the analysis returns: ranked candidates and pairs, the split, its frontier, stress tests.

All candidates are routed to the buyer over the *same* Monte Carlo draws
(``corredor.sourcing.draws``), so suppliers behind one bridge or crossing fail
together; ``corredor.sourcing.allocation`` then picks the split.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from itertools import combinations

import geopandas as gpd
import numpy as np
import pandas as pd

from corredor.network import CRS, Network, link_keys
from corredor.production import time_to_survive
from corredor.sourcing.allocation import Allocation, allocation_model, cvar, loss_per_day
from corredor.sourcing.draws import DrawTable, SourcingCase, cut_days, outage_stats, run_draws

__all__ = ["SourcingResult", "analyse", "draws_table", "frontier_table", "routes_frame",
           "sites_frame"]


@dataclass(frozen=True)
class SourcingResult:
    """Ranked candidates and pairs, the recommended split, its frontier and stress tests."""

    case: SourcingCase
    draws: DrawTable
    candidates: pd.DataFrame
    pairs: pd.DataFrame
    recommended: Allocation
    frontier: list[Allocation]
    stress: pd.DataFrame


def analyse(
    case: SourcingCase, *, jobs: int = 1, progress: Callable[[int, int], None] | None = None
) -> SourcingResult:
    """Exposure, common-mode risk, allocation and stress tests of a prepared case.

    Parameters
    ----------
    case : SourcingCase
        From ``corredor.pipeline.prepare_sourcing`` (or ``build_case``).
    jobs : int, default 1
        Processes for the draws; results do not depend on it.
    progress : callable, optional
        Called as ``progress(done, total)`` during the draws.

    Returns
    -------
    SourcingResult
    """
    draws = run_draws(case, jobs=jobs, progress=progress)
    model = allocation_model(case, draws)
    lambdas = sorted({*case.spec.frontier, case.spec.risk_aversion})
    frontier = [model.solve(lam) for lam in lambdas]
    recommended = frontier[lambdas.index(case.spec.risk_aversion)]
    return SourcingResult(
        case, draws, _candidate_table(case, draws, model), _pair_table(case, draws, model.losses),
        recommended, frontier, _stress_table(case, recommended),
    )


def _candidate_table(case, draws, model) -> pd.DataFrame:
    spec, edges, cost, losses = case.spec, case.network.edges, model.cost, model.losses
    alpha, lam = spec.cvar_level, spec.risk_aversion
    rows = []
    for s, candidate in enumerate(spec.candidates):
        route = edges.iloc[case.paths[s]]
        flood = route.get("flood_closure_prob_year")
        sole_cvar = cvar(losses[:, s], alpha)
        rows.append({
            "candidate": candidate.name, "node": case.nodes[s], "snapped_km": case.snap_km[s],
            "price_usd": candidate.price_usd_per_truckload, "transport_usd": case.cost[s],
            "landed_usd": case.landed_usd[s], "route_km": route["length_km"].sum(),
            "theft_loss_usd": route.get("theft_loss_usd", pd.Series(0.0)).sum(),
            # assumption: edges flood independently (the layer gives one probability per edge)
            "flood_closure_prob_year": np.nan if flood is None
            else 1 - np.prod(1 - flood.fillna(0.0).to_numpy()),
            "crossings": "; ".join(route.loc[route["road_class"] == "border", "name"]),
            "bridges": int(route["bridge"].sum()),
            "critical_links": "; ".join(_link_label(case.network, k)
                                        for k in sorted(case.critical[s])),
            "p_cut": (draws.ttr_days[:, s] > 0).mean(),
            "mean_ttr_days": draws.ttr_days[:, s].mean(),
            "p_shortfall": (draws.shortfall_days[:, s] > 0).mean(),
            "mean_shortfall_days": draws.shortfall_days[:, s].mean(),
            "expected_shortfall_usd": losses[:, s].mean(), "cvar_shortfall_usd": sole_cvar,
            "sole_source_objective_usd": cost[s] + lam * sole_cvar,
            **_second_source_tts(case, s),
        })
    table = pd.DataFrame(rows).sort_values(["sole_source_objective_usd", "candidate"])
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    gain = table["tts_gain_days"].fillna(-np.inf).to_numpy()
    order = np.lexsort((table["candidate"].to_numpy(), table["landed_usd"].to_numpy(), -gain))
    table["tts_rank"] = np.nan
    ranked = order[np.isfinite(gain[order])]
    table.loc[table.index[ranked], "tts_rank"] = np.arange(1, len(ranked) + 1)
    return table.reset_index(drop=True)


#: assumption: a second source is judged at half the volume (or its max_share if lower),
#: as the 50/50 pairs are.
SECOND_SOURCE_SHARE = 0.5


def _second_source_tts(case: SourcingCase, s: int) -> dict[str, float]:
    """The buyer's time-to-survive against its critical elements with ``s`` as second source.

    The incumbents' critical links (those whose loss alone leaves no route within the
    cost limit, ``SourcingCase.critical``) and the candidate's are the elements; with the
    candidate at share ``sigma``, an element cuts ``(1 - sigma)`` of the supply if it is
    critical to the incumbents and ``sigma`` if to the candidate, and
    ``TTS = inventory_days / cut share`` (``corredor.production.time_to_survive``). The
    gain is that TTS minus the incumbents' alone (NaN for an incumbent or without one).
    """
    spec = case.spec
    incumbents = [i for i, c in enumerate(spec.candidates) if c.incumbent]
    if not incumbents or s in incumbents:
        return {"tts_days": np.nan, "tts_gain_days": np.nan}
    cover = spec.cover_days
    theirs = set().union(*(case.critical[i] for i in incumbents))
    sigma = min(spec.candidates[s].max_share, SECOND_SOURCE_SHARE)
    alone = float(time_to_survive(cover, 1.0 if theirs else 0.0, 0.0))
    elements = theirs | case.critical[s]
    cut = np.array([(1 - sigma) * (e in theirs) + sigma * (e in case.critical[s])
                    for e in elements])
    together = float(np.min(time_to_survive(cover, cut, 0.0), initial=np.inf))
    gain = 0.0 if together == alone else together - alone
    return {"tts_days": together, "tts_gain_days": gain}


def _pair_table(case, draws, losses) -> pd.DataFrame:
    links, edges = link_keys(case.network), case.network.edges
    length = edges["length_km"].to_numpy()
    structures = set(links[(edges["road_class"].eq("border") | edges["bridge"]).to_numpy()])
    delivered = 1 - draws.shortfall_days / case.spec.monte_carlo.horizon_days
    short = draws.shortfall_days > 0
    rows = []
    for s, t in combinations(range(len(case.nodes)), 2):
        path, critical = case.paths[s], sorted(case.critical[s] & case.critical[t])
        common = list(set(links[path]) & set(links[case.paths[t]]))
        varies = delivered[:, s].std() > 0 and delivered[:, t].std() > 0
        rows.append({
            "a": case.names[s], "b": case.names[t], "p_joint_failure": draws.joint[:, s, t].mean(),
            "p_both_short": (short[:, s] & short[:, t]).mean(),
            "corr_delivered": np.corrcoef(delivered[:, s], delivered[:, t])[0, 1]
            if varies else np.nan,
            "shared_km": length[path][np.isin(links[path], common)].sum(),
            "shared_crossings_bridges": "; ".join(sorted({
                _link_label(case.network, k) for k in common if k in structures})),
            "n_shared_critical": len(critical),
            "shared_critical": "; ".join(_link_label(case.network, k) for k in critical),
            "cvar_50_50_usd": cvar((losses[:, s] + losses[:, t]) / 2, case.spec.cvar_level),
        })
    order = ["p_joint_failure", "n_shared_critical", "cvar_50_50_usd", "a", "b"]
    return pd.DataFrame(rows).sort_values(order).reset_index(drop=True)


def _stress_table(case: SourcingCase, recommended: Allocation) -> pd.DataFrame:
    """Each named scenario as one more draw: outages, shortfall and the split's cost."""
    rows, per_day = [], loss_per_day(case.spec)
    for name, horizon, events in case.stress:
        cut = cut_days(case, events, horizon)
        ttr, longest, shortfall = outage_stats(cut, case.spec.cover_days)
        for s, candidate in enumerate(case.names):
            share = recommended.shares.get(candidate, 0.0)
            rows.append({
                "scenario": name, "candidate": candidate, "cut_days": ttr[s],
                "longest_outage_days": longest[s], "shortfall_days": shortfall[s],
                "recommended_share": share,
                "shortfall_cost_usd_at_share": share * shortfall[s] * per_day,
            })
    return pd.DataFrame(rows)


def _link_label(network: Network, link: str) -> str:
    """``MEX-85 Monterrey – Nuevo Laredo``: ref and the stretch, or the crossing's name."""
    row = network.edges.loc[link_keys(network) == link].iloc[0]
    stretch = str(row["name"]).split(": ")[-1]
    return f"{row['ref']} {stretch}".strip()


def routes_frame(result: SourcingResult) -> gpd.GeoDataFrame:
    """One row per candidate and route edge, with shared and critical links flagged.

    Parameters
    ----------
    result : SourcingResult
        The analysis.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    case = result.case
    links = link_keys(case.network)
    users: dict[str, list[str]] = {}
    for name, path in zip(case.names, case.paths, strict=True):
        for link in set(links[path]):
            users.setdefault(link, []).append(name)
    critical_for = Counter(link for chosen in case.critical for link in chosen)
    columns = ["edge_id", "ref", "name", "road_class", "bridge", "length_km", "cost_usd",
               "geometry"]
    frames = []
    for s, (name, path) in enumerate(zip(case.names, case.paths, strict=True)):
        keys = links[path]
        frames.append(case.network.edges.iloc[path][columns].assign(
            candidate=name, share=result.recommended.shares.get(name, 0.0), link_id=keys,
            shared_with=["; ".join(u for u in users[k] if u != name) for k in keys],
            shared=[len(users[k]) > 1 for k in keys],
            critical=[k in case.critical[s] for k in keys],
            shared_critical=[k in case.critical[s] and critical_for[k] > 1 for k in keys],
        ))
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=CRS)


def sites_frame(result: SourcingResult) -> gpd.GeoDataFrame:
    """The buyer and candidate nodes as points, with the recommended shares.

    Parameters
    ----------
    result : SourcingResult
        The analysis.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    case = result.case
    nodes = case.network.nodes.set_index("node_id").loc[[case.buyer, *case.nodes]]
    return gpd.GeoDataFrame({
        "site": [case.spec.buyer.name, *case.names], "node_id": nodes.index,
        "role": ["buyer"] + ["candidate"] * len(case.nodes),
        "share": [np.nan] + [result.recommended.shares.get(n, 0.0) for n in case.names],
    }, geometry=nodes.geometry.to_numpy(), crs=CRS)


def frontier_table(result: SourcingResult) -> pd.DataFrame:
    """One row per risk aversion: the optimal split, its expected cost and its tail risk.

    Parameters
    ----------
    result : SourcingResult
        The analysis.

    Returns
    -------
    pandas.DataFrame
    """
    rows = [{"risk_aversion": a.risk_aversion, "split": a.label(), **asdict(a)}
            for a in result.frontier]
    return pd.DataFrame(rows).drop(columns=["shares", "solver"])


def draws_table(result: SourcingResult) -> pd.DataFrame:
    """Per draw: events, and each candidate's cut days and shortfall days.

    Parameters
    ----------
    result : SourcingResult
        The analysis.

    Returns
    -------
    pandas.DataFrame
    """
    draws, frame = result.draws, {"draw": np.arange(len(result.draws.events))}
    frame["events"] = draws.events
    for s, name in enumerate(result.case.names):
        frame[f"{name}: cut_days"] = draws.ttr_days[:, s]
        frame[f"{name}: shortfall_days"] = draws.shortfall_days[:, s]
    return pd.DataFrame(frame)

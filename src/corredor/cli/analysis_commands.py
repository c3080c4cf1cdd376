"""Analysis commands: criticality and sourcing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click
import pandas as pd

from corredor.boundaries import read_area
from corredor.cli.base import (
    UserError,
    cli,
    console,
    jobs_option,
    lang_option,
    map_outline,
    network_option,
    output_folder_option,
    progress_bar,
    rich_table,
)
from corredor.closures import Corridor
from corredor.criticality import CriticalityParams, assess_criticality
from corredor.demand import bundled_demand, read_demand
from corredor.errors import CorredorError
from corredor.mincut import min_cut
from corredor.network import Network
from corredor.outputs.folder import OutputFolder
from corredor.outputs.writers import write_criticality, write_sourcing
from corredor.pipeline import prepare_sourcing, weight_network
from corredor.plant_risk import PlantRiskParams, plant_risk
from corredor.plants import bundled_plants, read_plants
from corredor.production import PlantParams
from corredor.reroute import RerouteParams
from corredor.routing import edge_weights
from corredor.scenario import LayerInputs
from corredor.sourcing import analyse, frontier_table


@cli.command()
@click.argument("spec_path", metavar="SPEC.yaml", type=click.Path(dir_okay=False, path_type=Path))
@output_folder_option
@jobs_option
@lang_option
def sourcing(spec_path: Path, output: Path, jobs: int, lang: str) -> None:
    """Dual sourcing: rank candidate suppliers by shared route risk and choose the split."""
    with OutputFolder.claim(output, command="sourcing") as folder:
        prepared = prepare_sourcing(spec_path)
        with progress_bar() as progress:
            task = progress.add_task("Monte Carlo draws", total=None)
            result = analyse(
                prepared.case,
                jobs=jobs,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        write_sourcing(result, folder.staging, outline=map_outline(), lang=lang)
        folder.commit(inputs=prepared.inputs, seed=prepared.case.spec.monte_carlo.seed)
    spec = result.case.spec
    per_year = f"USD M per {spec.monte_carlo.horizon_days} days"
    ranked = result.candidates
    candidates = pd.DataFrame(
        {
            "rank": ranked["rank"],
            "candidate": ranked["candidate"],
            "landed USD/load": ranked["landed_usd"].round(0),
            "km": ranked["route_km"].round(0),
            "flood %/yr": ranked["flood_closure_prob_year"] * 100,
            "cut %": ranked["p_cut"] * 100,
            "TTR days": ranked["mean_ttr_days"],
            "short %": ranked["p_shortfall"] * 100,
            "E short M": ranked["expected_shortfall_usd"] / 1e6,
            f"CVaR{spec.cvar_level:.0%} M": ranked["cvar_shortfall_usd"] / 1e6,
            "TTS days (2nd)": ranked["tts_days"],
            "TTS gain": ranked["tts_gain_days"],
            "TTS rank": ranked["tts_rank"],
        }
    )
    console.print(rich_table(candidates, f"Candidates as sole source (% of draws; {per_year}); "
                             f"TTS: the buyer's time-to-survive with it as second source at "
                             f"<= 50 % (cover {spec.cover_days:g} days)"))
    pairs = result.pairs
    pair_table = pd.DataFrame(
        {
            "a": pairs["a"],
            "b": pairs["b"],
            "joint failure %": pairs["p_joint_failure"] * 100,
            "both short %": pairs["p_both_short"] * 100,
            "shared km": pairs["shared_km"].round(0),
            "shared crossings/bridges": pairs["shared_crossings_bridges"],
            "shared critical links": pairs["shared_critical"],
            "CVaR 50/50 M": pairs["cvar_50_50_usd"] / 1e6,
        }
    )
    console.print(
        rich_table(pair_table, "Pairs, lowest joint failure first (joint: cut on a common day)")
    )
    frontier = frontier_table(result)
    frontier_view = pd.DataFrame(
        {
            "lambda": frontier["risk_aversion"].map("{:g}".format),
            "split": frontier["split"],
            "landed M": frontier["expected_landed_cost_usd"] / 1e6,
            "E short M": frontier["expected_shortfall_cost_usd"] / 1e6,
            f"CVaR{spec.cvar_level:.0%} M": frontier["cvar_shortfall_usd"] / 1e6,
        }
    )
    console.print(rich_table(frontier_view, f"Efficient frontier ({per_year})"))
    if len(result.stress):
        stress = result.stress.pivot(index="scenario", columns="candidate", values="cut_days")
        console.print(
            rich_table(
                stress.reset_index(),
                "Named scenarios: days each candidate is cut (shortfall in stress.csv)",
            )
        )
    best = result.recommended
    console.print(
        f"recommended split at risk aversion {best.risk_aversion:g}: [bold]{best.label()}[/bold]"
        f" - expected landed cost USD {best.expected_landed_cost_usd / 1e6:,.2f} M, expected "
        f"shortfall USD {best.expected_shortfall_cost_usd / 1e6:,.2f} M, CVaR "
        f"{spec.cvar_level:.0%} of shortfall USD {best.cvar_shortfall_usd / 1e6:,.2f} M "
        f"per {spec.monte_carlo.horizon_days} days"
    )
    console.print(
        f"wrote {output}/ (candidates.csv, pairs.csv, frontier.csv, draws.csv, "
        f"{'stress.csv, ' if len(result.stress) else ''}summary.json, routes.gpkg, "
        "routes.geojson, sites.geojson, routes.png, report.html)"
    )


class CorridorParam(click.ParamType):
    """``NAME=REF[,REF]`` or ``NAME=@polygon.geojson``: a named corridor."""

    name = "NAME=REF[,REF]"

    def convert(self, value, param, ctx):
        if isinstance(value, Corridor):
            return value
        try:
            corridor = Corridor.from_spec(value)
        except CorredorError as exc:
            self.fail(str(exc), param, ctx)
        if corridor.polygon is None:
            return corridor
        try:
            return corridor.with_area(read_area(corridor.polygon))
        except CorredorError as exc:  # the file, not the option's syntax: one line
            raise UserError(f"--corridor {value}: {exc}") from None


@cli.command()
@network_option
@click.option(
    "--demand",
    "demand_path",
    default="bundled",
    show_default=True,
    metavar="bundled|FILE.csv",
    help="OD demand table (checked against the network).",
)
@output_folder_option
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Links and crossings to print, and links numbered on the map.",
)
@click.option(
    "--both-directions/--one-direction",
    default=True,
    show_default=True,
    help="Close both directions of a two-way link together, or each directed edge.",
)
@click.option(
    "--capacity-top",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Re-solve the capacitated rerouting LP with each of the top K links, K "
    "crossings and K ports closed (0: skip).",
)
@click.option(
    "--corridor",
    "corridors",
    type=CorridorParam(),
    multiple=True,
    help="A named corridor, repeatable: Bajio=MEX-45D,MEX-45 or Name=@area.geojson "
    "(every route number is also a corridor of its own).",
)
@click.option(
    "--cut",
    "cuts",
    nargs=2,
    multiple=True,
    metavar="FROM TO",
    help="Min cut between two regions, repeatable. A region is FIELD=V[,V] clauses "
    "joined by ';' with FIELD kind, state or node, e.g. --cut "
    "'kind=plant;state=01,11,22,24' 'node=us:chicago,us:detroit,us:st_louis'.",
)
@click.option(
    "--plants",
    "plants_path",
    default="bundled",
    show_default=True,
    metavar="bundled|FILE.csv",
    help="Plant table: each plant's buffer and production, for the plant risk table "
    "(plants whose parts supply is in the demand).",
)
@click.option(
    "--plant-elements",
    type=click.IntRange(min=0, max=100),
    default=5,
    show_default=True,
    help="Critical elements per plant re-solved with the LP for time-to-survive (0: no plant "
    "risk table).",
)
@click.option(
    "--buffer-scale",
    type=click.FloatRange(min=0, min_open=True, max=100),
    default=1.0,
    show_default=True,
    help="Multiply every plant's parts buffer (the buffers are assumptions).",
)
@lang_option
@click.option(
    "--margin",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    help="A detour costing more than this many percent extra counts as 'no "
    "alternative' (captive flow).",
)
def criticality(
    network: Network,
    demand_path: str,
    output: Path,
    top: int,
    both_directions: bool,
    capacity_top: int,
    corridors: tuple[Corridor, ...],
    cuts: tuple[tuple[str, str], ...],
    plants_path: str,
    plant_elements: int,
    buffer_scale: float,
    margin: float,
    lang: str,
) -> None:
    """Rank links, crossings, ports and corridors by what closing them costs per day."""
    with OutputFolder.claim(output, command="criticality") as folder:
        demand = (bundled_demand(network) if demand_path == "bundled"
                  else read_demand(demand_path, network))
        weighted, _ = weight_network(network, LayerInputs())
        found = [min_cut(weighted, source, sink) for source, sink in cuts]
        params = CriticalityParams(
            both_directions=both_directions,
            capacity_top=capacity_top,
            alternative_margin=margin / 100.0,
        )
        with progress_bar() as progress:
            task = progress.add_task("capacitated re-solves", total=None)
            result = assess_criticality(
                weighted,
                demand,
                params=params,
                corridors=corridors,
                cuts=found,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
            plants = bundled_plants() if plants_path == "bundled" else read_plants(plants_path)
            task = progress.add_task("plant element re-solves", total=None)
            risk = plant_risk(
                weighted, demand, plants, result.scan, result.links,
                params=PlantRiskParams(elements_per_plant=plant_elements,
                                       plants=PlantParams(buffer_scale=buffer_scale)),
                cost=edge_weights(weighted, params.weight), reroute_params=RerouteParams(),
                excluded_classes=("connector", *params.unranked_classes),
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
            result = replace(result, plants=risk)
        write_criticality(weighted, result, folder.staging, top=top, outline=map_outline(),
                          lang=lang)
        folder.commit(inputs=[demand_path, plants_path])
    console.print(
        rich_table(
            _headings(result.links[result.links["rank"] <= top], "closure_id").rename(
                columns={"closure_id": "link"}
            ),
            f"Top {top} links by impact: USD per day of closure (LP = capacitated rerouting)",
        )
    )
    crossings = result.crossings.head(top).assign(name=lambda f: f["name"].str.slice(0, 28))
    console.print(
        rich_table(_headings(crossings, "kind", "name"), "Border crossings and seaports by impact")
    )
    named = {corridor.name for corridor in corridors}
    table = result.corridors
    shown = table[table["corridor"].isin(named) | (table.index < 10)]
    console.print(
        rich_table(
            shown[
                [
                    "corridor",
                    "links",
                    "trucks_day",
                    "captive_share",
                    "fragility_index",
                    "worst_link",
                ]
            ]
            .round({"trucks_day": 0, "captive_share": 3, "fragility_index": 4})
            .astype({"captive_share": str, "fragility_index": str})
            .rename(
                columns={
                    "trucks_day": "trucks/day",
                    "captive_share": "captive share",
                    "fragility_index": "fragility index",
                    "worst_link": "worst link",
                }
            ),
            "Most fragile corridors (captive share: flow with no alternative within "
            f"+{margin:g} %)",
        )
    )
    if len(risk):
        at_risk = risk[risk["at_risk"]]
        shown = (at_risk if len(at_risk) else risk).head(top)
        console.print(rich_table(
            shown[["plant", "element_name", "element_type", "unmet_share", "extra_hours",
                   "tts_days", "ttr_days", "vehicles_at_risk"]].round(
                {"unmet_share": 3, "extra_hours": 2, "tts_days": 1, "vehicles_at_risk": 0}
            ).astype(str).rename(columns={"element_name": "element", "element_type": "type",
                                          "unmet_share": "parts cut", "extra_hours": "extra h",
                                          "tts_days": "TTS days", "ttr_days": "TTR days",
                                          "vehicles_at_risk": "vehicles at risk"}),
            f"Plants at risk (TTR > TTS): {int(risk['at_risk'].sum())} of {len(risk)} plant x "
            f"element pairs; {risk.loc[risk['at_risk'], 'vehicles_at_risk'].sum():,.0f} "
            "vehicles at risk (buffers are assumptions)"))
    ids = weighted.edges["edge_id"].to_numpy()
    for cut in result.cuts:
        more = " ..." if len(cut.bottleneck) > 6 else ""
        console.print(
            f"min cut {cut.name}: {cut.connectivity:g} link(s): {', '.join(ids[cut.edges])}; "
            f"at most {cut.max_trucks_day:,.0f} trucks/day through "
            f"{', '.join(ids[cut.bottleneck][:6])}{more}",
            markup=False,
            highlight=False,
        )
    console.print(
        f"wrote {output}/ (criticality.gpkg, criticality.geojson, criticality.png, "
        "report.html, links.csv, nodes.csv, crossings.csv, corridors.csv"
        f"{', plant_risk.csv' if len(risk) else ''}{', cuts.csv' if result.cuts else ''})",
        markup=False,
    )


def _headings(frame: pd.DataFrame, *first: str) -> pd.DataFrame:
    """The impact columns with short headings, USD rounded to whole dollars."""
    columns = {
        "rank": "rank",
        **{c: c for c in first},
        "observed_trucks_day": "observed/day",
        "affected_trucks_day": "trucks/day",
        "impact_usd_day": "impact",
        "unmet_trucks_day": "unmet",
        "detour_ratio_mean": "detour ratio",
        "cap_extra_cost_usd_day": "LP impact",
        "cap_unmet_trucks_day": "LP unmet",
    }
    table = frame[[c for c in columns if c in frame]].rename(columns=columns)
    table = table.round({"impact": 0, "LP impact": 0})
    ratio = table["detour ratio"].map(lambda x: "" if pd.isna(x) else f"{x:.3f}")
    return table.assign(**{"detour ratio": ratio})

"""Scenario commands: validate, run, compare."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd

from corredor.cli.base import (
    cli,
    console,
    jobs_option,
    output_folder_option,
    progress_bar,
    rich_table,
    scenario_argument,
)
from corredor.compare import compare_runs
from corredor.export import (
    RUN_LAYERS,
    output_folder,
    write_layer,
    write_run_layers,
)
from corredor.montecarlo import run_monte_carlo
from corredor.pipeline import prepare
from corredor.pipeline import run as pipeline_run
from corredor.report import (
    SUMMARY_TABLES,
    monte_carlo_summary,
    plot_exceedance,
    plot_flow_change,
    plot_timeline,
    report_html,
    run_summary,
    summary_markdown,
)
from corredor.simulate import edge_table


@cli.command()
@scenario_argument
def validate(scenario_path: Path) -> None:
    """Check a scenario file, its inputs and its selectors; list every problem."""
    prepared = prepare(str(scenario_path))
    console.print(f"[green]ok[/green] {scenario_path}: {prepared.scenario_file.scenario.name}")
    for item in prepared.active:
        console.print(f"  {item.name}: {int(item.mask.sum())} edges")


@cli.command()
@scenario_argument
@output_folder_option
@jobs_option
@click.option(
    "--lang",
    type=click.Choice(["en", "es"]),
    default="en",
    show_default=True,
    help="Language of report.html.",
)
def run(scenario_path: Path, output: Path, jobs: int, lang: str) -> None:
    """Run a scenario: reroute freight day by day and write the results folder."""
    prepared = prepare(str(scenario_path))
    scenario = prepared.scenario_file.scenario
    with progress_bar() as progress:
        task = progress.add_task(f"simulating {scenario.name}", total=scenario.horizon_days)
        result = pipeline_run(
            prepared, progress=lambda done, total: progress.update(task, completed=done)
        )
    table = edge_table(prepared.network, result)
    summary = run_summary(
        prepared.network,
        prepared.demand,
        scenario,
        result,
        table,
        flood_grade=prepared.flood_grade,
    )
    monte_carlo = None
    if scenario.monte_carlo is not None:
        with progress_bar() as progress:
            task = progress.add_task("Monte Carlo years", total=scenario.monte_carlo.runs)
            monte_carlo = run_monte_carlo(
                prepared.network,
                prepared.demand,
                scenario.monte_carlo,
                cost_params=scenario.layers.cost,
                reroute_params=scenario.reroute,
                jobs=jobs,
                progress=lambda done, total: progress.update(task, completed=done),
            )
        summary["monte_carlo"] = monte_carlo_summary(monte_carlo, scenario.monte_carlo)
    with output_folder(output) as folder:
        write_run_layers(prepared.network, table, folder)
        (folder / "summary.json").write_text(
            json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        (folder / "summary.md").write_text(summary_markdown(summary), encoding="utf-8")
        result.timeline.round(4).to_csv(folder / "timeline.csv", index=False)
        result.facility_flows.round(4).to_csv(folder / "facility_flows.csv", index=False)
        plot_flow_change(prepared.network, table, folder / "flow_change.png", title=scenario.name)
        plot_timeline(result.timeline, folder / "timeline.png", title=scenario.name)
        images = {
            "Flow change on the worst day": folder / "flow_change.png",
            "Extra cost and unmet trucks per day": folder / "timeline.png",
        }
        if monte_carlo is not None:
            monte_carlo.runs.round(4).to_csv(folder / "monte_carlo_runs.csv", index=False)
            monte_carlo.exceedance.round(4).to_csv(
                folder / "monte_carlo_exceedance.csv", index=False
            )
            plot_exceedance(monte_carlo, folder / "exceedance.png", title=scenario.name)
            images["Monte Carlo exceedance"] = folder / "exceedance.png"
        (folder / "report.html").write_text(
            report_html(summary, scenario, images, lang=lang), encoding="utf-8"
        )
    _print_headline(summary)
    if monte_carlo is not None:
        console.print(rich_table(monte_carlo.percentiles, "Monte Carlo: per-year KPIs"))
    console.print(
        f"wrote {output}/ (summary.md, summary.json, timeline.csv, facility_flows.csv, "
        "flow_change.png, timeline.png; nodes, edges, disrupted, flow_change .geojson)"
    )
    console.print(f"report: {output / 'report.html'}")
    console.print(f"QGIS:   {output / 'edges.gpkg'} (styled layers: {', '.join(RUN_LAYERS)})")


def _print_headline(summary: dict) -> None:
    totals = summary["totals"]
    rows = pd.DataFrame(
        {
            "KPI": [
                "extra cost over the horizon (USD)",
                "extra cost per disrupted day (USD)",
                "extra truck-hours",
                "extra truck-km",
                "unmet truck-days",
                "cargo value delayed (USD)",
                "most edges over 90 % capacity on a day",
            ],
            "value": [
                totals["extra_cost_usd"],
                totals["extra_cost_usd_per_disrupted_day"],
                totals["extra_truck_hours"],
                totals["extra_truck_km"],
                totals["unmet_truck_days"],
                totals["cargo_value_delayed_usd"],
                totals["max_edges_over_90pct"],
            ],
        }
    )
    console.print(rich_table(rows, f"{summary['scenario']}: headline"))
    tables = [table for table in SUMMARY_TABLES if table[0] in ("diverted_to", "bottlenecks")]
    for key, title, columns in tables:
        if summary[key]:
            console.print(rich_table(pd.DataFrame(summary[key])[columns].round(2), title))


@cli.command()
@click.argument("first", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("second", type=click.Path(exists=True, file_okay=False, path_type=Path))
@output_folder_option
def compare(first: Path, second: Path, output: Path) -> None:
    """Compare two `corredor run` folders: KPI differences and a flow-difference layer."""
    comparison = compare_runs(first, second)
    with output_folder(output) as folder:
        comparison.kpis.to_csv(folder / "kpi_differences.csv", index=False)
        write_layer(comparison.flows, folder / "flow_difference.gpkg")
        write_layer(comparison.flows, folder / "flow_difference.geojson")
    console.print(rich_table(comparison.kpis, f"{comparison.names[1]} minus {comparison.names[0]}"))
    changed = comparison.flows.reindex(
        comparison.flows["flow_difference_trucks_day"].abs().sort_values(ascending=False).index
    ).head(10)
    console.print(
        rich_table(
            changed[
                [
                    "edge_id",
                    "ref",
                    "first_flow_trucks_day",
                    "second_flow_trucks_day",
                    "flow_difference_trucks_day",
                ]
            ].round(1),
            "Largest flow differences on the worst days (trucks/day)",
        )
    )
    if comparison.unmatched:
        console.print(f"{comparison.unmatched} edges appear in only one run (left out)")
    console.print(
        f"wrote {output}/ (kpi_differences.csv, flow_difference.gpkg, flow_difference.geojson)"
    )

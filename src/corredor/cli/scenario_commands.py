"""Scenario commands: validate, run, compare."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from corredor.cli.base import (
    cli,
    console,
    jobs_option,
    lang_option,
    map_outline,
    output_folder_option,
    progress_bar,
    rich_table,
    scenario_argument,
)
from corredor.compare import RunOutputs, compare_runs
from corredor.outputs.export import RUN_LAYERS, read_result_layer, read_run_summary
from corredor.outputs.folder import OutputFolder
from corredor.outputs.summary import headline_rows, report_sections, shows_timeline
from corredor.outputs.text import words
from corredor.outputs.writers import write_comparison, write_run
from corredor.pipeline import Prepared, prepare, prepare_any
from corredor.pipeline import run as run_prepared


@cli.command()
@click.argument("yaml_path", metavar="FILE.yaml", type=click.Path(dir_okay=False, path_type=Path))
def validate(yaml_path: Path) -> None:
    """Check a scenario or sourcing spec, everything it names and every selector in it."""
    prepared = prepare_any(yaml_path)
    if isinstance(prepared, Prepared):
        console.print(f"[green]ok[/green] scenario {yaml_path}: {prepared.scenario.name}")
        for item in prepared.active:
            console.print(f"  {item.name}: {int(item.mask.sum())} edges")
        drawer = prepared.drawer
    else:
        spec = prepared.case.spec
        console.print(f"[green]ok[/green] sourcing spec {yaml_path}: {spec.name} "
                      f"({len(spec.candidates)} candidates, buyer {prepared.case.buyer})")
        for stress in prepared.case.stress:
            console.print(f"  stress scenario {stress.name}: {len(stress.events)} disruptions")
        drawer = prepared.case.drawer
    if drawer is not None:
        masks = drawer.masks
        generators = [("blockades", g.name, m) for g, m in zip(
            drawer.spec.blockades, masks.blockades, strict=True)]
        generators += [("theft_surges", g.name, m) for g, m in zip(
            drawer.spec.theft_surges, masks.theft_surges, strict=True)]
        for kind, name, mask in generators:
            console.print(f"  monte_carlo.{kind} {name}: {int(mask.sum())} edges")
        if masks.bridges is not None:
            console.print(f"  monte_carlo.bridge_failures: {len(drawer.bridge_links)} links")


@cli.command()
@scenario_argument
@output_folder_option
@jobs_option
@lang_option
def run(scenario_path: Path, output: Path, jobs: int, lang: str) -> None:
    """Run a scenario: reroute freight day by day and write the results folder."""
    with OutputFolder.claim(output, command="run") as folder:
        prepared = prepare(scenario_path)
        scenario = prepared.scenario
        with progress_bar() as progress:
            days = progress.add_task(f"simulating {scenario.name}", total=scenario.horizon_days)
            years = progress.add_task(
                "Monte Carlo years", total=scenario.monte_carlo.runs if scenario.monte_carlo
                else 0, visible=scenario.monte_carlo is not None)
            result = run_prepared(
                prepared, jobs=jobs,
                progress_days=lambda done, total: progress.update(days, completed=done),
                progress_years=lambda done, total: progress.update(years, completed=done),
            )
        summary, written = write_run(prepared, result, folder.staging, lang=lang,
                                     outline=map_outline())
        seed = scenario.monte_carlo.seed if scenario.monte_carlo is not None else None
        folder.commit(inputs=prepared.inputs, seed=seed)
    _print_headline(summary)
    console.print(f"wrote {output}/ ({', '.join(sorted(path.name for path in written))})",
                  markup=False, highlight=False)
    console.print(f"report: {output / 'report.html'}")
    console.print(f"QGIS:   {output / 'edges.gpkg'} (styled layers: {', '.join(RUN_LAYERS)})")


def _print_headline(summary: dict) -> None:
    if shows_timeline(summary):
        rows = pd.DataFrame(headline_rows(summary), columns=["KPI", "value"])
        console.print(rich_table(rows, f"{summary['scenario']}: headline"))
    if "monte_carlo" in summary:
        mc = summary["monte_carlo"]
        console.print(words("en")["years"].format(runs=mc["runs"], days=mc["horizon_days"],
                                                  seed=mc["seed"]))
    shown = {words("en")[key] for key in ("diverted", "bottlenecks", "mc", "mc_events")}
    for title, headings, rows in report_sections(summary):
        if title in shown and rows:
            console.print(rich_table(pd.DataFrame(rows, columns=headings).round(2), title))


@cli.command()
@click.argument("first", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("second", type=click.Path(exists=True, file_okay=False, path_type=Path))
@output_folder_option
def compare(first: Path, second: Path, output: Path) -> None:
    """Compare two `corredor run` folders: KPI differences and a flow-difference layer."""
    with OutputFolder.claim(output, command="compare") as folder:
        runs = [RunOutputs(read_run_summary(path), read_result_layer(path, "flows"))
                for path in (first, second)]
        comparison = compare_runs(*runs)
        write_comparison(comparison, folder.staging)
        folder.commit(inputs=[first / "summary.json", second / "summary.json"])
    console.print(rich_table(comparison.kpis, f"{comparison.names[1]} minus {comparison.names[0]}"))
    changed = comparison.flows.reindex(
        comparison.flows["flow_difference_trucks_day"].abs().sort_values(ascending=False).index
    ).head(10)
    columns = ["edge_id", "ref", "first_flow_trucks_day", "second_flow_trucks_day",
               "flow_difference_trucks_day"]
    console.print(rich_table(changed[columns].round(1),
                             "Largest flow differences on the worst days (trucks/day)"))
    if comparison.unmatched:
        console.print(f"{comparison.unmatched} edges appear in only one run (left out)")
    console.print(
        f"wrote {output}/ (kpi_differences.csv, flow_difference.gpkg, flow_difference.geojson)"
    )

"""Calibration command: modelled against counted trucks, with a validation report."""

from __future__ import annotations

from pathlib import Path

import click

from corredor.calibration import calibrate
from corredor.cli.base import (
    cli,
    console,
    lang_option,
    map_outline,
    network_option,
    output_folder_option,
)
from corredor.demand import bundled_demand, read_demand
from corredor.network import Network
from corredor.networks.plazas import bundled_plaza_movements, read_plaza_movements
from corredor.outputs.calibration_report import headline_text, write_calibration
from corredor.outputs.folder import OutputFolder
from corredor.pipeline import weight_network
from corredor.reroute import RerouteParams
from corredor.scenario import LayerInputs
from corredor.simulate import solve_state
from corredor.states import baseline_arrays


@cli.command("calibrate")
@network_option
@click.option("--demand", "demand_path", default="bundled", show_default=True,
              metavar="bundled|FILE.csv", help="OD demand table (checked against the network).")
@click.option("--plazas", "plazas", default="bundled", show_default=True,
              metavar="bundled|none|DATOS_VIALES",
              help="Toll-plaza counts to validate against: the bundled table, none, or a "
              "Datos Viales folder (csv/u2_movimientos.csv).")
@click.option("--holdout", type=click.FloatRange(0, 1), default=0.2, show_default=True,
              help="Share of count segments held out (as in the estimate).")
@click.option("--seed", type=int, default=2024, show_default=True,
              help="Seed of the hold-out split.")
@lang_option
@output_folder_option
def calibrate_command(network: Network, demand_path: str, plazas: str, holdout: float,
                      seed: int, lang: str, output: Path) -> None:
    """Compare the model's baseline truck flows with the SICT and BTS counts."""
    with OutputFolder.claim(output, command="calibrate") as folder:
        demand = (bundled_demand(network) if demand_path == "bundled"
                  else read_demand(demand_path, network))
        weighted, _ = weight_network(network, LayerInputs())
        movements = (None if plazas == "none" else bundled_plaza_movements()
                     if plazas == "bundled" else read_plaza_movements(plazas))
        console.print("solving the baseline ...", highlight=False)
        baseline = solve_state(weighted, demand, baseline_arrays(weighted), RerouteParams())
        result = calibrate(weighted, baseline.edge_flow, movements=movements,
                           holdout_fraction=holdout, seed=seed)
        files = write_calibration(weighted, result, folder.staging, outline=map_outline(),
                                  lang=lang)
        folder.commit(inputs=[demand_path] + ([] if plazas in ("none", "bundled") else [plazas]),
                      seed=seed)
    console.print("Fit of the baseline truck flows to the counts:", highlight=False)
    for line in headline_text(result):
        console.print("  " + line, markup=False, highlight=False)
    console.print(f"wrote {output}/ ({', '.join(path.name for path in files)})", markup=False)


"""From a scenario file to results: load inputs, weight the network, simulate.

This is the one place that turns a ``ScenarioFile`` into the plain objects the
other modules take (a weighted ``Network``, a demand table, edge masks), so
``corredor validate`` and ``corredor run`` check inputs the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from corredor.networks.national import load_national
from corredor.cache import user_cache_dir
from corredor.demand import bundled_demand, read_demand
from corredor.errors import CorredorError
from corredor.layers import apply_layers
from corredor.layers.flood import screening_rasters
from corredor.network import Network
from corredor.scenario import (
    ScenarioError,
    ScenarioFile,
    check_inputs,
    load_scenario,
    resolve_disruptions,
)
from corredor.simulate import ActiveDisruption, SimulationResult, simulate


@dataclass(frozen=True)
class PreparedScenario:
    """Everything a run needs, checked: weighted network, demand, selected edges."""

    scenario_file: ScenarioFile
    network: Network
    demand: pd.DataFrame
    active: list[ActiveDisruption]
    flood_grade: str


def prepare(path_or_file: str | ScenarioFile) -> PreparedScenario:
    """Load and check a scenario and its inputs; raise one ``ScenarioError`` listing all."""
    scenario_file = (
        path_or_file if isinstance(path_or_file, ScenarioFile) else load_scenario(path_or_file)
    )
    problems = check_inputs(scenario_file)
    if problems:
        raise ScenarioError(scenario_file.path, problems)
    scenario = scenario_file.scenario
    network = _load_network(scenario_file)
    try:
        demand = (
            bundled_demand(network)
            if scenario.demand == "bundled"
            else read_demand(scenario_file.resolve_path(scenario.demand), network)
        )
    except CorredorError as exc:
        raise ScenarioError(
            scenario_file.path, [f"{scenario_file.path}:{scenario_file.line('demand')}: {exc}"]
        ) from None
    masks = resolve_disruptions(scenario_file, network)
    layers = scenario.layers
    if layers.flood == "screening":
        rasters, grade = screening_rasters(user_cache_dir("flood")), "screening"
    elif layers.flood == "none":
        rasters, grade = None, "none"
    else:
        rasters = {rp: scenario_file.resolve_path(tif) for rp, tif in layers.flood.items()}
        grade = "user raster"
    crime = None if layers.crime == "bundled" else scenario_file.resolve_path(layers.crime)
    boundaries = (
        scenario_file.resolve_path(layers.boundaries) if layers.boundaries is not None else None
    )
    weighted = apply_layers(
        network,
        crime=crime,
        boundaries=boundaries,
        flood=rasters,
        flood_grade=grade,
        capacity_params=layers.capacity,
        crime_params=layers.crime_params,
        cost_params=layers.cost,
    )
    active = [
        ActiveDisruption.from_disruption(disruption, mask)
        for disruption, mask in zip(scenario.disruptions, masks, strict=True)
    ]
    return PreparedScenario(scenario_file, weighted, demand, active, grade)


def run(
    prepared: PreparedScenario, *, progress: Callable[[int, int], None] | None = None
) -> SimulationResult:
    """Simulate the prepared scenario over its horizon."""
    scenario = prepared.scenario_file.scenario
    return simulate(
        prepared.network,
        prepared.demand,
        prepared.active,
        horizon_days=scenario.horizon_days,
        cost_params=scenario.layers.cost,
        reroute_params=scenario.reroute,
        progress=progress,
    )


def _load_network(scenario_file: ScenarioFile) -> Network:
    value = scenario_file.scenario.network
    if value == "bundled":
        return load_national()
    try:
        return Network.from_gpkg(scenario_file.resolve_path(value))
    except CorredorError as exc:
        raise ScenarioError(
            scenario_file.path, [f"{scenario_file.path}:{scenario_file.line('network')}: {exc}"]
        ) from None

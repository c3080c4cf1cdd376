"""From an input file to results: load, weight, resolve every selector, then run.

This is the one seam between files and analysis. ``prepare`` (scenarios) and
``prepare_sourcing`` (sourcing specs) load everything a file names, weight the
network with its layers, and resolve every selector it contains (disruptions,
Monte Carlo generators and their eligibility, stress scenarios, polygons),
collecting every problem with its file and YAML line before any computation.
``corredor validate`` calls exactly these functions, so what validates runs.
``weight_network`` is the same layer step for ``corredor layers`` and
``corredor criticality``; ``run`` owns the timeline and the Monte Carlo years.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import shapely
import yaml

from corredor.boundaries import read_area
from corredor.cache import user_cache_dir
from corredor.config import YamlFile
from corredor.demand import bundled_demand, read_demand
from corredor.errors import CorredorError, CorredorWarning, ScenarioError
from corredor.layers import apply_layers
from corredor.layers.cost import CostParams
from corredor.layers.flood import screening_rasters
from corredor.montecarlo import EventDrawer, EventMasks, MonteCarloResult, run_monte_carlo
from corredor.network import Network
from corredor.networks.national import load_national
from corredor.plants import Plants, bundled_plants, read_plants
from corredor.reroute import RerouteParams, SegmentLimit
from corredor.scenario import LayerInputs, MonteCarlo, Scenario, ScenarioFile, load_scenario
from corredor.selectors import Selector, resolve_selectors
from corredor.simulate import SimulationResult, edge_table, simulate
from corredor.sourcing.draws import SourcingCase, StressCase, build_case
from corredor.sourcing.spec import SourcingFile, load_sourcing_spec
from corredor.states import ActiveDisruption

__all__ = [
    "Prepared",
    "PreparedSourcing",
    "RunResult",
    "event_drawer",
    "flood_inputs",
    "load_network",
    "prepare",
    "prepare_any",
    "prepare_sourcing",
    "run",
    "weight_network",
]

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Prepared:
    """A scenario ready to run: every input loaded and checked, every selector resolved.

    Attributes
    ----------
    scenario_file : ScenarioFile
        The validated scenario and its path.
    network : Network
        The network weighted with the scenario's layers.
    demand : pandas.DataFrame
        The demand, checked against the network.
    cost_params, reroute_params
        The parameters the layers and the rerouting used (the same objects everywhere).
    active : list of ActiveDisruption
        Each disruption with its edge mask.
    drawer : EventDrawer or None
        The Monte Carlo generators, prepared (None without ``monte_carlo``).
    flood_grade : str
        ``screening``, ``user raster`` or ``none``.
    inputs : list of Path or str
        The scenario file and every file it names (``bundled`` for bundled tables).
    limits : tuple of SegmentLimit
        The scenario's ``segment_limits``, resolved.
    plants : Plants or None
        The plant table whose production the run follows (``plants.table``).
    """

    scenario_file: ScenarioFile
    network: Network
    demand: pd.DataFrame
    cost_params: CostParams
    reroute_params: RerouteParams
    active: list[ActiveDisruption]
    drawer: EventDrawer | None
    flood_grade: str
    inputs: list[Path | str]
    limits: tuple[SegmentLimit, ...] = ()
    plants: Plants | None = None

    @property
    def scenario(self) -> Scenario:
        """The validated scenario."""
        return self.scenario_file.model


@dataclass(frozen=True)
class PreparedSourcing:
    """A sourcing spec ready to analyse: the case holds the network, routes and generators."""

    spec_file: SourcingFile
    case: SourcingCase
    flood_grade: str
    inputs: list[Path | str]


@dataclass(frozen=True)
class RunResult:
    """What ``run`` computes: the timeline, the per-edge table, the Monte Carlo years.

    ``plants`` (one row per plant with inbound demand) and ``plant_days`` (per plant and
    day) follow the plants' production over the timeline (``Plants.production``); both are
    empty when the demand has no plant supply.
    """

    simulation: SimulationResult
    edges: pd.DataFrame
    monte_carlo: MonteCarloResult | None
    plants: pd.DataFrame = field(default_factory=pd.DataFrame)
    plant_days: pd.DataFrame = field(default_factory=pd.DataFrame)


def prepare(path_or_file: str | Path | ScenarioFile) -> Prepared:
    """Load and check a scenario and everything it names; resolve every selector.

    Parameters
    ----------
    path_or_file : str, Path or ScenarioFile
        A scenario YAML file, or one already loaded.

    Returns
    -------
    Prepared

    Raises
    ------
    ScenarioError
        Listing every problem, each with its file and line: missing or invalid files,
        selectors that match nothing, generators that cannot run.
    """
    scenario_file = (path_or_file if isinstance(path_or_file, YamlFile)
                     else load_scenario(path_or_file))
    scenario = scenario_file.model
    named = _named_files(scenario_file, scenario.layers, _scenario_files(scenario))
    problems = _missing_files(scenario_file, named)
    network = _checked(problems, scenario_file, ("network",),
                       lambda: load_network(scenario.network, scenario_file))
    demand = None
    if network is not None:
        demand = _checked(problems, scenario_file, ("demand",),
                          lambda: _demand(scenario.demand, scenario_file, network))
        extras = [_checked(problems, scenario_file, ("extra_demand", i),
                           functools.partial(_demand, value, scenario_file, network))
                  if value == "bundled" or scenario_file.resolve_path(value).is_file()
                  else None  # reported as missing above
                  for i, value in enumerate(scenario.extra_demand)]
        if demand is not None and extras and all(extra is not None for extra in extras):
            demand = pd.concat([demand, *extras], ignore_index=True)
    if scenario.monte_carlo is not None and scenario.monte_carlo.floods is not None and (
            scenario.layers.flood == "none"):
        problems.append(f"{scenario_file.where('monte_carlo', 'floods')}: floods need the flood "
                        "layer, but layers.flood is none (use screening or rasters)")
    plants = _plants(scenario_file, problems)
    _raise(scenario_file, problems)  # so network and demand loaded
    weighted, grade = weight_network(cast(Network, network), scenario.layers, scenario_file)
    selectors = _disruption_selectors(scenario_file)
    masks_mc = _generator_selectors(scenario_file)
    limit_selectors: list[Labelled] = [
        (f"{scenario_file.where('segment_limits', i, 'select')} ({spec.name})", spec.select,
         "segment limit") for i, spec in enumerate(scenario.segment_limits)]
    resolved = _resolve(scenario_file, weighted, [*selectors, *masks_mc, *limit_selectors],
                        problems)
    n_disruptions, n_generators = len(selectors), len(masks_mc)
    masks = resolved[:n_disruptions]
    generator_masks = resolved[n_disruptions:n_disruptions + n_generators]
    limits = _limits(scenario_file, cast(pd.DataFrame, demand),
                     resolved[n_disruptions + n_generators:], problems)
    _raise(scenario_file, problems)
    active = [ActiveDisruption.from_disruption(d, m)
              for d, m in zip(scenario.disruptions, masks, strict=True)]
    drawer = None
    if scenario.monte_carlo is not None:
        drawer = _drawer(weighted, scenario.monte_carlo, masks_mc, generator_masks,
                         scenario_file)
    return Prepared(scenario_file, weighted, cast(pd.DataFrame, demand), scenario.layers.cost,
                    scenario.reroute, active, drawer, grade,
                    _inputs(scenario_file, named, scenario.network, scenario.demand), limits,
                    plants)


def run(prepared: Prepared, *, jobs: int = 1, progress_days: Progress | None = None,
        progress_years: Progress | None = None) -> RunResult:
    """Simulate the prepared scenario over its horizon, then its Monte Carlo years.

    Parameters
    ----------
    prepared : Prepared
        From ``prepare``.
    jobs : int, default 1
        Processes for the Monte Carlo years (results do not depend on it).
    progress_days, progress_years : callable, optional
        Called as ``progress(done, total)`` during the timeline and the Monte Carlo years.

    Returns
    -------
    RunResult
    """
    simulation = simulate(
        prepared.network, prepared.demand, prepared.active,
        horizon_days=prepared.scenario.horizon_days, cost_params=prepared.cost_params,
        reroute_params=prepared.reroute_params, progress=progress_days,
        limits=prepared.limits,
    )
    unmet = simulation.totals["baseline_unmet_trucks_day"]
    if unmet > 0:
        warnings.warn(
            f"the baseline leaves {unmet:,.1f} trucks/day of demand without a path with "
            f"capacity ({_unmet_pairs(simulation)}), before any disruption; the run's unmet "
            "KPIs count only what the disruptions add. Check the demand and capacities",
            CorredorWarning, stacklevel=2)
    monte_carlo = None
    if prepared.drawer is not None:
        monte_carlo = run_monte_carlo(
            prepared.network, prepared.demand, prepared.drawer,
            cost_params=prepared.cost_params, reroute_params=prepared.reroute_params,
            baseline=simulation.baseline, jobs=jobs, progress=progress_years,
        )
    plants, plant_days = pd.DataFrame(), pd.DataFrame()
    if prepared.plants is not None:
        plants, plant_days = prepared.plants.production(prepared.demand, simulation,
                                                        prepared.scenario.plants)
    return RunResult(simulation, edge_table(prepared.network, simulation), monte_carlo,
                     plants, plant_days)


def prepare_sourcing(path_or_file: str | Path | SourcingFile, *,
                     network: Network | None = None) -> PreparedSourcing:
    """Load and check a sourcing spec, its network, generators and stress scenarios.

    Parameters
    ----------
    path_or_file : str, Path or SourcingFile
        A sourcing spec YAML file, or one already loaded.
    network : Network, optional
        An already weighted network to use instead of the spec's ``network`` and ``layers``.

    Returns
    -------
    PreparedSourcing

    Raises
    ------
    ScenarioError
        Listing every problem with its file and line (stress scenarios' own problems
        with theirs).
    NoPathError
        A candidate has no route to the buyer.
    """
    spec_file = _plant_buyer(path_or_file if isinstance(path_or_file, YamlFile)
                             else load_sourcing_spec(path_or_file))
    spec = spec_file.model
    named = _named_files(spec_file, spec.layers, [
        (("stress_scenarios", i), path) for i, path in enumerate(spec.stress_scenarios)])
    problems = _missing_files(spec_file, named)
    if network is None:
        loaded = _checked(problems, spec_file, ("network",),
                          lambda: load_network(spec.network, spec_file))
        if spec.monte_carlo.floods is not None and spec.layers.flood == "none":
            problems.append(f"{spec_file.where('monte_carlo', 'floods')}: floods need the "
                            "flood layer, but layers.flood is none (use screening or rasters)")
        _raise(spec_file, problems)  # so the network loaded
        weighted, grade = weight_network(cast(Network, loaded), spec.layers, spec_file)
    else:
        weighted, grade = network, "as given"
    generators = _generator_selectors(spec_file)
    generator_masks = _resolve(spec_file, weighted, generators, problems)
    _raise(spec_file, problems)
    drawer = _drawer(weighted, spec.monte_carlo, generators, generator_masks, spec_file)
    stress = [_stress_case(weighted, spec_file.resolve_path(path)) for path in
              spec.stress_scenarios]
    case = build_case(weighted, spec_file, drawer=drawer, stress=stress)
    return PreparedSourcing(spec_file, case, grade, _inputs(spec_file, named, spec.network))


def _plant_buyer(spec_file: SourcingFile) -> SourcingFile:
    """A plant buyer checked against the bundled plant table, its buffer as default cover."""
    spec = spec_file.model
    if spec.buyer.plant is None:
        return spec_file
    plants = bundled_plants()
    if spec.buyer.plant not in plants.table.index:
        raise ScenarioError(spec_file.path, [
            f"{spec_file.where('buyer', 'plant')}: {spec.buyer.plant!r} is not a plant of the "
            f"plant table (one of {', '.join(plants.table.index[:6])}, ...)"])
    update: dict[str, Any] = {}
    if spec.inventory_days is None:
        update["inventory_days"] = float(plants.table.at[spec.buyer.plant, "buffer_days"])
    if spec.buyer.name == "buyer":
        update["buyer"] = spec.buyer.model_copy(
            update={"name": str(plants.table.at[spec.buyer.plant, "name"])})
    return replace(spec_file, model=spec.model_copy(update=update))


def prepare_any(path: str | Path) -> Prepared | PreparedSourcing:
    """Prepare a scenario or a sourcing spec, whichever the YAML file is.

    A file with a ``buyer`` or ``candidates`` key is a sourcing spec; anything else is
    read as a scenario.

    Parameters
    ----------
    path : str or Path
        A YAML file corredor reads.

    Returns
    -------
    Prepared or PreparedSourcing
    """
    if _is_sourcing_spec(Path(path)):
        return prepare_sourcing(path)
    return prepare(path)


def load_network(value: str, where: YamlFile[Any] | None = None) -> Network:
    """``bundled`` (the national model) or a network GeoPackage (relative to ``where``).

    Parameters
    ----------
    value : str
        ``bundled`` or a path.
    where : YamlFile, optional
        The file the path was written in (paths are relative to its folder).

    Returns
    -------
    Network
    """
    if value == "bundled":
        return load_national()
    return Network.from_gpkg(where.resolve_path(value) if where is not None else Path(value))


def flood_inputs(flood: str | dict[int, Path], resolve: Callable[[Path], Path] = Path
                 ) -> tuple[dict[int, Path] | None, str]:
    """The depth rasters and grade of a ``layers.flood`` setting.

    Parameters
    ----------
    flood : "screening", "none" or dict
        The setting: the bundled screening layer, no flood layer, or rasters by return
        period.
    resolve : callable, default Path
        Turns a raster path as written into a usable path.

    Returns
    -------
    rasters : dict or None
        Return period -> raster file (None for ``none``).
    grade : str
        ``screening``, ``none`` or ``user raster``.
    """
    if flood == "screening":
        return screening_rasters(user_cache_dir("flood")), "screening"
    if flood == "none":
        return None, "none"
    if not isinstance(flood, dict):
        raise CorredorError(f"layers.flood: {flood!r} is not screening, none or rasters")
    return {rp: resolve(Path(tif)) for rp, tif in flood.items()}, "user raster"


def weight_network(network: Network, layers: LayerInputs,
                   where: YamlFile[Any] | None = None) -> tuple[Network, str]:
    """Apply a ``layers`` block (crime, boundaries, flood, parameters) to a network.

    Parameters
    ----------
    network : Network
        The network to weight.
    layers : LayerInputs
        The layer inputs and overrides (``LayerInputs()`` for the defaults).
    where : YamlFile, optional
        The file ``layers`` came from: relative paths, and line numbers for errors.

    Returns
    -------
    network : Network
        With capacity, theft, flood (unless ``none``) and cost columns.
    grade : str
        The flood layer's grade.

    Raises
    ------
    ScenarioError
        (with ``where``) a layer input is unusable, naming its line.
    """
    resolve = where.resolve_path if where is not None else Path
    try:
        rasters, grade = flood_inputs(layers.flood, resolve)
        weighted = apply_layers(
            network,
            crime=None if layers.crime == "bundled" else resolve(Path(layers.crime)),
            boundaries=None if layers.boundaries is None else resolve(layers.boundaries),
            flood=rasters, flood_grade=grade, flood_band=layers.flood_band,
            capacity_params=layers.capacity,
            crime_params=layers.crime_params, cost_params=layers.cost,
            delay_params=layers.delay,
        )
    except CorredorError as exc:
        if where is None:
            raise
        raise ScenarioError(where.path, [f"{where.where('layers')}: {exc}"]) from None
    return weighted, grade


# -- helpers ----------------------------------------------------------------------


def _scenario_files(scenario: Scenario) -> list[tuple[tuple, str | Path]]:
    named: list[tuple[tuple, str | Path]] = []
    if scenario.network != "bundled":
        named.append((("network",), scenario.network))
    if scenario.demand != "bundled":
        named.append((("demand",), scenario.demand))
    named += [(("extra_demand", i), value) for i, value in enumerate(scenario.extra_demand)
              if value != "bundled"]
    if scenario.plants.table != "bundled":
        named.append((("plants", "table"), scenario.plants.table))
    return named


def _plants(where: YamlFile[Any], problems: list[str]) -> Plants | None:
    """The scenario's plant table, checked with its buffer overrides (None if unreadable)."""
    params = where.model.plants
    if params.table == "bundled":
        plants = bundled_plants()
    elif where.resolve_path(params.table).is_file():
        plants = _checked(problems, where, ("plants", "table"),
                          lambda: read_plants(where.resolve_path(params.table)))
    else:
        return None  # reported as missing
    if plants is not None:
        problems += [f"{where.where('plants', 'buffer_days')}: {problem}"
                     for problem in plants.check_overrides(params)]
    return plants


def _limits(where: YamlFile[Any], demand: pd.DataFrame, masks: Sequence[Any],
            problems: list[str]) -> tuple[SegmentLimit, ...]:
    """The scenario's segment limits with their edge and demand-row masks."""
    limits = []
    segments = demand["segment"].astype(str).to_numpy()
    for i, (spec, mask) in enumerate(zip(where.model.segment_limits, masks, strict=True)):
        rows = segments == spec.segment
        if not rows.any():
            problems.append(f"{where.where('segment_limits', i, 'segment')}: no demand row has "
                            f"segment {spec.segment!r} (segments: "
                            f"{', '.join(sorted(set(segments)))})")
        if mask is not None:
            limits.append(SegmentLimit(spec.name, np.asarray(mask, dtype=bool), rows,
                                       spec.trucks_day))
    return tuple(limits)


Named = list[tuple[tuple, str | Path]]  # (YAML location, file as written)


def _named_files(where: YamlFile[Any], layers: LayerInputs, named: Named) -> Named:
    """Every file a YAML names: ``named`` plus its layer inputs."""
    named = list(named)
    if layers.crime != "bundled":
        named.append((("layers", "crime"), layers.crime))
    if layers.boundaries is not None:
        named.append((("layers", "boundaries"), layers.boundaries))
    if isinstance(layers.flood, dict):
        named += [(("layers", "flood", rp), tif) for rp, tif in layers.flood.items()]
    return named


def _missing_files(where: YamlFile[Any], named: Named) -> list[str]:
    """A problem for each named file that does not exist."""
    return [f"{where.where(*location)}: file not found: {where.resolve_path(value)}"
            for location, value in named if not where.resolve_path(value).is_file()]


def _inputs(where: YamlFile[Any], named: Named, *bundled: str) -> list[Path | str]:
    """The YAML file, every file it names, and ``bundled`` tables, for the manifest."""
    files: list[Path | str] = [where.path]
    files += [where.resolve_path(value) for _, value in named]
    files += [f"bundled {what}" for what, value in zip(("network", "demand"), bundled,
                                                       strict=False) if value == "bundled"]
    return files


def _checked(problems: list[str], where: YamlFile[Any], location: tuple,
             load: Callable[[], Any]) -> Any:
    """``load()``, or None with its error added to ``problems`` at ``location``'s line."""
    try:
        return load()
    except CorredorError as exc:
        problems.append(f"{where.where(*location)}: {exc}")
        return None


def _raise(where: YamlFile[Any], problems: list[str]) -> None:
    if problems:
        raise ScenarioError(where.path, problems)


def _demand(value: str, where: YamlFile[Any], network: Network) -> pd.DataFrame:
    if value == "bundled":
        return bundled_demand(network)
    return read_demand(where.resolve_path(value), network)


Labelled = tuple[str, Selector, str]  # (problem label, selector, generator key)


def _disruption_selectors(scenario_file: ScenarioFile) -> list[Labelled]:
    return [(f"{scenario_file.where('disruptions', i, 'select')} ({d.name})", d.select,
             "disruption") for i, d in enumerate(scenario_file.model.disruptions)]


def _generator_selectors(where: YamlFile[Any]) -> list[Labelled]:
    """Every Monte Carlo generator's selector of a YAML file, labelled with file and line."""
    spec: MonteCarlo | None = where.model.monte_carlo
    if spec is None:
        return []
    return _labelled_generators(spec, lambda *location: where.where("monte_carlo", *location))


def _labelled_generators(spec: MonteCarlo, label: Callable[..., str]) -> list[Labelled]:
    """Each generator's selector, labelled, with the generator kind it belongs to."""
    found: list[Labelled] = []
    if spec.floods is not None and spec.floods.select is not None:
        found.append((label("floods", "select"), spec.floods.select, "floods"))
    if spec.bridge_failures is not None:
        found.append((label("bridge_failures", "select"), spec.bridge_failures.select,
                      "bridges"))
    for key in ("blockades", "theft_surges"):
        for i, generator in enumerate(getattr(spec, key)):
            found.append((f"{label(key, i, 'select')} ({generator.name})", generator.select,
                          key))
    return found


def event_drawer(network: Network, spec: MonteCarlo, *,
                 areas: dict[Path, shapely.Geometry] | None = None) -> EventDrawer:
    """The Monte Carlo generators of ``spec`` prepared on a weighted network (no YAML file).

    Parameters
    ----------
    network : Network
        The weighted network.
    spec : MonteCarlo
        The generators.
    areas : dict, optional
        Geometries of any ``polygon`` selectors.

    Returns
    -------
    EventDrawer

    Raises
    ------
    CorredorError
        A selector matches nothing, or floods without the flood layer.
    """
    labelled = _labelled_generators(
        spec, lambda *location: "monte_carlo." + ".".join(map(str, location)))
    masks, problems = resolve_selectors(network, [(label, s) for label, s, _ in labelled],
                                        areas=areas)
    if problems:
        raise CorredorError("; ".join(problems))
    return EventDrawer.of(network, spec, _event_masks(labelled, masks))


def _event_masks(labelled: Sequence[Labelled], masks: Sequence[Any]) -> EventMasks:
    by_kind: dict[str, list[Any]] = {"floods": [], "bridges": [], "blockades": [],
                                     "theft_surges": []}
    for (_, _, kind), mask in zip(labelled, masks, strict=True):
        by_kind[kind].append(mask)
    return EventMasks(
        floods=by_kind["floods"][0] if by_kind["floods"] else None,
        bridges=by_kind["bridges"][0] if by_kind["bridges"] else None,
        blockades=by_kind["blockades"], theft_surges=by_kind["theft_surges"],
    )


def _drawer(network: Network, spec: MonteCarlo, labelled: Sequence[Labelled],
            masks: Sequence[Any], where: YamlFile[Any]) -> EventDrawer:
    try:
        return EventDrawer.of(network, spec, _event_masks(labelled, masks))
    except CorredorError as exc:
        raise ScenarioError(where.path, [f"{where.where('monte_carlo')}: {exc}"]) from None


def _resolve(where: YamlFile[Any], network: Network, labelled: Sequence[Labelled],
             problems: list[str]) -> list[np.ndarray]:
    """Edge masks of labelled selectors, reading each polygon file once; problems appended.

    A selector whose polygon cannot be read gets an empty mask and that one problem.
    """
    areas: dict[Path, shapely.Geometry] = {}
    unreadable: set[Path] = set()
    for label, selector, _ in labelled:
        if selector.polygon is None or selector.polygon in areas or selector.polygon in unreadable:
            continue
        try:
            areas[selector.polygon] = read_area(where.resolve_path(selector.polygon))
        except CorredorError as exc:
            problems.append(f"{label}: polygon: {exc}")
            unreadable.add(selector.polygon)
    usable = [(label, s) for label, s, _ in labelled if s.polygon not in unreadable]
    masks, found = resolve_selectors(network, usable, areas=areas)
    problems += found
    empty = np.zeros(len(network.edges), dtype=bool)
    chosen = iter(masks)
    return [empty if s.polygon in unreadable else next(chosen) for _, s, _ in labelled]


def _stress_case(network: Network, path: Path) -> StressCase:
    """A named scenario's disruptions resolved on ``network`` (its own layers are ignored)."""
    scenario_file = load_scenario(path)
    problems: list[str] = []
    masks = _resolve(scenario_file, network, _disruption_selectors(scenario_file), problems)
    _raise(scenario_file, problems)
    scenario = scenario_file.model
    return StressCase(scenario.name, scenario.horizon_days, [
        ActiveDisruption.from_disruption(d, m)
        for d, m in zip(scenario.disruptions, masks, strict=True)
    ])


def _unmet_pairs(simulation: SimulationResult) -> str:
    """The OD pairs the baseline leaves unmet, worst first, for the warning."""
    od = simulation.baseline.od
    worst = od[od["unmet_trucks_day"] > 0].sort_values("unmet_trucks_day", ascending=False)
    shown = ", ".join(f"{r.origin} -> {r.destination} {r.unmet_trucks_day:,.1f}"
                      for r in worst.head(3).itertuples())
    return f"{len(worst)} OD rows, e.g. {shown}"


def _is_sourcing_spec(path: Path) -> bool:
    """Whether a YAML file's top level has the keys only a sourcing spec has."""
    try:
        data = yaml.safe_load(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False  # the scenario loader reports the problem properly
    return isinstance(data, dict) and bool({"buyer", "candidates"} & set(data))

"""Scenario files: a typed schema for YAML, line-numbered errors, and selectors.

A scenario names a network, a demand table, layer inputs and a list of
disruptions, each a *selector* (which edges), an *effect* (what happens to
them) and a *timing* (when). Every problem is collected with the YAML line it
comes from, so ``corredor validate`` shows them all at once; a selector that
matches nothing is an error unless it says ``optional: true``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal, TypeVar

import geopandas as gpd
import networkx as nx
import numpy as np
import pyproj
import shapely
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    ValidationError,
    field_validator,
    model_validator,
)

from corredor.errors import CorredorError
from corredor.layers.capacity import CapacityParams
from corredor.layers.cost import CostParams
from corredor.layers.crime import CrimeParams
from corredor.network import Network
from corredor.reroute import RerouteParams

M = TypeVar("M", bound=BaseModel)


class ScenarioError(CorredorError):
    """A scenario file has problems; ``problems`` holds one ``file:line: message`` each."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        listing = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"{path}: {len(problems)} problem(s)\n{listing}")


class StrictModel(BaseModel):
    """Frozen pydantic model that rejects unknown keys (they are typos in a YAML file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Near(StrictModel):
    """Edges passing within ``radius_km`` of a point."""

    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    radius_km: PositiveFloat


class Selector(StrictModel):
    """Which edges a disruption touches. All given criteria must hold (AND)."""

    edges: list[str] | None = None
    links: list[str] | None = None
    nodes: list[str] | None = None
    ref: str | None = None
    between: tuple[str, str] | None = None
    near: Near | None = None
    polygon: Path | None = None
    crossing: str | None = None
    port: str | None = None
    plant: str | None = None
    bridge: bool | None = None
    road_class: list[str] | None = None
    state: list[str] | None = None
    optional: bool = False

    @field_validator("road_class", "state", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("state", mode="after")
    @classmethod
    def _state_codes(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        return [f"{int(code):02d}" if str(code).isdigit() else str(code) for code in value]

    @model_validator(mode="after")
    def _something_selected(self) -> Selector:
        criteria = self.model_dump(exclude={"optional"}, exclude_none=True)
        if not criteria:
            raise ValueError(
                "selects nothing: give at least one of edges, links, nodes, ref, near, "
                "polygon, crossing, port, plant, bridge, road_class, state"
            )
        if self.between is not None and self.ref is None:
            raise ValueError("'between' needs a 'ref' (the road to follow between the nodes)")
        return self


class Effect(StrictModel):
    """What happens to the selected edges while the disruption is active."""

    close: bool = False
    capacity_factor: float | None = Field(default=None, ge=0)
    speed_factor: float | None = Field(default=None, gt=0)
    cost_surcharge_usd: float | None = Field(default=None, ge=0)
    cost_surcharge_pct: float | None = Field(default=None, ge=0)
    wait_hours: float | None = Field(default=None, ge=0)
    theft_factor: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _does_something(self) -> Effect:
        if not self.close and all(
            value is None for key, value in self.model_dump().items() if key != "close"
        ):
            raise ValueError(
                "no effect: give close: true or one of capacity_factor, speed_factor, "
                "cost_surcharge_usd, cost_surcharge_pct, wait_hours, theft_factor"
            )
        return self


class Timing(StrictModel):
    """When: full effect for ``days`` from ``start_day``, then linear recovery."""

    start_day: int = Field(default=0, ge=0)
    days: int = Field(gt=0)
    recovery_days: int = Field(default=0, ge=0)

    def intensity(self, day: int) -> float:
        """1 while active, falling linearly to 0 over the recovery days, 0 otherwise."""
        end = self.start_day + self.days
        if self.start_day <= day < end:
            return 1.0
        if end <= day < end + self.recovery_days:
            return 1.0 - (day - end + 1) / (self.recovery_days + 1)
        return 0.0


class Disruption(StrictModel):
    name: str = Field(min_length=1)
    select: Selector
    effect: Effect
    timing: Timing


class Duration(StrictModel):
    """How long an event lasts, drawn per event, in whole days (at least 1).

    ``fixed``: ``days``; ``uniform``: between ``min_days`` and ``max_days``;
    ``exponential``: mean ``days``; ``lognormal``: median ``days`` and log-sd
    ``sigma``. ``max_days`` caps any draw.
    """

    distribution: Literal["fixed", "uniform", "exponential", "lognormal"] = "fixed"
    days: PositiveFloat | None = None
    min_days: PositiveFloat | None = None
    max_days: PositiveFloat | None = None
    sigma: PositiveFloat | None = None

    @model_validator(mode="after")
    def _parameters_given(self) -> Duration:
        needs = {
            "fixed": ("days",),
            "uniform": ("min_days", "max_days"),
            "exponential": ("days",),
            "lognormal": ("days", "sigma"),
        }[self.distribution]
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.distribution} duration needs {', '.join(missing)}")
        if self.distribution == "uniform" and self.min_days > self.max_days:
            raise ValueError("min_days is above max_days")
        return self

    def draw(self, rng: np.random.Generator) -> int:
        if self.distribution == "fixed":
            value = self.days
        elif self.distribution == "uniform":
            value = rng.uniform(self.min_days, self.max_days)
        elif self.distribution == "exponential":
            value = rng.exponential(self.days)
        else:
            value = self.days * float(np.exp(rng.normal(0.0, self.sigma)))
        if self.max_days is not None:
            value = min(value, self.max_days)
        return max(1, round(value))


class FloodEvents(StrictModel):
    """Floods drawn from the flood layer: one annual-maximum return period per region.

    Each region (an INEGI state) draws ``T = 1/u``; every edge there gets the
    depth interpolated at ``T`` from the flood layer's return-period columns,
    closes with the fragility curve's probability (both directions of a link
    together) for the curve's closure days, starting on a day drawn in
    ``season`` (day-of-year window; default June-October, the Mexican rainy
    and hurricane season: assumption).
    """

    season: tuple[int, int] = (152, 304)
    select: Selector | None = None


class BridgeFailures(StrictModel):
    """Each selected bridge link fails in a year with ``annual_probability``."""

    annual_probability: float = Field(gt=0, le=1)
    duration: Duration
    select: Selector = Field(default_factory=lambda: Selector(bridge=True))


class RandomEvents(StrictModel):
    """Poisson arrivals at ``rate_per_year``; each hits one link drawn from ``select``
    (``scope: link``) or all selected edges at once (``scope: all``)."""

    name: str = Field(min_length=1)
    rate_per_year: float = Field(ge=0)
    select: Selector
    scope: Literal["link", "all"] = "link"
    duration: Duration
    effect: Effect = Field(default_factory=lambda: Effect(close=True))


class MonteCarlo(StrictModel):
    """Seeded random years of events; ``runs`` independent draws of ``horizon_days``."""

    runs: int = Field(gt=0, le=100_000)
    seed: int = Field(ge=0)
    horizon_days: int = Field(default=365, gt=0, le=3650)
    floods: FloodEvents | None = None
    bridge_failures: BridgeFailures | None = None
    blockades: list[RandomEvents] = Field(default_factory=list)
    theft_surges: list[RandomEvents] = Field(default_factory=list)


class LayerInputs(StrictModel):
    """Layer inputs and overrides: the same options as ``corredor layers``."""

    crime: str = "bundled"
    boundaries: Path | None = None
    flood: Literal["screening", "none"] | dict[int, Path] = "screening"
    capacity: CapacityParams = Field(default_factory=CapacityParams)
    crime_params: CrimeParams = Field(default_factory=CrimeParams)
    cost: CostParams = Field(default_factory=CostParams)


class Scenario(StrictModel):
    """A whole scenario file. Paths are relative to the file's folder."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    description: str = ""
    network: str = "bundled"
    demand: str = "bundled"
    horizon_days: int = Field(gt=0, le=3650)
    layers: LayerInputs = Field(default_factory=LayerInputs)
    reroute: RerouteParams = Field(default_factory=RerouteParams)
    disruptions: list[Disruption] = Field(default_factory=list)
    monte_carlo: MonteCarlo | None = None

    @model_validator(mode="after")
    def _timings_fit_the_horizon(self) -> Scenario:
        for disruption in self.disruptions:
            if disruption.timing.start_day >= self.horizon_days:
                raise ValueError(
                    f"disruption {disruption.name!r} starts on day "
                    f"{disruption.timing.start_day}, after the horizon of "
                    f"{self.horizon_days} days"
                )
        return self


@dataclass(frozen=True)
class ScenarioFile:
    """A validated scenario with where it came from (for paths and error lines)."""

    scenario: Scenario
    path: Path
    lines: dict[tuple, int]

    @property
    def folder(self) -> Path:
        return self.path.parent

    def resolve_path(self, value: str | Path) -> Path:
        path = Path(value)
        return path if path.is_absolute() else self.folder / path

    def line(self, *location: Any) -> int:
        """The YAML line of a location such as ``("disruptions", 0, "select")``."""
        return yaml_line(self.lines, location)


def load_yaml_model(path: str | Path, model: type[M], *, what: str) -> tuple[M, dict[tuple, int]]:
    """Parse a YAML file into a strict pydantic ``model``; every problem comes with its line.

    Returns the instance and the line of every key (for later error messages);
    raises one ``ScenarioError`` listing all problems.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(path, [f"{path}: no such {what} file"])
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(path, [f"{path}:{line}: malformed YAML: {reason}"]) from None
    lines = _node_lines(root) if root is not None else {}
    if not isinstance(data, dict):
        raise ScenarioError(path, [f"{path}:1: a {what} is a mapping of keys (name, ...)"])
    try:
        instance = model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            location = tuple(
                part
                for part in error["loc"]
                if not isinstance(part, str)
                or not part.startswith(("function-", "literal[", "dict["))
            )
            where = ".".join(str(part) for part in location) or "(top level)"
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = f"unknown key (check the spelling; see the README's {what} format)"
            problems.append(f"{path}:{yaml_line(lines, location)}: {where}: {message}")
        raise ScenarioError(path, sorted(set(problems), key=_line_order)) from None
    return instance, lines


def load_scenario(path: str | Path) -> ScenarioFile:
    """Parse and validate a scenario file; every problem is reported with its line."""
    scenario, lines = load_yaml_model(path, Scenario, what="scenario")
    return ScenarioFile(scenario=scenario, path=Path(path), lines=lines)


def check_inputs(scenario_file: ScenarioFile) -> list[str]:
    """Problems with files the scenario names (network, demand, polygons, rasters)."""
    scenario = scenario_file.scenario
    problems = []
    named: list[tuple[tuple, str | Path]] = []
    if scenario.network != "bundled":
        named.append((("network",), scenario.network))
    if scenario.demand != "bundled":
        named.append((("demand",), scenario.demand))
    if scenario.layers.crime != "bundled":
        named.append((("layers", "crime"), scenario.layers.crime))
    if scenario.layers.boundaries is not None:
        named.append((("layers", "boundaries"), scenario.layers.boundaries))
    if isinstance(scenario.layers.flood, dict):
        named += [(("layers", "flood", rp), tif) for rp, tif in scenario.layers.flood.items()]
    for i, disruption in enumerate(scenario.disruptions):
        if disruption.select.polygon is not None:
            named.append((("disruptions", i, "select", "polygon"), disruption.select.polygon))
    for location, value in named:
        if not scenario_file.resolve_path(value).is_file():
            problems.append(
                f"{scenario_file.path}:{scenario_file.line(*location)}: "
                f"{'.'.join(map(str, location))}: file not found: "
                f"{scenario_file.resolve_path(value)}"
            )
    return problems


def select_edges(network: Network, selector: Selector, *, folder: Path = Path()) -> np.ndarray:
    """Boolean mask of the edges matching every criterion of ``selector``."""
    edges = network.edges
    mask = np.ones(len(edges), dtype=bool)
    if selector.edges is not None:
        mask &= edges["edge_id"].isin(selector.edges).to_numpy()
    if selector.links is not None:
        mask &= _column(edges, "link_id").isin(selector.links).to_numpy()
    if selector.nodes is not None:
        mask &= (edges["u"].isin(selector.nodes) | edges["v"].isin(selector.nodes)).to_numpy()
    if selector.ref is not None:
        on_ref = _on_ref(edges, selector.ref)
        if selector.between is not None:
            on_ref = on_ref & _between(network, on_ref, *selector.between)
        mask &= on_ref
    if selector.near is not None:
        mask &= _near(edges, selector.near)
    if selector.polygon is not None:
        area = gpd.read_file(folder / selector.polygon).to_crs(edges.crs).union_all()
        mask &= edges.geometry.intersects(area).to_numpy()
    for kind, value in (("port", selector.port), ("plant", selector.plant)):
        if value is not None:
            mask &= _facility_edges(network, kind, value)
    if selector.crossing is not None:
        names = edges["name"].map(_fold)
        mask &= (
            edges["road_class"].eq("border")
            & names.str.contains(_fold(selector.crossing), regex=False)
        ).to_numpy()
    if selector.bridge is not None:
        mask &= edges["bridge"].eq(selector.bridge).to_numpy()
    if selector.road_class is not None:
        mask &= edges["road_class"].isin(selector.road_class).to_numpy()
    if selector.state is not None:
        states = edges["state"].str.split(";")
        wanted = set(selector.state)
        mask &= states.map(lambda codes: bool(wanted & set(codes))).to_numpy()
    return mask


def resolve_disruptions(scenario_file: ScenarioFile, network: Network) -> list[np.ndarray]:
    """One edge mask per disruption; an empty non-optional selection is an error."""
    masks, problems = [], []
    for i, disruption in enumerate(scenario_file.scenario.disruptions):
        try:
            mask = select_edges(network, disruption.select, folder=scenario_file.folder)
        except CorredorError as exc:
            mask = np.zeros(len(network.edges), dtype=bool)
            problems.append(
                f"{scenario_file.path}:{scenario_file.line('disruptions', i, 'select')}: "
                f"disruptions.{i}.select ({disruption.name}): {exc}"
            )
        else:
            if not mask.any() and not disruption.select.optional:
                criteria = disruption.select.model_dump(exclude={"optional"}, exclude_none=True)
                problems.append(
                    f"{scenario_file.path}:{scenario_file.line('disruptions', i, 'select')}: "
                    f"disruptions.{i}.select ({disruption.name}) matches no edge: {criteria} "
                    "(add optional: true if that is expected)"
                )
        masks.append(mask)
    if problems:
        raise ScenarioError(scenario_file.path, problems)
    return masks


# -- selector helpers -------------------------------------------------------------


def _column(edges: gpd.GeoDataFrame, name: str):
    if name not in edges.columns:
        raise CorredorError(f"the network's edges have no '{name}' column")
    return edges[name]


def _on_ref(edges: gpd.GeoDataFrame, ref: str) -> np.ndarray:
    """Edges whose ref (or any of their ``refs``, ';'-separated) is ``ref``."""
    wanted = _canonical_ref(ref)
    match = edges["ref"].map(_canonical_ref).eq(wanted)
    if "refs" in edges.columns:
        match |= (
            edges["refs"]
            .fillna("")
            .map(lambda refs: wanted in {_canonical_ref(r) for r in str(refs).split(";")})
        )
    return match.to_numpy()


def _canonical_ref(ref: str) -> str:
    return str(ref).strip().upper().replace(" ", "-")


def _between(network: Network, on_ref: np.ndarray, start: str, end: str) -> np.ndarray:
    """Edges (both directions) on the shortest stretch of the road between two nodes."""
    edges = network.edges
    for node in (start, end):
        if node not in network.node_index:
            raise CorredorError(f"'between' names {node!r}, which is not a node of the network")
    road = edges[on_ref]
    graph = nx.Graph()
    for edge in road.itertuples():
        graph.add_edge(edge.u, edge.v, weight=edge.length_km)
    try:
        path = nx.shortest_path(graph, start, end, weight="weight")
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        raise CorredorError(
            f"the road does not run between {start} and {end} in this network"
        ) from None
    pairs = {frozenset(pair) for pair in pairwise(path)}
    pair_of = [frozenset((u, v)) for u, v in zip(edges["u"], edges["v"], strict=True)]
    return on_ref & np.array([pair in pairs for pair in pair_of])


def _near(edges: gpd.GeoDataFrame, near: Near) -> np.ndarray:
    """Edges within ``radius_km`` of the point, measured in an equidistant projection."""
    local = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={near.lat} +lon_0={near.lon} +units=m")
    projected = edges.geometry.to_crs(local)
    return (
        shapely.distance(projected.to_numpy(), shapely.Point(0, 0)) <= near.radius_km * 1000
    ).astype(bool)


def _facility_edges(network: Network, kind: str, name: str) -> np.ndarray:
    """Edges touching the port or plant whose name (or id) contains ``name``."""
    nodes = network.nodes[network.nodes["kind"] == kind]
    wanted = _fold(name)
    hits = nodes[
        nodes["name"].map(_fold).str.contains(wanted, regex=False)
        | nodes["node_id"].map(_fold).str.contains(wanted, regex=False)
    ]
    if hits.empty:
        known = ", ".join(sorted(nodes["name"]))[:300]
        raise CorredorError(f"no {kind} named {name!r} (known: {known})")
    ids = set(hits["node_id"])
    return (network.edges["u"].isin(ids) | network.edges["v"].isin(ids)).to_numpy()


def _fold(text: str) -> str:
    """Case- and accent-insensitive form for name matching ('Lázaro' ~ 'lazaro')."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return plain.casefold()


# -- YAML line bookkeeping --------------------------------------------------------


def _node_lines(node: yaml.Node, location: tuple = ()) -> dict[tuple, int]:
    """Line (1-based) of every mapping key and sequence item, keyed by its path."""
    lines = {location: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            if isinstance(key, str) and key.isdigit():
                lines[(*location, int(key))] = key_node.start_mark.line + 1
            child = _node_lines(value_node, (*location, key))
            child[(*location, key)] = key_node.start_mark.line + 1
            lines.update(child)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(_node_lines(item, (*location, index)))
    return lines


def yaml_line(lines: dict[tuple, int], location: tuple) -> int:
    for end in range(len(location), -1, -1):
        if location[:end] in lines:
            return lines[location[:end]]
    return 1


def _line_order(problem: str) -> tuple[int, str]:
    try:
        return int(problem.split(":")[1]), problem
    except (IndexError, ValueError):
        return 0, problem

"""The freight network: nodes and directed edges as two GeoDataFrames.

Everything else in corredor reads a ``Network``: layers add columns to its
edges, scenarios select its edges and nodes by id, the router compiles it once
into CSR arrays. The schema below is the contract; ``validate`` checks all of
it and reports every fault in one error, so a user fixes a table in one pass.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyogrio
from pyogrio.errors import DataSourceError
from shapely.geometry import LineString, Point

from corredor.errors import DataFileError, NetworkValidationError
from corredor.graph import CompiledGraph

__all__ = [
    "CRS",
    "EDGE_COLUMNS",
    "GPKG_VERSION",
    "NODE_COLUMNS",
    "NODE_KINDS",
    "OPTIONAL_EDGE_VALUES",
    "OPTIONAL_NODE_VALUES",
    "ROAD_CLASSES",
    "Network",
    "link_keys",
    "require_flat",
    "undirected_links",
]

CRS = "EPSG:4326"

#: GeoPackage version corredor writes: 1.2, so QGIS 3.22 LTR (GDAL 3.6) opens every file without
#: the "user_version ... may only be partially supported" warning it gives for GDAL's default 1.4.
GPKG_VERSION = "1.2"

#: Core node columns and their dtypes (layers may add more, never rename these).
NODE_COLUMNS: dict[str, str] = {
    "node_id": "str",
    "kind": "str",
    "name": "str",
    "state": "str",
    "capacity_trucks_day": "float64",
}

#: Core edge columns and their dtypes.
EDGE_COLUMNS: dict[str, str] = {
    "edge_id": "str",
    "u": "str",
    "v": "str",
    "ref": "str",
    "name": "str",
    "road_class": "str",
    "toll": "bool",
    "lanes": "float64",
    "bridge": "bool",
    "length_km": "float64",
    "speed_kph": "float64",
    "capacity_trucks_day": "float64",
    "state": "str",
    "source": "str",
}

#: Edge columns that must have a value on every row (others may be blank/NaN).
REQUIRED_EDGE_VALUES = ("u", "v", "road_class", "lanes", "speed_kph")

NODE_KINDS = frozenset(
    {
        "junction",
        "city",
        "port",
        "border_crossing",
        "us_gateway",
        "us_region",
        "foreign_city",
        "plant",
        "supplier",
    }
)

ROAD_CLASSES = frozenset(
    {
        "motorway",
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "border",
        "port_access",
        "connector",
        "us_highway",
        "foreign_highway",
    }
)


#: Optional node columns and the value a table without them gets.
OPTIONAL_NODE_VALUES: dict[str, object] = {"name": "", "state": "", "capacity_trucks_day": np.nan}
#: Optional edge columns and the value a table without them gets (capacity NaN: the
#: capacity layer derives one; no toll, no bridge; ``source`` says it was not given).
OPTIONAL_EDGE_VALUES: dict[str, object] = {
    "ref": "", "name": "", "toll": False, "bridge": False, "capacity_trucks_day": np.nan,
    "state": "", "source": "not given",
}


@dataclass(frozen=True, eq=False)
class Network:
    """A directed freight network in EPSG:4326.

    ``nodes`` has one row per node (``node_id`` unique); ``edges`` has one row
    per directed edge (``edge_id`` unique, ``u`` -> ``v``). A two-way road is
    two edges whose geometries are each other's reverse. Row order of
    ``edges`` is the edge index used by the compiled router.
    """

    nodes: gpd.GeoDataFrame
    edges: gpd.GeoDataFrame

    @classmethod
    def from_frames(
        cls, nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame, *, validate: bool = True
    ) -> Network:
        """Build a network from node and edge tables, normalising dtypes and index.

        Missing optional columns (``OPTIONAL_NODE_VALUES``, ``OPTIONAL_EDGE_VALUES``) are
        added with their defaults.

        Parameters
        ----------
        nodes, edges : geopandas.GeoDataFrame
            The tables (see the module docstring for the schema).
        validate : bool, default True
            Check the schema and raise on any fault.

        Returns
        -------
        Network

        Raises
        ------
        NetworkValidationError
            Listing every fault (with ``validate``).
        """
        network = cls(
            nodes=_normalise(_with_defaults(nodes, OPTIONAL_NODE_VALUES), NODE_COLUMNS),
            edges=_normalise(_with_defaults(edges, OPTIONAL_EDGE_VALUES), EDGE_COLUMNS),
        )
        if validate:
            network.validate()
        return network

    # -- checks -----------------------------------------------------------------

    def problems(self) -> list[str]:
        """Every schema fault of this network, as readable sentences (empty if valid)."""
        found: list[str] = []
        for layer, frame in (("nodes", self.nodes), ("edges", self.edges)):
            if len(frame) == 0:
                found.append(f"{layer}: the layer is empty; a network needs at least one row")
        found += _frame_problems(self.nodes, NODE_COLUMNS, "nodes", "node_id", "Point")
        found += _frame_problems(self.edges, EDGE_COLUMNS, "edges", "edge_id", "LineString")
        ids = (self.edges["edge_id"].astype(str) if "edge_id" in self.edges.columns
               else pd.Series(self.edges.index.astype(str), index=self.edges.index))
        if {"u", "v"} <= set(self.edges.columns) and "node_id" in self.nodes.columns:
            known = set(self.nodes["node_id"])
            for end in ("u", "v"):
                dangling = ~self.edges[end].isin(known).to_numpy()
                if dangling.any():
                    examples = ", ".join(
                        f"{edge}->{node}" for edge, node in
                        zip(ids[dangling][:5], self.edges[end][dangling][:5], strict=True)
                    )
                    found.append(
                        f"edges: {int(dangling.sum())} edges have a '{end}' that is not a node_id "
                        f"(e.g. {examples})"
                    )
        found += _missing_values(self.edges, REQUIRED_EDGE_VALUES, "edges", "edge_id")
        if "length_km" in self.edges.columns:
            lengths = pd.to_numeric(self.edges["length_km"], errors="coerce")
            bad = ids[~(lengths > 0)]
            if len(bad):
                found.append(
                    f"edges: {len(bad)} edges have a length_km that is not a positive number "
                    f"(e.g. {', '.join(map(str, bad.head(5)))})"
                )
        return found

    def validate(self) -> Network:
        """Raise one ``NetworkValidationError`` naming every fault; return self if valid."""
        found = self.problems()
        if found:
            raise NetworkValidationError(found)
        return self

    # -- lookups ----------------------------------------------------------------

    @cached_property
    def node_index(self) -> dict[str, int]:
        """Row position of each node id."""
        return {node_id: i for i, node_id in enumerate(self.nodes["node_id"])}

    @cached_property
    def edge_index(self) -> dict[str, int]:
        """Row position of each edge id."""
        return {edge_id: i for i, edge_id in enumerate(self.edges["edge_id"])}

    @cached_property
    def compiled(self) -> CompiledGraph:
        """The CSR form used for routing, built once per network."""
        return CompiledGraph.from_ids(self.nodes["node_id"], self.edges["u"], self.edges["v"])

    def with_edges(self, edges: gpd.GeoDataFrame) -> Network:
        """A copy with new edge columns (same rows, same order): how layers add weights."""
        if len(edges) != len(self.edges) or not edges["edge_id"].equals(self.edges["edge_id"]):
            raise ValueError("with_edges needs the same edges in the same order")
        return Network(nodes=self.nodes, edges=edges.reset_index(drop=True))

    # -- networkx interchange ---------------------------------------------------

    def to_networkx(self) -> nx.MultiDiGraph:
        """An osmnx-compatible MultiDiGraph (``x``/``y`` on nodes, ``length`` in metres).

        Edge keys are the edge's position among parallel edges; every column is
        kept as an attribute, ``edge_id`` included, and the graph remembers the
        edge order, so ``from_networkx`` restores the same network.
        """
        graph = nx.MultiDiGraph(crs=CRS, edge_order=list(self.edges["edge_id"]))
        node_records = self.nodes.drop(columns="geometry").to_dict("records")
        for record, point in zip(node_records, self.nodes.geometry, strict=True):
            graph.add_node(record["node_id"], x=point.x, y=point.y, **record)
        edge_records = self.edges.drop(columns="geometry").to_dict("records")
        for record, line in zip(edge_records, self.edges.geometry, strict=True):
            graph.add_edge(
                record["u"],
                record["v"],
                length=record["length_km"] * 1000.0,
                geometry=line,
                **record,
            )
        return graph

    @classmethod
    def from_networkx(cls, graph: nx.MultiDiGraph) -> Network:
        """Build a network from a MultiDiGraph such as ``to_networkx`` or osmnx produce.

        Nodes need ``x`` and ``y``; edges need ``road_class``, ``lanes``,
        ``speed_kph`` and ``length_km`` (or osmnx's ``length`` in metres): a
        missing one is reported by validation. Descriptive columns get neutral
        values when absent (``kind='junction'``, empty names/refs/states, no
        toll, no bridge, unknown capacity); missing ids become
        ``"<u>-<v>-<key>"``, missing geometries straight lines.
        """
        node_rows = []
        for node, data in graph.nodes(data=True):
            row = {k: v for k, v in data.items() if k not in ("x", "y")}
            row["node_id"] = str(node)
            row["geometry"] = Point(data["x"], data["y"])
            node_rows.append({"kind": "junction", **row})
        nodes = gpd.GeoDataFrame(node_rows, geometry="geometry", crs=graph.graph.get("crs", CRS))
        coords = {str(n): (d["x"], d["y"]) for n, d in graph.nodes(data=True)}
        edge_rows = []
        for u, v, key, data in graph.edges(keys=True, data=True):
            row = {k: val for k, val in data.items() if k != "length"}
            row["u"], row["v"] = str(u), str(v)
            row.setdefault("edge_id", f"{u}-{v}-{key}")
            if "length_km" not in row and "length" in data:
                row["length_km"] = float(data["length"]) / 1000.0
            row.setdefault("geometry", LineString([coords[str(u)], coords[str(v)]]))
            edge_rows.append({"source": "networkx graph", **row})
        edges = gpd.GeoDataFrame(edge_rows, geometry="geometry", crs=nodes.crs)
        order = graph.graph.get("edge_order")
        if order is not None and sorted(order) == sorted(edges["edge_id"]):
            position = {edge_id: i for i, edge_id in enumerate(order)}
            edges = edges.iloc[edges["edge_id"].map(position).argsort()]
        return cls.from_frames(nodes, edges)

    # -- GeoPackage -------------------------------------------------------------

    def to_gpkg(self, path: str | os.PathLike[str]) -> Path:
        """Write ``nodes`` and ``edges`` layers to a GeoPackage, atomically."""
        path = Path(path)
        for frame, layer in ((self.nodes, "nodes"), (self.edges, "edges")):
            require_flat(frame, layer)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(suffix=".gpkg", dir=path.parent, prefix=".tmp-")
        os.close(fd)
        tmp = Path(tmp_name)
        tmp.unlink()
        try:
            pyogrio.write_dataframe(self.nodes, tmp, layer="nodes", driver="GPKG",
                                    dataset_options={"VERSION": GPKG_VERSION})
            pyogrio.write_dataframe(self.edges, tmp, layer="edges", driver="GPKG", append=True)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
        return path

    @classmethod
    def from_gpkg(cls, path: str | os.PathLike[str]) -> Network:
        """Read a GeoPackage with ``nodes`` and ``edges`` layers and validate it."""
        path = Path(path)
        if not path.is_file():
            raise DataFileError(f"{path}: no such file (expected a GeoPackage with nodes/edges)")
        try:
            layers = {name for name, _ in pyogrio.list_layers(path)}
        except DataSourceError as exc:
            raise DataFileError(f"{path}: not a readable GeoPackage ({exc})") from exc
        missing = {"nodes", "edges"} - layers
        if missing:
            raise DataFileError(
                f"{path}: missing layer(s) {sorted(missing)}; a network GeoPackage needs "
                f"'nodes' and 'edges' (found {sorted(layers)})"
            )
        nodes = pyogrio.read_dataframe(path, layer="nodes")
        edges = pyogrio.read_dataframe(path, layer="edges")
        try:
            return cls.from_frames(nodes, edges)
        except NetworkValidationError as exc:
            raise NetworkValidationError(exc.problems, what=str(path)) from None


def link_keys(network: Network) -> np.ndarray:
    """The physical link of each edge: ``link_id`` where present, else the edge id.

    Parameters
    ----------
    network : Network
        Any network.

    Returns
    -------
    numpy.ndarray
        One key (object) per edge, in edge order.
    """
    edges = network.edges
    key = edges["link_id"] if "link_id" in edges.columns else edges["edge_id"]
    return key.to_numpy(dtype=object)


def undirected_links(network: Network) -> pd.DataFrame:
    """One row per physical link: edges sharing a ``link_id`` (both directions) count once.

    Parameters
    ----------
    network : Network
        Any network.

    Returns
    -------
    pandas.DataFrame
        The first edge row of each link (without geometry), in edge order; its index is
        the edge row position.
    """
    edges = network.edges.drop(columns="geometry")
    return edges.loc[~pd.Series(link_keys(network), index=edges.index).duplicated()]


# -- helpers --------------------------------------------------------------------


def _with_defaults(frame: gpd.GeoDataFrame, defaults: dict[str, object]) -> gpd.GeoDataFrame:
    """``frame`` with each missing optional column added at its default value."""
    missing = {column: value for column, value in defaults.items() if column not in frame}
    return frame.assign(**missing) if missing else frame


def _normalise(frame: gpd.GeoDataFrame, columns: dict[str, str]) -> gpd.GeoDataFrame:
    """Fresh RangeIndex, core columns first with their canonical dtypes.

    Columns that cannot be converted are left alone so ``validate`` can name them.
    """
    frame = gpd.GeoDataFrame(frame).reset_index(drop=True).copy()
    for column, dtype in columns.items():
        if column not in frame.columns:
            continue
        try:
            if dtype == "str":
                frame[column] = frame[column].fillna("").astype("str")
            elif dtype == "bool":
                frame[column] = frame[column].map(_as_bool).astype("bool")
            else:
                frame[column] = pd.to_numeric(frame[column]).astype(dtype)
        except (ValueError, TypeError):
            continue
    core = [c for c in columns if c in frame.columns]
    rest = [c for c in frame.columns if c not in columns and c != "geometry"]
    ordered = core + rest + (["geometry"] if "geometry" in frame.columns else [])
    return gpd.GeoDataFrame(frame[ordered], geometry="geometry" if "geometry" in frame else None)


def _as_bool(value: object) -> bool:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in {"true", "yes", "1", "t", "y"}:
            return True
        if text in {"false", "no", "0", "f", "n", ""}:
            return False
        raise ValueError(value)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return False
    return bool(value)


def _frame_problems(
    frame: gpd.GeoDataFrame, columns: dict[str, str], layer: str, id_column: str, geom_type: str
) -> list[str]:
    found: list[str] = []
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        found.append(f"{layer}: missing column(s) {', '.join(missing)}")
    for column, dtype in columns.items():
        if column in frame.columns and not _has_dtype(frame[column], dtype):
            found.append(f"{layer}: column '{column}' should be {dtype}, is {frame[column].dtype}")
    if id_column in frame.columns:
        duplicated = frame.loc[frame[id_column].duplicated(keep=False), id_column]
        if len(duplicated):
            names = ", ".join(sorted(set(map(str, duplicated)))[:5])
            found.append(f"{layer}: duplicate {id_column} values ({names})")
        empty = frame[id_column].astype("str").str.strip() == ""
        if empty.any():
            found.append(f"{layer}: {int(empty.sum())} rows have an empty {id_column}")
    if not isinstance(frame, gpd.GeoDataFrame) or not _has_geometry(frame):
        found.append(f"{layer}: no geometry column")
        return found
    if frame.crs is None or not frame.crs.equals(CRS):
        found.append(f"{layer}: CRS is {frame.crs}, expected {CRS} (reproject with to_crs)")
    geoms = frame.geometry
    ids = (
        frame[id_column].astype("str") if id_column in frame.columns else frame.index.astype("str")
    )
    bad = geoms.isna() | geoms.is_empty | ~geoms.is_valid | (geoms.geom_type != geom_type)
    if bad.any():
        found.append(
            f"{layer}: {int(bad.sum())} rows have a missing, empty, invalid or non-{geom_type} "
            f"geometry (e.g. {', '.join(ids[bad].head(5))})"
        )
    return found


def _has_geometry(frame: gpd.GeoDataFrame) -> bool:
    """Whether the frame has an active geometry column that exists."""
    try:
        return frame.geometry.name in frame.columns
    except AttributeError:  # geopandas: no active geometry column set
        return False


def _missing_values(
    frame: gpd.GeoDataFrame, columns: tuple[str, ...], layer: str, id_column: str
) -> list[str]:
    counts = {}
    for column in columns:
        if column in frame.columns:
            values = frame[column]
            blank = values.isna() | (values.astype("str").str.strip() == "")
            if blank.any():
                counts[column] = int(blank.sum())
    if not counts:
        return []
    listed = ", ".join(f"{column} ({n} rows)" for column, n in counts.items())
    return [f"{layer}: missing values in required column(s) {listed}"]


def _has_dtype(series: pd.Series, dtype: str) -> bool:
    if dtype == "str":
        return pd.api.types.is_string_dtype(series)
    if dtype == "bool":
        return pd.api.types.is_bool_dtype(series)
    return pd.api.types.is_float_dtype(series)


def require_flat(frame: gpd.GeoDataFrame, layer: str) -> None:
    """GeoPackage columns must be scalars: refuse lists/dicts rather than stringify them.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        A layer about to be written.
    layer : str
        Its name, for the message.

    Raises
    ------
    DataFileError
        A column holds lists, tuples, dicts or sets.
    """
    for column in frame.columns:
        if column == frame.geometry.name or frame[column].dtype != object:
            continue
        nested = frame[column].map(lambda value: isinstance(value, (list, tuple, dict, set)))
        if nested.any():
            raise DataFileError(
                f"{layer}: column '{column}' holds lists or dicts; flatten it before writing"
            )

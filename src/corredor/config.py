"""Typed settings and YAML files: ``StrictModel`` and loading with line numbers.

Every parameter class (capacity, crime, flood, cost, rerouting, criticality)
and every YAML schema (scenario, sourcing spec) is a ``StrictModel``: unknown
keys are errors (they are typos), values are frozen, and numbers must be
finite (``1e400`` and ``.inf`` are refused). ``load_yaml`` parses a file into
such a model and reports every problem with the line it comes from, including
duplicate keys (YAML itself lets the last one win silently).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from corredor.errors import ScenarioError

__all__ = ["StrictModel", "YamlFile", "load_yaml", "yaml_line"]


class StrictModel(BaseModel):
    """Frozen pydantic model: unknown keys are errors, numbers must be finite."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class YamlFile(Generic[M]):
    """A validated YAML model with where it came from, for relative paths and error lines.

    Attributes
    ----------
    model : StrictModel
        The validated content.
    path : Path
        The file it was read from.
    lines : dict
        Line (1-based) of every key and list item, keyed by its location tuple.
    """

    model: M
    path: Path
    lines: dict[tuple, int]

    @property
    def folder(self) -> Path:
        """The folder relative paths in the file are resolved against."""
        return self.path.parent

    def resolve_path(self, value: str | Path) -> Path:
        """``value`` if absolute, else relative to the file's folder."""
        path = Path(value)
        return path if path.is_absolute() else self.folder / path

    def line(self, *location: Any) -> int:
        """The YAML line of a location such as ``("disruptions", 0, "select")``."""
        return yaml_line(self.lines, location)

    def where(self, *location: Any) -> str:
        """``file:line: a.b.c`` for a location, the prefix of every problem message."""
        dotted = ".".join(map(str, location)) or "(top level)"
        return f"{self.path}:{self.line(*location)}: {dotted}"


def load_yaml(path: str | Path, model: type[M], *, what: str) -> YamlFile[M]:
    """Parse a YAML file into a strict ``model``; every problem comes with its line.

    Parameters
    ----------
    path : str or Path
        The file to read (UTF-8, with or without a byte-order mark).
    model : type
        The pydantic model the file must satisfy.
    what : str
        What the file is ("scenario", "sourcing spec"), for messages.

    Returns
    -------
    YamlFile
        The validated model, its path and the line of every key.

    Raises
    ------
    ScenarioError
        Listing every problem: unreadable or binary file, malformed YAML, duplicate
        keys, unknown keys, missing or invalid values.
    """
    path = Path(path)
    root, data = _parse(path, what)
    lines = _node_lines(root) if root is not None else {}
    problems = _duplicate_keys(root, path) if root is not None else []
    if not isinstance(data, dict):
        raise ScenarioError(path, [f"{path}:1: a {what} is a mapping of keys (name, ...)"])
    try:
        instance = model.model_validate(data)
    except ValidationError as exc:
        problems += [_problem(path, lines, error, what) for error in exc.errors()]
    if problems:
        raise ScenarioError(path, sorted(set(problems), key=_line_order)) from None
    return YamlFile(model=instance, path=path, lines=lines)


def _parse(path: Path, what: str) -> tuple[yaml.Node | None, Any]:
    """The composed node tree and the plain data of a YAML file, or one clear error."""
    if not path.is_file():
        raise ScenarioError(path, [f"{path}: no such {what} file"])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(path, [f"{path}: cannot be read ({exc.strerror})"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(path, [f"{path}: not a UTF-8 text file (byte {exc.start} cannot be "
                                   f"decoded); a {what} is a YAML text file"]) from None
    if "\x00" in text:
        raise ScenarioError(path, [f"{path}: a binary file, not a YAML {what}"])
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader), yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(path, [f"{path}:{line}: malformed YAML: {reason}"]) from None


def _problem(path: Path, lines: dict[tuple, int], error: Any, what: str) -> str:
    """One pydantic error as ``file:line: location: message``."""
    location = tuple(
        part
        for part in error["loc"]
        if not isinstance(part, str) or not part.startswith(("function-", "literal[", "dict["))
    )
    where = ".".join(str(part) for part in location) or "(top level)"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = f"unknown key (check the spelling; see the README's {what} format)"
    elif error["type"] == "finite_number":
        message = "must be a finite number (not inf or nan, and within float range)"
    return f"{path}:{yaml_line(lines, location)}: {where}: {message}"


def _duplicate_keys(node: yaml.Node, path: Path) -> list[str]:
    """Every key given twice in one mapping (YAML would silently keep the last)."""
    found: list[str] = []
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key_node, value_node in node.value:
            key, line = str(key_node.value), key_node.start_mark.line + 1
            if key in first:
                found.append(f"{path}:{line}: duplicate key {key!r} (first given on line "
                             f"{first[key]}); give each key once")
            else:
                first[key] = line
            found += _duplicate_keys(value_node, path)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found += _duplicate_keys(item, path)
    return found


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
    """The line of ``location``, or of its nearest enclosing key (1 if none).

    Parameters
    ----------
    lines : dict
        As in ``YamlFile.lines``.
    location : tuple
        Keys and list indices from the top, e.g. ``("disruptions", 0, "select")``.

    Returns
    -------
    int
        A 1-based line number.
    """
    for end in range(len(location), -1, -1):
        if location[:end] in lines:
            return lines[location[:end]]
    return 1


def _line_order(problem: str) -> tuple[int, str]:
    try:
        return int(problem.split(":")[1]), problem
    except (IndexError, ValueError):
        return 0, problem

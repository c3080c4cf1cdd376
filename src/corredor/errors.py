"""The errors corredor raises for user mistakes.

A user mistake (bad file, unknown node, wrong CRS, invalid table) is a
``CorredorError``: the CLI prints its message without a traceback and exits 2.
Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "CorredorError",
    "CorredorWarning",
    "DataFileError",
    "NetworkValidationError",
    "NoPathError",
    "OutputFolderError",
    "ScenarioError",
    "SolverError",
]


class CorredorError(Exception):
    """A problem with the user's input, explained in the message."""


class NetworkValidationError(CorredorError):
    """A network table breaks the schema; ``problems`` lists every fault found.

    Parameters
    ----------
    problems : list of str
        One readable sentence per fault.
    what : str, default "network"
        What was validated (a file name, for instance), used as the message's subject.
    """

    def __init__(self, problems: list[str], *, what: str = "network") -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{what} is invalid ({len(self.problems)} problems):\n{lines}")


class DataFileError(CorredorError):
    """A data file is missing, unreadable, or lacks a required field."""


class NoPathError(CorredorError):
    """No route exists between an origin and a destination."""


class SolverError(CorredorError):
    """The LP solver did not reach a proven optimum (status, limit or non-convergence)."""


class OutputFolderError(CorredorError):
    """An output folder cannot be used: it holds other files, is in use, or is not writable."""


class ScenarioError(CorredorError):
    """A YAML file (scenario or sourcing spec) has problems.

    Parameters
    ----------
    path : Path
        The file the problems were found in.
    problems : list of str
        One ``file:line: message`` per problem.
    """

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        listing = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"{path}: {len(problems)} problem(s)\n{listing}")


class CorredorWarning(UserWarning):
    """Something the user should know about a result (shown as a ``warning:`` line)."""

"""The errors corredor raises for user mistakes.

A user mistake (bad file, unknown node, wrong CRS, invalid table) is a
``CorredorError``: the CLI prints its message without a traceback and exits 2.
Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class CorredorError(Exception):
    """A problem with the user's input, explained in the message."""


class NetworkValidationError(CorredorError):
    """A network table breaks the schema; ``problems`` lists every fault found."""

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

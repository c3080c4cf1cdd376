"""The ``corredor`` command: parse options, call the library, print results.

Commands live in one module per concern and register themselves on the
``cli`` group when imported here.
"""

from corredor.cli import (
    analysis_commands,
    calibration_commands,
    network_commands,
    scenario_commands,
)
from corredor.cli.base import cli

__all__ = [
    "analysis_commands", "calibration_commands", "cli", "network_commands", "scenario_commands",
]

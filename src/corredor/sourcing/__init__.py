"""Dual sourcing: which second supplier really diversifies route risk, and what split to buy.

``spec`` reads the sourcing YAML; ``draws`` routes every candidate to the
buyer over shared Monte Carlo draws; ``allocation`` solves the CVaR split;
``analysis`` puts them together into a ``SourcingResult``. Preparation (the
weighted network, the generators, the stress scenarios) is
``corredor.pipeline.prepare_sourcing``; writing is ``corredor.outputs``.
"""

from corredor.sourcing.allocation import Allocation, AllocationModel, cvar
from corredor.sourcing.analysis import (
    SourcingResult,
    analyse,
    draws_table,
    frontier_table,
    routes_frame,
    sites_frame,
)
from corredor.sourcing.draws import DrawTable, SourcingCase, StressCase, build_case, cut_days
from corredor.sourcing.spec import SourcingFile, SourcingSpec, load_sourcing_spec

__all__ = [
    "Allocation",
    "AllocationModel",
    "DrawTable",
    "SourcingCase",
    "SourcingFile",
    "SourcingResult",
    "SourcingSpec",
    "StressCase",
    "analyse",
    "build_case",
    "cut_days",
    "cvar",
    "draws_table",
    "frontier_table",
    "load_sourcing_spec",
    "routes_frame",
    "sites_frame",
]

"""Shared fixtures: the bundled model (loaded once) and the optional shared data."""

from __future__ import annotations

from pathlib import Path

import pytest

from corredor.demand import bundled_demand
from corredor.networks.national import load_national

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def national():
    return load_national()


@pytest.fixture(scope="session")
def national_demand(national):
    return bundled_demand(national)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data folder {SHARED_DATA} is absent (fresh clone without shared/)")
    return SHARED_DATA

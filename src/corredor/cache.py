"""The user cache folder: downloads and generated rasters never land in the working directory."""

from __future__ import annotations

import os
from pathlib import Path


def user_cache_dir(*parts: str) -> Path:
    """``$CORREDOR_CACHE`` or ``$XDG_CACHE_HOME/corredor`` (default ``~/.cache/corredor``)."""
    base = os.environ.get("CORREDOR_CACHE")
    if base is None:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "corredor"
    folder = Path(base).joinpath(*parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder

"""The user cache folder: downloads and generated rasters never land in the working directory."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["user_cache_dir"]


def user_cache_dir(*parts: str) -> Path:
    """``$CORREDOR_CACHE`` or ``$XDG_CACHE_HOME/corredor`` (default ``~/.cache/corredor``).

    Parameters
    ----------
    *parts : str
        Sub-folders.

    Returns
    -------
    Path
        The folder, created if missing.
    """
    given = os.environ.get("CORREDOR_CACHE")
    base = (Path(given) if given is not None
            else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "corredor")
    folder = base.joinpath(*parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder

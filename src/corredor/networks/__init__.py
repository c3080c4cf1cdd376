"""Where networks come from: the bundled national model (and, later, OSM)."""

__all__ = []

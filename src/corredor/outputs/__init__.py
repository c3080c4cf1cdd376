"""The only writers: exports, QGIS styles, maps, summaries, the HTML report, output folders.

``folder`` claims output folders safely; ``writers`` has one writer per result
type (``write_run``, ``write_criticality``, ``write_sourcing``,
``write_comparison``), built on ``export`` (GeoPackage, GeoJSON, CSV,
shapefile), ``styles`` (QGIS default styles), ``maps`` (PNG maps), ``summary``
(tables and JSON) and ``html`` (``report.html``).
"""

__all__ = []

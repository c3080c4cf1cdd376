"""Open corredor outputs in real QGIS (headless) and report what QGIS sees, as JSON.

Run by tests/test_qgis.py with the system ``/usr/bin/python3`` (Debian's
python3-qgis), not the project's venv:

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/qgis_check.py OUT.png FILE[|LAYER] ...

Each source is a GeoJSON file or ``run.gpkg|layer``. The sources are drawn
in the order given (first on top) into OUT.png by QGIS's own map renderer.
Facts go to stdout; the pytest side makes the assertions.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# the Qt platform must be set before QGIS is imported
from qgis.core import (
    QgsApplication,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor


def describe(layer: QgsVectorLayer) -> dict:
    renderer = layer.renderer()
    kind = renderer.type() if renderer else None
    labeling = layer.labeling() if layer.labelsEnabled() else None
    facts = {
        "valid": layer.isValid(),
        "labels": labeling.settings().fieldName if labeling is not None else None,
        "crs": layer.crs().authid(),
        "features": layer.featureCount(),
        "renderer": kind,
        "attribute": None,
        "classes": [],
    }
    if kind == "categorizedSymbol":
        facts["attribute"] = renderer.classAttribute()
        facts["classes"] = [str(c.value()) for c in renderer.categories()]
        facts["colours"] = [c.symbol().color().name() for c in renderer.categories()]
    elif kind == "graduatedSymbol":
        facts["attribute"] = renderer.classAttribute()
        facts["classes"] = [[r.lowerValue(), r.upperValue()] for r in renderer.ranges()]
        facts["colours"] = [r.symbol().color().name() for r in renderer.ranges()]
    return facts


def render(layers: list[QgsVectorLayer], path: str) -> None:
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(layers[0].crs())
    settings.setBackgroundColor(QColor("white"))
    settings.setOutputSize(QSize(1400, 1000))
    settings.setOutputDpi(120)
    extent = QgsRectangle()
    for layer in layers:
        if layer.featureCount():
            extent.combineExtentWith(layer.extent())
    extent.scale(1.05)
    settings.setExtent(extent)
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(path, "PNG")


def check(png: str, sources: list[str]) -> dict:
    layers, report = [], {}
    for source in sources:
        name = source.split("|")[-1] if "|" in source else os.path.basename(source)
        uri = source.replace("|", "|layername=") if "|" in source else source
        layer = QgsVectorLayer(uri, name, "ogr")
        report[source] = describe(layer)
        layers.append(layer)
    render([layer for layer in layers if layer.isValid()], png)
    report["_render"] = {"path": png, "size": os.path.getsize(png)}
    return report


def main(argv: list[str]) -> int:
    app = QgsApplication([], False)
    app.initQgis()
    report = check(argv[1], argv[2:])  # layers are gone before exitQgis (else it segfaults)
    app.exitQgis()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

# Opens each source with QGIS (qgis.core, no GUI) and prints one JSON line per source: whether
# QGIS takes it as a valid layer, how many features it counts, and the layer's CRS.
# Usage: QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_open.py PROVIDER=URI ...
# PROVIDER is ogr (a file), oapif (an OGC API - Features collection) or vectortile.
import json
import sys

from qgis.core import QgsApplication, QgsVectorLayer, QgsVectorTileLayer

app = QgsApplication([], False)
app.initQgis()
for arg in sys.argv[1:]:
    provider, uri = arg.split("=", 1)
    if provider == "vectortile":
        layer = QgsVectorTileLayer(uri, "x")
        count = -1
    else:
        layer = QgsVectorLayer(uri, "x", provider)
        count = layer.featureCount() if layer.isValid() else -1
    fields = [f.name() for f in layer.fields()] if provider != "vectortile" and layer.isValid() else []
    print(json.dumps({"source": arg, "valid": layer.isValid(), "count": count,
                      "crs": layer.crs().authid(), "fields": fields,
                      "error": layer.error().summary() if not layer.isValid() else ""}), flush=True)
app.exitQgis()

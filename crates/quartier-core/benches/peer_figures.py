"""Peer for benches/figures.rs: the same choropleth with GeoPandas and matplotlib.

Reads the generated blocks, projects them to ETRS89 / UTM 33 (EPSG:25833), draws six
quantile classes in YlOrRd with grey borders on an A4 page and saves it as PNG at 300 dpi.
Prints JSON: the time to read the file and the time from the read data to the PNG file.
"""
import json
import sys
import tempfile
import time

try:
    import geopandas
    import matplotlib
    import numpy
except ImportError as e:
    print(json.dumps({"missing": str(e)}))
    sys.exit(0)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import BoundaryNorm, ListedColormap  # noqa: E402

YL_OR_RD_6 = ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"]

t0 = time.perf_counter()
frame = geopandas.read_file(sys.argv[1])
t1 = time.perf_counter()
projected = frame.to_crs(25833)
edges = numpy.quantile(projected["kinder"], numpy.linspace(0, 1, 7))
fig = plt.figure(figsize=(210 / 25.4, 297 / 25.4))
ax = fig.add_axes([0.06, 0.2, 0.88, 0.7])
projected.plot(
    column="kinder",
    ax=ax,
    cmap=ListedColormap(YL_OR_RD_6),
    norm=BoundaryNorm(edges, 6),
    edgecolor="#6e6e6e",
    linewidth=0.1,
)
ax.set_axis_off()
fig.suptitle("Großstadt (generiert), Block – Kinder, 2024")
with tempfile.NamedTemporaryFile(suffix=".png") as out:
    fig.savefig(out.name, dpi=300)
t2 = time.perf_counter()
print(json.dumps({"read_s": t1 - t0, "png_s": t2 - t1}))

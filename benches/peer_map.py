"""Peer for benches/map.rs: draws the same polygons with matplotlib's Agg renderer.

Prints the time to build and draw the first image, and to draw again with new colours
(what a pan/zoom or a new indicator costs), at 1280 x 800 pixels.
"""
import json
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

path = sys.argv[1]
t0 = time.perf_counter()
features = json.load(open(path, encoding="utf-8"))["features"]
rings = [f["geometry"]["coordinates"][0] for f in features]
t1 = time.perf_counter()
fig = plt.figure(figsize=(12.8, 8.0), dpi=100)
ax = fig.add_axes([0, 0, 1, 1])
collection = PolyCollection(rings, edgecolors="#5a5a5a", linewidths=0.5)
collection.set_array(list(range(len(rings))))
ax.add_collection(collection)
ax.autoscale_view()
fig.canvas.draw()
t2 = time.perf_counter()
redraws = []
for i in range(5):
    collection.set_array([(j * (i + 3)) % 97 for j in range(len(rings))])
    t = time.perf_counter()
    fig.canvas.draw()
    redraws.append(time.perf_counter() - t)
redraws.sort()
print(
    f"{len(rings)} Polygone: Lesen {1000 * (t1 - t0):.0f} ms, erstes Bild {1000 * (t2 - t1):.0f} ms, "
    f"jedes weitere Bild {1000 * redraws[len(redraws) // 2]:.0f} ms"
)

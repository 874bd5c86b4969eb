"""Peer for the accessibility benchmark: the nearest POI of every origin with scipy's cKDTree
and with geopandas' sjoin_nearest, and the per-area population-weighted mean distance with
numpy, on the points the benchmark wrote. Prints JSON with times and results.

Needs numpy and scipy (PyPI); geopandas is optional. Without numpy/scipy it prints
{"missing": "..."}.
"""
import json, sys, time

try:
    import numpy as np
    from scipy.spatial import cKDTree
except ImportError as e:  # the benchmark reports this instead of failing
    print(json.dumps({"missing": str(e)}))
    sys.exit(0)

folder, n_areas = sys.argv[1], int(sys.argv[2])
origins = np.loadtxt(f"{folder}/origins.csv", delimiter=",", skiprows=1)
pois = np.loadtxt(f"{folder}/pois.csv", delimiter=",", skiprows=1)
xy, weight, area = origins[:, :2], origins[:, 2], origins[:, 3].astype(np.int64)

t0 = time.perf_counter()
tree = cKDTree(pois)
distances, _ = tree.query(xy, k=1, workers=-1)
t_kdtree = time.perf_counter() - t0

t0 = time.perf_counter()
weights = np.bincount(area, weights=weight, minlength=n_areas)
sums = np.bincount(area, weights=weight * distances, minlength=n_areas)
with np.errstate(invalid="ignore", divide="ignore"):
    area_means = sums / weights
t_aggregate = time.perf_counter() - t0

result = {
    "kdtree_s": t_kdtree,
    "distances": distances.tolist(),
    "aggregate_s": t_aggregate,
    "area_means": [None if np.isnan(m) else m for m in area_means.tolist()],
}

try:
    import geopandas as gpd

    o = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs="EPSG:25833")
    p = gpd.GeoDataFrame(geometry=gpd.points_from_xy(pois[:, 0], pois[:, 1]), crs="EPSG:25833")
    t0 = time.perf_counter()
    joined = gpd.sjoin_nearest(o, p, distance_col="d")
    t_sjoin = time.perf_counter() - t0
    # Ties give several rows per origin; they share the distance.
    d = joined.groupby(level=0)["d"].first().reindex(range(len(o))).to_numpy()
    result["sjoin_s"] = t_sjoin
    result["sjoin_max_difference"] = float(np.nanmax(np.abs(d - distances)))
except ImportError:
    pass

print(json.dumps(result))

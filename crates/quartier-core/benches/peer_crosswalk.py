"""Peer for the crosswalk benchmark: GeoPandas' overlay (intersection) in EPSG:25833 and a
weighted group sum, the usual areal interpolation by area share. Prints JSON with the median
time of five runs, the value per grid cell and the total.

Needs geopandas (PyPI); without it it prints {"missing": "..."}.
"""
import json, sys, time

try:
    import geopandas as gpd
except ImportError as e:  # the benchmark reports this instead of failing
    print(json.dumps({"missing": str(e)}))
    sys.exit(0)

sources_path, grid_path = sys.argv[1], sys.argv[2]
sources = gpd.read_file(sources_path).to_crs(25833)
grid = gpd.read_file(grid_path).to_crs(25833)
column = next(c for c in sources.columns if c.startswith("ew_2020"))
sources = sources[["schluessel", column, "geometry"]].rename(columns={column: "ew"})
sources["ew"] = sources["ew"].astype(float).fillna(0.0)

def interpolate():
    s = sources.copy()
    s["source_m2"] = s.area
    pieces = gpd.overlay(s, grid[["id", "geometry"]], how="intersection", keep_geom_type=True)
    share = pieces.area / pieces["source_m2"]
    return (pieces["ew"] * share).groupby(pieces["id"]).sum()

times = []
for _ in range(5):
    t0 = time.perf_counter()
    result = interpolate()
    times.append(time.perf_counter() - t0)
print(json.dumps({
    "ms": sorted(times)[2] * 1e3,
    "values": {k: float(v) for k, v in result.items()},
    "total": float(result.sum()),
}))

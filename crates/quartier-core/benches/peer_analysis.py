"""Peer for the analysis benchmark: numpy for the MSS z-score indices and mapclassify for the
exact Fisher–Jenks breaks and quantiles, on the same generated table. Prints JSON with times
and results so the benchmark can compare them.

Needs numpy and mapclassify (PyPI); without them it prints {"missing": "..."}. esda and
libpysal (PyPI) add Moran's I and LISA on the same grid.
"""
import json, sys, time

try:
    import numpy as np
    import mapclassify
except ImportError as e:  # the benchmark reports this instead of failing
    print(json.dumps({
    **lisa,"missing": str(e)}))
    sys.exit(0)

path, jenks_n, columns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = np.genfromtxt(path, delimiter=";", names=True, dtype=None, encoding="utf-8")

t0 = time.perf_counter()
valid = data[data["ew"] >= 300]
def index(cols):
    s = sum((valid[c] - valid[c].mean()) / valid[c].std() for c in cols)  # population sd (ddof=0)
    return (s - s.mean()) / s.std()
status, dynamics = index(["s1", "s2", "s3"]), index(["d1", "d2", "d3"])
t_sd = time.perf_counter() - t0

t0 = time.perf_counter()
group = data["id"].astype(np.int64) // 100  # first three of five digits
group_sum = np.bincount(group, weights=data["ew"])
group_weighted_mean = np.bincount(group, weights=data["s1"] * data["ew"]) / group_sum
t_aggregate = time.perf_counter() - t0

values = data["s1"]
lisa = {}
try:  # optional: esda and libpysal
    import esda, libpysal
    t0 = time.perf_counter()
    w = libpysal.weights.lat2W(len(values) // columns, columns, rook=False)  # queen, row by row
    w.transform = "r"
    wave = data["welle"]
    moran = esda.Moran(wave, w, permutations=999)
    local = esda.Moran_Local(wave, w, permutations=999, seed=1)
    lisa = {"lisa_s": time.perf_counter() - t0, "moran_i": float(moran.I)}
except ImportError:
    pass

t0 = time.perf_counter()
q = mapclassify.Quantiles(values, k=7)
t_quantile = time.perf_counter() - t0

sub = values[:jenks_n]
t0 = time.perf_counter()
fj = mapclassify.FisherJenks(sub, k=7)
t_jenks = time.perf_counter() - t0

print(json.dumps({
    **lisa,
    "status_dynamics_s": t_sd,
    "status_index": status.tolist(),
    "dynamics_index": dynamics.tolist(),
    "aggregate_s": t_aggregate,
    "group_sum": group_sum.tolist(),
    "group_weighted_mean": group_weighted_mean.tolist(),
    "quantile_s": t_quantile,
    "quantile_bins": q.bins.tolist(),
    "jenks_s": t_jenks,
    "jenks_bins": fj.bins.tolist(),
}))

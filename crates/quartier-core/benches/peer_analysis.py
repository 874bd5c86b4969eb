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
    print(json.dumps({"missing": str(e)}))
    sys.exit(0)

path, jenks_n, columns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = np.genfromtxt(path, delimiter=";", names=True, dtype=None, encoding="utf-8")

def median_of_5(f):
    """The median time of five runs (like the Rust side) and the last result."""
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return sorted(times)[2], out

def status_dynamics():
    valid = data[data["ew"] >= 300]
    def index(cols):
        s = sum((valid[c] - valid[c].mean()) / valid[c].std() for c in cols)  # population sd (ddof=0)
        return (s - s.mean()) / s.std()
    return index(["s1", "s2", "s3"]), index(["d1", "d2", "d3"])
t_sd, (status, dynamics) = median_of_5(status_dynamics)

def aggregate():
    group = data["id"].astype(np.int64) // 100  # first three of five digits
    group_sum = np.bincount(group, weights=data["ew"])
    return group_sum, np.bincount(group, weights=data["s1"] * data["ew"]) / group_sum
t_aggregate, (group_sum, group_weighted_mean) = median_of_5(aggregate)

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

# The same two analyses end-to-end with pandas: read the same values (the generated CSV),
# then compute; "load" is the reading alone. One warm-up read, then the median of 5 runs,
# like the Rust side.
timings = {}
try:
    import pandas as pd

    def median_s(f):
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            f()
            times.append(time.perf_counter() - t0)
        return sorted(times)[2]

    read = lambda: pd.read_csv(path, sep=";", dtype={"id": str})
    read()

    def sd_end_to_end():
        df = read()
        v = df[df["ew"] >= 300]
        def pindex(cols):
            s = sum((v[c] - v[c].mean()) / v[c].std(ddof=0) for c in cols)
            return (s - s.mean()) / s.std(ddof=0)
        return pindex(["s1", "s2", "s3"]), pindex(["d1", "d2", "d3"])

    def aggregate_end_to_end():
        df = read()
        g = df["id"].str[:3]
        sums = df.groupby(g)["ew"].sum()
        return sums, (df["s1"] * df["ew"]).groupby(g).sum() / sums

    timings["pandas_load_s"] = median_s(read)
    timings["status_dynamics_end_to_end_s"] = median_s(sd_end_to_end)
    timings["aggregate_end_to_end_s"] = median_s(aggregate_end_to_end)
except ImportError:
    pass

print(json.dumps({
    **lisa,
    **timings,
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

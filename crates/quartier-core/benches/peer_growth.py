"""Peer for the growth benchmark: Python's standard library reading the same inputs once
(json for GeoJSON with a pass over every vertex, csv for tables with a dict by key) and
loading them into SQLite in one transaction. It grows linearly by construction, so its growth
factor is the yardstick for ours."""
import csv, json, sqlite3, sys, time

kind, path, db = sys.argv[1:4]
t0 = time.perf_counter()
con = sqlite3.connect(db)
if kind == "ring":
    with open(path, encoding="utf-8") as f:
        fc = json.load(f)
    con.execute("CREATE TABLE area(key TEXT PRIMARY KEY, geometry TEXT)")
    for ft in fc["features"]:
        ring = ft["geometry"]["coordinates"][0]
        xs = [c[0] for c in ring]
        ys = [c[1] for c in ring]
        con.execute("INSERT INTO area VALUES (?, ?)", (ft["properties"]["id"], json.dumps([min(xs), min(ys), max(xs), max(ys)])))
elif kind == "lines":
    with open(path, encoding="utf-8") as f:
        fc = json.load(f)
    con.execute("CREATE TABLE line(geometry TEXT)")
    con.executemany("INSERT INTO line VALUES (?)", ((json.dumps(ft["geometry"]["coordinates"]),) for ft in fc["features"]))
else:
    def number(text):
        try:
            return float(text.replace(" ", "").replace(",", "."))
        except ValueError:
            return None
    con.execute("CREATE TABLE value(area TEXT, indicator TEXT, value REAL)")
    with open(path, encoding="utf-8") as f:
        r = csv.reader(f, delimiter=";")
        header = next(r)
        by_key = {}
        for row in r:
            by_key.setdefault(row[0], row)
        con.executemany("INSERT INTO value VALUES (?,?,?)",
                        ((row[0], header[j], number(row[j])) for row in by_key.values() for j in range(1, len(header))))
con.commit()
print(json.dumps({"seconds": time.perf_counter() - t0}))

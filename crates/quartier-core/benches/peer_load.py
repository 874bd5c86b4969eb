"""Peer for the import benchmark: Python's standard library (csv + sqlite3) loading the same
files into a plain SQLite schema in one transaction, without validation, key normalisation,
CRS handling or geometry encoding. It is the floor a hand-written loader reaches."""
import csv, json, sqlite3, sys, time

db, geojson, *csvs = sys.argv[1:]
t0 = time.perf_counter()
con = sqlite3.connect(db)
con.execute("PRAGMA journal_mode=WAL")
con.execute("CREATE TABLE area(key TEXT PRIMARY KEY, name TEXT, geometry TEXT)")
con.execute("CREATE TABLE value(indicator TEXT, period TEXT, area TEXT, value REAL, PRIMARY KEY(indicator, period, area)) WITHOUT ROWID")
with open(geojson, encoding="utf-8") as f:
    fc = json.load(f)
con.executemany("INSERT INTO area VALUES (?,?,?)",
                ((ft["properties"]["id"], ft["properties"]["name"], json.dumps(ft["geometry"])) for ft in fc["features"]))
t_geo = time.perf_counter() - t0
for path in csvs:
    period = path.rsplit("_", 1)[1].split(".")[0]
    with open(path, encoding="utf-8") as f:
        r = csv.reader(f, delimiter=";")
        header = next(r)
        rows = ((header[j], period, row[0], float(row[j].replace(",", "."))) for row in r for j in range(2, len(header)))
        con.executemany("INSERT INTO value VALUES (?,?,?,?)", rows)
con.commit()
t_all = time.perf_counter() - t0
con.close()
t1 = time.perf_counter()
con = sqlite3.connect(db)
n = con.execute("SELECT indicator, period, COUNT(*) FROM value GROUP BY indicator, period").fetchall()
t_info = time.perf_counter() - t1
print(json.dumps({"geometry_s": t_geo, "total_s": t_all, "info_s": t_info, "groups": len(n)}))

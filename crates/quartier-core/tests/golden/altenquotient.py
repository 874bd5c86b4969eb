"""The golden file of crates/quartier-core/tests/compute.rs: the old-age ratio (65+ per 100
aged 18 to under 65, the bands the Berlin sample has) per Planungsraum, 2020, computed with
pandas straight from the source CSV. Run from the repository root:

    python3 crates/quartier-core/tests/golden/altenquotient.py
"""
import pandas as pd

source = "sample_data/population/berlin-lor-population-2020-02-t2-planning-areas.csv"
frame = pd.read_csv(source, dtype={"id": str})
working_age = frame[
    ["inhabitants_age_18_27", "inhabitants_age_27_45", "inhabitants_age_45_55", "inhabitants_age_55_65"]
].sum(axis=1)
frame["altenquotient"] = frame["inhabitants_age_above_65"] / working_age * 100
frame[["id", "altenquotient"]].to_csv(
    "crates/quartier-core/tests/golden/altenquotient_berlin_2020.csv", index=False, float_format="%.12f"
)
print(f"pandas {pd.__version__}: {len(frame)} Planungsräume")

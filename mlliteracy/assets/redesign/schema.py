"""Executable data schemas (pandera): the raw CSV, and a serving batch after scaling.

RAW is what data/digits.csv must hold: 64 pixel counts (integers 0..16) and a label 0..9.
SERVING is what the model may be given: those counts divided by 16, so every value is a
multiple of 1/16 in [0, 1]. A service that scales by 1/255 instead still produces values in
[0, 1], but not on that grid: SERVING rejects the batch before the model sees it.
"""

import pandas as pd
import pandera.pandas as pa

PIXELS = [f"p{i:02d}" for i in range(64)]


def _on_sixteenths(values: pd.Series) -> pd.Series:
    return (values * 16) % 1 == 0


RAW = pa.DataFrameSchema(
    {
        **{p: pa.Column("int64", pa.Check.in_range(0, 16)) for p in PIXELS},
        "label": pa.Column("int64", pa.Check.isin(list(range(10)))),
    },
    strict=True,
    ordered=True,
    name="digits_raw",
)

SERVING = pa.DataFrameSchema(
    {
        p: pa.Column(
            "float32",
            [
                pa.Check.in_range(0.0, 1.0),
                pa.Check(_on_sixteenths, name="multiple_of_1/16", error="multiple of 1/16"),
            ],
        )
        for p in PIXELS
    },
    strict=True,
    ordered=True,
    name="digits_serving",
)

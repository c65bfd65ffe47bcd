"""The pipeline's own tests: data, schema, reproducibility, quality gate (python -m pytest)."""

import json

import pandas as pd
import pandera.pandas as pa
import pytest
import schema
import train


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return train.load()


def test_data_matches_the_recorded_hash():
    recorded = json.loads(train.HASHES.read_text())["files"]["digits.csv"]["sha256"]
    assert train.file_sha256(train.DATA) == recorded == train.check_hash()


def test_an_edited_csv_is_refused(tmp_path):
    lines = train.DATA.read_text().splitlines()
    lines[1] = "16" + lines[1][lines[1].index(",") :]  # one pixel of the first digit changed
    edited = tmp_path / "digits.csv"
    edited.write_text("\n".join(lines) + "\n")
    with pytest.raises(SystemExit, match=r"refused: digits\.csv has sha256"):
        train.load(edited)


def test_the_schema_accepts_the_data(frame):
    assert frame.shape == (1797, 65)
    assert schema.SERVING.validate(train.scale(frame)).shape == (1797, 64)


def test_the_schema_rejects_counts_out_of_range(frame):
    bad = frame.copy()
    bad.loc[0, "p00"] = 17
    with pytest.raises(pa.errors.SchemaError, match="in_range"):
        schema.RAW.validate(bad)


def test_the_schema_rejects_a_batch_scaled_by_1_255(frame):
    skewed = frame[schema.PIXELS].astype("float32") / 255  # the serving skew
    with pytest.raises(pa.errors.SchemaError, match="multiple of 1/16"):
        schema.SERVING.validate(skewed)


def test_training_is_reproducible(frame):
    first, _ = train.train(frame, epochs=1, seed=0)
    second, _ = train.train(frame, epochs=1, seed=0)
    assert train.weights_sha256(first) == train.weights_sha256(second)


def test_the_gate_passes_at_the_default_epochs():
    result = train.main([])
    assert result["gate"] == "passed"
    assert result["test_accuracy"] >= train.MIN_TEST_ACCURACY


def test_the_gate_fails_a_one_epoch_run():
    with pytest.raises(SystemExit, match="quality gate"):
        train.main(["--epochs", "1"])

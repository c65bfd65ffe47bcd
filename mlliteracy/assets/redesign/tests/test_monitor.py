"""The drift check runs: quiet on held-out digits of the same source, alerting on a smudge."""

import monitor
import pytest
import schema
import train


def held_out():
    frame = train.load()
    return frame.iloc[train.split(frame["label"].to_numpy(), train.SEED)["test"]]


def test_no_alert_on_held_out_digits():
    values = monitor.check_drift(held_out())
    assert set(values) == {"ink", "lit"}


def test_a_smudged_camera_raises_a_drift_alert():
    smudged = held_out().copy()
    smudged[schema.PIXELS] = (smudged[schema.PIXELS] + 4).clip(upper=16)  # every pixel +4
    with pytest.raises(SystemExit, match="drift alert"):
        monitor.check_drift(smudged)

"""Reproducibility check, MLflow tracking and drift monitoring (small, fast cases)."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

import mlliteracy as mll
from mlliteracy.mlops.monitoring import _embedding_signals


def test_seeded_training_reproduces_bit_for_bit():
    report = mll.reproducibility_check(mll.digits_trainer(epochs=1, train_subset=200), seed=3)
    assert report.identical and len(report.hashes) == 2
    assert len(report.hashes[0]) == 64
    assert "reproducible" in report._repr_html_()


def test_unseeded_training_does_not_reproduce():
    trainer = mll.digits_trainer(epochs=1, seeded=False, train_subset=200)
    report = mll.reproducibility_check(trainer, seed=3)
    assert not report.same_hashes and not report.identical
    assert "NOT reproducible" in report._repr_html_()


@pytest.mark.parametrize(("kwargs", "word"), [({"runs": 1}, "runs"), ({"seed": -1}, "seed")])
def test_reproducibility_check_refuses_bad_arguments(kwargs, word):
    with pytest.raises(mll.MLLError, match=word):
        mll.reproducibility_check(mll.digits_trainer(), **kwargs)


def test_tracking_logs_and_reads_back(tmp_path, capfd):
    store = tmp_path / "store"
    data = mll.load_digits()
    hashes = {"digits_raw": data.notes["raw_sha256"]}
    train = mll.digits_trainer(epochs=2, train_subset=200)
    first = mll.track_run(store, "digits", lambda: train(0), data_hashes=hashes)
    second = mll.track_run(store, "digits", lambda: train(0), run_name="again")
    assert first.run_name == "run-1" and second.run_name == "again"
    assert first.artifacts == ("model/model.safetensors", "model/provenance.json")
    assert first.tags["weights_sha256"] == second.tags["weights_sha256"]
    assert first.tags["code_version"]
    table = mll.runs_table(store, "digits")
    assert list(table["run"]) == ["run-1", "again"]
    assert list(table["epochs"]) == ["2", "2"] and list(table["seed"]) == ["0", "0"]
    assert table["weights_sha256"].nunique() == 1
    assert table.loc[0, "data.digits_raw"] == hashes["digits_raw"][:16]
    assert table.loc[0, "test_accuracy"] == round(first.metrics["test_accuracy"], 4)
    logged = list((store / "artifacts").rglob("model.safetensors"))
    assert len(logged) == 2
    assert mll.hash_state_dict(logged[0]) == first.tags["weights_sha256"]
    out, err = capfd.readouterr()
    assert "INFO" not in out + err and "Warning" not in err  # MLflow is quiet
    with pytest.raises(mll.MLLError, match="TrainingRun"):
        mll.track_run(store, "digits", lambda: 42)
    assert list(mll.runs_table(store, "digits")["run"]) == ["run-1", "again"]  # failed: left out
    mll.clear_store(store)
    with pytest.raises(mll.MLLError, match="track a run"):
        mll.runs_table(store, "digits")


def test_redesigned_train_script_runs_and_tracks(tmp_path, monkeypatch):
    folder = mll.redesign_pipeline(tmp_path / "pipeline", min_accuracy=0.5)
    monkeypatch.syspath_prepend(str(folder.path))
    for name in ("train", "schema"):  # the project's modules, imported fresh and dropped after
        monkeypatch.delitem(sys.modules, name, raising=False)
    train = importlib.import_module("train")
    monkeypatch.setitem(sys.modules, "train", train)
    monkeypatch.setitem(sys.modules, "schema", sys.modules["schema"])
    result = train.main(["--epochs", "2", "--store", str(tmp_path / "runs")])
    assert result["gate"] == "passed" and result["test_accuracy"] >= 0.5
    mlflow = pytest.importorskip("mlflow")
    runs = mlflow.search_runs(experiment_names=["digits-cnn"])
    assert list(runs["run_id"]) == [result["run_id"]]
    assert runs.loc[0, "tags.weights_sha256"] == result["weights_sha256"]
    assert runs.loc[0, "tags.data_sha256"] == folder.sha256["data/digits.csv"]
    assert runs.loc[0, "params.epochs"] == "2"
    assert list((tmp_path / "runs" / "artifacts").rglob("weights.npz"))


def test_identical_samples_show_no_drift():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    report = mll.drift_monitor(x, x.copy(), features=["a", "b", "c"])
    assert report.alerts == [] and report.max_psi < 1e-9
    assert set(report.levels.values()) == {"little"}


def test_a_shifted_sample_raises_an_alert():
    rng = np.random.default_rng(0)
    ref, cur = rng.normal(size=(400, 2)), rng.normal(size=(400, 2))
    cur[:, 1] += 1.0
    report = mll.drift_monitor(ref, cur, features=["steady", "moved"])
    assert report.alerts == ["moved"]
    assert report.levels == {"steady": "little", "moved": "significant"}
    assert "ALERT" in report._repr_html_()


def test_text_features_count_what_they_say():
    frame = mll.text_features(["Hi @bob @amy! #x http://a.b", "no signals here"])
    assert frame.loc[0, ["mentions", "hashtags", "urls", "exclamations"]].tolist() == [2, 1, 1, 1]
    assert frame.loc[1, "words"] == 3 and frame.loc[1, "mentions"] == 0


def test_embedding_signals_flag_a_moved_cloud():
    rng = np.random.default_rng(1)
    ref, same = rng.normal(size=(200, 16)), rng.normal(size=(200, 16))
    moved = rng.normal(size=(200, 16)) + 2.0
    r_sig, s_sig, names = _embedding_signals(ref, same, 3)
    _, m_sig, _ = _embedding_signals(ref, moved, 3)
    assert names[-1] == "cosine to reference centroid" and r_sig.shape == (200, 4)
    assert mll.drift_monitor(r_sig, s_sig).alerts == []
    assert "x3" in mll.drift_monitor(r_sig, m_sig).alerts  # the cosine column


def test_tweet_samples_are_disjoint_and_the_new_topic_drifts():
    s = mll.tweet_drift_samples(n=60, seed=0)
    assert {k: len(v) for k, v in s.items()} == {"reference": 60, "same": 60, "shifted": 60}
    assert not set(s["reference"]) & set(s["same"])
    assert mll.tweet_drift_samples(n=60, seed=0) == s
    assert mll.drift_monitor(s["reference"], s["shifted"]).alerts
    with pytest.raises(mll.MLLError, match="embeddings"):
        mll.drift_monitor(np.zeros((5, 2)), np.zeros((5, 2)), embeddings=True)


def _report(rows: list[tuple[str, str, float, float]]) -> mll.MonitorReport:
    import pandas as pd

    frame = pd.DataFrame(rows, columns=["signal", "kind", "psi", "ks_pvalue"])
    frame["alert"] = (frame["psi"] > 0.25) | (frame["ks_pvalue"] < 0.01)
    return mll.MonitorReport(frame, {"psi_alert": 0.25, "ks_alpha": 0.01, "bins": 10})


def test_explain_quiet_when_nothing_crosses_a_threshold():
    verdict = _report([("chars", "feature", 0.05, 0.8), ("words", "feature", 0.12, 0.4)]).explain()
    assert verdict.outcome == "quiet"
    assert "None of the 2 signals" in verdict.text and "0.120" in verdict.text


def test_explain_flags_a_psi_only_alert_as_a_reason_to_look():
    verdict = _report([("chars", "feature", 0.856, 0.43), ("words", "feature", 0.1, 0.5)]).explain()
    assert verdict.outcome == "psi only"
    assert "`chars`: PSI 0.856" in verdict.text and "PSI only" in verdict.text
    assert "not as drift" in verdict.text


def test_explain_calls_drift_when_both_tests_agree():
    rows = [("chars", "feature", 0.3, 0.2), ("embedding PC1", "embedding", 6.1, 1e-9),
            ("urls", "feature", 0.9, 0.001)]  # fmt: skip
    verdict = _report(rows).explain()
    assert verdict.outcome == "drift"
    assert "2 alert(s) are confirmed by both tests" in verdict.text
    assert verdict.text.index("embedding 6.10") < verdict.text.index("feature 0.90")

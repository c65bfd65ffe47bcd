"""The intermediate knowledge check's key: graded by probes on other inputs, never on typed values.

The drift, speed-up and verdict questions are rerun on other production data, other timing
lists and another claim; the ordering of steps and the check plan are scored by a person
(review).
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

import numpy as np

from mlliteracy.grading.assign import read_key

ROOT = Path(__file__).resolve().parents[2]
NAME = "intermediate/knowledge_check"


def _solution() -> dict[str, Any]:
    return json.loads((ROOT / "solutions" / f"{NAME}.ipynb").read_text("utf-8"))


def _questions() -> dict[str, Any]:
    return read_key(_solution())["questions"]


def _train() -> np.ndarray:
    rng = np.random.default_rng(0)  # as the notebook draws it: train first, from seed 0
    return rng.normal([35, 120, 8, 240], [10, 30, 3, 80], size=(2000, 4))


FEATURES = ["age", "session_length", "n_clicks", "text_length"]


def test_scored_questions_have_two_probes_or_a_review_note():
    qs = _questions()
    # an order of steps has no input to rerun on: a person scores it (its points are the most
    # the reviewer can give; none are automatic)
    assert qs["q1_first_steps"]["points"] > 0 and qs["q1_first_steps"].get("review")
    assert "probes" not in qs["q1_first_steps"]
    assert qs["q5_check_plan"].get("review") and "probes" not in qs["q5_check_plan"]
    for qid in ("q2_drifted", "q3_speedup", "q4_claim_holds"):
        assert qs[qid]["points"] > 0 and len(qs[qid]["probes"]) == 2, qid


def test_drift_probes_need_the_spread_not_the_raw_difference():
    train = _train()
    shifted = []
    for probe in _questions()["q2_drifted"]["probes"]:
        prod = eval(probe["rerun"]["prod"], {"np": np})  # the key's own expression
        diff = np.abs(prod.mean(0) - train.mean(0))
        honest = FEATURES[int((diff / train.std(0)).argmax())]
        raw = FEATURES[int(diff.argmax())]
        assert honest != "text_length", probe["name"]  # not the original answer
        assert raw != honest, probe["name"]  # forgetting the training spread fails it
        shifted.append(honest)
    assert len(set(shifted)) == 2


def test_speedup_probes_need_a_robust_statistic():
    values = []
    for probe in _questions()["q3_speedup"]["probes"]:
        old, new = (eval(probe["rerun"][k]) for k in ("baseline_ms", "new_ms"))
        median = statistics.median(old) / statistics.median(new)
        assert f"{median:.3g}" != f"{statistics.mean(old) / statistics.mean(new):.3g}"
        assert f"{median:.3g}" != "2.24", probe["name"]  # the original answer, about 2.245
        values.append(median)
    assert len({f"{v:.3g}" for v in values}) == 2


def test_verdict_probes_flip_the_original_verdict():
    claimed = 3  # the notebook's CLAIMED
    for probe in _questions()["q4_claim_holds"]["probes"]:
        env = {"speedup": 2.245, "CLAIMED": claimed}
        env.update({k: eval(v) for k, v in probe["rerun"].items()})
        assert env["speedup"] >= env["CLAIMED"], probe["name"]  # True where the key says False


def test_probes_never_reach_the_exercise():
    text = (ROOT / "exercises" / f"{NAME}.ipynb").read_text("utf-8")
    for q in _questions().values():
        for probe in q.get("probes", []):
            for expr in probe["rerun"].values():
                if len(expr) < 10:  # a bare number such as "2" is in any notebook
                    continue
                assert expr not in text and json.dumps(expr)[1:-1] not in text, probe["name"]

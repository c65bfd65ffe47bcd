"""Fair feedback and graded probes in the advanced exercises.

Criteria are instant feedback (no points since #18); graded points come from the key's probes
(the learner's code rerun on other inputs), so every scored question has two probes or a review
note, each probe changes the answer (a memorised value fails it), and the probes live in the
solution only.
"""

from __future__ import annotations

import copy
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import mlliteracy as mll
from mlliteracy.grading.assign import read_key
from mlliteracy.grading.checks import to_plain
from mlliteracy.grading.execute import answer_blocks
from mlliteracy.grading.key import canon
from tests.grading import keys

ROOT = Path(__file__).resolve().parents[2]


_solution = partial(keys.solution, "advanced")
_key = partial(keys.key, "advanced")
_score = partial(keys.score, "advanced")
_full = keys.full


def _cell(name: str, cell_id: str) -> str:
    cell = next(c for c in _solution(name)["cells"] if c.get("id") == cell_id)
    return "".join(cell["source"])


def _scored_questions_are_probed(name: str) -> None:
    key = _key(name)
    scored = {qid: q for qid, q in key["questions"].items() if q["points"] > 0}
    for qid, q in scored.items():
        assert q.get("probes") or q.get("review"), f"{name} {qid}: points without probes"
        assert q.get("probes") is None or len(q["probes"]) >= 2, f"{name} {qid}: one probe"
        assert not (q.get("probes") and q.get("review")), f"{name} {qid}: probes on free text"
    probed = sum(q["points"] for q in scored.values() if q.get("probes"))
    assert probed > sum(q["points"] for q in scored.values()) / 2


def _probes_stay_out_of_the_exercise(name: str) -> None:
    assert not keys.leaked_probes("advanced", name)


# ------------------------------------------------------------------ mlops_audit
def test_mlops_every_scored_question_is_probed_or_reviewed():
    _scored_questions_are_probed("mlops_audit")
    assert _key("mlops_audit")["questions"]["q6_summary"].get("review")


def test_mlops_probes_never_reach_the_exercise():
    _probes_stay_out_of_the_exercise("mlops_audit")


@pytest.fixture(scope="module")
def mlops(tmp_path_factory) -> SimpleNamespace:
    """The solution's set-up cell, run in a temporary folder (files only, no training)."""
    folder = tmp_path_factory.mktemp("mlops")
    source = _cell("mlops_audit", "892858e8").replace("mlops_exercise/", f"{folder}/")
    ns: dict[str, Any] = {"mll": mll, "N_TWEETS": 100}
    exec(source, ns)
    return SimpleNamespace(**{k: v for k, v in ns.items() if not k.startswith("__")})


def test_mlops_claims_credit_no_anti_pattern(mlops):
    # deleting empty rows in Excel is no schema of feature expectations (data_1), and
    # eyeballing the accuracy until it "looks OK" is no documented test (infrastructure_4)
    assert mlops.claims == {}
    assert "eyeball" in mlops.case.read("README.txt").lower()


def test_mlops_key_follows_from_the_case(mlops):
    scan = mll.scan_project(mlops.case.path)
    score = mll.ml_test_score(mll.merge_evidence(scan, mlops.claims))
    assert _full(_score("mlops_audit", "q1_scores", {**score.sections, "final": score.final}))
    redesign = mll.scan_project(mlops.pipeline.path).failed
    failed = {"shadow_it": len(scan.failed), "redesign": redesign}
    assert _full(_score("mlops_audit", "q2_failed_checks", failed))
    frame = mll.migration_plan(score, day_rate=mlops.DAY_RATE).frame
    facts = {
        "order": list(frame["phase"]),
        "first_above_zero": frame.loc[frame["score after"] > 0, "phase"].iloc[0],
        "total_cost": float(frame["cost"].sum()),
    }
    assert _full(_score("mlops_audit", "q5_plan", facts))


def test_mlops_plan_probes_change_the_answer(mlops):
    """A typed-in plan fails both q5 probes: another day rate, a score with a data schema."""
    score = mll.ml_test_score(mll.merge_evidence(mll.scan_project(mlops.case.path), mlops.claims))

    def facts(s: Any, rate: float) -> tuple[str, float]:
        frame = mll.migration_plan(s, day_rate=rate).frame
        return frame.loc[frame["score after"] > 0, "phase"].iloc[0], float(frame["cost"].sum())

    original = facts(score, mlops.DAY_RATE)
    assert facts(score, 750.0) != original
    assert facts(mll.ml_test_score({"data_1": 0.5}), mlops.DAY_RATE) != original


# ------------------------------------------------------------------ knowledge_check
class _Stub:
    """Stands in for ``mll`` when the answer cells run outside a notebook."""

    @staticmethod
    def check(*args: Any) -> None:
        return None


def _run_knowledge(rerun: dict[str, str] | None = None, upto: str = "") -> dict[str, Any]:
    """The set-up cell, then every question's answer cells; ``rerun`` replaces inputs of
    question ``upto`` only (as the grader does: the earlier answers keep their values)."""
    nb = _solution("knowledge_check")
    ns: dict[str, Any] = {"mll": _Stub}
    exec(_cell("knowledge_check", "cell-05"), ns)
    for qid, cells in answer_blocks(nb, nb).items():
        if qid == upto and rerun:
            ns.update({k: eval(e, dict(ns)) for k, e in rerun.items()})
        for src in cells:
            exec(src, ns)
    return ns


def test_knowledge_every_scored_question_is_probed_or_reviewed():
    _scored_questions_are_probed("knowledge_check")
    assert _key("knowledge_check")["questions"]["q5_memo"].get("review")


def test_knowledge_probes_never_reach_the_exercise():
    _probes_stay_out_of_the_exercise("knowledge_check")


def test_knowledge_key_matches_the_arithmetic():
    ns = _run_knowledge()
    for qid, q in _key("knowledge_check")["questions"].items():
        assert _full(_score("knowledge_check", qid, ns[q["answer"]], **ns)), qid


def test_knowledge_each_probe_changes_the_answer():
    key = _key("knowledge_check")
    original = _run_knowledge()
    for qid, q in key["questions"].items():
        for probe in q.get("probes", []):
            # reruns only: constants in the set-up cell, so the grader must skip no line
            assert set(probe) <= {"name", "rerun", "sig"}, probe
            ns = _run_knowledge(copy.deepcopy(probe["rerun"]), upto=qid)
            got, was = ns[q["answer"]], original[q["answer"]]
            assert canon(got, probe.get("sig")) != canon(was, probe.get("sig")), probe["name"]


def test_knowledge_hints_state_a_method_not_the_break_even():
    plain = read_key(_solution("knowledge_check"))
    hints = " ".join(
        c.get("hint", "") + c.get("hint2", "")
        for q in plain["questions"].values()
        for c in q["criteria"]
    )
    assert "16.4" not in hints and "16363636" not in hints.replace(",", "")


# ------------------------------------------------------------------ compliance_audit
CA = "compliance_audit"


class _Quiet:
    """``mll`` with ``check`` silenced: the answer cells run here without a key in use."""

    def __getattr__(self, name: str) -> Any:
        return getattr(mll, name)

    def check(self, *args: Any, **kwargs: Any) -> None:
        return None


def _rerun_compliance(qid: str, inputs: dict[str, Any], rerun: dict[str, str] | None = None):
    """The question's answer after its answer cells run on ``inputs`` (what its set-up cells
    give), each ``rerun`` expression evaluated on them and pinned, as a probe does."""
    import ast

    ns = {"mll": _Quiet(), **inputs}
    ns.update({k: eval(e, dict(ns)) for k, e in (rerun or {}).items()})
    sol = _solution(CA)
    for src in answer_blocks(sol, sol)[qid]:
        tree = ast.parse(src)
        tree.body = [
            s
            for s in tree.body
            if not (
                isinstance(s, ast.Assign)
                and all(isinstance(t, ast.Name) and t.id in (rerun or {}) for t in s.targets)
            )
        ]
        exec(compile(tree, "<answer>", "exec"), ns)
    return ns[_key(CA)["questions"][qid]["answer"]]


def _small_curve(seed: int) -> Any:
    """A seeded curve from made-up similarities (no embedding): 30 in-scope, 20 out-of-scope."""
    import numpy as np

    from mlliteracy.risks.hallucination import curve_from_scores

    rng = np.random.default_rng(seed)
    in_sims = rng.uniform(0.1, 0.3, size=(30, 4))
    top = rng.integers(0, 4, size=30)
    in_sims[np.arange(30), top] = rng.uniform(0.35, 0.95, size=30)  # the best entry
    right = rng.random(30) < 0.8  # most best entries are the expected one
    expected = [int(t) if ok else int((t + 1) % 4) for t, ok in zip(top, right, strict=True)]
    return curve_from_scores(in_sims, expected, rng.uniform(0.1, 0.75, size=(20, 4)))


@pytest.fixture(scope="module")
def compliance_inputs() -> dict[str, dict[str, Any]]:
    """What each question's set-up cells give (q5's held-out half: a made-up curve, for speed: the
    statuses only ask whether the hallucination was measured)."""
    return {
        "q1_boundary": {"spec": mll.demo_system()},
        "q2_weights": {
            "card": mll.read_model_card("minilm"),
            "sources": mll.read_data_config("minilm"),
        },
        "q3_pii": {"tweets": mll.load_tweets(seed=0), "N_PII": 2000},
        "q5_gaps": {
            "held": _small_curve(0),
            "threshold": 0.65,
            "FRAMEWORK": "EU AI Act Annex IV",
            "STATUS": "gap",
        },
    }


def test_compliance_every_scored_question_is_probed_or_reviewed():
    _scored_questions_are_probed(CA)
    assert _key(CA)["questions"]["q6_summary"].get("review")


def test_compliance_probes_never_reach_the_exercise():
    _probes_stay_out_of_the_exercise(CA)


def test_compliance_criteria_are_feedback_only():
    key_answers = {
        "q1_boundary": 6,
        "q2_weights": {"license": "apache-2.0", "sources": 24},
        "q3_pii": {"email": 0, "phone": 2, "url": 118, "handle": 2114, "card": 0},
        "q4_threshold": 0.675,
        "q5_gaps": ["IV(6)", "IV(7)", "IV(8)", "IV(9)"],
    }
    for qid, answer in key_answers.items():
        assert _full(_score(CA, qid, answer)), qid


@pytest.mark.parametrize(
    ("qid", "answer"),
    [
        ("q1_boundary", 5),  # the crossing flows, not the components at their ends
        ("q2_weights", {"license": "apache-2.0", "sources": 284}),  # files, not sources
        ("q4_threshold", 0.65),  # the rule applied to the whole curve, not to the tune half
        ("q5_gaps", ["IV(2)", "IV(3)", "IV(4)", "IV(5)", "IV(6)", "IV(7)", "IV(8)", "IV(9)"]),
    ],
)
def test_compliance_a_wrong_answer_fails_its_checks(qid, answer):
    result = _score(CA, qid, answer)
    assert result.passed < len(result.criteria)


# q4 needs the embedded curve (25 s): its memorised answer is graded in test_exercises
@pytest.mark.parametrize("qid", ["q1_boundary", "q2_weights", "q3_pii", "q5_gaps"])
def test_compliance_each_probe_changes_the_answer(compliance_inputs, qid):
    inputs = compliance_inputs[qid]
    original = to_plain(_rerun_compliance(qid, inputs))
    probes = _key(CA)["questions"][qid]["probes"]
    values = [to_plain(_rerun_compliance(qid, inputs, p["rerun"])) for p in probes]
    assert None not in values
    assert all(v != original for v in values), (original, values)


def test_compliance_probe_specs_are_valid_and_the_packages_count_agrees(compliance_inputs):
    spec = compliance_inputs["q1_boundary"]["spec"]
    for probe in _key(CA)["questions"]["q1_boundary"]["probes"]:
        other = eval(probe["rerun"]["spec"], {"spec": spec})
        assert other.validate().ok
        honest = len(other.boundary_components())  # another style: the package's helper
        assert _rerun_compliance("q1_boundary", {"spec": other}) == honest != 6


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_compliance_the_written_rule_is_the_packages_best(seed):
    """A learner who calls ``tune.best`` with the caps gets the solution's threshold."""
    curve = _small_curve(seed)
    for caps in [(0.05, 0.10), (0.10, 0.20), (0.02, 0.10), (0.3, 0.5)]:
        try:
            expected = curve.best(*caps)
        except mll.MLLError:
            continue
        inputs = {"tune": curve, "MAX_WRONG": caps[0], "MAX_HALLUCINATION": caps[1]}
        assert _rerun_compliance("q4_threshold", inputs) == pytest.approx(expected, abs=1e-9)

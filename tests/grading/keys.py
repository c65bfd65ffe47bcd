"""What the key tests share: a solution's answer key, and an answer scored as the grader does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlliteracy.grading.assign import read_key
from mlliteracy.grading.checks import CheckResult, score_question, to_plain
from mlliteracy.grading.key import compile_key

ROOT = Path(__file__).resolve().parents[2]


def solution(level: str, name: str) -> dict[str, Any]:
    """The solution notebook ``solutions/<level>/<name>.ipynb``, as JSON."""
    return json.loads((ROOT / "solutions" / level / f"{name}.ipynb").read_text("utf-8"))


def key(level: str, name: str) -> dict[str, Any]:
    """Its answer key, compiled as the grader compiles it."""
    return compile_key(read_key(solution(level, name)))


def score(level: str, name: str, qid: str, answer: Any, **variables: Any) -> CheckResult:
    """Score ``answer`` on every criterion, hidden ones included (as the grader does)."""
    compiled = key(level, name)
    plain = {k: to_plain(v) for k, v in variables.items()}
    question = compiled["questions"][qid]
    return score_question(compiled["name"], qid, question, to_plain(answer), plain)


def full(result: CheckResult) -> bool:
    """Every criterion passes (criteria are feedback: the score itself is always 0)."""
    return result.passed == len(result.criteria) and result.score == 0


def fails(result: CheckResult) -> bool:
    """Some criterion fails: the feedback does not tell the learner "all passed"."""
    return result.passed < len(result.criteria)


def leaked_probes(level: str, name: str) -> list[str]:
    """The probes whose code (an expression or a replaced input) appears in the exercise."""
    text = (ROOT / "exercises" / level / f"{name}.ipynb").read_text("utf-8")
    leaked = []
    for q in key(level, name)["questions"].values():
        for probe in q.get("probes", []):
            inputs = [probe.get("expr"), *probe.get("rerun", {}).values()]
            if any(e and len(e) > 12 and e in text for e in inputs):
                leaked.append(probe["name"])
    return leaked

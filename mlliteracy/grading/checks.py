"""Instant, non-leaking feedback in the learner's notebook: ``mll.use_key`` and ``mll.check``.

These checks are **feedback**: the sealed key holds salted hashes a determined learner could
brute-force, so they earn no points. The grader runs the same checks (plus hidden ones) for the
feedback page, and takes the points from hidden probes run on the learner's own code
(:mod:`mlliteracy.grading.execute`).

Example:
    >>> mll.use_key(KEY)          # the sealed key cell at the top of an exercise
    >>> mll.check("q_params", query_params)
    q_params: 1/1 checks passed, 2/2 points
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from .._core import html as _html
from .._core.errors import MLLError
from .key import canon, compile_key, digest, ngrams, unseal, words

PLACEHOLDER = {"__placeholder__": True}
NOT_ANSWERED = "not answered yet: replace the ... with your answer"
PROBE_LABEL = "graded check: your code, run on an input you do not see"
_KEYS: dict[str, tuple[str, dict[str, Any]]] = {}
_FAILS: dict[str, int] = {}
_NUMBER = re.compile(
    r"(?<![\w.])([-+]?)\$?(\d[\d,]*(?:\.\d+)?)\s*(%|million\b|billion\b|thousand\b|bn\b|[mk]\b)?",
    re.I,
)
_SCALE = {"%": 0.01, "thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9}
_SCALE["bn"] = 1e9


def to_plain(value: Any, _depth: int = 0) -> Any:
    """JSON-safe copy of an answer (numpy/torch via ``tolist``; ``...`` marks a placeholder).

    Self-contained on purpose: the grader injects this function's source into the kernel.
    """
    if _depth > 20:
        return {"__unsupported__": "nested too deep"}
    if value is Ellipsis:
        return {"__placeholder__": True}
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, str):
        return str(value[:100_000])
    if isinstance(value, dict):
        items = list(value.items())[:10_000]
        return {str(k): to_plain(v, _depth + 1) for k, v in items}
    if isinstance(value, (list, tuple)):
        return [to_plain(v, _depth + 1) for v in list(value)[:10_000]]
    if isinstance(value, (set, frozenset)):
        return sorted((to_plain(v, _depth + 1) for v in value), key=repr)
    tolist = getattr(value, "tolist", None)  # numpy arrays and scalars, torch tensors
    if callable(tolist):
        try:
            return to_plain(tolist(), _depth + 1)
        except Exception:
            pass
    return {"__unsupported__": type(value).__name__}


@dataclass(frozen=True)
class CriterionResult:
    """One criterion's verdict."""

    name: str
    """What was checked, in the instructor's words (never the expected value)."""
    passed: bool
    """Whether the answer meets it."""
    message: str = ""
    """Why it failed, when the grader can say without revealing the answer."""
    hidden: bool = False
    """A hidden check: its name is not shown to learners."""
    probe: bool = False
    """A graded probe (grader only): your code run again on an input you do not see."""

    @property
    def label(self) -> str:
        """What a learner may read about this check."""
        if self.probe:
            return PROBE_LABEL
        return "hidden check" if self.hidden else self.name


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one question: per-criterion results, score and hints."""

    question: str
    """The question id."""
    points: float
    """Points the question is worth."""
    score: float
    """Points earned over the criteria evaluated here."""
    criteria: tuple[CriterionResult, ...]
    """One result per evaluated criterion."""
    answered: bool
    """False while the answer is still the ``...`` placeholder (or missing)."""
    hints: tuple[str, ...] = ()
    """Hints for the failed criteria (a stronger one after repeated failures)."""
    hidden_pending: int = 0
    """Hidden checks that only the grader runs."""
    review: str = ""
    """Non-empty when an instructor reads this answer too (manual review)."""
    graded: bool = True
    """False for a lesson's activities: feedback only, no points shown."""
    probed: bool = False
    """True when ``score`` comes from the grader's hidden probes (False in the notebook)."""

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.criteria)

    def __repr__(self) -> str:
        head = f"{self.question}: {self.passed}/{len(self.criteria)} checks passed"
        if self.graded:
            head += f", {self._points_note}"
        lines = [head]
        if not self.answered:
            lines.append(f"  {NOT_ANSWERED}")
        for c in self.criteria:
            label = c.label
            tail = f" ({c.message})" if c.message and not c.passed else ""
            lines.append(f"  {'ok  ' if c.passed else 'FAIL'} {label}{tail}")
        lines += [f"  hint: {h}" for h in self.hints]
        if self.hidden_pending:
            lines.append(f"  + {self.hidden_pending} hidden check(s) run when graded")
        if self.review:
            lines.append(f"  {self._review_note}")
        return "\n".join(lines)

    @property
    def _points_note(self) -> str:
        if self.probed:
            return f"{_num(self.score)}/{_num(self.points)} points"
        if self.points == 0:
            return "feedback only, no points"
        unit = "point" if self.points == 1 else "points"
        return f"worth {_num(self.points)} {unit} when graded (on inputs you do not see)"

    @property
    def _review_note(self) -> str:
        if self.points == 0:
            return "no automatic points: an instructor reads and scores this answer"
        return "an instructor also reads this answer"

    def _repr_html_(self) -> str:
        rows = [
            (
                _html.badge(c.passed, "pass" if c.passed else "fail"),
                c.label,
                "" if c.passed else c.message,
            )
            for c in self.criteria
        ]
        caption = f"{self.question}: {self.passed}/{len(self.criteria)} checks passed"
        if self.graded:
            caption += f", {self._points_note}"
        out = _html.table(["", "check", "note"], rows, caption=caption, raw_columns=[0])
        notes = ([NOT_ANSWERED] if not self.answered else []) + [f"hint: {h}" for h in self.hints]
        if self.hidden_pending:
            notes.append(f"{self.hidden_pending} hidden check(s) run when graded")
        if self.review:
            notes.append(self._review_note)
        return out + "".join(f"<p>{_html.esc(n)}</p>" for n in notes)


@dataclass(frozen=True)
class KeyInfo:
    """What an exercise grades: question ids, points, number of checks."""

    name: str
    questions: tuple[tuple[str, float, int], ...]
    """(question id, points, number of checks) per question."""
    graded: bool = True
    """False for a lesson's key: its activities give feedback, no points."""

    @property
    def max_score(self) -> float:
        return sum(q[1] for q in self.questions)

    def _table(self) -> tuple[str, list[str], list[tuple]]:
        if not self.graded:
            rows = [(q, n) for q, _, n in self.questions]
            noun = "activity" if len(rows) == 1 else "activities"
            caption = f"{self.name}: {len(rows)} {noun} with instant feedback (not graded)"
            return caption, ["activity", "checks"], rows
        rows = [(q, _num(p), n) for q, p, n in self.questions]
        caption = f"{self.name}: {len(rows)} questions, {_num(self.max_score)} points"
        return caption, ["question", "points", "checks"], rows

    def __repr__(self) -> str:
        caption, header, rows = self._table()
        return caption + "\n" + _html.text_table(header, rows)

    def _repr_html_(self) -> str:
        caption, header, rows = self._table()
        return _html.table(header, rows, caption=caption)


def _num(x: float) -> str:
    return f"{x:g}"


def use_key(key: dict[str, Any] | str) -> KeyInfo:
    """Register an exercise's answer key so :func:`check` can answer.

    Args:
        key: the sealed key text (in exercises) or the plain key dict (in solutions).

    Returns:
        A :class:`KeyInfo` listing the graded questions.

    Example:
        >>> mll.use_key(KEY)
    """
    compiled = unseal(key) if isinstance(key, str) else compile_key(key)
    for qid, q in compiled["questions"].items():
        _KEYS[qid] = (compiled["name"], q)
        _FAILS.pop(qid, None)
    rows = tuple(
        (qid, q["points"], len(q["criteria"]) + q.get("hidden", 0))
        for qid, q in compiled["questions"].items()
    )
    return KeyInfo(compiled["name"], rows, compiled.get("graded", True))


def check(question: str, answer: Any, *, variables: Mapping[str, Any] | None = None) -> CheckResult:
    """Check one answer now: pass/fail per criterion and a hint, never the expected value.

    Args:
        question: the question id from the key (see ``mll.use_key``).
        answer: your answer (``...`` means not answered yet).
        variables: values that text answers must cite (default: the notebook's globals).

    Returns:
        A :class:`CheckResult`; a second failure on the same question adds a stronger hint.

    Example:
        >>> mll.check("q_params", 147840)
    """
    if question not in _KEYS:
        known = ", ".join(sorted(_KEYS)) or "none: run the cell with mll.use_key(KEY) first"
        raise MLLError(f"question={question!r} is not in the answer key (known: {known})")
    name, q = _KEYS[question]
    if variables is None:
        main = getattr(sys.modules.get("__main__"), "__dict__", {})
        names = {c["cites_variable"] for c in q["criteria"] if "cites_variable" in c}
        variables = {n: main.get(n) for n in names}
    plain_vars = {k: to_plain(v) for k, v in variables.items()}
    failures = _FAILS.get(question, 0)
    result = score_question(name, question, q, to_plain(answer), plain_vars, strong=failures >= 1)
    _FAILS[question] = 0 if result.passed == len(result.criteria) else failures + 1
    return result


def score_question(
    name: str,
    qid: str,
    q: dict[str, Any],
    answer: Any,
    variables: Mapping[str, Any],
    *,
    strong: bool = False,
    all_hints: bool = False,
) -> CheckResult:
    """Evaluate a compiled question's criteria against a plain answer (notebook and grader).

    The result's ``score`` is 0: criteria are feedback. The grader adds the probes' points with
    :func:`with_probes`.
    """
    salt = f"{name}/{qid}"
    answered = not _unanswered(answer)
    results = []
    hints: list[str] = []
    for c in q["criteria"]:
        ok, msg = _criterion(salt, c, answer, variables) if answered else (False, "")
        results.append(CriterionResult(c["name"], ok, msg, bool(c.get("hidden"))))
        if not ok and not c.get("hidden") and (all_hints or not hints):
            hints += [h for h in (c.get("hint"), c.get("hint2") if strong else None) if h]
    return CheckResult(
        qid,
        q["points"],
        0.0,
        tuple(results),
        answered,
        tuple(hints if answered else ()),
        q.get("hidden", 0),
        q.get("review", ""),
        q.get("graded", True),
    )


def with_probes(result: CheckResult, outcomes: list[bool]) -> CheckResult:
    """``result`` scored by its probes' outcomes: points x share passed, one hidden row each."""
    rows = tuple(CriterionResult("probe", ok, "", True, True) for ok in outcomes)
    share = sum(outcomes) / len(outcomes) if outcomes and result.answered else 0.0
    return replace(
        result,
        score=round(result.points * share, 2),
        criteria=result.criteria + rows,
        probed=True,
    )


def contradictions(spec: dict[str, Any]) -> list[str]:
    """Answers that pass every visible check of a question while one of its hidden checks fails.

    Tried on each question's own expected values (``equals``/``one_of`` without a ``path``) and
    on the ``borderline`` values the instructor lists beside it (never sealed). ``mlliteracy
    assign --check`` fails on each: the learner would be told "all passed" and lose points.
    """
    compiled = compile_key(spec)
    out = []
    for qid, plain in spec["questions"].items():
        q = compiled["questions"][qid]
        salt = f"{compiled['name']}/{qid}"
        judged = [c for c in q["criteria"] if "cites_variable" not in c]
        hidden = [c for c in judged if c.get("hidden")]
        candidates = list(plain.get("borderline", [])) if hidden else []
        for c in plain.get("criteria", []) if hidden else []:
            if c.get("path") is None:
                candidates += [c["equals"]] if "equals" in c else list(c.get("one_of", []))
        for value in candidates:
            passed = {id(c): _criterion(salt, c, to_plain(value), {})[0] for c in judged}
            failed = [c["name"] for c in hidden if not passed[id(c)]]
            if failed and all(passed[id(c)] for c in judged if not c.get("hidden")):
                out.append(
                    f"{compiled['name']} question {qid!r}: {value!r} passes every visible check "
                    f"but fails the hidden check {failed[0]!r}; make the visible checks as "
                    "strict, or the hidden one as lenient"
                )
                break
    return out


def _unanswered(answer: Any) -> bool:
    """``None``, ``...``, or a dict/list template whose every entry is still ``...``."""
    if answer is None or answer == PLACEHOLDER:
        return True
    entries = answer.values() if isinstance(answer, dict) else answer
    if isinstance(answer, (dict, list)) and answer:
        return all(v == PLACEHOLDER for v in entries)
    return False


def _criterion(salt: str, c: dict, answer: Any, variables: Mapping[str, Any]) -> tuple[bool, str]:
    target = answer
    path = c.get("path")
    for step in path if isinstance(path, list) else ([] if path is None else [path]):
        try:
            target = target[step]
        except (KeyError, IndexError, TypeError):
            return False, f"your answer has no entry {step!r}"
        if target == PLACEHOLDER:
            return False, NOT_ANSWERED
    if "equals_hash" in c:
        return digest(salt, canon(target, c.get("sig"))) in c["equals_hash"], ""
    if "mentions_hash" in c:
        grams = ngrams(_text(target))
        return any(digest(salt, g) in c["mentions_hash"] for g in grams), ""
    if "before_hash" in c:
        if not isinstance(target, list):
            return False, "expected a list in order"
        items = [canon(v) for v in target]
        pairs = {f"{a}\x1e{b}" for i, a in enumerate(items) for b in items[i + 1 :]}
        return any(digest(salt, p) in c["before_hash"] for p in pairs), ""
    if "between" in c:
        low, high = c["between"]
        number = isinstance(target, (int, float)) and not isinstance(target, bool)
        return number and low <= target <= high, f"expected a number from {low} to {high}"
    if "type" in c:
        return _is_type(target, c["type"]), f"expected {c['type']}"
    if "length" in c:
        n = len(target) if isinstance(target, (list, dict, str)) else None
        return n == c["length"], f"expected {c['length']} items, got {n}"
    if "min_words" in c:
        n = len(words(_text(target)))
        return n >= c["min_words"], f"at least {c['min_words']} words, got {n}"
    if "cites_variable" in c:
        return _cites(_text(target), variables.get(c["cites_variable"]), c["cites_variable"])
    return False, "unknown check"


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "\n".join(f"{k} {_text(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def _is_type(value: Any, kind: str) -> bool:
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, {"text": str, "list": list, "dict": dict, "bool": bool}[kind])


def _cites(text: str, value: Any, name: str) -> tuple[bool, str]:
    """Does ``text`` quote the learner's own ``value`` (to the digits they wrote)?"""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False, f"compute `{name}` first: the text must quote it"
    for m in _NUMBER.finditer(text):
        mantissa = m.group(2).replace(",", "")
        number = -float(mantissa) if m.group(1) == "-" else float(mantissa)
        scale = _SCALE.get((m.group(3) or "").lower(), 1.0)
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        scaled = value / scale
        digits = len(mantissa.replace(".", "").lstrip("0"))
        close = math.isclose(round(scaled, decimals), number, rel_tol=1e-9, abs_tol=1e-12)
        if close and (digits >= 2 or math.isclose(scaled, number, rel_tol=1e-9)):
            return True, ""
    return False, f"quote your computed `{name}` in the text"

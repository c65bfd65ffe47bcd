"""Answer keys: the instructor's plain key, validated and sealed so learners cannot read it.

An answer key is a Python literal written in the solution notebook between the
``### BEGIN ANSWER KEY`` / ``### END ANSWER KEY`` markers::

    KEY = {"name": "beginner/knowledge_check", "questions": {
        "q_params": {"points": 2, "answer": "query_params", "criteria": [
            {"name": "the count is right", "equals": 147840, "hint": "weight + bias"}]}}}

:func:`compile_key` turns expected values into salted hashes (strings and numbers are
canonicalised first), so the sealed key in ``exercises/`` shows criteria names, hints and points,
never an expected value. Tolerances are expressed as significant digits (``"sig": 3``).
A lesson's key says ``"graded": False``: its activities give feedback and carry no points.

Graded points come only from **probes**, which the learner never sees: instructor-written checks
that the grader runs in the learner's kernel after their cells and compares, outside the kernel,
with the same probes run on the solution (:mod:`mlliteracy.grading.execute`). The criteria are
feedback: their hashes can be brute-forced, so they earn nothing. A graded question with points
has probes, or a ``"review"`` note (a person scores it); ``"points": 0`` is feedback only.

Example:
    >>> sealed = seal(compile_key(KEY))
    >>> unseal(sealed)["questions"]["q_params"]["points"]
    2
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import math
import re
from typing import Any

from .._core.errors import MLLError

KEY_PREFIX = "mll-key-v1:"
#: criterion kinds whose expected value is secret (hashed) vs plain properties
SECRET_KINDS = ("equals", "one_of", "mentions", "before")
PLAIN_KINDS = ("type", "length", "min_words", "cites_variable", "between")
TYPES = ("number", "text", "list", "dict", "bool")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_WORD = re.compile(r"[a-z0-9%$.]+")
MAX_NGRAM = 4


# ----------------------------------------------------------------------------- canonical forms
def canon(value: Any, sig: int | None = None) -> str:
    """Canonical text of a plain value: case- and space-insensitive text, numbers to ``sig``."""
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    if isinstance(value, (int, float)):
        return canon_number(value, sig)
    if isinstance(value, str):
        number = parse_number(value)
        if number is not None and sig is not None:
            return canon_number(number, sig)
        return " ".join(value.casefold().split()).rstrip(".")
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(canon(v, sig) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted((canon(k), canon(v, sig)) for k, v in value.items())
        return "{" + ",".join(f"{k}:{v}" for k, v in items) + "}"
    return f"<{type(value).__name__}>"


def canon_number(value: float, sig: int | None) -> str:
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if sig is None:
        return str(int(value)) if value.is_integer() else format(value, ".6g")
    return format(value, f".{sig}g")


def parse_number(text: str) -> float | None:
    """``"$1,234.5"`` -> 1234.5; ``None`` when the text is not a single number."""
    cleaned = text.strip().replace(",", "").lstrip("$").rstrip("x%").strip()
    try:
        return float(cleaned)
    except ValueError:
        return None


def words(text: str) -> list[str]:
    """Lower-case word tokens of free text (hyphens and slashes split words)."""
    raw = _WORD.findall(text.casefold().replace("-", " ").replace("/", " "))
    return [t for t in (w.strip(".") for w in raw) if t]


def ngrams(text: str, n_max: int = MAX_NGRAM) -> set[str]:
    """Every run of 1 to ``n_max`` consecutive words (what ``mentions`` criteria match)."""
    toks = words(text)
    return {" ".join(toks[i : i + n]) for n in range(1, n_max + 1) for i in range(len(toks))}


def digest(salt: str, text: str) -> str:
    return hashlib.sha256(f"{salt}\x1f{text}".encode()).hexdigest()[:20]


# ----------------------------------------------------------------------------- compile / seal
def compile_key(spec: dict[str, Any]) -> dict[str, Any]:
    """Validate an instructor key and replace every secret expected value by salted hashes.

    Args:
        spec: the plain key (``name``, ``questions``), as written in the solution notebook.

    Returns:
        The sealed-able key: same structure, ``equals``/``one_of``/``mentions``/``before``
        replaced by ``*_hash`` lists. Compiling a compiled key returns it unchanged.
    """
    if not isinstance(spec, dict) or not isinstance(spec.get("questions"), dict):
        raise MLLError(
            f"answer key={type(spec).__name__} is not a dict with 'name' and 'questions'; "
            "write KEY = {'name': 'level/exercise', 'questions': {...}}"
        )
    name = spec.get("name")
    if not isinstance(name, str) or not name:
        raise MLLError(f"answer key name={name!r} must be a non-empty string like 'beginner/x'")
    if not spec["questions"]:
        raise MLLError("answer key has no questions; add at least one under 'questions'")
    graded = spec.get("graded", True)
    if not isinstance(graded, bool):
        raise MLLError(f"answer key graded={graded!r} must be True or False")
    out: dict[str, Any] = {"name": name, "questions": {}}
    if not graded:
        out["graded"] = False
    for qid, q in spec["questions"].items():
        out["questions"][qid] = _compile_question(name, qid, q, graded)
    return out


def _compile_question(name: str, qid: Any, q: Any, graded: bool = True) -> dict[str, Any]:
    where = f"question {qid!r}"
    if not isinstance(qid, str) or not _IDENT.match(qid):
        raise MLLError(f"question id={qid!r} must be an identifier such as 'q1_kinds'")
    if not isinstance(q, dict):
        raise MLLError(f"{where}={type(q).__name__} must be a dict with points/answer/criteria")
    points = q.get("points", None if graded else 1)
    number = isinstance(points, (int, float)) and not isinstance(points, bool)
    if not number or points < 0:
        raise MLLError(f"{where}: points={points!r} must be a number >= 0 (0: feedback only)")
    probes = compile_probes(where, q.get("probes"))
    answer = q.get("answer")
    if not isinstance(answer, str) or not _IDENT.match(answer):
        raise MLLError(f"{where}: answer={answer!r} must name the variable holding the answer")
    criteria = q.get("criteria")
    if not isinstance(criteria, list) or not criteria:
        raise MLLError(f"{where}: criteria={criteria!r} must be a non-empty list of dicts")
    salt = f"{name}/{qid}"
    compiled = [_compile_criterion(salt, where, i, c) for i, c in enumerate(criteria)]
    out = {"points": points, "answer": answer, "criteria": compiled}
    if probes:
        out["probes"] = probes
    if not graded:
        out["graded"] = False
    if q.get("review"):
        out["review"] = str(q["review"])
    return out


def fairness(compiled: dict[str, Any]) -> list[str]:
    """What makes a compiled graded key unfair (``mlliteracy assign --check`` fails on each).

    A question's points come from its probes; without probes or a ``review`` note it would
    score 0 while the learner is told it is worth points.
    """
    if compiled.get("graded") is False:
        return []
    problems = []
    for qid, q in compiled["questions"].items():
        if q["points"] > 0 and not q.get("probes") and not q.get("review"):
            problems.append(
                f"{compiled['name']} question {qid!r}: points={q['points']!r} but no probes: "
                "graded points come from hidden probes (add 'probes': [{'name': ..., "
                "'rerun': {...}} or {'name': ..., 'expr': ...}]), a 'review' note (a person "
                "scores it), or points 0 (feedback only)"
            )
    return problems


def compile_probes(where: str, probes: Any) -> list[dict[str, Any]]:
    """Validate a question's probes (instructor-only: :func:`public` drops them).

    A probe is ``{"name", "expr"}`` (an expression evaluated in the learner's namespace after
    their cells, e.g. ``"conv_params(7, 13, 5)"``) or ``{"name", "rerun": {var: expr}}`` (the
    question's answer cells run again with those variables replaced, e.g. another model; the
    value is the answer variable, or ``expr`` evaluated after the rerun). ``sig`` and ``path``
    work as for criteria.
    """
    if probes is None:
        return []
    if not isinstance(probes, list) or not all(isinstance(p, dict) for p in probes):
        raise MLLError(f"{where}: probes={probes!r} must be a list of dicts")
    out = []
    for i, p in enumerate(probes):
        here = f"{where} probe {i}"
        unknown = sorted(set(p) - {"name", "expr", "rerun", "answer", "sig", "path"})
        if unknown:
            raise MLLError(f"{here}: unknown field(s) {unknown}; use name/expr/rerun/sig/path")
        expr, rerun = p.get("expr"), p.get("rerun")
        if expr is None and rerun is None:
            raise MLLError(f"{here}: give 'expr' (an expression) or 'rerun' ({{var: expr}})")
        if rerun is not None and not (
            isinstance(rerun, dict) and rerun and all(_IDENT.match(str(k)) for k in rerun)
        ):
            raise MLLError(f"{here}: rerun={rerun!r} must map variable names to expressions")
        for text in [expr, *(rerun or {}).values()]:
            if text is not None and not _is_expression(text):
                raise MLLError(f"{here}: {text!r} is not a Python expression; write one")
        sig = p.get("sig")
        if sig is not None and (isinstance(sig, bool) or not isinstance(sig, int) or sig < 1):
            raise MLLError(f"{here}: sig={sig!r} must be an integer >= 1")
        if "answer" in p and not _IDENT.match(str(p["answer"])):
            raise MLLError(f"{here}: answer={p['answer']!r} must name a variable")
        out.append({**p, "name": str(p.get("name") or f"probe {i + 1}")})
    return out


def _is_expression(text: Any) -> bool:
    if not isinstance(text, str):
        return False
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    return True


def _compile_criterion(salt: str, where: str, i: int, c: Any) -> dict[str, Any]:
    if not isinstance(c, dict):
        raise MLLError(f"{where}: criterion {i}={c!r} must be a dict")
    if any(k.endswith("_hash") for k in c):  # already compiled
        return dict(c)
    kinds = [k for k in (*SECRET_KINDS, *PLAIN_KINDS) if k in c]
    if len(kinds) != 1:
        raise MLLError(
            f"{where}: criterion {i} has kinds={kinds}; give exactly one of "
            f"{', '.join(SECRET_KINDS + PLAIN_KINDS)}"
        )
    kind = kinds[0]
    out: dict[str, Any] = {"name": str(c.get("name") or f"check {i + 1}")}
    for opt in ("path", "sig", "hint", "hint2", "hidden"):
        if opt in c:
            out[opt] = c[opt]
    sig = c.get("sig")
    value = c[kind]
    if kind == "equals":
        out["equals_hash"] = [digest(salt, canon(value, sig))]
    elif kind == "one_of":
        if not isinstance(value, list) or not value:
            raise MLLError(f"{where}: criterion {i} one_of={value!r} must be a non-empty list")
        out["equals_hash"] = sorted({digest(salt, canon(v, sig)) for v in value})
    elif kind == "mentions":
        phrases = [value] if isinstance(value, str) else value
        if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            raise MLLError(f"{where}: criterion {i} mentions={value!r} must be text or a list")
        bad = [p for p in phrases if not 1 <= len(words(p)) <= MAX_NGRAM]
        if bad:
            raise MLLError(f"{where}: mentions {bad!r} must be 1 to {MAX_NGRAM} words each")
        out["mentions_hash"] = sorted({digest(salt, " ".join(words(p))) for p in phrases})
    elif kind == "before":
        if not (isinstance(value, list) and len(value) == 2):
            raise MLLError(f"{where}: criterion {i} before={value!r} must be [first, second]")
        out["before_hash"] = [digest(salt, canon(value[0]) + "\x1e" + canon(value[1]))]
    elif kind == "type":
        if value not in TYPES:
            raise MLLError(f"{where}: criterion {i} type={value!r} is not one of {TYPES}")
        out["type"] = value
    elif kind == "between":
        ok = isinstance(value, (list, tuple)) and len(value) == 2
        if not ok or not all(_is_number(v) for v in value) or value[0] > value[1]:
            raise MLLError(f"{where}: criterion {i} between={value!r} must be [low, high]")
        out["between"] = [value[0], value[1]]
    elif kind == "cites_variable":
        if not isinstance(value, str) or not _IDENT.match(value):
            raise MLLError(f"{where}: criterion {i} cites_variable={value!r} must be a name")
        out["cites_variable"] = value
    else:  # length, min_words
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise MLLError(f"{where}: criterion {i} {kind}={value!r} must be an integer >= 0")
        out[kind] = value
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def seal(compiled: dict[str, Any], *, drop_hidden: bool = True) -> str:
    """One line of text holding the compiled key (hidden criteria dropped for learners)."""
    key = public(compiled) if drop_hidden else compiled
    raw = json.dumps(key, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return KEY_PREFIX + base64.b64encode(raw.encode()).decode()


def unseal(text: str) -> dict[str, Any]:
    """The compiled key from :func:`seal`'s text."""
    if not isinstance(text, str) or not text.startswith(KEY_PREFIX):
        raise MLLError(
            f"key={str(text)[:30]!r} is not a sealed key; regenerate the exercise "
            "with `mlliteracy assign`"
        )
    try:
        return json.loads(base64.b64decode(text[len(KEY_PREFIX) :]))
    except (ValueError, TypeError) as err:
        raise MLLError("the sealed key is damaged; regenerate with `mlliteracy assign`") from err


def public(compiled: dict[str, Any]) -> dict[str, Any]:
    """The key without hidden criteria and probes (what a learner's notebook may hold)."""
    questions = {}
    for qid, q in compiled["questions"].items():
        visible = [c for c in q["criteria"] if not c.get("hidden")]
        kept = {k: v for k, v in q.items() if k != "probes"}
        questions[qid] = {**kept, "criteria": visible, "hidden": len(q["criteria"]) - len(visible)}
    out = {"name": compiled["name"], "questions": questions}
    if compiled.get("graded") is False:
        out["graded"] = False
    return out


def key_hash(compiled: dict[str, Any]) -> str:
    """A short hash of a compiled key: a changed key means submissions are re-graded."""
    raw = json.dumps(compiled, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]

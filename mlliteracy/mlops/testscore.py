"""The ML Test Score rubric (Breck et al., 2017): 28 tests, four sections, the minimum rule.

Each test earns 0 (not done), 0.5 (done by hand and documented) or 1 (automated). A section's
score is the sum of its seven tests; the final score is the **minimum** of the four sections,
so one neglected area caps the whole system. Test titles are paraphrased (the text lives in
``assets/ml_test_score.yaml``); the source is E. Breck, S. Cai, E. Nielsen, M. Salib,
D. Sculley, "The ML Test Score: A Rubric for ML Production Readiness and Technical Debt
Reduction", IEEE Big Data 2017.

Example:
    >>> scan = mll.scan_project("shadow_it")
    >>> mll.ml_test_score(scan).final
    0.0
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._core import html as _html
from .._core.errors import MLLError
from .._core.offline import asset_error, load_asset

if TYPE_CHECKING:
    import pandas as pd

SECTIONS = ("data", "model", "infrastructure", "monitoring")

ASSET = "ml_test_score.yaml"


def _load_rubric() -> tuple[tuple[tuple[str, str, str], ...], tuple[tuple[float, str], ...]]:
    """The tests and the score bands, read from ``assets/ml_test_score.yaml`` and checked."""
    raw = load_asset(ASSET)
    try:
        rubric = tuple(
            (str(test), str(section), str(text))
            for section, tests in raw["tests"].items()
            for test, text in tests.items()
        )
        bands = tuple((float(limit), str(text)) for limit, text in raw["bands"])
        found = tuple(dict.fromkeys(section for _, section, _ in rubric))
        if found != SECTIONS or len(rubric) != 28:
            raise ValueError(f"sections {list(found)} hold {len(rubric)} tests, not 4 x 7")
        if not bands or bands[-1][0] != float("inf"):
            raise ValueError("the last band's limit must be .inf")
    except (AttributeError, KeyError, TypeError, ValueError) as err:
        raise asset_error(ASSET, err) from err
    return rubric, bands


#: (test id, section, what the test asks, in our own words) and (upper limit, meaning) of the
#: final score, paraphrasing the paper's interpretation table; the text is in the asset
RUBRIC, BANDS = _load_rubric()
TEST_IDS = tuple(t[0] for t in RUBRIC)
POINTS = (0.0, 0.5, 1.0)
SOURCE = "Breck et al., The ML Test Score, IEEE Big Data 2017"


def band(final: float) -> str:
    """The paper's reading of a final score (0 = research project ... > 5 exceptional)."""
    return next(text for limit, text in BANDS if final <= limit)


def score_rubric() -> pd.DataFrame:
    """The 28 tests as a DataFrame: id, section, test (our wording; source in the docstring)."""
    import pandas as pd

    return pd.DataFrame(RUBRIC, columns=["id", "section", "test"])


@dataclass(frozen=True)
class MLTestScore:
    """Every test's points and evidence, the section sums and the final (minimum) score."""

    points: dict[str, float]
    """Test id -> 0, 0.5 or 1 (all 28 ids)."""
    evidence: dict[str, str]
    """Test id -> why it got its points ("" when nothing was found)."""

    @property
    def sections(self) -> dict[str, float]:
        """Section -> sum of its seven tests."""
        return {s: sum(self.points[t] for t, sec, _ in RUBRIC if sec == s) for s in SECTIONS}

    @property
    def final(self) -> float:
        """The minimum of the four section sums (the weakest section decides)."""
        return min(self.sections.values())

    @property
    def weakest(self) -> str:
        """The section that sets the final score (the first one on ties)."""
        return min(SECTIONS, key=lambda s: self.sections[s])

    @property
    def band(self) -> str:
        return band(self.final)

    def to_frame(self) -> pd.DataFrame:
        """One row per test: id, section, test, points, evidence."""
        frame = score_rubric()
        frame["points"] = [self.points[t] for t in TEST_IDS]
        frame["evidence"] = [self.evidence.get(t, "") for t in TEST_IDS]
        return frame

    def summary(self) -> dict[str, Any]:
        """Section sums, the final score and its band."""
        return {**self.sections, "final (minimum)": self.final, "band": self.band}

    def __repr__(self) -> str:
        secs = ", ".join(f"{k}={v:g}" for k, v in self.sections.items())
        return f"MLTestScore({secs}, final={self.final:g}: {self.band})"

    def _repr_html_(self) -> str:
        rows = [(t, sec, title, f"{self.points[t]:g}", self.evidence.get(t, ""))
                for t, sec, title in RUBRIC if self.points[t] > 0]  # fmt: skip
        secs = [(s, f"{v:g}") for s, v in self.sections.items()]
        secs.append(("final = minimum", f"{self.final:g}"))
        head = _html.table(
            ["section", "points (of 7)"], secs, caption=f"ML Test Score: {self.band}"
        )
        caption = f"{len(rows)} of 28 tests earn points ({SOURCE})"
        body = _html.table(["id", "section", "test", "points", "evidence"], rows, caption=caption)
        return head + body


def _entry(test: str, value: Any) -> tuple[float, str]:
    """Normalise one evidence value: a number, (points, text) or {"points":, "evidence":}."""
    if isinstance(value, Mapping):
        pts, text = value.get("points"), str(value.get("evidence", ""))
    elif isinstance(value, tuple) and len(value) == 2:
        pts, text = value[0], str(value[1])
    else:
        pts, text = value, ""
    if isinstance(pts, bool) or not isinstance(pts, numbers.Real) or float(pts) not in POINTS:
        raise MLLError(
            f"evidence[{test!r}] has points={pts!r}; use 0, 0.5 (manual, documented) or "
            "1 (automated), e.g. (0.5, 'checked by hand, see runbook')"
        )
    return float(pts), text


def ml_test_score(evidence: Any = None) -> MLTestScore:
    """Score the 28 tests from evidence; tests with no evidence get 0.

    Args:
        evidence: a :class:`ProjectScan` (from :func:`scan_project`) or a dict mapping a test id
            (see :func:`score_rubric`) to points, ``(points, text)`` or
            ``{"points": p, "evidence": text}``; points are 0, 0.5 or 1.

    Returns:
        An :class:`MLTestScore`; ``.final`` is the minimum of the four section sums.

    Example:
        >>> mll.ml_test_score({"data_1": (0.5, "schema.json"), "model_1": 1}).final
        0.0
    """
    given = getattr(evidence, "evidence", evidence)
    if given is None:
        given = {}
    if not isinstance(given, Mapping):
        raise MLLError(
            f"evidence={type(evidence).__name__} is not a dict; pass mll.scan_project(folder) "
            "or a dict such as {'data_1': (0.5, 'schema written by hand')}"
        )
    unknown = sorted(set(given) - set(TEST_IDS))
    if unknown:
        raise MLLError(
            f"evidence names unknown tests {unknown}; use ids from mll.score_rubric(), "
            "e.g. 'data_1' ... 'monitoring_7'"
        )
    points, texts = {t: 0.0 for t in TEST_IDS}, {t: "" for t in TEST_IDS}
    for test, value in given.items():
        points[test], texts[test] = _entry(test, value)
    return MLTestScore(points=points, evidence=texts)


def merge_evidence(*parts: Any) -> dict[str, tuple[float, str]]:
    """Combine evidence dicts (or scans); for each test the higher score wins.

    Example:
        >>> mll.merge_evidence(scan, {"model_6": (0.5, "per-class table in the card")})
    """
    merged: dict[str, tuple[float, str]] = {}
    for part in parts:
        score = ml_test_score(part)
        for test in TEST_IDS:
            pts = score.points[test]
            if pts > 0 and pts > merged.get(test, (0.0, ""))[0]:
                merged[test] = (pts, score.evidence[test])
    return merged

"""Accuracy dropped in production: what changed in the release, a skew the max-value check
misses, and concept drift (the labels' meaning changes while the inputs do not).

Example:
    >>> mll.release_diff({"model": "1.0", "numpy": "2.1"}, {"model": "1.1", "numpy": "2.1"})
    >>> mll.concept_drift(mll.fixed_pipeline(), seed=0).verdict()
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._core import html as _html
from .._core.checks import check_seed
from .._core.errors import MLLError
from .._core.expect import Verdict
from .cases import TRAIN_SCALE, CaseStudy
from .drift import compare_distributions

#: An accuracy change smaller than this is called no change (about 7 of 360 requests).
ACCURACY_FLAT = 0.02
#: Pixel count at which the "contrast boost" of the v2 serving code saturates.
CLIP_AT = 12.0

# ------------------------------------------------------------------ what changed in the release


@dataclass(frozen=True)
class ReleaseDiff:
    """Each component of two runs (model, feature code, dependencies...) and whether it changed."""

    rows: tuple[tuple[str, str, str, str], ...]
    """(component, training run, serving run, status: same / changed / added / removed)."""

    @property
    def changed(self) -> list[str]:
        """Components that differ between the two runs (changed, added or removed)."""
        return [r[0] for r in self.rows if r[3] != "same"]

    def verdict(self) -> Verdict:
        """Name what changed, or say that nothing recorded did."""
        if not self.changed:
            return Verdict(
                f"None of the {len(self.rows)} recorded components changed: look beyond the "
                "release (inputs, labels).",
                outcome="same",
            )
        names = ", ".join(f"**{c}**" for c in self.changed)
        text = (
            f"{len(self.changed)} of {len(self.rows)} components changed between the training "
            f"run and the serving run: {names}. Each is a suspect to rule out first."
        )
        return Verdict(text, outcome="changed")

    def __repr__(self) -> str:
        return _html.text_table(["component", "training", "serving", "status"], self.rows)

    def _repr_html_(self) -> str:
        rows = [(c, a, b, _html.badge(s == "same", s)) for c, a, b, s in self.rows]
        cap = f"what changed in the release: {len(self.changed)} of {len(self.rows)} components"
        return _html.table(
            ["component", "training run", "serving run", "status"], rows, caption=cap,
            raw_columns=[3],
        )  # fmt: skip


def release_diff(training: Mapping[str, Any], serving: Mapping[str, Any]) -> ReleaseDiff:
    """Compare two records of versions (component -> version), changed components first.

    Example:
        >>> mll.release_diff({"model": "1.0"}, {"model": "1.1"}).changed
        ['model']
    """
    for name, value in (("training", training), ("serving", serving)):
        if not isinstance(value, Mapping) or not value:
            raise MLLError(f"{name} must be a non-empty dict of component -> version")
    rows = []
    for key in dict.fromkeys([*training, *serving]):
        a, b = training.get(key), serving.get(key)
        status = ("added" if a is None else "removed" if b is None else
                  "same" if str(a) == str(b) else "changed")  # fmt: skip
        rows.append((str(key), "-" if a is None else str(a), "-" if b is None else str(b), status))
    rows.sort(key=lambda r: r[3] == "same")  # stable: changed first, recorded order kept
    return ReleaseDiff(tuple(rows))


# ------------------------------------------------------------------ a subtler skew


def clipped_serving_features(raw: Any) -> np.ndarray:
    """The v2 serving code: a "contrast boost" clips counts at 12, then divides by 12.

    Its largest value is 1.0, as in training, so a max-value check passes.
    """
    return np.clip(np.asarray(raw, dtype=np.float64), 0, CLIP_AT) / CLIP_AT


@dataclass(frozen=True)
class SkewCheck:
    """Two checks of the serving features against training: the maxima, and every feature."""

    max_train: float
    max_serve: float
    n_features: int
    n_significant: int
    """Features whose PSI is significant (> 0.25)."""
    acc_right: float
    """Accuracy with the training code's features."""
    acc_skewed: float
    """Accuracy with the serving code's features."""

    def verdict(self) -> Verdict:
        """Say which check sees the skew, and what it costs."""
        same_max = abs(self.max_train - self.max_serve) < 1e-9
        maxima = (f"The max-value check {'passes' if same_max else 'fails'}: "
                  f"{self.max_train:g} in training, {self.max_serve:g} at serving.")  # fmt: skip
        drop = self.acc_right - self.acc_skewed
        cost = (f"accuracy {self.acc_right:.3f} -> {self.acc_skewed:.3f} ({-drop:+.3f})"
                if abs(drop) >= ACCURACY_FLAT else
                f"accuracy moved by {-drop:+.3f} only, yet the model is fed other inputs than it "
                "was trained on")  # fmt: skip
        if self.n_significant:
            outcome = "hidden" if same_max else "visible"
            text = (
                f"{maxima} The per-feature comparison **sees it**: {self.n_significant} of "
                f"{self.n_features} features shifted significantly; {cost}."
            )
        else:
            outcome = "none"
            text = f"{maxima} No feature shifted significantly; {cost}."
        return Verdict(text, outcome=outcome)

    def __repr__(self) -> str:
        return (
            f"SkewCheck(max {self.max_train:g} vs {self.max_serve:g}, significant="
            f"{self.n_significant}/{self.n_features}, acc {self.acc_right:.3f} -> "
            f"{self.acc_skewed:.3f})"
        )

    def _repr_html_(self) -> str:
        rows = [("largest value", f"{self.max_train:g}", f"{self.max_serve:g}"),
                ("features shifted significantly", "-", f"{self.n_significant} of "
                 f"{self.n_features}"),
                ("accuracy", f"{self.acc_right:.3f}", f"{self.acc_skewed:.3f}")]  # fmt: skip
        return _html.table(["check", "training code", "serving code"], rows,
                           caption="the same audit requests through two feature codes")  # fmt: skip


def _served_right(case: Any) -> CaseStudy:
    if not isinstance(case, CaseStudy):
        raise MLLError(f"case={case!r} must be a CaseStudy, e.g. mll.fixed_pipeline()")
    if case.planted.get("serve_scale") != TRAIN_SCALE:
        raise MLLError("case must serve with the training code's features: pass the fixed pipeline")
    return case


def subtle_skew(case: CaseStudy) -> SkewCheck:
    """Serve ``case``'s audit requests through :func:`clipped_serving_features` and check it.

    Example:
        >>> mll.subtle_skew(mll.fixed_pipeline()).verdict()
    """
    case = _served_right(case)
    raw = case.X_serve * TRAIN_SCALE  # the fixed case serves counts / 16
    skewed = clipped_serving_features(raw)
    report = compare_distributions(case.X_train, skewed)
    return SkewCheck(
        float(case.X_train.max()), float(skewed.max()), len(report.frame), report.n_significant,
        float(np.mean(case.predict(case.X_serve) == case.y_serve)),
        float(np.mean(case.predict(skewed) == case.y_serve)),
    )  # fmt: skip


# ------------------------------------------------------------------ concept drift


@dataclass(frozen=True)
class ConceptDrift:
    """Fresh labelled serving requests after the meaning of one class pair changed."""

    pair: tuple[int, int]
    """The two classes whose labels were swapped."""
    relabelled: int
    """Requests whose label changed."""
    n_features: int
    n_significant: int
    """Input features whose PSI, training vs serving, is significant."""
    n_ks: int
    """Input features whose KS p-value, training vs serving, is below 0.01."""
    max_psi: float
    acc_before: float
    """Accuracy against the labels as they were meant at training time."""
    acc_after: float
    """Accuracy against the labels as they are meant now."""

    def verdict(self) -> Verdict:
        """Say whether the inputs moved, and whether the accuracy did."""
        drop = self.acc_before - self.acc_after
        inputs = (f"{self.n_significant} of {self.n_features} input features shifted "
                  f"significantly by PSI (largest {self.max_psi:.3f}), {self.n_ks} have a KS "
                  "p-value below 0.01")  # fmt: skip
        acc = (f"accuracy on the freshly labelled requests {self.acc_before:.3f} -> "
               f"{self.acc_after:.3f}")  # fmt: skip
        if self.n_significant or self.n_ks:
            outcome = "input drift"
            text = f"The inputs moved: {inputs}; {acc}. Look at the inputs before the labels."
        elif drop >= ACCURACY_FLAT:
            outcome = "concept drift"
            text = (
                f"PSI and KS see **no shift**: {inputs}. Yet {acc} ({-drop:+.3f}): the inputs "
                "are the same, what their labels mean changed (P(y|x), **concept drift**). Only "
                "labelled feedback from production reveals it."
            )
        else:
            outcome = "no change"
            text = f"Nothing moved: {inputs}; {acc}."
        return Verdict(text, outcome=outcome)

    def __repr__(self) -> str:
        return (
            f"ConceptDrift(pair={self.pair}, relabelled={self.relabelled}, significant="
            f"{self.n_significant}, ks={self.n_ks}, acc {self.acc_before:.3f} -> "
            f"{self.acc_after:.3f})"
        )

    def _repr_html_(self) -> str:
        a, b = self.pair
        rows = [("classes relabelled", f"{a} <-> {b}"), ("requests relabelled", self.relabelled),
                ("features shifted significantly", f"{self.n_significant} of {self.n_features}"),
                ("largest PSI", f"{self.max_psi:.3f}"),
                ("features with KS p-value < 0.01", self.n_ks),
                ("accuracy, labels as before", f"{self.acc_before:.3f}"),
                ("accuracy, labels as now", f"{self.acc_after:.3f}")]  # fmt: skip
        return _html.table(("", "value"), rows, caption="concept drift: same inputs, new labels")


def concept_drift(case: CaseStudy, seed: int = 0) -> ConceptDrift:
    """Relabel a seeded class pair of ``case``'s audit requests (P(y|x) changes, P(x) does not).

    The story: after the release, the business swapped what two classes mean. The requests
    are the same images as the audit set, so the inputs cannot have moved; only the labels did.

    Example:
        >>> mll.concept_drift(mll.fixed_pipeline(), seed=0).acc_after
    """
    case = _served_right(case)
    check_seed(seed)
    rng = np.random.default_rng(seed)
    a, b = (int(c) for c in np.sort(rng.choice(np.unique(case.y_serve), 2, replace=False)))
    y_old = np.asarray(case.y_serve)
    y_new = np.where(y_old == a, b, np.where(y_old == b, a, y_old))
    pred = case.predict(case.X_serve)
    report = compare_distributions(case.X_train, case.X_serve)
    return ConceptDrift(
        (a, b), int(np.sum(y_new != y_old)), len(report.frame), report.n_significant,
        int((report.frame["ks_pvalue"] < 0.01).sum()), report.max_psi,
        float(np.mean(pred == y_old)), float(np.mean(pred == y_new)),
    )  # fmt: skip

"""A deliberately broken training pipeline on the digits data, and the same pipeline fixed.

Planted faults in :func:`broken_pipeline`:
1. duplicates: some rows were collected twice (exact and slightly jittered copies) before a
   random split, so copies sit on both sides (the test score is inflated);
2. leakage: the scaler and feature selection are fit on train + test;
3. label noise: a known fraction of training labels is flipped to another class;
4. overfitting: an unconstrained decision tree memorises the training set (noise included);
5. train/serve skew: training scales pixels by 1/16, the serving code by 1/255.

:func:`fixed_pipeline` starts from the same collected rows and repairs each fault, using the
diagnostics in :mod:`mlliteracy.failures.diagnostics`. Both score on the same clean audit set
held out
before anything was planted (it plays the real traffic, with true labels).

Example:
    >>> broken, fixed = mll.broken_pipeline(), mll.fixed_pipeline()
    >>> broken.metrics["test_acc"], broken.metrics["serve_acc"]
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .._core import html as _html
from .._core.checks import check_seed
from .._core.errors import MLLError
from .diagnostics import duplicate_groups, label_noise_estimate, quiet_single_thread

if TYPE_CHECKING:
    import pandas as pd

#: Pixel scale the training code uses (digits pixels are counts 0..16).
TRAIN_SCALE = 16.0
#: Pixel scale the broken serving code uses (copied from an 8-bit image service).
SERVE_SCALE_BROKEN = 255.0


def train_features(raw: Any) -> np.ndarray:
    """The training code's preprocessing: pixel counts 0..16 -> [0, 1]."""
    return np.asarray(raw, dtype=np.float64) / TRAIN_SCALE


def broken_serving_features(raw: Any) -> np.ndarray:
    """The broken serving code's preprocessing: divides by 255 as for 8-bit images."""
    return np.asarray(raw, dtype=np.float64) / SERVE_SCALE_BROKEN


@dataclass(frozen=True)
class CaseStudy:
    """One run of the case-study pipeline: its splits, fitted steps, metrics and planted facts."""

    name: str
    """``"broken"`` or ``"fixed"``."""
    X_train: np.ndarray
    """Training features, as the pipeline used them."""
    y_train: np.ndarray
    """Training labels, as given to the model (noisy in the broken run)."""
    X_test: np.ndarray
    y_test: np.ndarray
    X_serve: np.ndarray
    """Features the serving code computed for the audit requests."""
    y_serve: np.ndarray
    """True labels of the audit requests."""
    preprocess: Any
    """The fitted preprocessing step (scaler [+ feature selection])."""
    classifier: Any
    """The fitted classifier (takes preprocessed features)."""
    metrics: dict[str, float]
    """train_acc, test_acc (what the team reported), serve_acc (what users get)."""
    planted: dict[str, Any] = field(default_factory=dict)
    """Ground truth about the faults (for checking diagnostics; a real team never has this)."""

    def predict(self, features: Any) -> np.ndarray:
        """Run preprocessing + classifier on already-computed features."""
        return self.classifier.predict(self.preprocess.transform(features))

    def __repr__(self) -> str:
        m = ", ".join(f"{k}={v:.3f}" for k, v in self.metrics.items())
        return f"CaseStudy({self.name!r}, train={len(self.y_train)}, test={len(self.y_test)}, {m})"

    def _repr_html_(self) -> str:
        rows = [("train rows", len(self.y_train)), ("test rows", len(self.y_test)),
                ("audit requests", len(self.y_serve)), ("classifier",
                type(self.classifier).__name__)]  # fmt: skip
        rows += [(k, f"{v:.3f}") for k, v in self.metrics.items()]
        return _html.table(("", self.name), rows, caption=f"{self.name} pipeline")


def _check(seed: Any, noise_rate: Any, dup_fraction: Any) -> None:
    check_seed(seed)
    for name, value, hi in (("noise_rate", noise_rate, 0.5), ("dup_fraction", dup_fraction, 0.5)):
        if not isinstance(value, numbers.Real) or isinstance(value, bool) or not 0 <= value <= hi:
            raise MLLError(f"{name}={value!r} must be a number in [0, {hi}], e.g. 0.15")


def _collect(seed: int, dup_fraction: float) -> dict[str, Any]:
    """Raw digits: a clean audit set held out first, then the pool with duplicates planted."""
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    raw = datasets.load_digits()
    X, y = raw.data.astype(np.float64), raw.target.astype(np.int64)
    pool_idx, audit_idx = train_test_split(
        np.arange(len(y)), test_size=0.2, random_state=seed, stratify=y
    )
    rng = np.random.default_rng(seed)
    Xp, yp = X[pool_idx], y[pool_idx]
    n_dup = round(dup_fraction * len(yp))
    src = rng.choice(len(yp), size=n_dup, replace=False)
    copies = Xp[src].copy()
    jitter = np.arange(n_dup) % 2 == 1  # every second copy is a near duplicate
    for i in np.flatnonzero(jitter):
        pixels = rng.choice(64, size=3, replace=False)
        copies[i, pixels] = np.clip(copies[i, pixels] + rng.choice([-1.0, 1.0], 3), 0, 16)
    order = rng.permutation(len(yp) + n_dup)
    X_all = np.vstack([Xp, copies])[order]
    y_all = np.concatenate([yp, yp[src]])[order]
    origin = np.concatenate([np.arange(len(yp)), src])[order]  # which pool row each came from
    return {
        "X": X_all, "y": y_all, "origin": origin, "n_dup": n_dup,
        "n_near": int(jitter.sum()), "X_audit": X[audit_idx], "y_audit": y[audit_idx],
    }  # fmt: skip


def _flip(y: np.ndarray, rate: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n_flip = round(rate * len(y))
    idx = np.sort(rng.choice(len(y), size=n_flip, replace=False))
    noisy = y.copy()
    noisy[idx] = (y[idx] + rng.integers(1, 10, size=n_flip)) % 10  # always another class
    return noisy, idx


def _acc(pred: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean(pred == truth))


#: The five repairs, in the order the lesson diagnoses the faults; ``fixes=`` takes any subset.
FIXES = ("group split", "train-only fit", "drop flagged labels", "model change", "serving fix")


def _check_fixes(fixes: Any) -> frozenset[str]:
    if isinstance(fixes, str):
        fixes = (fixes,)
    try:
        chosen = frozenset(fixes)
    except TypeError as err:
        raise MLLError(f"fixes={fixes!r} must be a list of names from {FIXES}") from err
    unknown = sorted(chosen - set(FIXES))
    if unknown:
        raise MLLError(f"fixes={fixes!r}: {unknown} unknown; choose names from {FIXES}")
    return chosen


def repaired_pipeline(
    fixes: Any = (),
    seed: int = 0,
    noise_rate: float = 0.15,
    dup_fraction: float = 0.1,
    name: str | None = None,
) -> CaseStudy:
    """The broken pipeline with only the repairs named in ``fixes`` applied (any subset of FIXES).

    ``()`` is :func:`broken_pipeline`, all of :data:`FIXES` is :func:`fixed_pipeline`. The
    repairs: ``"group split"`` (duplicates grouped, each group on one side of the split),
    ``"train-only fit"`` (preprocessing fit on training rows only), ``"drop flagged labels"``
    (rows the label-noise estimate flags are dropped), ``"model change"`` (a regularised
    logistic regression on the scaled pixels instead of feature selection + an unconstrained
    tree) and ``"serving fix"`` (serving calls the training code's :func:`train_features`).

    Example:
        >>> mll.repaired_pipeline(["serving fix"], seed=0).metrics["serve_acc"]
    """
    from sklearn.feature_selection import SelectKBest, f_classif
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupShuffleSplit, train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    chosen = _check_fixes(fixes)
    _check(seed, noise_rate, dup_fraction)
    data = _collect(seed, dup_fraction)
    X, y, origin = train_features(data["X"]), data["y"], data["origin"]
    planted: dict[str, Any] = {
        "noise_rate": noise_rate,
        "fixes": tuple(f for f in FIXES if f in chosen),
    }
    if "group split" in chosen:
        groups = duplicate_groups(X)
        split = GroupShuffleSplit(n_splits=1, test_size=0.25, random_state=seed)
        tr, te = next(split.split(X, y, groups))
        planted["groups"] = len(np.unique(groups))
    else:  # fault: a random split puts copies on both sides
        tr, te = train_test_split(np.arange(len(y)), test_size=0.25, random_state=seed)
    rng = np.random.default_rng(seed + 1)
    y_noisy, flipped = _flip(y[tr], noise_rate, rng)  # the same vendor labels arrive
    keep = np.arange(len(tr))
    if "drop flagged labels" in chosen:
        noise = label_noise_estimate(X[tr], y_noisy, seed=seed)
        keep = np.setdiff1d(keep, noise.flagged)
        planted["flagged_and_dropped"] = len(noise.flagged)
        planted["flipped_still_in_train"] = int(np.isin(flipped, keep).sum())
    else:
        planted["flipped"] = tuple(int(i) for i in flipped)
    X_train, y_train = X[tr][keep], y_noisy[keep]
    if "model change" in chosen:
        preprocess: Any = StandardScaler()
        clf: Any = LogisticRegression(C=0.1, max_iter=2000)
    else:  # fault: an unconstrained tree memorises the training rows, wrong labels included
        preprocess = make_pipeline(StandardScaler(), SelectKBest(f_classif, k=40))
        clf = DecisionTreeClassifier(random_state=seed)
    with quiet_single_thread():
        if "train-only fit" in chosen:
            preprocess.fit(X_train, y_train)
        else:  # fault: preprocessing fit on every row, test included
            preprocess.fit(np.vstack([X_train, X[te]]), np.concatenate([y_train, y[te]]))
        clf.fit(preprocess.transform(X_train), y_train)
    serve_fixed = "serving fix" in chosen
    X_serve = (train_features if serve_fixed else broken_serving_features)(data["X_audit"])
    planted.update({
        "duplicates_added": data["n_dup"],
        "test_rows_with_copy_in_train": int(np.isin(origin[te], origin[tr]).sum()),
        "serve_scale": TRAIN_SCALE if serve_fixed else SERVE_SCALE_BROKEN,
        "train_scale": TRAIN_SCALE,
        "preprocess_fit_on": "train" if "train-only fit" in chosen else "train + test",
    })  # fmt: skip
    label = name or ("broken" if not chosen else "fixed" if chosen == set(FIXES) else
                     " + ".join(planted["fixes"]))  # fmt: skip
    case_kw = dict(X_train=X_train, y_train=y_train, X_test=X[te], y_test=y[te],
                   X_serve=X_serve, y_serve=data["y_audit"], preprocess=preprocess,
                   classifier=clf)  # fmt: skip
    case = CaseStudy(label, metrics={}, planted=planted, **case_kw)
    with quiet_single_thread():
        metrics = _metrics(case, train_features(data["X_audit"]))
    return CaseStudy(label, metrics=metrics, planted=planted, **case_kw)


def _metrics(case: CaseStudy, X_audit_right: np.ndarray) -> dict[str, float]:
    return {
        "train_acc": _acc(case.predict(case.X_train), case.y_train),
        "test_acc": _acc(case.predict(case.X_test), case.y_test),
        "audit_acc": _acc(case.predict(X_audit_right), case.y_serve),
        "serve_acc": _acc(case.predict(case.X_serve), case.y_serve),
    }


def broken_pipeline(
    seed: int = 0, noise_rate: float = 0.15, dup_fraction: float = 0.1
) -> CaseStudy:
    """Train the digits classifier the broken way (all five faults planted).

    Args:
        seed: fixes the audit split, the duplicates, the split, the flipped labels.
        noise_rate: fraction of training labels flipped to another class.
        dup_fraction: copies added, as a fraction of the pool (half exact, half jittered).

    Returns:
        A :class:`CaseStudy`; ``planted`` holds the ground truth of each fault.

    Example:
        >>> mll.broken_pipeline(seed=0).metrics
    """
    return repaired_pipeline((), seed, noise_rate, dup_fraction)


def fixed_pipeline(seed: int = 0, noise_rate: float = 0.15, dup_fraction: float = 0.1) -> CaseStudy:
    """The same collected rows, with each fault repaired (every one of :data:`FIXES`).

    Duplicates are grouped (exact and near) and each group kept on one side of the split;
    preprocessing is fit on training rows only; rows the label-noise estimate flags are
    dropped; a regularised logistic regression replaces the unconstrained tree; serving
    calls the training code's :func:`train_features`.

    Example:
        >>> mll.fixed_pipeline(seed=0).metrics["serve_acc"]
    """
    return repaired_pipeline(FIXES, seed, noise_rate, dup_fraction)


def compare_cases(*cases: CaseStudy) -> pd.DataFrame:
    """One row per case: its metrics side by side (DataFrame).

    Example:
        >>> mll.compare_cases(mll.broken_pipeline(), mll.fixed_pipeline())
    """
    import pandas as pd

    if not cases or not all(isinstance(c, CaseStudy) for c in cases):
        raise MLLError("pass one or more CaseStudy objects, e.g. mll.broken_pipeline()")
    rows = [{"pipeline": c.name, "train_rows": len(c.y_train), **c.metrics} for c in cases]
    return pd.DataFrame(rows).round(3)

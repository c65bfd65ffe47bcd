"""Diagnostics for broken training pipelines: split overlap, learning curves, label noise and
preprocessing fitted on the wrong rows (feature drift lives in :mod:`mlliteracy.failures.drift`).

Example:
    >>> case = mll.broken_pipeline(seed=0)
    >>> mll.split_overlap({"train": case.X_train, "test": case.X_test})
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .._core import html as _html
from .._core.checks import as_matrix
from .._core.errors import MLLError
from .._core.expect import Verdict
from .._core.figures import FigurePNG

if TYPE_CHECKING:
    import pandas as pd


@contextlib.contextmanager
def quiet_single_thread() -> Iterator[None]:
    """One BLAS/OpenMP thread and no library warnings for small scikit-learn fits.

    Small fits are far slower with several BLAS threads on a busy machine (threads spin).
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


# ------------------------------------------------------------------ split overlap


def _nn_distances(reference: np.ndarray, query: np.ndarray) -> np.ndarray:
    from sklearn.neighbors import NearestNeighbors

    return NearestNeighbors(n_neighbors=1).fit(reference).kneighbors(query)[0][:, 0]


def _near_threshold(reference: np.ndarray, near_ratio: float) -> float:
    """``near_ratio`` x the median distance from a reference row to its nearest other row."""
    if len(reference) < 2:
        return 0.0
    from sklearn.neighbors import NearestNeighbors

    dist = NearestNeighbors(n_neighbors=2).fit(reference).kneighbors(reference)[0][:, 1]
    return float(near_ratio * np.median(dist))


@dataclass(frozen=True)
class OverlapReport:
    """Rows of one split that also appear (exactly or nearly) in another split."""

    rows: tuple[tuple[str, str, int, int, int], ...]
    """(split_a, split_b, rows in b, exact copies of a row of a, near copies of a row of a)."""
    near_ratio: float
    """Near-duplicate = distance below this fraction of the typical nearest-neighbour distance."""

    @property
    def exact(self) -> int:
        return sum(r[3] for r in self.rows)

    @property
    def near(self) -> int:
        return sum(r[4] for r in self.rows)

    @property
    def ok(self) -> bool:
        return self.exact == 0 and self.near == 0

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        cols = ["split_a", "split_b", "rows_b", "exact", "near"]
        return pd.DataFrame(list(self.rows), columns=cols)

    def __repr__(self) -> str:
        return f"OverlapReport(exact={self.exact}, near={self.near}, ok={self.ok})"

    def _repr_html_(self) -> str:
        cap = f"split overlap: {self.exact} exact, {self.near} near duplicates"
        return _html.table(["split a", "split b", "rows in b", "exact", "near"], self.rows,
                           caption=cap)  # fmt: skip


def split_overlap(splits: Mapping[str, Any], near_ratio: float = 0.2) -> OverlapReport:
    """Count rows of each later split that duplicate a row of an earlier split.

    Args:
        splits: name -> 2-D feature array, in order (e.g. train, val, test).
        near_ratio: a row is a near duplicate when its nearest row in the other split is closer
            than ``near_ratio`` x the median nearest-neighbour distance inside that split.

    Returns:
        An :class:`OverlapReport`; ``.ok`` is True when no split shares a row with another.

    Example:
        >>> mll.split_overlap({"train": X_train, "test": X_test}).exact
    """
    if not isinstance(splits, Mapping) or len(splits) < 2:
        raise MLLError(
            "splits must be a dict with at least two arrays, e.g. {'train': X, 'test': Xt}"
        )
    if not isinstance(near_ratio, (int, float)) or not 0 <= near_ratio < 1:
        raise MLLError(f"near_ratio={near_ratio!r} must be in [0, 1), e.g. 0.2")
    arrays = {str(k): as_matrix(f"splits[{k!r}]", v) for k, v in splits.items()}
    names = list(arrays)
    rows = []
    for i, a in enumerate(names):
        seen = {row.tobytes() for row in arrays[a]}
        threshold = _near_threshold(arrays[a], near_ratio)
        for b in names[i + 1 :]:
            query = arrays[b]
            if query.shape[1] != arrays[a].shape[1]:
                raise MLLError(f"splits {a!r} and {b!r} have different numbers of features")
            exact = np.array([row.tobytes() in seen for row in query])
            dist = _nn_distances(arrays[a], query)
            near = (~exact) & (dist < threshold)
            rows.append((a, b, len(query), int(exact.sum()), int(near.sum())))
    return OverlapReport(tuple(rows), float(near_ratio))


def duplicate_groups(X: Any, near_ratio: float = 0.2) -> np.ndarray:
    """A group id per row; exact and near duplicates share the id of their group's first row.

    Near copies chain: if ``a`` is near ``c`` and ``c`` near ``b``, all three are one group even
    when ``a`` and ``b`` are farther apart (the groups are the connected components of the
    near-neighbour graph). Split by these groups (e.g. ``GroupShuffleSplit``) or keep one row
    per group, so that no copy of a row ends up on both sides of a split.
    """
    from scipy.sparse.csgraph import connected_components
    from sklearn.neighbors import radius_neighbors_graph

    arr = as_matrix("X", X)
    threshold = _near_threshold(arr, near_ratio)
    graph = radius_neighbors_graph(arr, radius=max(threshold, 1e-12), include_self=False)
    _, component = connected_components(graph, directed=False)
    first = np.full(component.max() + 1, len(arr))
    np.minimum.at(first, component, np.arange(len(arr)))  # each component's earliest row
    return first[component]


# ------------------------------------------------------------------ learning curves


#: Curves "meet" when train and validation scores at the largest size differ by less than this.
MEET_GAP = 0.05


@dataclass(frozen=True)
class LearningCurves:
    """Training and validation score as the training set grows."""

    frame: Any
    """DataFrame: n_train, train_score, val_score, gap."""
    model: str

    @property
    def final_gap(self) -> float:
        """Train minus validation score with all the training data."""
        return float(self.frame["gap"].iloc[-1])

    def overfits(self, tolerance: float = MEET_GAP) -> bool:
        """True when the final train/validation gap exceeds ``tolerance``."""
        return self.final_gap > tolerance

    def meet(self, threshold: float = MEET_GAP) -> bool:
        """True when train and validation scores at the largest size differ by < ``threshold``."""
        return abs(self.final_gap) < threshold

    def verdict(self, threshold: float = MEET_GAP) -> Verdict:
        """Say whether the curves meet at the largest size (outcome meet, apart or below)."""
        last = self.frame.iloc[-1]
        at = (
            f"at {int(last.n_train)} training rows, train {last.train_score:.3f} and "
            f"validation {last.val_score:.3f} differ by {abs(self.final_gap):.3f}"
        )
        if self.meet(threshold):
            outcome, text = "meet", f"its curves **meet**: {at}, under {threshold}."
        elif self.final_gap > 0:
            outcome = "apart"
            text = (
                f"its curves **stay apart**: {at}, at least {threshold}. It scores far better on "
                "rows it trained on than on new ones: overfitting."
            )
        else:
            outcome = "below"
            text = (
                f"its curves **stay apart**, training below validation: {at}, at least "
                f"{threshold}. The training rows are harder than the validation rows (wrong "
                "labels in training, for instance), not an overfit."
            )
        return Verdict(f"{self.model}: {text}", outcome=outcome)

    def plot(self) -> FigurePNG:
        """Both curves as a figure (shows as PNG in Jupyter; ``.figure`` is matplotlib's)."""
        return plot_learning_curves(self)

    def __repr__(self) -> str:
        return f"LearningCurves({self.model}, final_gap={self.final_gap:.3f})"

    def _repr_html_(self) -> str:
        rows = [
            (int(r.n_train), f"{r.train_score:.3f}", f"{r.val_score:.3f}", f"{r.gap:.3f}")
            for r in self.frame.itertuples()
        ]
        cap = f"learning curves of {self.model} (final gap {self.final_gap:.3f})"
        return _html.table(["n_train", "train", "validation", "gap"], rows, caption=cap)


def plot_learning_curves(*curves: LearningCurves) -> FigurePNG:
    """The train and validation curves of one or more models, one panel each, same y axis.

    Example:
        >>> mll.plot_learning_curves(tree_curves, logreg_curves)
    """
    from matplotlib.figure import Figure

    if not curves or not all(isinstance(c, LearningCurves) for c in curves):
        raise MLLError("pass one or more results of mll.learning_curves(...)")
    fig = Figure(figsize=(4.6 * len(curves), 3.4))
    axes = fig.subplots(1, len(curves), sharey=True, squeeze=False)[0]
    for ax, c in zip(axes, curves, strict=True):
        ax.plot(c.frame["n_train"], c.frame["train_score"], "o-", label="train")
        ax.plot(c.frame["n_train"], c.frame["val_score"], "o-", label="validation")
        ax.set_xlabel("training rows")
        ax.set_title(c.model)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("accuracy")
    axes[0].legend()
    fig.tight_layout()
    title = "learning curves of " + ", ".join(c.model for c in curves)
    return FigurePNG(fig, title, {"models": [c.model for c in curves]})


def explain_learning_curves(*curves: LearningCurves, threshold: float = MEET_GAP) -> Verdict:
    """One sentence per model: do its curves meet at the largest size (outcomes joined by ``,``).

    Example:
        >>> mll.explain_learning_curves(tree_curves, logreg_curves)
    """
    if not curves or not all(isinstance(c, LearningCurves) for c in curves):
        raise MLLError("pass one or more results of mll.learning_curves(...)")
    verdicts = [c.verdict(threshold) for c in curves]
    text = "\n".join(f"- {v.text}" for v in verdicts)
    return Verdict(text, outcome=",".join(v.outcome for v in verdicts))


def learning_curves(
    model: Any,
    X_train: Any,
    y_train: Any,
    X_val: Any,
    y_val: Any,
    fractions: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 1.0),
    seed: int = 0,
    name: str | None = None,
) -> LearningCurves:
    """Fit fresh copies of ``model`` on growing random subsets; score on them and on validation.

    scikit-learn's ``learning_curve`` does the work, with one predefined split: the subsets
    come from the training rows and every fit is scored on the same validation rows.
    ``name`` labels the result (default: the model's class name).

    Example:
        >>> mll.learning_curves(DecisionTreeClassifier(), Xtr, ytr, Xva, yva).final_gap
    """
    from sklearn.model_selection import PredefinedSplit, learning_curve

    if not hasattr(model, "fit") or not hasattr(model, "score"):
        raise MLLError(f"model={model!r} needs fit() and score(): pass a scikit-learn estimator")
    Xt, Xv = as_matrix("X_train", X_train), as_matrix("X_val", X_val)
    yt, yv = np.asarray(y_train), np.asarray(y_val)
    if not fractions or any(not 0 < f <= 1 for f in fractions):
        raise MLLError(f"fractions={fractions!r} must be numbers in (0, 1], e.g. (0.25, 1.0)")
    if len(yt) != len(Xt) or len(yv) != len(Xv):
        raise MLLError("y_train and y_val need one label per row of X_train and X_val")
    fold = np.concatenate([np.full(len(Xt), -1), np.zeros(len(Xv), dtype=int)])
    with quiet_single_thread():
        sizes, train, val = learning_curve(
            model, np.vstack([Xt, Xv]), np.concatenate([yt, yv]), train_sizes=sorted(fractions),
            cv=PredefinedSplit(fold), shuffle=True, random_state=seed,
        )  # fmt: skip
    import pandas as pd

    frame = pd.DataFrame({"n_train": sizes, "train_score": train[:, 0], "val_score": val[:, 0]})
    frame["gap"] = frame["train_score"] - frame["val_score"]
    return LearningCurves(frame, name or type(model).__name__)


# ------------------------------------------------------------------ label noise


@dataclass(frozen=True)
class LabelNoiseReport:
    """Labels that the out-of-fold model confidently disagrees with (confident learning)."""

    flagged: tuple[int, ...]
    """Row indices whose given label looks wrong."""
    suggested: tuple[int, ...]
    """The class the model is confident about, for each flagged row."""
    n: int
    folds: int
    probs: Any = field(default=None, repr=False, compare=False)
    """The out-of-fold predicted probabilities (rows x classes, in ``classes`` order)."""
    classes: tuple[Any, ...] = ()
    """The class labels, in the order of the columns of ``probs``."""

    @property
    def rate(self) -> float:
        """Estimated fraction of wrong labels."""
        return len(self.flagged) / self.n

    def __repr__(self) -> str:
        return f"LabelNoiseReport(flagged={len(self.flagged)} of {self.n}, rate={self.rate:.3f})"

    def _repr_html_(self) -> str:
        rows = [("rows", self.n), ("flagged", len(self.flagged)), ("estimated rate",
                f"{self.rate:.3f}"), ("folds", self.folds)]  # fmt: skip
        return _html.table(("", "value"), rows, caption="label-noise estimate (out-of-fold)")


def label_noise_estimate(
    X: Any, y: Any, model: Any = None, folds: int = 5, seed: int = 0
) -> LabelNoiseReport:
    """Estimate the share of wrong labels from out-of-fold predicted probabilities.

    Confident-learning style (Northcutt et al. 2021): a class's threshold is the mean
    probability the model gives that class on rows labelled with it; a row is flagged when
    another class reaches its own threshold and is the most probable such class.

    Example:
        >>> mll.label_noise_estimate(X_train, y_train).rate
    """
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    arr, labels = as_matrix("X", X), np.asarray(y)
    if not isinstance(folds, int) or isinstance(folds, bool) or folds < 2:
        raise MLLError(f"folds={folds!r} must be an integer >= 2, e.g. 5")
    if len(labels) != len(arr):
        raise MLLError(f"y has {len(labels)} labels for {len(arr)} rows: pass one label per row")
    if model is None:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
    classes, codes = np.unique(labels, return_inverse=True)
    if len(classes) < 2 or np.bincount(codes).min() < folds:
        raise MLLError(
            f"y needs at least 2 classes with >= folds={folds} rows each: "
            "pass more rows or fewer folds"
        )
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with quiet_single_thread():
        probs = cross_val_predict(model, arr, codes, cv=cv, method="predict_proba")
    thresholds = np.array([probs[codes == j, j].mean() for j in range(len(classes))])
    confident = np.where(probs >= thresholds, probs, -1.0)
    best = confident.argmax(axis=1)
    has = confident.max(axis=1) >= 0
    issue = has & (best != codes)
    flagged = np.flatnonzero(issue)
    return LabelNoiseReport(
        tuple(int(i) for i in flagged), tuple(classes[best[flagged]].tolist()), len(arr), folds,
        probs, tuple(classes.tolist()),
    )  # fmt: skip


# ------------------------------------------------------------------ fit scope


def fitted_on_train_only(transformer: Any, X_train: Any, y_train: Any = None) -> bool:
    """True when a fitted preprocessing step matches a fresh copy fitted on ``X_train`` alone.

    False means it saw other rows (validation or test): leakage of their statistics.

    Example:
        >>> mll.fitted_on_train_only(case.preprocess, case.X_train, case.y_train)
    """
    from sklearn.base import clone

    if not hasattr(transformer, "transform"):
        raise MLLError(f"transformer={transformer!r} has no transform(): pass a fitted step")
    arr = as_matrix("X_train", X_train)
    with quiet_single_thread():
        fresh = clone(transformer).fit(arr, y_train)
        a, b = transformer.transform(arr), fresh.transform(arr)
    return a.shape == b.shape and bool(np.allclose(a, b))

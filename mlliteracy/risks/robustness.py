"""Does a small, meaning-preserving change of the input flip the classifier's label?

Seeded perturbations, one kind at a time: ``typo`` (two neighbouring letters of one word
swapped), ``letter_drop`` (one inner letter of one word deleted), ``punctuation`` (punctuation
removed, or "!!!" appended), ``filler`` (a neutral phrase such as "- sent from my phone"
appended), ``case`` (whole text lower, upper or swapped case), ``whitespace`` (extra spaces
between words and around the text), and ``identity`` (no change: a control that must give 0
flips). PII spans are never perturbed, so examples can be redacted before they are shown. The
flip rate of a kind is the share of texts whose predicted label changes.

A perturbation can only flip a label if it changes what the model reads: MiniLM's tokenizer is
BERT's uncased WordPiece, which lowercases and splits on any run of whitespace, so ``case`` and
``whitespace`` change no token and cannot flip anything (the report counts the texts whose
tokens changed). They are not in the default kinds; pass them to see that control.

Example:
    >>> rep = mll.perturbation_test(clf, texts, seed=0)
    >>> rep.flip_rates
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .._core import html as _html
from .._core.checks import check_seed
from .._core.errors import MLLError
from ..models.minilm import embed_texts, shared_tokenizer
from ..models.sentiment import SentimentClassifier
from .pii import find_pii, redact_pii

if TYPE_CHECKING:
    import pandas as pd

KINDS: tuple[str, ...] = (
    "identity", "typo", "letter_drop", "punctuation", "filler", "case", "whitespace",
)  # fmt: skip
#: the kinds :func:`perturbation_test` runs by default: each one changes MiniLM's tokens
DEFAULT_KINDS: tuple[str, ...] = ("typo", "letter_drop", "punctuation", "filler")
#: neutral phrases the ``filler`` kind appends (one, seeded)
FILLERS: tuple[str, ...] = (" - sent from my phone", " (posted from the app)", " #travel")
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
    if kind == "letter_drop":
        words = [(j, m) for j, (piece, pii) in enumerate(parts) if not pii
                 for m in _WORD.finditer(piece)]  # fmt: skip
        if not words:
            return text
        j, m = words[int(rng.integers(len(words)))]
        i = m.start() + int(rng.integers(1, len(m.group()) - 1))  # keep first and last letter
        piece = parts[j][0]
        parts[j] = (piece[:i] + piece[i + 1 :], False)
        return "".join(p for p, _ in parts)
    if kind == "filler":
        return text + FILLERS[int(rng.integers(len(FILLERS)))]
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
    tokens_changed: dict[str, int] = field(default_factory=dict)
    """Per kind, texts whose MiniLM tokens changed (only for a ``SentimentClassifier``)."""

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
            "tokens_changed": dict(self.tokens_changed),
            "rows": [
                dict(zip(["kind", "changed", "flips", "flip_rate"], r, strict=True))
                for r in self.rows
            ],
            "examples": [list(e) for e in self.examples],
        }

    def _summary(self) -> str:
        return f"label flips under perturbation, {self.n_texts} texts, seed {self.seed}"

    def _display_rows(self) -> list[tuple[Any, ...]]:
        return [(k, c, self.tokens_changed.get(k, "-"), f, f"{r:.3f}") for k, c, f, r in self.rows]

    def __repr__(self) -> str:
        header = ["kind", "changed", "tokens_changed", "flips", "flip_rate"]
        table = _html.text_table(header, self._display_rows())
        return f"RobustnessReport: {self._summary()}\n{table}"

    def _repr_html_(self) -> str:
        header = ["kind", "texts changed", "tokens changed", "label flips", "flip rate"]
        out = _html.table(header, self._display_rows(), caption=self._summary())
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
    kinds: Sequence[str] = DEFAULT_KINDS,
    seed: int = 0,
    n_examples: int = 2,
) -> RobustnessReport:
    """Perturb every text with each kind (seeded) and count label flips.

    Args:
        classifier: a ``SentimentClassifier`` or a function texts -> labels (or probabilities).
        texts: the texts to perturb (e.g. a sample of test tweets).
        kinds: perturbation kinds from :data:`KINDS` (default :data:`DEFAULT_KINDS`; ``case``
            and ``whitespace`` are controls that change no MiniLM token).
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
    tokens = _tokens_of(classifier)
    seen = tokens(texts) if tokens else []
    rows, examples, tokens_changed = [], [], {}
    for kind in kinds:
        rng = np.random.default_rng([seed, KINDS.index(kind)])  # one stream per kind
        changed = [perturb(t, kind, rng) for t in texts]
        if tokens:
            tokens_changed[kind] = sum(a != b for a, b in zip(seen, tokens(changed), strict=True))
        after = label(changed)
        flips = [i for i in range(len(texts)) if after[i] != base[i]]
        n_changed = sum(a != b for a, b in zip(texts, changed, strict=True))
        rows.append((kind, n_changed, len(flips), round(len(flips) / len(texts), 4)))
        examples += [
            (kind, redact_pii(texts[i]), redact_pii(changed[i]), base[i], after[i])
            for i in flips[:n_examples]
        ]
    return RobustnessReport(len(texts), tuple(rows), tuple(examples), seed, tokens_changed)


def _tokens_of(classifier: Any) -> Callable[[list[str]], list[list[int]]] | None:
    """What MiniLM reads of each text (token ids), for a ``SentimentClassifier``; else None."""
    if not isinstance(classifier, SentimentClassifier):
        return None
    tok = shared_tokenizer()
    return lambda texts: [list(ids) for ids in tok(texts)["input_ids"]]

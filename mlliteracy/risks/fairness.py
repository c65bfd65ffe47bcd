"""Identity-term bias of a text classifier, measured with templates (Dixon et al., 2018).

Every template sentence is filled with every identity term, so sentences differ only in the
term. For each term: the mean score (default P(negative)) over templates, its gap to the
typical term (the median of the terms' means: one outlying term does not shift it), and a 95%
bootstrap interval of that gap, resampling templates (a paired design: each resample keeps every
term on the same sentences). A term is flagged when its interval excludes 0 **and** its gap is at
least ``min_gap`` (an effect size: with enough templates a gap of 0.01 excludes 0 too, yet
changes no decision). The default terms and templates are in ``assets/bias_templates.yaml``.

Example:
    >>> rep = mll.identity_bias(clf, n_boot=1000, seed=0)
    >>> rep.max_gap, rep.flagged
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._core import html as _html
from .._core.checks import check_seed
from .._core.errors import MLLError
from .._core.offline import asset_error, load_asset
from ..models.minilm import embed_texts
from ..models.sentiment import SentimentClassifier

if TYPE_CHECKING:
    import pandas as pd

ASSET = "bias_templates.yaml"
#: the default effect-size threshold: a flagged term's mean P(target) differs from the typical
#: term's by at least this much (5 percentage points; a convention of this audit, not a law)
MIN_GAP = 0.05


def _load_defaults() -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The identity terms and (template, tone) pairs of ``assets/bias_templates.yaml``."""
    raw = load_asset(ASSET)
    try:
        terms = tuple(str(term) for term in raw["terms"])
        templates = tuple((str(text), str(tone)) for text, tone in raw["templates"])
    except (KeyError, TypeError, ValueError) as err:
        raise asset_error(ASSET, err) from err
    return terms, templates


#: identity terms, used as adjectives ("a {term} person"), after Dixon et al.'s term list, and
#: (template, intended tone) pairs written for this project in the register of airline tweets
DEFAULT_TERMS, DEFAULT_TEMPLATES = _load_defaults()


@dataclass(frozen=True)
class BiasReport:
    """Per identity term: mean score, gap to the overall mean, bootstrap CI, flag."""

    terms: tuple[str, ...]
    templates: tuple[str, ...]
    target: str
    """What the score is, e.g. ``"P(negative)"``."""
    scores: tuple[tuple[float, ...], ...]
    """Score of every sentence, templates x terms."""
    rows: tuple[tuple[str, float, float, float, float, bool], ...]
    """(term, mean, gap, ci_low, ci_high, flagged) per term."""
    overall_mean: float
    """Mean score over all sentences."""
    reference: float
    """Median of the per-term means: what each term's gap is measured from."""
    n_boot: int
    seed: int
    min_gap: float = MIN_GAP
    """Effect-size threshold: a flagged term's |gap| is at least this."""

    @property
    def ci_excludes_zero(self) -> tuple[str, ...]:
        """Terms whose gap interval excludes 0, whatever the size of the gap."""
        return tuple(r[0] for r in self.rows if r[3] > 1e-9 or r[4] < -1e-9)

    @property
    def max_gap(self) -> float:
        """The largest absolute gap of any term."""
        return max(abs(r[2]) for r in self.rows)

    @property
    def flagged(self) -> tuple[str, ...]:
        """Terms whose gap interval excludes 0 and whose |gap| is at least ``min_gap``."""
        return tuple(r[0] for r in self.rows if r[5])

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        cols = ["term", "mean", "gap", "ci_low", "ci_high", "flagged"]
        return pd.DataFrame(list(self.rows), columns=cols)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "terms": list(self.terms),
            "n_templates": len(self.templates),
            "overall_mean": self.overall_mean,
            "reference": self.reference,
            "max_gap": self.max_gap,
            "flagged": list(self.flagged),
            "min_gap": self.min_gap,
            "ci_excludes_zero": list(self.ci_excludes_zero),
            "n_boot": self.n_boot,
            "seed": self.seed,
            "rows": [
                dict(zip(["term", "mean", "gap", "ci_low", "ci_high", "flagged"], r, strict=True))
                for r in self.rows
            ],
        }

    def _summary(self) -> str:
        return (
            f"{self.target} over {len(self.templates)} templates x {len(self.terms)} terms: "
            f"overall mean {self.overall_mean:.3f}, median term {self.reference:.3f}, "
            f"max |gap| {self.max_gap:.3f}, "
            f"{len(self.flagged)} term(s) flagged (|gap| >= {self.min_gap:g} and its 95% CI "
            f"excludes 0; {len(self.ci_excludes_zero) - len(self.flagged)} more exclude 0 with a "
            f"smaller gap; {self.n_boot} bootstrap resamples of templates, seed {self.seed})"
        )

    def _text_rows(self) -> list[tuple[str, ...]]:
        return [
            (t, f"{m:.3f}", f"{g:+.3f}", f"[{lo:+.3f}, {hi:+.3f}]", "FLAG" if f else "")
            for t, m, g, lo, hi, f in self.rows
        ]

    def __repr__(self) -> str:
        header = ["term", "mean", "gap", "95% CI", "flag"]
        return f"BiasReport: {self._summary()}\n" + _html.text_table(header, self._text_rows())

    def _repr_html_(self) -> str:
        rows = [
            (*r[:4], _html.badge(False, "flagged") if self.rows[i][5] else "")
            for i, r in enumerate(self._text_rows())
        ]
        header = ["term", "mean", "gap", "95% CI of gap", "flag"]
        return _html.table(header, rows, caption=self._summary(), raw_columns=[4])


def _scorer(classifier: Any, target: str) -> tuple[Callable[[list[str]], np.ndarray], str]:

    if isinstance(classifier, SentimentClassifier):
        if target not in classifier.classes:
            raise MLLError(
                f"target={target!r} is not a class of the classifier; "
                f"choose from {list(classifier.classes)}"
            )
        col = classifier.classes.index(target)
        return (lambda texts: classifier.scores(embed_texts(texts))[:, col]), f"P({target})"
    if callable(classifier):
        return classifier, "score"
    raise MLLError(
        f"classifier={type(classifier).__name__} is neither a SentimentClassifier "
        "nor a function texts -> scores; pass mll.train_sentiment(...)"
    )


def identity_bias(
    classifier: Any,
    terms: Sequence[str] = DEFAULT_TERMS,
    templates: Sequence[Any] = DEFAULT_TEMPLATES,
    n_boot: int = 1000,
    seed: int = 0,
    target: str = "negative",
    min_gap: float = MIN_GAP,
) -> BiasReport:
    """Score template sentences that differ only in an identity term; compare terms.

    Args:
        classifier: a ``SentimentClassifier`` (scored as P(``target``)) or a function taking a
            list of texts and returning one score per text.
        terms: identity terms (>= 2) placed in ``{term}``.
        templates: strings with ``{term}``, or (template, tone) pairs.
        n_boot: bootstrap resamples of the templates (>= 100).
        seed: bootstrap seed.
        target: class whose probability is the score.
        min_gap: effect-size threshold in [0, 1]: a term is flagged only if |gap| >= min_gap
            (and its interval excludes 0).
    Returns:
        a :class:`BiasReport`.
    Example:
        >>> mll.identity_bias(clf).to_frame()
    """
    terms = tuple(terms)
    tpls = tuple(t[0] if isinstance(t, tuple | list) else t for t in templates)
    if len(terms) < 2 or not all(isinstance(t, str) and t.strip() for t in terms):
        raise MLLError(f"terms={terms!r} needs >= 2 non-empty strings, e.g. ('gay', 'straight')")
    if len(set(terms)) != len(terms):
        raise MLLError(f"terms={terms!r} holds duplicates; pass each term once")
    bad = [t for t in tpls if not isinstance(t, str) or "{term}" not in t]
    if len(tpls) < 2 or bad:
        raise MLLError(f"templates need >= 2 strings containing '{{term}}'; got {bad[:2] or tpls}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 100:
        raise MLLError(f"n_boot={n_boot!r} must be an integer >= 100, e.g. n_boot=1000")
    check_seed(seed)
    if isinstance(min_gap, bool) or not isinstance(min_gap, int | float) or not 0 <= min_gap <= 1:
        raise MLLError(f"min_gap={min_gap!r} must be a number in [0, 1], e.g. min_gap=0.05")
    score, label = _scorer(classifier, target)
    texts = [t.replace("{term}", term) for t in tpls for term in terms]
    raw = np.asarray(score(texts), dtype=np.float64)
    if raw.shape != (len(texts),):
        raise MLLError(
            f"the classifier returned shape {raw.shape} for {len(texts)} texts; "
            "it must return one score per text"
        )
    s = np.round(raw, 6).reshape(len(tpls), len(terms))
    gaps = s.mean(axis=0) - np.median(s.mean(axis=0))
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(tpls), size=(n_boot, len(tpls)))
    boot = s[idx]  # (n_boot, n_templates, n_terms)
    term_means = boot.mean(axis=1)  # (n_boot, n_terms)
    boot_gaps = term_means - np.median(term_means, axis=1, keepdims=True)
    lo, hi = np.percentile(boot_gaps, [2.5, 97.5], axis=0)
    rows = tuple(
        (
            term,
            round(float(s[:, j].mean()), 4),
            round(float(gaps[j]), 4),
            round(float(lo[j]), 4),
            round(float(hi[j]), 4),
            bool((lo[j] > 1e-9 or hi[j] < -1e-9) and abs(gaps[j]) >= min_gap - 1e-12),
        )
        for j, term in enumerate(terms)
    )
    return BiasReport(
        terms,
        tpls,
        label,
        tuple(tuple(float(v) for v in r) for r in s),
        rows,
        round(float(s.mean()), 4),
        round(float(np.median(s.mean(axis=0))), 4),
        n_boot,
        seed,
        float(min_gap),
    )


#: the names ``mll`` exports (``DEFAULT_*`` are the defaults of :func:`identity_bias`)
IDENTITY_TERMS = DEFAULT_TERMS
IDENTITY_TEMPLATES = DEFAULT_TEMPLATES

"""Drift monitoring with stated thresholds: PSI and KS on input features and on embeddings.

Thresholds (conventions, sensitive to bins and sample size): PSI < 0.1 little shift,
0.1-0.25 moderate, > 0.25 significant; a two-sample Kolmogorov-Smirnov p-value below 0.01
says the two samples are unlikely to come from one distribution. A feature raises an alert
when its PSI is significant or its KS p-value is below the limit.

For texts, :func:`drift_monitor` can embed both samples with MiniLM and watch (a) the
projections on the reference's top principal components and (b) each text's cosine
similarity to the reference centroid.

Example:
    >>> s = mll.tweet_drift_samples(n=200, seed=0)
    >>> mll.drift_monitor(s["reference"], s["shifted"], embeddings=True).alerts
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .._core import html as _html
from .._core.errors import MLLError
from .._core.expect import Verdict
from ..data.datasets import load_tweets
from ..failures.drift import compare_distributions, p_text
from ..models.minilm import embed_texts

if TYPE_CHECKING:
    import pandas as pd

PSI_ALERT = 0.25
KS_ALPHA = 0.01
TEXT_FEATURES = ("chars", "words", "mentions", "hashtags", "urls", "exclamations", "upper_share")
#: Words that mark the shifted topic in :func:`tweet_drift_samples`.
SHIFT_PATTERN = r"driverless|self-driving|autonomous|google car"


def text_features(texts: Sequence[str]) -> pd.DataFrame:
    """Simple numeric features of texts: length, words, @mentions, #hashtags, URLs, '!', CAPS share.

    Example:
        >>> mll.text_features(["Hi @bob! http://x.y"])
    """
    import pandas as pd

    texts = _texts("texts", texts)
    rows = []
    for t in texts:
        letters = [c for c in t if c.isalpha()]
        rows.append((len(t), len(t.split()), len(re.findall(r"@\w", t)), len(re.findall(r"#\w", t)),
                     len(re.findall(r"https?://", t)), t.count("!"),
                     sum(c.isupper() for c in letters) / max(len(letters), 1)))  # fmt: skip
    return pd.DataFrame(rows, columns=list(TEXT_FEATURES))


def _texts(name: str, value: Any) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence | np.ndarray) or len(value) == 0:
        raise MLLError(f"{name} must be a non-empty list of texts, got {type(value).__name__}")
    return [str(t) for t in value]


@dataclass(frozen=True)
class MonitorReport:
    """Per monitored signal: PSI, its level, KS statistic and p-value, and whether it alerts."""

    frame: Any
    """DataFrame: signal, kind (feature/embedding), psi, level, ks_stat, ks_pvalue, alert."""
    thresholds: dict[str, float] = field(default_factory=dict)

    @property
    def alerts(self) -> list[str]:
        """Signals over a threshold, largest PSI first."""
        hit = self.frame[self.frame["alert"]].sort_values("psi", ascending=False)
        return list(hit["signal"])

    @property
    def max_psi(self) -> float:
        return float(self.frame["psi"].max())

    @property
    def levels(self) -> dict[str, str]:
        """Signal -> PSI level (little / moderate / significant)."""
        return dict(zip(self.frame["signal"], self.frame["level"], strict=True))

    def explain(self) -> Verdict:
        """Which signals alert, and whether both tests agree (PSI alone over-reacts on small
        samples); outcome ``quiet``, ``psi only`` or ``drift``."""
        frame = self.frame
        psi_limit = self.thresholds.get("psi_alert", PSI_ALERT)
        ks_limit = self.thresholds.get("ks_alpha", KS_ALPHA)
        hit = frame[frame["alert"]].sort_values("psi", ascending=False)
        n = len(frame)
        if hit.empty:
            return Verdict(
                f"None of the {n} signals crosses a threshold (PSI > {psi_limit:g} or KS p < "
                f"{ks_limit:g}); the largest PSI is {self.max_psi:.3f}. No drift alert.",
                "quiet",
            )
        confirmed = hit[hit["ks_pvalue"] < ks_limit]
        lines = [f"{len(hit)} of {n} signals alert:"]
        for r in hit.head(6).itertuples():
            both = "both tests" if r.ks_pvalue < ks_limit else "PSI only, KS sees no difference"
            lines.append(f"- `{r.signal}`: PSI {r.psi:.3f}, KS p {p_text(r.ks_pvalue)} ({both})")
        if len(hit) > 6:
            lines.append(f"- and {len(hit) - 6} more, each listed in the table above")
        if confirmed.empty:
            lines.append(
                "\nNo alert is confirmed by KS. PSI over-reacts on small samples: a bin that "
                "happens to be (nearly) empty gets a tiny floor share, and its log term alone can "
                "pass the threshold. Treat these as a reason to look, not as drift: compare a "
                "larger sample or fewer bins."
            )
            return Verdict("\n".join(lines), "psi only")
        kinds = confirmed.groupby("kind")["psi"].max().to_dict()
        strongest = ", ".join(
            f"{k} {v:.2f}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])
        )
        lines.append(
            f"\n{len(confirmed)} alert(s) are confirmed by both tests: drift. Largest PSI by kind "
            f"of signal: {strongest}."
        )
        return Verdict("\n".join(lines), "drift")

    def __repr__(self) -> str:
        return (
            f"MonitorReport(signals={len(self.frame)}, alerts={self.alerts}, "
            f"max_psi={self.max_psi:.3f})"
        )

    def _repr_html_(self) -> str:
        rows = [(r.signal, r.kind, f"{r.psi:.3f}", r.level, f"{r.ks_stat:.3f}",
                 p_text(r.ks_pvalue), _html.badge(not r.alert, "ALERT" if r.alert else "ok"))
                for r in self.frame.itertuples()]  # fmt: skip
        t = self.thresholds
        cap = (f"{len(self.alerts)} alert(s) of {len(rows)} signals; alert when PSI > "
               f"{t.get('psi_alert')} or KS p < {t.get('ks_alpha')}")  # fmt: skip
        head = ["signal", "kind", "PSI", "level", "KS", "KS p-value", "status"]
        return _html.table(head, rows, caption=cap, raw_columns=[6])


def _embedding_signals(ref_emb: np.ndarray, cur_emb: np.ndarray, components: int) -> tuple:
    """Projections on the reference's top principal components + cosine to its centroid."""
    centre = ref_emb.mean(axis=0)
    _, _, vt = np.linalg.svd(ref_emb - centre, full_matrices=False)
    k = min(components, vt.shape[0])
    basis = vt[:k]
    signs = np.sign(basis.sum(axis=1, keepdims=True))  # SVD's sign is arbitrary: fix it
    basis = basis * np.where(signs == 0, 1, signs)
    unit = centre / max(float(np.linalg.norm(centre)), 1e-12)

    def signals(emb: np.ndarray) -> np.ndarray:
        norms = np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)
        cos = (emb / norms) @ unit
        return np.column_stack([(emb - centre) @ basis.T, cos])

    names = [f"embedding PC{i + 1}" for i in range(k)] + ["cosine to reference centroid"]
    return signals(ref_emb), signals(cur_emb), names


def drift_monitor(
    reference: Any,
    current: Any,
    *,
    features: Sequence[str] | None = None,
    embeddings: bool = False,
    components: int = 5,
    bins: int = 10,
    psi_alert: float = PSI_ALERT,
    ks_alpha: float = KS_ALPHA,
) -> MonitorReport:
    """Compare a current sample with a reference: PSI and KS per signal, with alerts.

    Args:
        reference, current: numeric tables (rows x features: arrays or DataFrames), or lists of
            texts (then :func:`text_features` are monitored).
        features: names of the numeric columns (default: DataFrame columns or x0, x1...).
        embeddings: for texts, also embed both samples with MiniLM and monitor ``components``
            principal-component projections and the cosine to the reference centroid.
        bins: quantile bins for PSI.
        psi_alert, ks_alpha: alert when PSI > psi_alert or KS p-value < ks_alpha.

    Returns:
        A :class:`MonitorReport`; ``.alerts`` lists the signals that crossed a threshold.

    Example:
        >>> mll.drift_monitor(X_train, X_today).alerts
    """
    import pandas as pd

    if not 0 < psi_alert < 10 or not 0 < ks_alpha < 1:
        raise MLLError(f"psi_alert={psi_alert!r}, ks_alpha={ks_alpha!r}: use e.g. 0.25 and 0.01")
    if not isinstance(components, int) or components < 1:
        raise MLLError(f"components={components!r} must be a positive integer, e.g. 5")
    is_text = _looks_like_texts(reference)
    if embeddings and not is_text:
        raise MLLError("embeddings=True needs lists of texts for reference and current")
    if is_text:
        ref_t, cur_t = _texts("reference", reference), _texts("current", current)
        ref, cur, names = text_features(ref_t), text_features(cur_t), list(TEXT_FEATURES)
    else:
        ref, cur = reference, current
        names = list(features) if features is not None else _columns(reference)
    with warnings.catch_warnings():  # SciPy notes when the exact KS p-value falls back
        warnings.simplefilter("ignore", RuntimeWarning)
        parts = [_with_kind(compare_distributions(ref, cur, names, bins).frame, "feature")]
    if embeddings:
        r_sig, c_sig, e_names = _embedding_signals(
            _embed(tuple(ref_t)), _embed(tuple(cur_t)), components
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            emb = compare_distributions(r_sig, c_sig, e_names, bins).frame
        parts.append(_with_kind(emb, "embedding"))
    frame = pd.concat(parts, ignore_index=True).rename(columns={"feature": "signal"})
    frame["alert"] = (frame["psi"] > psi_alert) | (frame["ks_pvalue"] < ks_alpha)
    return MonitorReport(frame, {"psi_alert": psi_alert, "ks_alpha": ks_alpha, "bins": bins})


@functools.lru_cache(maxsize=4)
def _embed(texts: tuple[str, ...]) -> np.ndarray:
    """MiniLM embeddings, cached: a reference sample is embedded once per process."""

    return embed_texts(list(texts))


def _with_kind(frame: Any, kind: str) -> pd.DataFrame:
    frame = frame.copy()
    frame.insert(1, "kind", kind)
    return frame


def _looks_like_texts(value: Any) -> bool:
    if isinstance(value, str):
        return False
    try:
        return len(value) > 0 and all(isinstance(v, str) for v in list(value)[:5])
    except TypeError:
        return False


def _columns(value: Any) -> list[str] | None:
    cols = getattr(value, "columns", None)
    return [str(c) for c in cols] if cols is not None else None


def tweet_drift_samples(n: int = 200, seed: int = 0) -> dict[str, list[str]]:
    """Real tweets for a drift demo: a reference, a second sample of the same mix, a new topic.

    ``reference`` and ``same`` are disjoint random samples of the training tweets that do not
    mention self-driving cars (mostly airline customer tweets and news chatter); ``shifted`` is
    a sample of tweets that do (the topic the team never trained on).

    Example:
        >>> s = mll.tweet_drift_samples(n=100, seed=0)
    """

    if not isinstance(n, int) or isinstance(n, bool) or not 10 <= n <= 2000:
        raise MLLError(f"n={n!r} must be an integer between 10 and 2000, e.g. 200")
    texts = [str(t) for t in load_tweets(seed=0).X_train]
    topic = re.compile(SHIFT_PATTERN, re.I)
    base = [t for t in texts if not topic.search(t)]
    new = [t for t in texts if topic.search(t)]
    rng = np.random.default_rng(seed)
    pick = rng.permutation(len(base))[: 2 * n]
    shifted = rng.permutation(len(new))[:n]
    return {
        "reference": [base[i] for i in pick[:n]],
        "same": [base[i] for i in pick[n:]],
        "shifted": [new[i] for i in shifted],
    }

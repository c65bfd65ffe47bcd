"""Membership inference by loss threshold (Yeom et al., 2018): does the model leak who it saw?

The attacker scores each example by ``-loss`` (training examples tend to have lower loss) and
guesses "member" above a threshold. ROC-AUC over members vs held-out non-members says how well
any threshold separates them (0.5: no leak); the advantage is max(TPR - FPR) over thresholds.
Overfitting drives both up. An average over thresholds can hide the attack that matters: one that
is sure about a few members. So the report also gives the TPR at a low false-positive rate
(Carlini et al., 2022, "Membership Inference Attacks From First Principles"): the share of members
found while at most ``low_fpr`` of non-members are wrongly accused (chance: TPR = ``low_fpr``).

Example:
    >>> rep = mll.membership_inference(train_losses, test_losses, seed=0)
    >>> rep.auc, rep.advantage
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._core import html as _html
from .._core.checks import check_seed
from .._core.errors import MLLError
from ..models.minilm import embed_texts
from ..models.sentiment import SentimentClassifier, sample_split, tweet_splits

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class MembershipReport:
    """How well ``-loss`` tells training members from non-members."""

    auc: float
    """ROC-AUC of the attack score -loss (0.5 = chance, 1.0 = perfect leak)."""
    auc_ci: tuple[float, float]
    """95% bootstrap interval of the AUC."""
    advantage: float
    """max over thresholds of TPR - FPR (Yeom et al.'s membership advantage)."""
    n_members: int
    n_nonmembers: int
    member_loss: float
    """Mean loss on members."""
    nonmember_loss: float
    """Mean loss on non-members."""
    n_boot: int
    seed: int
    label: str = ""
    """What was attacked, e.g. ``"sentiment head"``."""
    low_fpr: float = 0.05
    """The false-positive rate the attack is held to for :attr:`tpr_at_low_fpr`."""
    tpr_at_low_fpr: float = 0.0
    """Share of members found at FPR <= :attr:`low_fpr` (chance: ``low_fpr``)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "auc": self.auc,
            "auc_ci": list(self.auc_ci),
            "advantage": self.advantage,
            "n_members": self.n_members,
            "n_nonmembers": self.n_nonmembers,
            "member_loss": self.member_loss,
            "nonmember_loss": self.nonmember_loss,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "low_fpr": self.low_fpr,
            "tpr_at_low_fpr": self.tpr_at_low_fpr,
        }

    def explain(self) -> str:
        """The attack's result in words, with the chance levels it is compared against."""
        found = round(self.tpr_at_low_fpr * self.n_members)
        accused = int(self.low_fpr * self.n_nonmembers + 1e-9)
        ratio = self.tpr_at_low_fpr / self.low_fpr
        if self.auc_ci[0] > 0.5:
            leak = f"leaks membership: the AUC's interval ({self.auc_ci[0]:.3f}-"
            leak += f"{self.auc_ci[1]:.3f}) lies above chance (0.5)"
        else:
            leak = f"shows no leak on average: the AUC's interval ({self.auc_ci[0]:.3f}-"
            leak += f"{self.auc_ci[1]:.3f}) includes chance (0.5)"
        return (
            f"The {self.label or 'model'} {leak}. Held to at most {accused} of "
            f"{self.n_nonmembers} non-members wrongly accused (FPR {self.low_fpr:.0%}), the "
            f"attack finds {found} of {self.n_members} members (TPR {self.tpr_at_low_fpr:.1%}), "
            f"{ratio:.1f}x the chance rate."
        )

    def _summary(self) -> str:
        what = f"{self.label}: " if self.label else ""
        return (
            f"{what}membership AUC {self.auc:.3f} (95% CI {self.auc_ci[0]:.3f}-"
            f"{self.auc_ci[1]:.3f}), advantage {self.advantage:.3f}, TPR {self.tpr_at_low_fpr:.3f} "
            f"at FPR {self.low_fpr:g}; mean loss members "
            f"{self.member_loss:.3f} vs non-members {self.nonmember_loss:.3f} "
            f"({self.n_members} + {self.n_nonmembers} examples)"
        )

    def __repr__(self) -> str:
        return f"MembershipReport({self._summary()})"

    def _repr_html_(self) -> str:
        rows = [
            ("ROC-AUC", f"{self.auc:.3f}"),
            ("95% CI", f"{self.auc_ci[0]:.3f} - {self.auc_ci[1]:.3f}"),
            ("advantage max(TPR-FPR)", f"{self.advantage:.3f}"),
            (
                f"TPR at FPR <= {self.low_fpr:g} (chance {self.low_fpr:g})",
                f"{self.tpr_at_low_fpr:.3f}",
            ),
            ("mean loss, members", f"{self.member_loss:.3f}"),
            ("mean loss, non-members", f"{self.nonmember_loss:.3f}"),
            ("examples", f"{self.n_members} members, {self.n_nonmembers} non-members"),
        ]
        caption = f"Loss-threshold membership inference{': ' + self.label if self.label else ''}"
        return _html.table(["measure", "value"], rows, caption=caption)


def _losses(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64).ravel()
    except (TypeError, ValueError) as err:
        raise MLLError(f"{name} must be numbers (per-example losses); got {values!r:.60}") from err
    if len(arr) < 2 or not np.isfinite(arr).all():
        raise MLLError(f"{name} needs >= 2 finite losses; got {len(arr)} values")
    return arr


def _auc(members: np.ndarray, nonmembers: np.ndarray) -> float:
    """ROC-AUC of score -loss, members as the positives (ties count half)."""
    from sklearn.metrics import roc_auc_score

    y = np.r_[np.ones(len(members)), np.zeros(len(nonmembers))]
    return float(roc_auc_score(y, -np.r_[members, nonmembers]))


def _roc(members: np.ndarray, nonmembers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.metrics import roc_curve

    y = np.r_[np.ones(len(members)), np.zeros(len(nonmembers))]
    fpr, tpr, _ = roc_curve(y, -np.r_[members, nonmembers])
    return fpr, tpr


def membership_inference(
    member_losses: Any,
    nonmember_losses: Any,
    seed: int = 0,
    n_boot: int = 200,
    label: str = "",
    low_fpr: float = 0.05,
) -> MembershipReport:
    """Attack with score ``-loss``: AUC and advantage of members vs non-members.

    Args:
        member_losses: per-example loss on training examples.
        nonmember_losses: per-example loss on examples the model never saw.
        seed: seed of the bootstrap interval.
        n_boot: bootstrap resamples for the AUC interval (0: no interval).
        label: what was attacked, shown in the report.
        low_fpr: the false-positive rate for :attr:`MembershipReport.tpr_at_low_fpr`; at least
            one non-member must fit in it (``low_fpr * len(nonmember_losses) >= 1``).
    Returns:
        a :class:`MembershipReport`.
    Example:
        >>> mll.membership_inference([0.1, 0.2, 0.05], [0.9, 0.4, 1.3]).auc
        1.0
    """
    m, n = _losses(member_losses, "member_losses"), _losses(nonmember_losses, "nonmember_losses")
    check_seed(seed)
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 0:
        raise MLLError(f"n_boot={n_boot!r} must be an integer >= 0, e.g. n_boot=200")
    if isinstance(low_fpr, bool) or not isinstance(low_fpr, (int, float)) or not 0 < low_fpr < 1:
        raise MLLError(f"low_fpr={low_fpr!r} must be a rate between 0 and 1, e.g. low_fpr=0.05")
    if low_fpr * len(n) < 1:
        raise MLLError(
            f"low_fpr={low_fpr:g} allows no false positive among {len(n)} non-members; "
            f"pass low_fpr >= {1 / len(n):.3g} or more non-members"
        )
    auc = _auc(m, n)
    fpr, tpr = _roc(m, n)
    lo = hi = auc
    if n_boot:
        rng = np.random.default_rng(seed)
        aucs = [_auc(rng.choice(m, len(m)), rng.choice(n, len(n))) for _ in range(n_boot)]
        lo, hi = (float(v) for v in np.percentile(aucs, [2.5, 97.5]))
    return MembershipReport(
        auc=round(auc, 4),
        auc_ci=(round(lo, 4), round(hi, 4)),
        advantage=round(float((tpr - fpr).max()), 4),
        n_members=len(m),
        n_nonmembers=len(n),
        member_loss=round(float(m.mean()), 4),
        nonmember_loss=round(float(n.mean()), 4),
        n_boot=n_boot,
        seed=seed,
        label=label,
        low_fpr=float(low_fpr),
        tpr_at_low_fpr=round(float(tpr[fpr <= low_fpr + 1e-12].max()), 4),
    )


def example_losses(model: Any, X: Any, y: Any) -> np.ndarray:
    """Cross-entropy of each example: ``-log p(true class)``.

    Args:
        model: a ``SentimentClassifier`` (``X`` = MiniLM embeddings) or anything with
            ``predict_proba`` and ``classes_`` (scikit-learn).
        X: inputs, one row per example.
        y: integer labels (class indices).
    Example:
        >>> mll.example_losses(clf, emb, labels)[:3]
    """

    y = np.asarray(y, dtype=np.int64)
    if isinstance(model, SentimentClassifier):
        probs = model.scores(X)
    elif hasattr(model, "predict_proba"):
        probs = np.asarray(model.predict_proba(X))
        classes = list(getattr(model, "classes_", range(probs.shape[1])))
        full = np.zeros((len(probs), int(max(max(classes), y.max())) + 1))
        full[:, classes] = probs
        probs = full
    else:
        raise MLLError(
            f"model={type(model).__name__} has no probabilities; pass a "
            "SentimentClassifier or a scikit-learn classifier"
        )
    if len(probs) != len(y):
        raise MLLError(f"X has {len(probs)} rows but y has {len(y)} labels; pass one label per row")
    p = probs[np.arange(len(y)), y]
    return -np.log(np.clip(p, 1e-12, 1.0))


def sentiment_membership(
    classifier: Any, n: int = 300, seed: int = 0, low_fpr: float | None = None
) -> MembershipReport:
    """Attack a head from ``mll.train_sentiment``: members re-drawn from its own training sample.

    Uses the classifier's ``notes`` (seed, n_train) to rebuild its training sample, takes ``n``
    of those tweets as members and ``n`` test-split tweets as non-members, embeds both (about
    ``2 n`` MiniLM passes) and runs :func:`membership_inference` (``low_fpr``: None gives 5%, or
    one false positive when fewer than 20 non-members are drawn).

    Example:
        >>> mll.sentiment_membership(clf, n=300, seed=0).auc
    """

    if not isinstance(classifier, SentimentClassifier) or "n_train" not in classifier.notes:
        raise MLLError(
            "classifier must come from mll.train_sentiment(...) (its notes name the "
            "training sample)"
        )
    if isinstance(n, bool) or not isinstance(n, int) or n < 10:
        raise MLLError(f"n={n!r} must be an integer >= 10, e.g. n=300")
    train_seed, n_train = classifier.notes["seed"], classifier.notes["n_train"]
    splits = tweet_splits(train_seed)
    x_train, y_train = sample_split(*splits["train"], n_train, train_seed)
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(len(y_train), size=min(n, len(y_train)), replace=False))
    members = [x_train[i] for i in pick]
    x_non, y_non = sample_split(*splits["test"], len(pick), seed + 10_000)
    lm = example_losses(classifier, embed_texts(members), y_train[pick])
    ln = example_losses(classifier, embed_texts(x_non), y_non)
    label = f"sentiment head (n_train={n_train})"
    if low_fpr is None:  # 5%, or one false positive when fewer than 20 non-members
        low_fpr = max(0.05, 1 / len(ln))
    return membership_inference(lm, ln, seed=seed, label=label, low_fpr=low_fpr)


def membership_contrast(
    X_members: Any, y_members: Any, X_nonmembers: Any, y_nonmembers: Any, seed: int = 0
) -> pd.DataFrame:
    """Train three models on the members and attack each: overfitting drives the leak.

    Models: logistic regression with strong regularisation (C=0.01), the sentiment head's
    recipe (C=10), and an unregularised MLP trained to zero loss (memorises).
    Returns a DataFrame: model, train_accuracy, test_accuracy, auc, advantage.

    Example:
        >>> mll.membership_contrast(emb_tr, y_tr, emb_te, y_te, seed=0)
    """
    import warnings

    import pandas as pd
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    Xm, Xn = np.asarray(X_members, np.float64), np.asarray(X_nonmembers, np.float64)
    ym, yn = np.asarray(y_members, np.int64), np.asarray(y_nonmembers, np.int64)
    models = {
        "logistic C=0.01 (regularised)": LogisticRegression(C=0.01, max_iter=2000),
        "logistic C=10 (the head's recipe)": LogisticRegression(C=10.0, max_iter=2000),
        "MLP 256 units, no regularisation (memorises)": MLPClassifier(
            (256,), alpha=0.0, max_iter=300, random_state=seed
        ),
    }
    rows = []
    for name, model in models.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(Xm, ym)
        rep = membership_inference(
            example_losses(model, Xm, ym), example_losses(model, Xn, yn), seed=seed, n_boot=0
        )
        rows.append(
            (
                name,
                round(float(model.score(Xm, ym)), 4),
                round(float(model.score(Xn, yn)), 4),
                rep.auc,
                rep.advantage,
            )
        )
    cols = ["model", "train_accuracy", "test_accuracy", "auc", "advantage"]
    return pd.DataFrame(rows, columns=cols)

"""A risk register whose ratings come from measurements, not opinions.

:func:`risk_register` takes a plain dict of measured figures (what :func:`summarise_measurements`
returns from the risk helpers' results) and rates each risk: likelihood 1-5 from the measured
value through the stated cut points in :data:`LIKELIHOOD_CUTS`, severity 1-5 fixed per risk,
rating = likelihood x severity, level low (<= 5) / medium (<= 12) / high. A risk whose
measurement is missing is rated ``not measured``: an honest gap, never a guess.

Example:
    >>> figures = mll.summarise_measurements(hallucination=curve, bias=bias)
    >>> mll.risk_register(figures)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._core.errors import MLLError

#: measured value -> likelihood: the first cut the value is <= gives 1, 2, 3, 4; above all: 5
LIKELIHOOD_CUTS: dict[str, tuple[float, float, float, float]] = {
    "hallucination_rate": (0.02, 0.05, 0.10, 0.20),
    "wrong_rate": (0.02, 0.05, 0.10, 0.20),
    "bias_max_gap": (0.02, 0.05, 0.10, 0.20),
    "direct_pii_share": (0.0, 0.001, 0.01, 0.05),
    "handle_share": (0.0, 0.05, 0.20, 0.50),
    "not_answered_correctly": (0.10, 0.25, 0.40, 0.60),
    "membership_auc": (0.55, 0.60, 0.70, 0.80),
    "max_flip_rate": (0.01, 0.05, 0.10, 0.20),
    "refused_files": (0, 0, 0, 0),
    "high_findings": (0, 0, 1, 2),
}
MEASUREMENT_KEYS = (
    "hallucination", "bias", "pii", "membership", "robustness", "supply_chain", "provenance",
)  # fmt: skip
COLUMNS = [
    "risk", "category", "measured", "likelihood", "severity", "rating", "level", "control",
    "monitoring", "threshold", "owner", "evidence",
]  # fmt: skip

# (risk, NIST AI 600-1 category, measurement section, figure, severity, control, monitoring
#  metric, threshold, owner)
_RISKS: tuple[tuple[str, ...], ...] = (
    ("answers an out-of-scope question with an unrelated FAQ entry", "confabulation",
     "hallucination", "hallucination_rate", "3",
     "similarity threshold chosen from the curve; hand over to a human below it",
     "share of sampled answered requests judged out of scope", "<= 0.05", "assistant owner"),
    ("answers an in-scope question with the wrong entry", "confabulation",
     "hallucination", "wrong_rate", "3",
     "threshold chosen under a wrong-answer cap; answers link the FAQ entry they come from",
     "wrong-answer rate on the evaluation set at each release", "<= 0.05", "assistant owner"),
    ("triage scores messages differently by the identity terms they mention", "harmful bias",
     "bias", "bias_max_gap", "3",
     "identity-term template test before each release; triage only reorders, never refuses",
     "largest per-term gap in P(negative), 95% CI",
     "no term with |gap| >= 0.05 and a CI excluding 0", "ML engineer"),
    ("direct identifiers (emails, phone numbers, card numbers) in the training data",
     "data privacy", "pii", "direct_pii_share", "4",
     "redact direct identifiers before training; keep the raw corpus out of the service",
     "share of training texts with a direct identifier after redaction", "0",
     "data protection officer"),
    ("@handles in the training data link tweets to accounts (pseudonymous personal data)",
     "data privacy", "pii", "handle_share", "2",
     "replace handles with a tag before training; document the lawful basis for the rest",
     "share of training texts with an @handle after redaction", "0", "data protection officer"),
    ("the assistant helps few customers: most in-scope questions go to a person or get a "
     "wrong answer", "usefulness (valid and reliable)", "hallucination", "not_answered_correctly",
     "2", "grow the FAQ from the handed-over questions; re-tune the threshold on new questions",
     "share of in-scope questions answered correctly, on questions the threshold was not "
     "chosen on", ">= 0.60", "assistant owner"),
    ("training tweets can be inferred from the classifier (membership inference)",
     "data privacy", "membership", "membership_auc", "3",
     "regularised linear head, small capacity; retrain without redacted texts",
     "loss-threshold attack ROC-AUC on members vs held-out", "<= 0.60", "ML engineer"),
    ("small edits (typos, dropped letters, punctuation, fillers) flip the triage label",
     "information integrity", "robustness", "max_flip_rate", "2",
     "urgent messages also reach a human through the handover queue",
     "label-flip rate under seeded perturbations that change the tokens, worst kind", "<= 0.05",
     "ML engineer"),
    ("a model file runs code when loaded (unsafe pickle)", "information security",
     "supply_chain", "refused_files", "5",
     "load safetensors only; scan pickles; pin files by sha256",
     "files refused by the supply-chain check", "0", "platform engineer"),
    ("training data used without a licence or consent", "intellectual property",
     "provenance", "high_findings", "4",
     "resolve licence and consent, or replace the tweets with data we may use",
     "high-severity provenance findings open", "0", "legal / data protection officer"),
)  # fmt: skip


def likelihood(figure: str, value: float | None) -> int | None:
    """Likelihood 1-5 of a measured ``value`` on the cut points of :data:`LIKELIHOOD_CUTS`."""
    if figure not in LIKELIHOOD_CUTS:
        raise MLLError(f"figure={figure!r} is unknown; use one of {sorted(LIKELIHOOD_CUTS)}")
    if value is None:
        return None
    for i, cut in enumerate(LIKELIHOOD_CUTS[figure], start=1):
        if value <= cut:
            return i
    return 5


def level(rating: int | None) -> str:
    if rating is None:
        return "not measured"
    return "low" if rating <= 5 else "medium" if rating <= 12 else "high"


def risk_register(measurements: Mapping[str, Any]) -> Any:
    """The risk register as a DataFrame, one row per risk, rated from ``measurements``.

    Args:
        measurements: section -> dict of figures, as from :func:`summarise_measurements`:
            ``hallucination`` (``hallucination_rate``, ``wrong_rate``), ``bias``
            (``bias_max_gap``), ``pii`` (``direct_pii_share``, ``handle_share``), ``membership``
            (``membership_auc``), ``hallucination`` also ``not_answered_correctly``,
            ``robustness`` (``max_flip_rate``), ``supply_chain`` (``refused_files``),
            ``provenance`` (``high_findings``). A missing section or figure -> "not measured".

    Returns:
        DataFrame with :data:`COLUMNS`; highest rating first, unmeasured risks last.

    Example:
        >>> mll.risk_register({"membership": {"membership_auc": 0.52}})
    """
    import pandas as pd

    if not isinstance(measurements, Mapping):
        raise MLLError(
            f"measurements is {type(measurements).__name__}; pass a dict such as "
            "mll.summarise_measurements(...) returns"
        )
    unknown = sorted(set(measurements) - set(MEASUREMENT_KEYS))
    if unknown:
        raise MLLError(f"measurements has unknown sections {unknown}; use {list(MEASUREMENT_KEYS)}")
    rows = []
    for risk, category, section, figure, sev, control, metric, threshold, owner in _RISKS:
        value = (measurements.get(section) or {}).get(figure)
        if value is not None and not isinstance(value, (int, float)):
            raise MLLError(f"measurements[{section!r}][{figure!r}]={value!r} must be a number")
        like = likelihood(figure, value)
        rating = None if like is None else like * int(sev)
        rows.append({
            "risk": risk, "category": category,
            "measured": "not measured" if value is None else f"{figure} = {_fmt(value)}",
            "likelihood": like, "severity": int(sev), "rating": rating, "level": level(rating),
            "control": control, "monitoring": metric, "threshold": threshold, "owner": owner,
            "evidence": f"measurements.json#{section}",
        })  # fmt: skip
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["likelihood"] = frame["likelihood"].astype("Int64")
    frame["rating"] = frame["rating"].astype("Int64")
    order = -frame["rating"].fillna(-1).astype(int)
    return frame.iloc[order.argsort(kind="stable").to_numpy()].reset_index(drop=True)


def _fmt(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:.3g}"  # 0.0012 stays 0.0012


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def summarise_measurements(
    *,
    hallucination: Any = None,
    threshold: float | None = None,
    bias: Any = None,
    pii: Any = None,
    membership: Any = None,
    robustness: Any = None,
    supply_chain: Any = None,
    provenance: Any = None,
) -> dict[str, dict[str, Any]]:
    """The figures the register and the regulatory map need, from the risk helpers' results.

    Args:
        hallucination: a ``ThresholdCurve`` (``mll.threshold_curve``); read at ``threshold``
            (default: ``curve.best()``).
        bias: a ``BiasReport``; pii: a ``PIIReport``; membership: a ``MembershipReport``;
        robustness: a ``RobustnessReport``; supply_chain: a ``SupplyChainReport``;
        provenance: a :class:`~mlliteracy.provenance.trace.ProvenanceTrace`. Leave out what you did
            not measure: the register then says "not measured".

    Returns:
        section -> dict of plain numbers (JSON-safe), the input of :func:`risk_register`.

    Example:
        >>> mll.summarise_measurements(hallucination=curve, pii=mll.scan_pii(texts))
    """
    out: dict[str, dict[str, Any]] = {}
    if hallucination is not None:
        t = float(hallucination.best() if threshold is None else threshold)
        point = hallucination.at(t)
        out["hallucination"] = {
            "threshold": round(t, 4),
            **{k: round(float(point[k]), 4) for k in ("answer_rate", "correct_rate",
               "wrong_rate", "hallucination_rate", "abstention_rate", "handover_rate")
               if k in point},
            "not_answered_correctly": round(1 - float(point["correct_rate"]), 4),
            "n_in": int(hallucination.n_in), "n_out": int(hallucination.n_out),
        }  # fmt: skip
    if bias is not None:
        out["bias"] = {"bias_max_gap": round(float(bias.max_gap), 4),
                       "flagged_terms": [str(t) for t in bias.flagged],
                       "min_gap": float(getattr(bias, "min_gap", 0.0))}  # fmt: skip
    if pii is not None:
        out["pii"] = {
            "texts": int(_get(pii, "n_texts", 0) or 0), "n_with_any": int(pii.n_with_any),
            "pii_share": round(float(pii.share_with_any), 4),
            "direct_pii_share": round(float(pii.category_share("direct")), 4),
            "handle_share": round(float(pii.category_share("pseudonymous")), 4),
            "url_share": round(float(pii.category_share("link")), 4),
            "counts": {str(k): int(v) for k, v in dict(pii.counts).items()},
        }  # fmt: skip
    if membership is not None:
        out["membership"] = {"membership_auc": round(float(membership.auc), 4),
                             "advantage": round(float(membership.advantage), 4),
                             "tpr_at_low_fpr": round(float(membership.tpr_at_low_fpr), 4),
                             "low_fpr": float(membership.low_fpr)}  # fmt: skip
    if robustness is not None:
        rates = {str(k): round(float(v), 4) for k, v in dict(robustness.flip_rates).items()}
        out["robustness"] = {"max_flip_rate": max(rates.values(), default=0.0),
                             "flip_rates": rates}  # fmt: skip
    if supply_chain is not None:
        refused = [str(r) for r in supply_chain.refused]
        out["supply_chain"] = {"files": len(supply_chain.to_frame()),
                               "refused_files": len(refused), "refused": refused}  # fmt: skip
    if provenance is not None:
        counts = provenance.severity_counts()
        out["provenance"] = {"high_findings": counts["high"], "findings": counts}
    return out

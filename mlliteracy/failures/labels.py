"""Our label-noise estimate beside cleanlab's, both scored against flips we know we planted.

Example:
    >>> noise = mll.label_noise_estimate(case.X_train, case.y_train)
    >>> mll.compare_label_issues(noise, case.y_train, case.planted["flipped"])
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .._core.errors import MLLError
from .._core.expect import Verdict
from .diagnostics import LabelNoiseReport

#: cleanlab's ``filter_by`` options compared, with how the table names them.
CLEANLAB_FILTERS = (
    ("prune_by_noise_rate", "cleanlab, prune_by_noise_rate (its default)"),
    ("confident_learning", "cleanlab, confident_learning"),
)


def _scores(method: str, flagged: np.ndarray, truth: set[int]) -> dict[str, Any]:
    found = len(truth & {int(i) for i in flagged})
    return {
        "method": method,
        "flagged": len(flagged),
        "real_flips_found": found,
        "precision": found / len(flagged) if len(flagged) else float("nan"),
        "recall": found / len(truth) if truth else float("nan"),
    }


def compare_label_issues(report: LabelNoiseReport, labels: Any, truth: Iterable[int]) -> Any:
    """Flag label issues with our rule and with ``cleanlab.filter.find_label_issues``.

    Both use the same out-of-fold probabilities (``report.probs``); each row scores one method
    against ``truth``, the indices of the labels known to be wrong.

    Returns:
        A DataFrame: method, flagged, real_flips_found, precision, recall.

    Example:
        >>> mll.compare_label_issues(noise, case.y_train, case.planted["flipped"])
    """
    import pandas as pd

    if not isinstance(report, LabelNoiseReport) or report.probs is None:
        raise MLLError("report must come from mll.label_noise_estimate(X, y)")
    given = np.asarray(labels)
    if len(given) != report.n:
        raise MLLError(f"labels has {len(given)} entries for {report.n} rows: pass the same y")
    try:
        from cleanlab.filter import find_label_issues
    except ImportError as err:
        raise MLLError("cleanlab is not installed: run `pip install cleanlab`") from err
    codes = np.searchsorted(np.asarray(report.classes), given)
    known = {int(i) for i in truth}
    rows = [_scores("mll.label_noise_estimate (per-class thresholds)", np.asarray(report.flagged),
                    known)]  # fmt: skip
    for filter_by, name in CLEANLAB_FILTERS:
        mask = find_label_issues(codes, report.probs, filter_by=filter_by, n_jobs=1)
        rows.append(_scores(name, np.flatnonzero(mask), known))
    return pd.DataFrame(rows).round(3)


#: Precision or recall closer than this are called the same (a few rows out of ~180).
SAME_SCORE = 0.01


def explain_label_issues(table: Any) -> Verdict:
    """Say how cleanlab's default compares with our rule, from :func:`compare_label_issues`.

    Outcome: ``trade-off`` (one finds more real flips, the other is more often right),
    ``cleanlab better``, ``ours better`` or ``same``.

    Example:
        >>> mll.explain_label_issues(mll.compare_label_issues(noise, y, flipped))
    """
    cols = {"method", "flagged", "precision", "recall"}
    if not hasattr(table, "columns") or not cols <= set(table.columns) or len(table) < 2:
        raise MLLError("table must be the DataFrame of mll.compare_label_issues")
    ours, theirs = table.iloc[0], table.iloc[1]
    d_recall = float(theirs.recall - ours.recall)
    d_precision = float(theirs.precision - ours.precision)
    lead = (
        f"cleanlab's default flagged {int(theirs.flagged)} rows (recall {theirs.recall:.3f}, "
        f"precision {theirs.precision:.3f}); our rule flagged {int(ours.flagged)} (recall "
        f"{ours.recall:.3f}, precision {ours.precision:.3f})."
    )
    up = [d > SAME_SCORE for d in (d_recall, d_precision)]
    down = [d < -SAME_SCORE for d in (d_recall, d_precision)]
    if not any(up) and not any(down):
        outcome, text = "same", "The two find the same flips about equally well here."
    elif any(up) and any(down):
        outcome = "trade-off"
        more = "cleanlab's default" if up[0] else "our rule"
        other = "our rule" if up[0] else "cleanlab's default"
        text = (
            f"A trade-off: **{more}** finds more of the real flips, **{other}** is more often "
            "right about the rows it flags."
        )
    else:
        outcome = "cleanlab better" if any(up) else "ours better"
        who = "cleanlab's default" if any(up) else "our rule"
        text = f"**{who}** is at least as good on both counts here."
    return Verdict(f"{lead} {text}", outcome=outcome)

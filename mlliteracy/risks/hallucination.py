"""How often the assistant answers, answers wrongly, or answers what it cannot know.

One embedding pass gives each evaluation question its best knowledge-base entry and similarity;
sweeping the hand-over threshold then costs nothing. Rates per threshold (``n_in`` in-scope
questions, ``n_out`` out-of-scope ones):

* ``answer_rate``: in-scope questions answered / n_in
* ``correct_rate``: in-scope answered with the expected entry / n_in
* ``wrong_rate``: in-scope answered with another entry / n_in
* ``hallucination_rate``: out-of-scope questions answered / n_out (an answer it cannot back)
* ``abstention_rate``: in-scope questions handed over / n_in (help a person must give)
* ``handover_rate``: all questions handed over / (n_in + n_out)

Example:
    >>> curve = mll.threshold_curve(bot)
    >>> curve.best(max_wrong=0.05)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._core import html as _html
from .._core.checks import check_seed
from .._core.errors import MLLError
from .._core.expect import Verdict
from .._core.figures import FigurePNG
from .faqeval import FAQEval, load_faq_eval

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = (
    "threshold",
    "answer_rate",
    "correct_rate",
    "wrong_rate",
    "hallucination_rate",
    "abstention_rate",
    "handover_rate",
)
DEFAULT_THRESHOLDS = tuple(round(float(t), 3) for t in np.linspace(0.2, 1.0, 33))


@dataclass(frozen=True)
class ThresholdCurve:
    """Answer, wrong-answer and hallucination rates of the assistant at each threshold."""

    rows: tuple[tuple[float, ...], ...]
    """One row per threshold, columns as :data:`COLUMNS`, rates rounded to 4 places."""
    n_in: int
    """In-scope evaluation questions."""
    n_out: int
    """Out-of-scope evaluation questions."""
    in_scores: tuple[float, ...]
    """Best similarity of each in-scope question."""
    in_correct: tuple[bool, ...]
    """Whether each in-scope question's best entry is the expected one."""
    out_scores: tuple[float, ...]
    """Best similarity of each out-of-scope question."""

    @property
    def thresholds(self) -> tuple[float, ...]:
        return tuple(r[0] for r in self.rows)

    @property
    def top1_accuracy(self) -> float:
        """Share of in-scope questions whose best entry is right (the answer rate at -1)."""
        return round(sum(self.in_correct) / self.n_in, 4)

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=list(COLUMNS))

    def at(self, threshold: float) -> dict[str, float]:
        """The rates at any threshold (computed from the cached scores, not interpolated)."""
        return dict(zip(COLUMNS, _rates(self, float(threshold)), strict=True))

    def best(self, max_wrong: float = 0.05, max_hallucination: float = 0.10) -> float:
        """The threshold on the curve with the most correct answers such that
        ``wrong_rate <= max_wrong`` and ``hallucination_rate <= max_hallucination``; ties go
        to the higher (more careful) threshold.

        Example:
            >>> curve.best(max_wrong=0.05, max_hallucination=0.10)
        """
        for name, value in (("max_wrong", max_wrong), ("max_hallucination", max_hallucination)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise MLLError(f"{name}={value!r} must be a share in [0, 1], e.g. {name}=0.05")
        ok = [r for r in self.rows if r[3] <= max_wrong and r[4] <= max_hallucination]
        if not ok:
            raise MLLError(
                f"no threshold on the curve keeps wrong_rate <= {max_wrong} and "
                f"hallucination_rate <= {max_hallucination}; add higher thresholds or loosen them"
            )
        return max(ok, key=lambda r: (r[2], r[0]))[0]

    def split(self, share: float = 0.5, seed: int = 0) -> tuple[ThresholdCurve, ThresholdCurve]:
        """Two disjoint curves over the same thresholds: ``share`` of the in-scope and of the
        out-of-scope questions (seeded) in the first, the rest in the second. Choose the
        threshold on one and report on the other, so the reported rates are not tuned to them.

        Example:
            >>> tune, held = curve.split(0.5, seed=0)
            >>> held.report(tune.best())
        """
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share < 1:
            raise MLLError(f"share={share!r} must be a number strictly between 0 and 1, e.g. 0.5")
        check_seed(seed)
        rng = np.random.default_rng(seed)
        parts = []
        for n in (self.n_in, self.n_out):
            order = rng.permutation(n)
            k = min(max(1, round(share * n)), n - 1)
            parts.append((np.sort(order[:k]), np.sort(order[k:])))
        (in_a, in_b), (out_a, out_b) = parts
        return self._subset(in_a, out_a), self._subset(in_b, out_b)

    def _subset(self, ins: np.ndarray, outs: np.ndarray) -> ThresholdCurve:
        base = ThresholdCurve(
            (), len(ins), len(outs), tuple(self.in_scores[i] for i in ins),
            tuple(self.in_correct[i] for i in ins), tuple(self.out_scores[i] for i in outs),
        )  # fmt: skip
        rows = tuple(_rates(base, t) for t in self.thresholds)
        return ThresholdCurve(rows, *(getattr(base, f) for f in _FIELDS[1:]))

    def report(self, threshold: float, confidence: float = 0.95) -> pd.DataFrame:
        """Rates at ``threshold`` with their counts and Wilson intervals (small n: wide).

        Returns a DataFrame: rate, value, count, n, ci_low, ci_high.
        """
        import pandas as pd

        cols = ["rate", "value", "count", "n", "ci_low", "ci_high"]
        return pd.DataFrame(self._report_rows(threshold, confidence), columns=cols)

    def _report_rows(self, threshold: float, confidence: float) -> list[tuple[Any, ...]]:
        t = float(threshold)
        ins = np.asarray(self.in_scores) >= t
        right = np.asarray(self.in_correct, bool)
        outs = np.asarray(self.out_scores) >= t
        counts = {
            "correct_rate": (int((ins & right).sum()), self.n_in),
            "wrong_rate": (int((ins & ~right).sum()), self.n_in),
            "hallucination_rate": (int(outs.sum()), self.n_out),
            "abstention_rate": (int((~ins).sum()), self.n_in),
            "handover_rate": (int((~ins).sum() + (~outs).sum()), self.n_in + self.n_out),
        }
        return [(name, round(k / n, 4), k, n, *wilson(k, n, confidence))
                for name, (k, n) in counts.items()]  # fmt: skip

    def explain(
        self, threshold: float, max_wrong: float = 0.05, max_hallucination: float = 0.10
    ) -> Verdict:
        """Whether the rates at ``threshold`` meet the caps once their intervals are counted."""
        rows = {r[0]: r for r in self._report_rows(threshold, 0.95)}
        parts = [
            f"{name.replace('_', ' ')} {r[2]} of {r[3]} ({r[1]:.1%}, 95% CI {r[4]:.1%}-{r[5]:.1%})"
            for name, r in rows.items()
            if name in ("correct_rate", "wrong_rate", "hallucination_rate")
        ]
        text = f"At threshold {float(threshold):.3f}: " + "; ".join(parts) + "."
        caps = (("wrong_rate", max_wrong), ("hallucination_rate", max_hallucination))
        over = [n for n, cap in caps if rows[n][1] > cap]
        unsure = [n for n, cap in caps if rows[n][5] > cap and n not in over]
        if over:
            names = " and ".join(n.replace("_", " ") for n in over)
            return Verdict(text + f" The {names} is above its cap on these questions.", "over")
        if unsure:
            names = " and the ".join(n.replace("_", " ") for n in unsure)
            verb = "meets its cap, but its interval reaches above it" if len(unsure) == 1 else (
                "meet their caps, but their intervals reach above them")  # fmt: skip
            return Verdict(
                text + f" The {names} {verb}: too few questions to claim that the caps hold.",
                "uncertain",
            )
        return Verdict(text + " Both caps hold even at the upper end of the intervals.", "within")

    def plot(self, chosen: float | None = None) -> FigurePNG:
        """Rates against threshold; ``chosen`` draws a vertical line there."""
        from matplotlib.figure import Figure

        fig = Figure(figsize=(7, 4))
        ax = fig.add_subplot()
        xs = self.thresholds
        for col, style in (
            ("correct_rate", "-"),
            ("wrong_rate", "--"),
            ("hallucination_rate", "-."),
            ("abstention_rate", ":"),
        ):
            i = COLUMNS.index(col)
            ax.plot(xs, [r[i] for r in self.rows], style, label=col.replace("_", " "))
        if chosen is not None:
            ax.axvline(chosen, color="grey", lw=1)
            ax.text(chosen, 1.02, f" chosen {chosen:.3f}", fontsize=8)
        ax.set_xlabel("hand-over threshold (cosine similarity)")
        ax.set_ylabel("rate")
        ax.set_ylim(-0.02, 1.08)
        ax.set_title(f"FAQ assistant: {self.n_in} in-scope, {self.n_out} out-of-scope questions")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="center left")
        return FigurePNG(fig, "answered vs wrong by threshold", {"n_thresholds": len(xs)})

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": list(COLUMNS),
            "rows": [list(r) for r in self.rows],
            "n_in": self.n_in,
            "n_out": self.n_out,
            "top1_accuracy": self.top1_accuracy,
        }

    def _table_rows(self) -> list[tuple[str, ...]]:
        return [(f"{r[0]:.3f}", *(f"{v:.3f}" for v in r[1:])) for r in self.rows]

    def __repr__(self) -> str:
        head = (
            f"ThresholdCurve({len(self.rows)} thresholds, {self.n_in} in-scope, "
            f"{self.n_out} out-of-scope, top-1 accuracy {self.top1_accuracy:.3f})"
        )
        return head + "\n" + _html.text_table(list(COLUMNS), self._table_rows())

    def _repr_html_(self) -> str:
        caption = repr(self).splitlines()[0]
        return _html.table(list(COLUMNS), self._table_rows(), caption=caption)


_FIELDS = ("rows", "n_in", "n_out", "in_scores", "in_correct", "out_scores")


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion k/n (sound for small n and for k = 0 or n)."""
    from scipy.stats import norm

    if n <= 0:
        return (0.0, 1.0)
    z = float(norm.ppf(0.5 + confidence / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


def _rates(curve: ThresholdCurve, t: float) -> tuple[float, ...]:
    ins = np.asarray(curve.in_scores) >= t
    right = np.asarray(curve.in_correct, bool)
    outs = np.asarray(curve.out_scores) >= t
    n_in, n_out = curve.n_in, curve.n_out
    answered = int(ins.sum())
    return (
        round(t, 4),
        round(answered / n_in, 4),
        round(int((ins & right).sum()) / n_in, 4),
        round(int((ins & ~right).sum()) / n_in, 4),
        round(int(outs.sum()) / n_out, 4),
        round((n_in - answered) / n_in, 4),
        round((n_in - answered + n_out - int(outs.sum())) / (n_in + n_out), 4),
    )


def curve_from_scores(
    in_sims: np.ndarray, expected: list[int], out_sims: np.ndarray, thresholds: Any = None
) -> ThresholdCurve:
    """Build the curve from similarity matrices (questions x entries) already computed.

    ``expected`` holds the column index of each in-scope question's right entry.
    """
    in_sims, out_sims = np.atleast_2d(in_sims), np.atleast_2d(out_sims)
    if len(in_sims) == 0 or len(out_sims) == 0 or len(expected) != len(in_sims):
        raise MLLError("need >= 1 in-scope and >= 1 out-of-scope question, one expected id each")
    ts = DEFAULT_THRESHOLDS if thresholds is None else thresholds
    try:
        ts = sorted({round(float(t), 4) for t in ts})
    except (TypeError, ValueError) as err:
        raise MLLError(f"thresholds={thresholds!r} must be numbers, e.g. [0.4, 0.5, 0.6]") from err
    if not ts or not all(math.isfinite(t) for t in ts):
        raise MLLError(f"thresholds={thresholds!r} must be finite numbers, e.g. [0.4, 0.5]")
    curve = ThresholdCurve(
        rows=(),
        n_in=len(in_sims),
        n_out=len(out_sims),
        in_scores=tuple(round(float(v), 6) for v in in_sims.max(axis=1)),
        in_correct=tuple(bool(b) for b in in_sims.argmax(axis=1) == np.asarray(expected)),
        out_scores=tuple(round(float(v), 6) for v in out_sims.max(axis=1)),
    )
    rows = tuple(_rates(curve, t) for t in ts)
    return ThresholdCurve(
        rows, curve.n_in, curve.n_out, curve.in_scores, curve.in_correct, curve.out_scores
    )


def threshold_curve(assistant: Any, eval_set: Any = None, thresholds: Any = None) -> ThresholdCurve:
    """Sweep the hand-over threshold of ``assistant`` over an evaluation set.

    Args:
        assistant: a :class:`~mlliteracy.audit.assistant.FAQAssistant` (uses its knowledge base).
        eval_set: a ``FAQEval`` (default ``mll.load_faq_eval()``).
        thresholds: thresholds to evaluate (default 0.2 to 1.0 in steps of 0.025).
    Returns:
        a :class:`ThresholdCurve`; ``.best()`` picks a threshold, ``.plot()`` draws it.
    Example:
        >>> mll.threshold_curve(bot).to_frame().head()
    """

    if not (hasattr(assistant, "similarities") and hasattr(assistant, "faq")):
        raise MLLError(
            f"assistant={type(assistant).__name__} is not a FAQAssistant; "
            "pass mll.build_assistant(...)"
        )
    eval_set = load_faq_eval() if eval_set is None else eval_set
    if not isinstance(eval_set, FAQEval):
        raise MLLError(
            f"eval_set={type(eval_set).__name__} is not a FAQEval; pass mll.load_faq_eval()"
        )
    ids = [e.id for e in assistant.faq.entries]
    missing = sorted({i for _, i in eval_set.in_scope} - set(ids))
    if missing:
        raise MLLError(f"eval_set expects entries {missing[:3]} that the assistant's FAQ lacks")
    sims = assistant.similarities(eval_set.questions)
    n_in = len(eval_set.in_scope)
    expected = [ids.index(i) for _, i in eval_set.in_scope]
    return curve_from_scores(sims[:n_in], expected, sims[n_in:], thresholds)

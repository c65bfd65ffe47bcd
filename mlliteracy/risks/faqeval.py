"""The evaluation set of the FAQ assistant: paraphrased in-scope questions and out-of-scope ones.

Written for this project (``assets/faq_eval.json``): every knowledge-base entry has two
paraphrases worded differently from its KB question, each with the entry id it should get;
out-of-scope questions add product near-misses and general chit-chat to the 15 of ``faq.json``.

Example:
    >>> ev = mll.load_faq_eval()
    >>> len(ev.in_scope), len(ev.out_of_scope)
    (70, 39)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from .._core import html as _html

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class FAQEval:
    """Questions with known right behaviour: answer with ``expected_id``, or hand over."""

    in_scope: tuple[tuple[str, str], ...]
    """(question, expected entry id): the assistant should answer with that entry."""
    out_of_scope: tuple[str, ...]
    """Questions the knowledge base cannot answer: faq.json's 15, then this set's own."""
    out_of_scope_kind: tuple[str, ...]
    """Per out-of-scope question: ``"faq.json"``, ``"near-miss"`` (same product) or
    ``"general"``."""
    sha256: str
    """SHA-256 of ``faq_eval.json``."""

    @property
    def questions(self) -> list[str]:
        """In-scope questions, then out-of-scope ones (the order threshold curves use)."""
        return [q for q, _ in self.in_scope] + list(self.out_of_scope)

    def to_frame(self) -> pd.DataFrame:
        """One row per question: question, expected_id (None out of scope), kind."""
        import pandas as pd

        rows = [(q, i, "in-scope") for q, i in self.in_scope]
        rows += [
            (q, None, k) for q, k in zip(self.out_of_scope, self.out_of_scope_kind, strict=True)
        ]
        return pd.DataFrame(rows, columns=["question", "expected_id", "kind"])

    def to_dict(self) -> dict[str, Any]:
        kinds = {k: self.out_of_scope_kind.count(k) for k in dict.fromkeys(self.out_of_scope_kind)}
        return {
            "n_in_scope": len(self.in_scope),
            "n_out_of_scope": len(self.out_of_scope),
            "out_of_scope_kinds": kinds,
            "sha256": self.sha256,
        }

    def __repr__(self) -> str:
        d = self.to_dict()
        kinds = ", ".join(f"{k} {n}" for k, n in d["out_of_scope_kinds"].items())
        return (
            f"FAQEval({d['n_in_scope']} in-scope paraphrases, "
            f"{d['n_out_of_scope']} out-of-scope ({kinds}))"
        )

    def _repr_html_(self) -> str:
        rows = [(q, i, "in-scope") for q, i in self.in_scope[:6]]
        rows += [
            (q, "", k)
            for q, k in zip(self.out_of_scope[-6:], self.out_of_scope_kind[-6:], strict=True)
        ]
        return _html.table(["question", "expected entry", "kind"], rows, caption=repr(self))


def load_faq_eval() -> FAQEval:
    """Load the assistant's evaluation set (offline, from the package).

    Returns:
        a :class:`FAQEval`; out-of-scope questions include ``faq.json``'s 15.
    Example:
        >>> mll.load_faq_eval().in_scope[0]
    """
    raw = resources.files("mlliteracy").joinpath("assets", "faq_eval.json").read_bytes()
    data = json.loads(raw)
    faq = json.loads(resources.files("mlliteracy").joinpath("assets", "faq.json").read_bytes())
    own = data["out_of_scope"]
    return FAQEval(
        in_scope=tuple((e["question"], e["expected_id"]) for e in data["in_scope"]),
        out_of_scope=tuple(faq["out_of_scope"]) + tuple(e["question"] for e in own),
        out_of_scope_kind=("faq.json",) * len(faq["out_of_scope"]) + tuple(e["kind"] for e in own),
        sha256=hashlib.sha256(raw).hexdigest(),
    )

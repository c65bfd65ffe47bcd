"""Find personal data in text offline: regular expressions plus the Luhn checksum for cards.

Kinds: ``email``, ``phone``, ``url``, ``handle`` (@name), ``card`` (13-19 digits opening with
2-6, as the major networks' numbers do, that pass the Luhn check; card-shaped runs that fail it
are counted as rejected, not as cards). Spans are claimed in the order url, email, card, phone,
handle, so one string counts once.
The kinds fall in three categories (:data:`CATEGORIES`) that weigh differently under data
protection law: ``direct`` identifiers reach a person on their own (email, phone, card),
``pseudonymous`` handles name an account that may be linked to a person, ``link`` URLs point
elsewhere (here mostly t.co short links) and identify nobody by themselves.
Examples in reports are masked: a full email or phone number is never shown.

Example:
    >>> rep = mll.scan_pii(["mail me at ann@example.com", "no pii here"])
    >>> rep.counts["email"], rep.share_with_any
    (1, 0.5)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._core import html as _html
from .._core.errors import MLLError
from .._core.expect import Verdict

if TYPE_CHECKING:
    import pandas as pd

KINDS: tuple[str, ...] = ("email", "phone", "url", "handle", "card")
#: category -> kinds: what identifies a person directly, what pseudonymously, what only links
CATEGORIES: dict[str, tuple[str, ...]] = {
    "direct": ("email", "phone", "card"),
    "pseudonymous": ("handle",),
    "link": ("url",),
}
#: order in which kinds claim text: a URL's "@" is not a handle, a card is not a phone
_ORDER = ("url", "email", "card", "phone", "handle")
_PATTERNS = {
    "url": re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.I),
    "email": re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"),
    # 13-19 digits opening with 2-6 (the major card networks), grouped by spaces or dashes
    "card": re.compile(r"(?<![\d-])[2-6](?:[ -]?\d){12,18}(?![\d-])"),
    # international (+cc ...) or North American with separators: (555) 123-4567, 555-123-4567
    "phone": re.compile(
        r"(?<![\w+])(?:\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}"
        r"|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}|\d{3}[ .-]\d{3}[ .-]\d{4})(?!\d)"
    ),
    "handle": re.compile(r"(?<![\w@./])@[A-Za-z0-9_]{1,30}\b"),
}
_TAGS = {k: f"[{k.upper()}]" for k in KINDS}


def luhn_ok(digits: str) -> bool:
    """True when a digit string passes the Luhn checksum (as every real card number does)."""
    nums = [int(c) for c in digits if c.isdigit()]
    if len(nums) < 2:
        return False
    total = 0
    for i, d in enumerate(reversed(nums)):
        if i % 2:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return total % 10 == 0


def _check_kinds(kinds: Any) -> tuple[str, ...]:
    if isinstance(kinds, str):
        kinds = (kinds,)
    kinds = tuple(kinds)
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds:
        raise MLLError(f"kinds={kinds!r} has unknown {bad}; choose from {list(KINDS)}")
    return kinds


def find_pii(text: str, kinds: Sequence[str] = KINDS) -> list[tuple[str, int, int, str]]:
    """Every PII match in ``text`` as (kind, start, end, matched text), in text order.

    Luhn-invalid card-shaped digit runs are returned with kind ``"rejected_card"``.
    """
    kinds = _check_kinds(kinds)
    taken: list[tuple[int, int]] = []
    found: list[tuple[str, int, int, str]] = []
    for kind in _ORDER:
        if kind not in kinds and not (kind == "card" and "phone" in kinds):
            continue  # card-shaped runs are still claimed so they are never read as phones
        for m in _PATTERNS[kind].finditer(text):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            value = m.group()
            if kind == "url":
                value = value.rstrip(".,;:!?)")
                e = s + len(value)
            label = kind
            if kind == "card" and not luhn_ok(value):
                label = "rejected_card"
            elif kind == "phone" and sum(c.isdigit() for c in value) < 8:
                continue
            taken.append((s, e))
            if label == "card" and "card" not in kinds:
                continue
            found.append((label, s, e, value))
    return sorted(found, key=lambda f: f[1])


def mask(kind: str, value: str) -> str:
    """A hint of a match that does not reveal it: ``a***@e***.com``, ``+** *** ***58``."""
    if kind == "email":
        local, _, domain = value.partition("@")
        tld = domain.rsplit(".", 1)[-1]
        return f"{local[:1]}***@{domain[:1]}***.{tld}"
    if kind in ("phone", "card", "rejected_card"):
        n_digits = sum(c.isdigit() for c in value)
        keep = 2 if kind == "phone" else 4
        out, seen = [], 0
        for c in value:
            if c.isdigit():
                seen += 1
                out.append(c if seen > n_digits - keep else "*")
            else:
                out.append(c)
        return "".join(out)
    if kind == "url":
        scheme, sep, rest = value.partition("://")
        host = rest.split("/", 1)[0] if sep else value.split("/", 1)[0]
        return f"{scheme}{sep}{host}/***" if sep else f"{host}/***"
    if kind == "handle":
        return value[:2] + "***"
    return "***"


def redact_pii(text: str, kinds: Sequence[str] = KINDS) -> str:
    """``text`` with every PII match replaced by its tag (``[EMAIL]``, ``[PHONE]``...).

    Example:
        >>> mll.redact_pii("call +44 20 7946 0958")
        'call [PHONE]'
    """
    if not isinstance(text, str):
        raise MLLError(f"text={text!r} is not a string; pass one text")
    out, pos = [], 0
    for kind, s, e, _ in find_pii(text, kinds):
        if kind == "rejected_card":
            continue
        out += [text[pos:s], _TAGS[kind]]
        pos = e
    return "".join(out) + text[pos:]


@dataclass(frozen=True)
class PIIReport:
    """What a PII scan found in a collection of texts (examples masked)."""

    n_texts: int
    """Texts scanned."""
    kinds: tuple[str, ...]
    """Kinds searched for."""
    counts: dict[str, int]
    """Matches per kind."""
    texts_with: dict[str, int]
    """Texts holding at least one match, per kind."""
    n_with_any: int
    """Texts holding at least one match of any kind."""
    rejected_cards: int
    """Card-shaped digit runs that fail the Luhn check (not counted as cards)."""
    examples: tuple[tuple[str, str], ...]
    """Up to 3 masked examples per kind, (kind, masked value)."""
    texts_with_category: dict[str, int] = field(default_factory=dict)
    """Texts holding at least one match of a kind in each :data:`CATEGORIES` entry."""

    def category_share(self, category: str) -> float:
        """Share of texts holding a kind of ``category`` (direct, pseudonymous or link)."""
        if category not in CATEGORIES:
            raise MLLError(f"category={category!r} is unknown; use one of {list(CATEGORIES)}")
        n = self.texts_with_category.get(category, 0)
        return round(n / self.n_texts, 4) if self.n_texts else 0.0

    def category_frame(self) -> pd.DataFrame:
        """One row per category: its kinds, texts holding one, share of texts."""
        import pandas as pd

        rows = [
            (c, ", ".join(k for k in kinds if k in self.kinds), self.texts_with_category.get(c, 0),
             self.category_share(c))
            for c, kinds in CATEGORIES.items() if any(k in self.kinds for k in kinds)
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=["category", "kinds", "texts", "share"])

    def explain(self, what: str = "texts") -> Verdict:
        """What the scan found, category by category, as Markdown (``what`` names the texts)."""
        direct = self.texts_with_category.get("direct", 0)
        pseudo = self.texts_with_category.get("pseudonymous", 0)
        links = self.texts_with_category.get("link", 0)
        text = (
            f"Of {self.n_texts:,} {what}, {direct:,} ({self.category_share('direct'):.2%}) hold a "
            f"direct identifier (email, phone or card), {pseudo:,} "
            f"({self.category_share('pseudonymous'):.1%}) a pseudonymous @handle and {links:,} "
            f"({self.category_share('link'):.1%}) a URL."
        )
        if direct:
            return Verdict(text + " Direct identifiers must be removed or justified.", "direct")
        if pseudo:
            return Verdict(
                text + " No direct identifier was found, but handles are still personal data "
                "when they can be linked to a person.",
                "pseudonymous",
            )
        if links:
            return Verdict(text + " Only links were found; they identify nobody by themselves.",
                           "links")  # fmt: skip
        return Verdict(text + " The scan found no personal data of these kinds.", "none")

    @property
    def share_with_any(self) -> float:
        """Share of texts with any PII."""
        return round(self.n_with_any / self.n_texts, 4) if self.n_texts else 0.0

    def redact(self, text: str) -> str:
        """``text`` with the report's kinds replaced by tags (see :func:`redact_pii`)."""
        return redact_pii(text, self.kinds)

    def to_frame(self) -> pd.DataFrame:
        """One row per kind: matches, texts with it, share of texts, masked examples."""
        import pandas as pd

        return pd.DataFrame(self._rows(), columns=["kind", "matches", "texts", "share", "examples"])

    def _rows(self) -> list[tuple[str, int, int, float, str]]:
        return [
            (
                k,
                self.counts[k],
                self.texts_with[k],
                round(self.texts_with[k] / self.n_texts, 4) if self.n_texts else 0.0,
                ", ".join(v for kk, v in self.examples if kk == k),
            )
            for k in self.kinds
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_texts": self.n_texts,
            "kinds": list(self.kinds),
            "counts": dict(self.counts),
            "texts_with": dict(self.texts_with),
            "n_with_any": self.n_with_any,
            "share_with_any": self.share_with_any,
            "rejected_cards": self.rejected_cards,
            "texts_with_category": dict(self.texts_with_category),
            "examples": [list(e) for e in self.examples],
        }

    def _summary(self) -> str:
        parts = [
            f"{c} {self.texts_with_category[c]} ({self.category_share(c):.2%})"
            for c in CATEGORIES
            if c in self.texts_with_category
        ]
        return (
            f"{self.n_texts} texts; holding a match by category: {', '.join(parts)}; any kind "
            f"{self.n_with_any}; {self.rejected_cards} card-like numbers failed the Luhn check"
        )

    def __repr__(self) -> str:
        table = _html.text_table(["kind", "matches", "texts", "share", "examples"], self._rows())
        return f"PIIReport: {self._summary()}\n{table}"

    def _repr_html_(self) -> str:
        header = ["kind", "matches", "texts", "share", "examples (masked)"]
        return _html.table(header, self._rows(), caption=self._summary())


def scan_pii(texts: Iterable[str], kinds: Sequence[str] = KINDS, n_examples: int = 3) -> PIIReport:
    """Count emails, phones, URLs, @handles and Luhn-valid card numbers in ``texts``.

    Args:
        texts: the texts (e.g. training tweets); a single string is refused.
        kinds: which kinds to search for.
        n_examples: masked examples kept per kind (first found, in text order).
    Returns:
        a :class:`PIIReport`.
    Example:
        >>> mll.scan_pii(mll.load_tweets().X_train).to_frame()
    """
    if isinstance(texts, str):
        raise MLLError("texts is one string; pass a list of texts, e.g. [text]")
    if isinstance(n_examples, bool) or not isinstance(n_examples, int) or n_examples < 0:
        raise MLLError(f"n_examples={n_examples!r} must be an integer >= 0, e.g. n_examples=2")
    kinds = _check_kinds(kinds)
    counts = dict.fromkeys(kinds, 0)
    texts_with = dict.fromkeys(kinds, 0)
    by_category = {c: 0 for c, ks in CATEGORIES.items() if any(k in kinds for k in ks)}
    examples: dict[str, list[str]] = {k: [] for k in kinds}
    n, n_any, rejected = 0, 0, 0
    for text in texts:
        if not isinstance(text, str):
            raise MLLError(f"text #{n} is {type(text).__name__}, not a string; pass strings only")
        n += 1
        seen: set[str] = set()
        for kind, _s, _e, value in find_pii(text, kinds):
            if kind == "rejected_card":
                rejected += 1
                continue
            counts[kind] += 1
            seen.add(kind)
            if len(examples[kind]) < n_examples:
                examples[kind].append(mask(kind, value))
        for kind in seen:
            texts_with[kind] += 1
        for category in by_category:
            by_category[category] += any(k in seen for k in CATEGORIES[category])
        n_any += bool(seen)
    ex = tuple((k, v) for k in kinds for v in examples[k])
    return PIIReport(n, kinds, counts, texts_with, n_any, rejected, ex, by_category)

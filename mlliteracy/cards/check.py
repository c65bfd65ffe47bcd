"""Offline checks of model cards and datasheets: findings with a severity, and a completeness score.

Rules (each finding names the section it is about):

* a required section is missing or empty (an HTML comment alone counts as empty) -> error;
* placeholder text (``[More Information Needed]``, ``TODO``, ``TBD``, ``lorem ipsum``) -> warning;
* filler: a section of fewer than ``MIN_WORDS`` words, or the same text as an earlier
  section -> warning;
* a metric without a dataset or split -> error; evaluation without slices -> warning;
* the licence is missing, not an SPDX id, or ``other`` without ``license_link`` -> error;
* intended use that never says what is out of scope -> warning;
* a datasheet that never mentions consent -> warning; every stated unknown -> info.

Completeness = share of required fields (sections + licence) filled with real text: a section
with a placeholder or filler does not count.

Example:
    >>> check = card.validate()
    >>> check.counts
    {'error': 2, 'warning': 1, 'info': 0}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._core import html as _html

if TYPE_CHECKING:
    import pandas as pd

SEVERITIES = ("error", "warning", "info")
PLACEHOLDERS = re.compile(
    r"\[more information needed\]|\bTODO\b|\bTBD\b|\bFIXME\b|lorem ipsum|\bXXX\b", re.I
)
#: A section needs at least this many words to say anything ("n/a", "See above." do not).
MIN_WORDS = 3
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_WORD = re.compile(r"\w+")
OUT_OF_SCOPE = re.compile(
    r"out[- ]of[- ]scope|not (be )?(intended|designed|suitable)|should not be used|"
    r"must not be used|do not use|misuse",
    re.I,
)
#: Common SPDX licence identifiers (https://spdx.org/licenses/), lower-cased, plus the
#: Hub's own licence ids that are not SPDX but widely used on model cards.
SPDX_IDS = frozenset(
    s.lower()
    for s in (
        "MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "BSL-1.0", "ISC", "Zlib",
        "MPL-2.0", "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later",
        "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later",
        "AGPL-3.0-only", "AGPL-3.0-or-later", "EPL-2.0", "EUPL-1.2", "Unlicense", "0BSD",
        "CC0-1.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0",
        "CC-BY-ND-4.0", "CC-BY-NC-ND-4.0", "CC-BY-3.0", "CC-BY-SA-3.0", "ODbL-1.0",
        "ODC-By-1.0", "PDDL-1.0", "CDLA-Permissive-2.0", "CDLA-Sharing-1.0",
        "OpenRAIL", "OpenRAIL++", "CreativeML-OpenRAIL-M", "BigScience-OpenRAIL-M",
        "Llama2", "Llama3", "Gemma", "Other",
    )
)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One problem (or note) found in a card."""

    severity: str
    """``error`` (must fix), ``warning`` (should fix) or ``info`` (stated, for the record)."""
    section: str
    """Section key or metadata key the finding is about."""
    message: str


@dataclass(frozen=True)
class CardCheck:
    """Findings of :func:`check_card` plus the completeness score."""

    card: str
    """Name of the checked card."""
    findings: tuple[Finding, ...]
    completeness: float
    """Share of required fields filled with real text, 0..1 (rounded to 2 decimals)."""
    required: int
    """How many fields the score counts."""

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(f.severity == s for f in self.findings) for s in SEVERITIES}

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings and notes allowed)."""
        return self.counts["error"] == 0

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(
            [f.__dict__ for f in self.findings], columns=list(Finding.__annotations__)
        )

    def __repr__(self) -> str:
        c = self.counts
        head = (
            f"CardCheck({self.card!r}: completeness {self.completeness:.0%} of {self.required} "
            f"fields ({self.required - 1} sections + licence), {c['error']} errors, "
            f"{c['warning']} warnings, {c['info']} notes)"
        )
        rows = [(f.severity, f.section, f.message) for f in self.findings]
        return head + (
            "\n" + _html.text_table(["severity", "section", "message"], rows) if rows else ""
        )

    def _repr_html_(self) -> str:
        c = self.counts
        errors = _html.badge(self.ok, f"{c['error']} errors")
        head = (
            f"<p><b>{_html.esc(self.card)}</b>: completeness {self.completeness:.0%} "
            f"of {self.required} fields ({self.required - 1} sections + licence); {errors}, "
            f"{c['warning']} warnings, {c['info']} notes</p>"
        )
        colour = {"error": False, "warning": None, "info": True}
        rows = [
            (_html.badge(colour[f.severity], f.severity), f.section, f.message)
            for f in self.findings
        ]
        return head + _html.table(["severity", "section", "message"], rows, raw_columns=[0])


def check_card(card: Any) -> CardCheck:
    """Validate a :class:`~.card.ModelCard` or a :class:`~.card.Datasheet`."""
    findings: list[Finding] = []
    filled = 0
    seen: dict[str, str] = {}  # normalised text -> heading of the first section holding it
    for key, heading in card.SECTIONS:
        text = _COMMENT.sub("", str(card.sections.get(key, "") or "")).strip()
        n_words = len(_WORD.findall(text))
        same = " ".join(text.casefold().split())
        if not text:
            findings.append(Finding("error", key, f"section '{heading}' is missing or empty"))
        elif PLACEHOLDERS.search(text):
            hit = PLACEHOLDERS.search(text).group(0)
            findings.append(
                Finding("warning", key, f"section '{heading}' holds placeholder {hit!r}")
            )
        elif n_words < MIN_WORDS:
            msg = f"section '{heading}' has {n_words} word(s): too short to say anything"
            findings.append(Finding("warning", key, msg))
        elif same in seen:
            msg = f"section '{heading}' repeats section '{seen[same]}' word for word"
            findings.append(Finding("warning", key, msg))
        else:
            seen[same] = heading
            filled += 1
    for key, value in card.metadata.items():
        if isinstance(value, str) and PLACEHOLDERS.search(value):
            findings.append(Finding("warning", key, f"metadata {key!r} holds placeholder text"))
    lic_ok, lic_findings = _check_license(card.metadata)
    findings += lic_findings
    filled += lic_ok
    if hasattr(card, "metrics"):
        findings += _check_model_card(card)
    else:
        findings += _check_datasheet(card)
    required = len(card.SECTIONS) + 1
    return CardCheck(card.name, tuple(findings), round(filled / required, 2), required)


def _check_license(meta: Any) -> tuple[bool, list[Finding]]:
    lic = meta.get("license")
    if not lic:
        return False, [
            Finding("error", "license", "no licence given; set metadata license to an SPDX id")
        ]
    if isinstance(lic, list):
        lic = lic[0] if lic else ""
    lic = str(lic)
    if lic.lower() not in SPDX_IDS:
        msg = f"licence {lic!r} is not an SPDX id (e.g. mit, apache-2.0, cc-by-4.0)"
        return False, [Finding("error", "license", msg)]
    if lic.lower() == "other" and not (meta.get("license_link") and meta.get("license_name")):
        msg = "licence 'other' needs license_name and license_link to the terms"
        return False, [Finding("error", "license", msg)]
    if "unknown" in str(meta.get("license_name", "")).lower():
        msg = f"licence terms not established ({meta['license_name']})"
        return True, [Finding("warning", "license", msg)]
    return True, []


def _check_model_card(card: Any) -> list[Finding]:
    out: list[Finding] = []
    intended = _COMMENT.sub("", card.sections.get("intended_use", ""))
    if intended.strip() and not OUT_OF_SCOPE.search(intended):
        out.append(
            Finding("warning", "intended_use", "intended use never says what is out of scope")
        )
    if not card.metrics:
        out.append(
            Finding("error", "quantitative_analyses", "no measured metrics (table or model-index)")
        )
    for m in card.metrics:
        missing = [w for w in ("dataset", "split") if not getattr(m, w)]
        if missing:
            msg = f"metric {m.name!r} = {m.value} has no {' or '.join(missing)}"
            out.append(Finding("error", "metrics", msg))
    if card.metrics and not any(m.slice for m in card.metrics):
        msg = "evaluation has no slices (e.g. per class or per group): averages hide failures"
        out.append(Finding("warning", "quantitative_analyses", msg))
    for key in ("language", "library_name", "datasets"):
        if not card.metadata.get(key):
            out.append(Finding("info", key, f"metadata {key!r} is not set"))
    return out


def _check_datasheet(sheet: Any) -> list[Finding]:
    out: list[Finding] = []
    everything = " ".join(str(v) for v in sheet.sections.values())
    if "consent" not in everything.lower():
        out.append(
            Finding(
                "warning", "collection_process", "never says whether people in the data consented"
            )
        )
    for item in sheet.metadata.get("unknowns", []) or []:
        out.append(Finding("info", "unknowns", f"stated unknown: {item}"))
    return out

"""Regulatory mapping: EU AI Act Annex IV and Articles 10/12/13/15, NIST AI RMF functions.

Each requirement (in this project's own words; the sources are Regulation (EU) 2024/1689 and
NIST AI 100-1, "AI RMF 1.0") is mapped to the evidence the audit bundle holds (a file, a measured
figure, a card section) or marked ``gap`` with what is missing. ``partial`` means there is
evidence but something named is still missing. Gaps are stated, never papered over: a
technical audit cannot produce a declaration of conformity or a list of applied standards.

Example:
    >>> mll.regulatory_map(figures).query("status == 'gap'")
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._core.errors import MLLError

#: Where each kind of evidence lives inside an audit bundle (paths relative to evidence.json).
BUNDLE = {
    "spec": "system/system_spec.yaml",
    "diagram": "system/system_diagram.svg",
    "provenance": "provenance.json",
    "card": "upstream/minilm_README.md",
    "data_config": "upstream/minilm_data_config.json",
    "datasheet": "data/tweets_datasheet.md",
    "cleaning": "data/cleaning_log.csv",
    "measurements": "measurements.json",
    "register": "risk_register.csv",
    "mapping": "regulatory_map.csv",
    "log": "logs/request_log_sample.jsonl",
}
STATUSES = ("evidence", "partial", "gap")
COLUMNS = ["framework", "ref", "requirement", "status", "evidence", "missing"]
ANNEX_IV = "EU AI Act Annex IV"
ARTICLES = "EU AI Act"
NIST = "NIST AI RMF 1.0"


def _m(figures: Mapping[str, Any], section: str, key: str) -> Any:
    return (figures.get(section) or {}).get(key)


def _rows(f: Mapping[str, Any], has_log: bool) -> list[tuple[str, str, str, str, str, str]]:
    b = BUNDLE
    h = f.get("hallucination") or {}
    measured = [s for s in ("hallucination", "bias", "pii", "membership", "robustness",
                            "supply_chain") if f.get(s)]  # fmt: skip
    missing = [s for s in ("hallucination", "bias", "pii", "membership", "robustness",
                           "supply_chain") if not f.get(s)]  # fmt: skip
    not_measured = f"not measured: {', '.join(missing)}" if missing else ""
    thr = (f"threshold {h.get('threshold')}: hallucination rate {h.get('hallucination_rate')}, "
           f"wrong rate {h.get('wrong_rate')}") if h else "hallucination not measured"  # fmt: skip
    high = _m(f, "provenance", "high_findings")
    rows = [
        (
            ANNEX_IV,
            "IV(1)",
            "general description: intended purpose, provider, versions, how it "
            "interacts with other software and hardware",
            "evidence",
            f"{b['spec']}; {b['diagram']}; report.md 'System'",
            "",
        ),
        (
            ANNEX_IV,
            "IV(2)",
            "detailed description of elements and development: third-party "
            "pre-trained parts, design choices, data (datasheets), human oversight, validation and "
            "testing, cybersecurity",
            "partial",
            f"{b['provenance']}; {b['card']}; {b['data_config']}; {b['datasheet']}; "
            f"{b['measurements']}",
            "training compute and energy of the base weights; design "
            "rationale of the threshold and triage head; " + (not_measured or "no other gap"),
        ),
        (
            ANNEX_IV,
            "IV(3)",
            "monitoring, functioning and control: capabilities, limits, "
            "accuracy for the persons or groups concerned, foreseeable unintended outcomes",
            "partial" if h else "gap",
            f"{b['measurements']} ({thr})",
            "no production monitoring data yet; accuracy per user group not measured",
        ),
        (
            ANNEX_IV,
            "IV(4)",
            "why the chosen performance metrics are appropriate",
            "partial",
            f"{b['register']} (metric and threshold per risk)",
            "the evaluation set is small and written by the developers; no user study",
        ),
        (
            ANNEX_IV,
            "IV(5)",
            "the risk management system (Art. 9)",
            "partial",
            b["register"],
            "a register is not a process: no review cycle, acceptance criteria or sign-off",
        ),
        (
            ANNEX_IV,
            "IV(6)",
            "relevant changes made over the lifecycle",
            "gap",
            "",
            "no change log; only hashes and versions in evidence.json and the request log",
        ),
        (
            ANNEX_IV,
            "IV(7)",
            "harmonised standards or other specifications applied",
            "gap",
            "",
            "no standard applied or named",
        ),
        (
            ANNEX_IV,
            "IV(8)",
            "copy of the EU declaration of conformity",
            "gap",
            "",
            "no conformity assessment was done; a technical audit cannot declare conformity",
        ),
        (
            ANNEX_IV,
            "IV(9)",
            "post-market monitoring plan (Art. 72)",
            "gap",
            f"{b['register']} (proposed monitoring metrics only)",
            "no plan: who monitors, how often, escalation and reporting of incidents",
        ),
        (
            ARTICLES,
            "Art. 10",
            "data governance: origin, preparation, examination for bias, gaps in the data",
            "partial",
            f"{b['provenance']}; {b['datasheet']}; {b['cleaning']}"
            + ("; bias in " + b["measurements"] if f.get("bias") else ""),
            f"licence and consent of the tweets unknown ({high if high is not None else '?'} "
            "high-severity findings)" + ("" if f.get("bias") else "; bias not measured"),
        ),
        (
            ARTICLES,
            "Art. 12",
            "automatic recording of events (logs) over the system's lifetime",
            "partial" if has_log else "gap",
            b["log"] if has_log else "",
            "no timestamps or retention period; raw question text is personal data"
            if has_log
            else "no request log sample: the assistant was not run",
        ),
        (
            ARTICLES,
            "Art. 13",
            "transparency and instructions for use for deployers",
            "gap",
            f"{b['card']} (base model card only)",
            "no instructions for use of the assistant itself (purpose, limits, oversight)",
        ),
        (
            ARTICLES,
            "Art. 15",
            "accuracy, robustness and cybersecurity, declared and tested",
            "evidence" if not missing else "partial" if measured else "gap",
            f"{b['measurements']} ({', '.join(measured) or 'none'})",
            not_measured,
        ),
        (
            NIST,
            "GOVERN",
            "policies, roles and accountability for AI risk",
            "partial",
            f"{b['register']} (owner per risk)",
            "no policy, no risk tolerance set by leadership",
        ),
        (
            NIST,
            "MAP",
            "context, intended use, components and their risks are mapped",
            "evidence",
            f"{b['spec']}; {b['provenance']}",
            "",
        ),
        (
            NIST,
            "MEASURE",
            "risks are measured with stated methods and thresholds",
            "evidence" if not missing else "partial" if measured else "gap",
            f"{b['measurements']}; {b['register']}",
            not_measured,
        ),
        (
            NIST,
            "MANAGE",
            "risks are prioritised, treated and monitored",
            "partial",
            f"{b['register']} (controls)",
            "controls are proposed, not yet verified in operation",
        ),
    ]
    return rows


def regulatory_map(measurements: Mapping[str, Any] | None = None, *, has_log: bool = True) -> Any:
    """Map EU AI Act Annex IV (1)-(9), Articles 10/12/13/15 and NIST AI RMF's four functions
    to evidence in the audit bundle, or to a stated gap.

    Args:
        measurements: the figures from :func:`~mlliteracy.audit.register.summarise_measurements`
            (sections left out turn into "not measured" in the rows that need them).
        has_log: whether the bundle holds a request log sample.

    Returns:
        DataFrame with :data:`COLUMNS`, 17 rows, ``status`` in :data:`STATUSES`.

    Example:
        >>> gaps = mll.regulatory_map(figures).query("status == 'gap'")
    """
    import pandas as pd

    figures = {} if measurements is None else measurements
    if not isinstance(figures, Mapping):
        raise MLLError(
            f"measurements is {type(figures).__name__}; pass the dict from "
            "mll.summarise_measurements(...) or None"
        )
    return pd.DataFrame(_rows(figures, bool(has_log)), columns=COLUMNS)

"""Regulatory mapping: EU AI Act Annex IV and Articles 10/12/13/15/50(1), NIST AI RMF functions.

Each requirement (in this project's own words; the sources are Regulation (EU) 2024/1689 and
NIST AI 100-1, "AI RMF 1.0") is mapped to the evidence the audit bundle holds (a file, a measured
figure, a card section) or marked ``gap`` with what is missing. ``partial`` means there is
evidence but something named is still missing. Gaps are stated, never papered over: a
technical audit cannot produce a declaration of conformity or a list of applied standards.
Annex IV and Art. 9-15 bind high-risk systems; for a system outside Annex III (see
:func:`~mlliteracy.audit.ai_act.ai_act_tier`) the mapping is best practice, while Art. 50(1)
binds any system people talk to.
The requirements, evidence and gaps are worded in ``assets/regulation.yaml``; the code fills in
the paths of the bundle and what was measured.

Example:
    >>> mll.regulatory_map(figures).query("status == 'gap'")
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._core.errors import MLLError
from .._core.offline import asset_error, fill, load_asset

if TYPE_CHECKING:
    import pandas as pd

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
#: the sections of the measurements that the rows report as measured or not
MEASURED = ("hallucination", "bias", "pii", "membership", "robustness", "supply_chain")
#: the figures of the hallucination section that the rows quote
RATES = ("threshold", "hallucination_rate", "wrong_rate")
ASSET = "regulation.yaml"


def _m(figures: Mapping[str, Any], section: str, key: str) -> Any:
    return (figures.get(section) or {}).get(key)


def _values(f: Mapping[str, Any], has_log: bool, phrases: Mapping[str, str]) -> dict[str, Any]:
    """What the asset's placeholders stand for: bundle paths and sentences from the figures."""
    h = f.get("hallucination") or {}
    measured = [s for s in MEASURED if f.get(s)]
    missing = [s for s in MEASURED if not f.get(s)]
    high = _m(f, "provenance", "high_findings")
    not_measured = (
        fill(phrases["not_measured"], {"sections": ", ".join(missing)}, ASSET) if missing else ""
    )
    return {
        **BUNDLE,
        "not_measured": not_measured,
        "not_measured_or_no_other_gap": not_measured or phrases["no_other_gap"],
        "measured": ", ".join(measured) or phrases["nothing_measured"],
        "measured_status": "evidence" if not missing else "partial" if measured else "gap",
        "accuracy_status": "partial" if measured else "gap",
        "not_measured_suffix": f"; {not_measured}" if not_measured else "",
        "hallucination_status": "partial" if h else "gap",
        "hallucination": fill(phrases["hallucination"], {k: h.get(k) for k in RATES}, ASSET)
        if h
        else phrases["hallucination_not_measured"],
        "high": high if high is not None else phrases["high_unknown"],
        "bias_evidence": fill(phrases["bias_evidence"], BUNDLE, ASSET) if f.get("bias") else "",
        "bias_missing": "" if f.get("bias") else phrases["bias_not_measured"],
        "log_status": "partial" if has_log else "gap",
        "log_evidence": BUNDLE["log"] if has_log else "",
        "log_missing": phrases["log_missing"] if has_log else phrases["no_log"],
    }


def _rows(f: Mapping[str, Any], has_log: bool) -> list[tuple[str, ...]]:
    """The clauses of ``assets/regulation.yaml``, filled in from the figures, as row tuples."""
    raw = load_asset(ASSET)
    try:
        values = _values(f, has_log, raw["phrases"])
        clauses = [(str(fw["name"]), c) for fw in raw["frameworks"] for c in fw["clauses"]]
        rows = [(name, *fill([c[k] for k in COLUMNS[1:]], values, ASSET)) for name, c in clauses]
        bad = [f"{r[1]}: {r[3]!r}" for r in rows if r[3] not in STATUSES]
        if bad:
            raise ValueError(f"status {bad[0]} is not one of {list(STATUSES)}")
    except (KeyError, TypeError, ValueError) as err:
        raise asset_error(ASSET, err) from err
    return rows


def regulatory_map(
    measurements: Mapping[str, Any] | None = None, *, has_log: bool = True
) -> pd.DataFrame:
    """Map EU AI Act Annex IV (1)-(9), Articles 10/12/13/15/50(1) and NIST AI RMF's functions
    to evidence in the audit bundle, or to a stated gap.

    Args:
        measurements: the figures from :func:`~mlliteracy.audit.register.summarise_measurements`
            (sections left out turn into "not measured" in the rows that need them).
        has_log: whether the bundle holds a request log sample.

    Returns:
        DataFrame with :data:`COLUMNS`, 18 rows, ``status`` in :data:`STATUSES`.

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

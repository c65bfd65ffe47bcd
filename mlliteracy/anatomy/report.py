"""Structure recognition (family, major blocks) and the one-page Markdown autopsy report.

The report has two parts: one page in a product manager's words (what the model is, the
memory and compute it needs, what that means for latency and price) and an engineer appendix
(blocks, heaviest layers, roofline verdict, shared weights).

Example:
    >>> print(mll.autopsy(model, x).report(price=0.10))
"""

from __future__ import annotations

from typing import Any

from ..cost.pricing import as_price, cost_per_1k_requests

#: Ridge point used for the verdict: an illustrative CPU with ~185 GFLOP/s fp32 GEMM peak (measured
#: on this project's 2-core machines) and ~20 GB/s memory bandwidth -> ~9 FLOPs per byte.
RIDGE_FLOPS_PER_BYTE = 9.0
#: Sustained compute assumed for the lower-bound time in the report (illustrative).
ASSUMED_FLOPS_PER_S = 100e9
#: The architecture family in a product manager's words.
FAMILY_WORDS = {
    "CNN": "A convolutional neural network (CNN), the usual design for images",
    "transformer encoder": "A transformer encoder, the usual design for understanding text "
    "(search, classification, embeddings)",
    "transformer decoder": "A transformer decoder, the design that generates text "
    "(chat assistants, autocomplete)",
    "transformer encoder-decoder": "A transformer encoder-decoder, the usual design for "
    "turning one text into another (translation, summaries)",
    "RNN": "A recurrent neural network, which reads a sequence one step at a time",
    "MLP": "A small fully connected neural network",
    "other": "A neural network",
}
#: What the roofline verdict means, without the roofline (hedged: the ridge is illustrative).
MEMORY_BOUND_WORDS = (
    "Most of that time will probably go to moving numbers through memory rather than to "
    "arithmetic: serving several requests per call (batching) or a smaller number format "
    "usually helps more than a faster processor."
)
COMPUTE_BOUND_WORDS = (
    "The arithmetic itself is probably the main cost: a processor with more arithmetic power "
    "(more cores, a GPU) or lower-precision arithmetic (int8) usually speeds it up most."
)


def shape_text(shape: Any) -> str:
    """``(1, 3, 224, 224)`` -> ``1x3x224x224``; dicts and tuples of shapes spelled out."""
    if isinstance(shape, dict):
        return ", ".join(f"{k}: {shape_text(v)}" for k, v in shape.items())
    if isinstance(shape, (tuple, list)) and shape and all(isinstance(d, int) for d in shape):
        return "x".join(str(d) for d in shape)
    if isinstance(shape, (tuple, list)):
        return ", ".join(shape_text(s) for s in shape) or "()"
    return str(shape)


def family_of(model: Any) -> str:
    """Recognise the architecture family from the module types in ``model``."""
    from torch import nn

    modules = list(model.modules())
    names = [type(m).__name__ for m in modules]
    config = getattr(model, "config", None)
    attention = any(
        isinstance(
            m, (nn.MultiheadAttention, nn.TransformerEncoderLayer, nn.TransformerDecoderLayer)
        )
        for m in modules
    ) or any("Attention" in n for n in names)
    if attention:
        if getattr(config, "is_encoder_decoder", False) or isinstance(model, nn.Transformer):
            return "transformer encoder-decoder"
        decoder = (
            bool(getattr(config, "is_decoder", False))
            or _causal_only(getattr(config, "model_type", None))
            or any("Decoder" in n or "CausalLM" in n or "LMHead" in n for n in names)
        )
        return "transformer decoder" if decoder else "transformer encoder"
    if any(isinstance(m, nn.RNNBase) for m in modules):
        return "RNN"
    if any(isinstance(m, nn.modules.conv._ConvNd) for m in modules):
        return "CNN"
    if any(isinstance(m, nn.Linear) for m in modules):
        return "MLP"
    return "other"


def _causal_only(model_type: Any) -> bool:
    """A transformers model type that has a causal-LM head but no masked-LM head (GPT-2, Llama)."""
    if not isinstance(model_type, str):
        return False
    try:
        from transformers.models.auto import modeling_auto as auto
    except ImportError:
        return False
    causal = getattr(auto, "MODEL_FOR_CAUSAL_LM_MAPPING_NAMES", {})
    masked = getattr(auto, "MODEL_FOR_MASKED_LM_MAPPING_NAMES", {})
    return model_type in causal and model_type not in masked


def _subtree(name: str, module: Any, trace: Any) -> tuple[int, int]:
    params = sum(p.numel() for p in module.parameters())
    prefix = f"{name}."
    flops = sum(s.flops for n, s in trace.modules.items() if n == name or n.startswith(prefix))
    return params, flops


def major_blocks(model: Any, trace: Any, total_flops: int) -> list[dict[str, Any]]:
    """Major blocks: the top-level children, opening any child that holds most of the compute.

    ResNet gives ``layer1..layer4``; BERT gives ``embeddings, encoder.layer.0..11, pooler``.
    """
    level = [(n, m) for n, m in model.named_children()]
    for _ in range(5):
        if not level:
            break
        sizes = [_subtree(n, m, trace) for n, m in level]
        key = 1 if total_flops else 0
        whole = sum(s[key] for s in sizes)
        biggest = max(range(len(level)), key=lambda i: sizes[i][key])
        name, module = level[biggest]
        kids = [(f"{name}.{n}", m) for n, m in module.named_children()]
        if not kids or 2 * sizes[biggest][key] < whole or len(level) > 32:
            break
        level = level[:biggest] + kids + level[biggest + 1 :]
    blocks = []
    for name, module in level:
        params, flops = _subtree(name, module, trace)
        if params or flops:
            share = flops / total_flops if total_flops else 0.0
            blocks.append(
                {
                    "name": name,
                    "type": type(module).__name__,
                    "params": params,
                    "flops": flops,
                    "share": share,
                }
            )
    return blocks


def _human(n: float, unit: str = "") -> str:
    for factor, suffix in [(1e12, " T"), (1e9, " G"), (1e6, " M"), (1e3, " k")]:
        if abs(n) >= factor:
            return f"{n / factor:,.2f}{suffix}{unit}"
    return f"{n:,.0f} {unit}".rstrip()


def plain_count(n: float) -> str:
    """A count in words for non-specialists: ``2_540_000`` -> ``2.54 million``."""
    for factor, word in [(1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "thousand")]:
        if abs(n) >= factor:
            return f"{n / factor:.3g} {word}"
    return f"{n:,.0f}"


def plain_duration(seconds: float) -> str:
    """``0.0012`` -> ``1.2 ms``; microseconds and seconds where they read better."""
    if seconds >= 1:
        return f"{seconds:.3g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def _megabytes(n: float) -> str:
    return f"{n / 1e6:,.3g} MB" if n >= 1e5 else f"{n / 1e3:,.3g} kB"


def _kind(family: str) -> str:
    return FAMILY_WORDS.get(family, FAMILY_WORDS["other"])


def render_report(rep: Any, price: Any = None) -> str:
    """The one-page Markdown report (see ``AutopsyReport.report``): a page in a product
    manager's words, then an engineer appendix with the blocks, layers and roofline terms."""
    return _pm_page(rep, price) + "\n---\n\n" + _appendix(rep)


def _pm_page(rep: Any, price: Any) -> str:
    sizes = rep.size_bytes
    floor_s = rep.flops / ASSUMED_FLOPS_PER_S
    per_second = ASSUMED_FLOPS_PER_S / rep.flops if rep.flops else 0.0
    memory_bound = rep.intensity < RIDGE_FLOPS_PER_BYTE
    lines = [
        f"# Autopsy report: {rep.name}",
        "",
        "*For product decisions; the engineer appendix at the end holds the details.*",
        "",
        "## What it is",
        f"- {_kind(rep.family)}. It stores **{plain_count(rep.params)}** learned numbers "
        "(its parameters, or weights).",
        f"- One request, as measured here, is an input of shape `{shape_text(rep.input_shape)}`;"
        f" the answer has shape `{shape_text(rep.output_shape)}`.",
        "",
        "## What it needs",
        f"- **Memory for the model:** {_megabytes(sizes['fp32'])} at full precision (fp32), "
        f"{_megabytes(sizes['fp16'])} at half precision (fp16), {_megabytes(sizes['int8'])} at "
        "8 bits (int8). Every running copy (each server, or each phone for an app that runs "
        "on the device) holds this in memory.",
        f"- **Working memory per request:** up to {_megabytes(rep.activation_bytes)} more for "
        "the intermediate results (less where the server frees them as it goes).",
        f"- **Compute per request:** about **{plain_count(rep.flops)}** arithmetic operations "
        "(FLOPs).",
        "",
        "## What it means for latency",
        f"- A machine sustaining an illustrative {plain_count(ASSUMED_FLOPS_PER_S)} operations "
        "per second (roughly a small two-core cloud server) needs at least "
        f"**{plain_duration(floor_s)}** of pure arithmetic per request. Real latency is higher "
        "(reading the input, moving data, the serving software): measure it before promising "
        "a number.",
        "- " + (MEMORY_BOUND_WORDS if memory_bound else COMPUTE_BOUND_WORDS),
        "- Bigger inputs (longer texts, larger images) cost more compute and more time.",
        "",
        "## What it means for price",
        f"- Cost grows with the compute per request: at that rate one such machine serves at "
        f"most **{plain_count(per_second)}** requests per second from arithmetic alone.",
    ]
    chosen = as_price(price, "price", optional=True)
    if chosen is None:
        lines.append(
            "- Pass your machine's hourly price (`report(price=0.10)`, dollars per hour) to see "
            "the lowest possible cost per million requests."
        )
    else:
        per_million = cost_per_1k_requests(chosen.usd_per_hour, per_second) * 1000
        whose = "an illustrative price, check today's" if chosen.illustrative else "your price"
        lines.append(
            f"- At ${chosen.usd_per_hour:g} per hour ({chosen.name}; {whose}) that is at least "
            f"**${per_million:.3g} per million requests**. The real cost is higher: measure "
            "throughput before quoting."
        )
    return "\n".join(lines) + "\n"


def _appendix(rep: Any) -> str:
    lines = [
        "## Engineer appendix",
        "",
        "### What it is",
        f"- Architecture family: **{rep.family}**, {len(rep.blocks)} major blocks.",
        f"- Parameters: **{rep.params:,}** ({_human(rep.params)}), "
        f"{rep.trainable_params:,} trainable.",
        f"- Input: `{shape_text(rep.input_shape)}`; output: `{shape_text(rep.output_shape)}`.",
        "",
        "### Where the compute and the parameters sit",
        f"- One forward pass on this input: **{_human(rep.flops, 'FLOPs')}** "
        f"({_human(rep.macs, 'MACs')}; 1 MAC = 2 FLOPs).",
        "",
        "| block | type | params | share of params | share of compute |",
        "|---|---|---:|---:|---:|",
    ]
    by_flops = sorted(rep.blocks, key=lambda b: -b.flops)
    by_params = sorted(rep.blocks, key=lambda b: -b.params)
    shown = {b.name for b in by_flops[:6]} | {b.name for b in by_params[:2]}
    for b in (b for b in by_flops if b.name in shown):
        pshare = b.params / rep.params if rep.params else 0.0
        lines.append(f"| {b.name} | {b.type} | {b.params:,} | {pshare:.1%} | {b.share:.1%} |")
    if len(rep.blocks) > len(shown):
        lines.append(f"| ({len(rep.blocks) - len(shown)} more blocks) | | | | |")
    top = sorted(rep.layers, key=lambda r: -r.flops)[:3]
    lines += [
        "",
        "Heaviest single layers: "
        + "; ".join(f"`{r.name}` ({r.type}, {r.share:.1%})" for r in top if r.flops)
        + ".",
        "",
        "### Memory",
        "- Weights: "
        + ", ".join(f"{_human(v, 'B')} in {k}" for k, v in rep.size_bytes.items())
        + ".",
        f"- Activations for this input (all layer outputs): {_human(rep.activation_bytes, 'B')}.",
        "",
        "### Compute-intensity verdict",
    ]
    ai = rep.intensity
    bound = "compute-bound" if ai >= RIDGE_FLOPS_PER_BYTE else "memory-bound"
    advice = (
        "faster arithmetic (more cores, a GPU, int8) helps most"
        if bound == "compute-bound"
        else "moving fewer bytes (batching requests, smaller weights) helps more than more cores"
    )
    floor_ms = rep.flops / ASSUMED_FLOPS_PER_S * 1e3
    lines += [
        f"- Arithmetic intensity: **{ai:,.1f} FLOPs per byte** moved; a typical CPU's ridge "
        f"point is ~{RIDGE_FLOPS_PER_BYTE:.0f}, so this model is **{bound}** at this input "
        f"size: {advice}.",
        f"- At an illustrative sustained {ASSUMED_FLOPS_PER_S / 1e9:.0f} GFLOP/s, one request "
        f"needs at least {floor_ms:.3g} ms of compute; measure before promising latency.",
        "",
        "### Shared weights",
    ]
    lines += [f"- {s}" for s in rep.shared] or ["- None: every parameter is used by one layer."]
    lines += [
        "",
        "### Caveats",
        "- Counts are for the input shape above; longer sequences or larger images cost more.",
        "- FLOPs cover convolutions, matrix multiplies and attention; element-wise work "
        "(activations, normalisation, softmax) is small and not counted.",
    ]
    return "\n".join(lines) + "\n"

"""Side-by-side checks of the sentiment service: do the variants agree, and what would a
smaller or larger encoder cost?

Example:
    >>> mll.agreement_table(mll.pipeline_steps(clf, workdir), texts)
    >>> mll.encoder_options(texts, repeats=5)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core.checks import check_texts
from .._core.errors import MLLError
from ..models.minilm import MAX_TOKENS, shared_encoder, shared_tokenizer
from ..models.zoo import load_model
from .pipeline import SentimentPipeline
from .profilers import release_memory
from .timing import measure_latency

#: encoders to compare for the "smaller / larger model" option (random init except MiniLM)
ENCODERS = ("minilm", "distilbert", "bert-base")


def _random_encoder(name: str, seed: int) -> Any:

    return load_model(name, seed=seed).model


def _encode_for(name: str, tokenizer: Any, text: str) -> dict[str, Any]:
    enc = dict(tokenizer([text], truncation=True, max_length=MAX_TOKENS, return_tensors="pt"))
    if name == "distilbert":
        enc.pop("token_type_ids", None)  # DistilBERT has no segment embeddings
    return enc


def encoder_options(
    texts: Sequence[str], repeats: int = 10, seed: int = 0, encoders: Sequence[str] = ENCODERS
):
    """Latency of MiniLM vs DistilBERT- and BERT-base-sized encoders on the same requests.

    DistilBERT and BERT-base are built from their configs with random weights (``seed``):
    their timings are real, their predictions are meaningless, so no accuracy is given.

    Returns:
        DataFrame: encoder, weights, params, layers, hidden, p50_ms (batch 1, inference mode).
    """
    import torch

    texts = check_texts(texts)
    unknown = [e for e in encoders if e not in ENCODERS]
    if unknown or not encoders or encoders[0] != "minilm":
        raise MLLError(f"encoders={tuple(encoders)!r}: start with 'minilm', pick from {ENCODERS}")
    tokenizer = shared_tokenizer()
    rows = []
    for name in encoders:
        model = shared_encoder()[1] if name == "minilm" else _random_encoder(name, seed)
        feeds = [_encode_for(name, tokenizer, t) for t in texts]

        def forward(enc: Any, model: Any = model) -> Any:
            with torch.inference_mode():
                return model(**enc).last_hidden_state

        stats = measure_latency(forward, feeds, warmup=2, repeats=repeats, name=name)
        cfg = model.config
        rows.append(
            {
                "encoder": name,
                "weights": "pretrained" if name == "minilm" else "random init (timing only)",
                "params": sum(p.numel() for p in model.parameters()),
                "layers": getattr(cfg, "num_hidden_layers", None) or getattr(cfg, "n_layers", None),
                "hidden": getattr(cfg, "hidden_size", None) or getattr(cfg, "dim", None),
                "p50_ms": round(stats.p50_ms, 2),
            }
        )
        del model, forward  # a random-init encoder is hundreds of MB: free it before the next
        release_memory(models=name == "minilm")  # one encoder in memory at a time
    import pandas as pd

    df = pd.DataFrame(rows)
    df["slowdown_vs_minilm"] = (df["p50_ms"] / df["p50_ms"].iloc[0]).round(2)
    return df


def agreement_table(
    pipelines: dict[str, SentimentPipeline], texts: Sequence[str], reference: str | None = None
):
    """Do the variants answer like the reference (default: the first)? Labels and scores.

    Returns:
        DataFrame: variant, requests, same_label (count), max_score_diff, scores_match
        (max difference below 1e-4).
    """
    import pandas as pd

    texts = check_texts(texts)
    if not pipelines:
        raise MLLError("pipelines is empty: pass e.g. mll.pipeline_steps(clf, workdir)")
    names = list(pipelines)
    ref_name = reference or names[0]
    if ref_name not in pipelines:
        raise MLLError(f"reference={ref_name!r} is not one of {names}")
    release_memory(models=False)  # start on a trimmed heap: a naive variant needs room
    ref = pipelines[ref_name].predict_proba(texts)
    rows = []
    for name in names:
        probs = ref if name == ref_name else pipelines[name].predict_proba(texts)
        release_memory(models=False)  # a naive variant leaves freed pages of its model copies
        diff = float(np.abs(probs - ref).max())
        rows.append({
            "variant": name,
            "requests": len(texts),
            "same_label": int((probs.argmax(1) == ref.argmax(1)).sum()),
            "max_score_diff": diff,
            "scores_match": diff < 1e-4,
        })  # fmt: skip
    return pd.DataFrame(rows)

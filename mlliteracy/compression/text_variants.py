"""The MiniLM sentiment service as cost variants: fp32 torch, ONNX Runtime, int8, fewer layers,
pruned. Each is a :class:`~mlliteracy.compression.quantize.Variant` over texts, so
:func:`~mlliteracy.compression.tradeoffs.measure_variants` and ``recommend`` treat it like the
digits variants: accuracy on held-out tweets, batch-1 latency on one thread, bytes on disk.

Example:
    >>> task = mll.sentiment_task(n_train=1000, n_test=400)
    >>> int8 = mll.minilm_variant(task, workdir, "int8 (ORT)", runtime="onnx-int8")
    >>> table = mll.measure_variants([mll.minilm_variant(task, workdir, "fp32"), int8], task)
"""

from __future__ import annotations

import copy
import numbers
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._core.checks import check_texts
from .._core.errors import MLLError
from ..anatomy.autopsy import autopsy
from ..latency.pipeline import export_pooled_onnx, quantize_onnx_int8
from ..models.minilm import EMBED_TOKENS, mean_pool, shared_encoder
from ..models.sentiment import SentimentClassifier, sample_split, train_sentiment, tweet_splits
from .pruning import prune_unstructured
from .quantize import Variant, count_params, file_stem

#: Runtimes :func:`minilm_variant` builds.
TEXT_RUNTIMES = ("torch", "onnx", "onnx-int8")
#: Layers of all-MiniLM-L6-v2.
MINILM_LAYERS = 6
#: Texts per forward pass inside ``predict`` (dynamic padding within each chunk).
CHUNK = 32


@dataclass(frozen=True, eq=False)
class TextTask:
    """Sampled tweets to train heads on and to score variants with, and the fp32 head."""

    classes: tuple[str, ...]
    X_train: list[str] = field(repr=False)
    y_train: np.ndarray = field(repr=False)
    X_test: list[str] = field(repr=False)
    """Held-out tweets: ``measure_variants`` scores every variant on them."""
    y_test: np.ndarray = field(repr=False)
    head: SentimentClassifier = field(repr=False)
    """Logistic head trained on the fp32 encoder's embeddings of ``X_train``."""
    seed: int = 0

    def __repr__(self) -> str:
        return (
            f"TextTask(classes={list(self.classes)}, train={len(self.X_train)}, "
            f"test={len(self.X_test)}, seed={self.seed})"
        )


def sentiment_task(n_train: int = 1000, n_test: int = 400, seed: int = 0) -> TextTask:
    """The tweets and fp32 head of ``mll.train_sentiment(n_train, n_test, seed)``, kept together.

    Example:
        >>> mll.sentiment_task(n_train=1000, n_test=400).head.metrics.accuracy
    """
    head = train_sentiment(n_train=n_train, n_test=n_test, seed=seed)
    splits = tweet_splits(seed)
    x_train, y_train = sample_split(*splits["train"], n_train, seed)
    x_test, y_test = sample_split(*splits["test"], n_test, seed + 1)
    return TextTask(head.classes, x_train, y_train, x_test, y_test, head, seed)


def drop_layers(model: Any, keep: int) -> Any:
    """A copy of a transformers encoder with only its first ``keep`` layers (no fine-tune)."""
    layers = model.encoder.layer
    if isinstance(keep, bool) or not isinstance(keep, int) or not 1 <= keep <= len(layers):
        raise MLLError(f"layers={keep!r} is not valid; pass an integer from 1 to {len(layers)}")
    small = copy.deepcopy(model).eval()
    small.encoder.layer = small.encoder.layer[:keep]
    small.config.num_hidden_layers = keep
    return small


def minilm_variant(
    task: TextTask,
    workdir: str | Path,
    name: str,
    *,
    layers: int = MINILM_LAYERS,
    runtime: str = "torch",
    per_channel: bool = False,
    prune: float = 0.0,
    own_head: bool | None = None,
) -> Variant:
    """One version of the MiniLM sentiment service as a :class:`Variant` over texts.

    Quantised and pruned encoders keep the fp32 head (post-training compression: nothing is
    retrained); an encoder with fewer layers computes different embeddings, so by default it
    gets its own head, trained on its own embeddings of ``task.X_train`` (hard labels only).

    Args:
        task: from :func:`sentiment_task`.
        workdir: a folder for the ONNX files.
        name: label for tables (also the file name).
        layers: keep the first ``layers`` of MiniLM's 6 (fewer layers = a smaller student).
        runtime: ``"torch"`` (fp32), ``"onnx"`` (ONNX Runtime fp32) or ``"onnx-int8"``
            (dynamic int8).
        per_channel: int8 only: one weight scale per output channel instead of per tensor.
        prune: share of each linear weight zeroed by magnitude (torch runtime only).
        own_head: train a new head on this encoder's embeddings (default: only when
            ``layers`` < 6).

    Example:
        >>> mll.minilm_variant(task, workdir, "3 layers (int8)", layers=3, runtime="onnx-int8")
    """
    if not isinstance(task, TextTask):
        raise MLLError(f"task={type(task).__name__}: pass the result of mll.sentiment_task()")
    workdir = Path(workdir)
    if not workdir.is_dir():
        raise MLLError(f"workdir={str(workdir)!r} is not a folder: create it (e.g. a temp dir)")
    if not isinstance(name, str) or not name.strip():
        raise MLLError(f"name={name!r} is not a label; pass a short string such as 'int8'")
    if runtime not in TEXT_RUNTIMES:
        raise MLLError(f"runtime={runtime!r} is unknown: use one of {TEXT_RUNTIMES}")
    if per_channel and runtime != "onnx-int8":
        raise MLLError("per_channel=True needs runtime='onnx-int8' (it is an int8 setting)")
    ok = isinstance(prune, numbers.Real) and not isinstance(prune, bool)
    if not ok or not 0.0 <= float(prune) < 1.0:
        raise MLLError(f"prune={prune!r} is not valid; pass a share in [0, 1) such as 0.5")
    if prune and runtime != "torch":
        raise MLLError("prune needs runtime='torch': dense ONNX files store the zeros anyway")
    tokenizer, model = shared_encoder()
    if layers != MINILM_LAYERS:
        model = drop_layers(model, layers)
    if prune:
        model, _ = prune_unstructured(model, float(prune))
    if own_head is None:
        own_head = layers != MINILM_LAYERS
    stem = workdir / (f"minilm-{layers}-layers" if not prune else file_stem(name))
    embed, save = _backend(model, tokenizer, stem, runtime, per_channel)
    head = _own_head(embed, task) if own_head else task.head
    technique = _technique(layers, prune, runtime)
    runtime_text = {
        "torch": "torch float32",
        "onnx": "onnxruntime fp32",
        "onnx-int8": f"onnxruntime int8 (per-{'channel' if per_channel else 'tensor'})",
    }[runtime]

    def predict(X: Any) -> np.ndarray:
        texts = check_texts(X)
        return np.concatenate(
            [head.scores(embed(texts[i : i + CHUNK])) for i in range(0, len(texts), CHUNK)]
        )

    params, nonzero = count_params(model)
    head_params = int(head.weight.size + head.bias.size)
    flops = _flops(model, tokenizer, task.X_test) + 2 * int(head.weight.size)
    return Variant(
        name, technique, predict, save, params + head_params, nonzero + head_params, flops,
        runtime_text, model if runtime == "torch" else None,
    )  # fmt: skip


def _technique(layers: int, prune: float, runtime: str) -> str:
    if layers != MINILM_LAYERS:
        return "layer dropping"
    if prune:
        return "pruning"
    return {"torch": "baseline", "onnx": "runtime", "onnx-int8": "quantisation"}[runtime]


def _backend(model: Any, tokenizer: Any, stem: Path, runtime: str, per_channel: bool):
    """(embed texts -> (n, 384) array, save folder -> file) for one runtime."""
    import torch

    def tokens(texts: list[str], kind: str) -> Any:
        return tokenizer(
            texts, padding=True, truncation=True, max_length=EMBED_TOKENS, return_tensors=kind
        )

    if runtime == "torch":

        def embed(texts: list[str]) -> np.ndarray:
            enc = tokens(texts, "pt")
            with torch.inference_mode():
                hidden = model(**enc).last_hidden_state
                return mean_pool(hidden, enc["attention_mask"]).numpy()

        def save(folder: Path) -> Path:
            from safetensors.torch import save_file

            path = Path(folder) / f"{stem.name}.safetensors"
            state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
            save_file(state, str(path))
            return path

        return embed, save
    import onnxruntime as ort

    path = stem.with_name(stem.name + ".onnx")
    if not path.exists():  # variants of one encoder share its export
        export_pooled_onnx(model, tokenizer, path)
    if runtime == "onnx-int8":
        q8 = stem.with_name(f"{stem.name}-int8-per-{'channel' if per_channel else 'tensor'}.onnx")
        path = q8 if q8.exists() else quantize_onnx_int8(path, q8, per_channel)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    def embed(texts: list[str]) -> np.ndarray:
        enc = tokens(texts, "np")
        feeds = {k: enc[k].astype(np.int64) for k in ("input_ids", "attention_mask")}
        return session.run(None, feeds)[0]

    def save(folder: Path) -> Path:
        out = Path(folder) / path.name
        out.write_bytes(path.read_bytes())
        return out

    return embed, save


def _own_head(embed: Any, task: TextTask) -> SentimentClassifier:
    from sklearn.linear_model import LogisticRegression

    X = np.concatenate(
        [embed(task.X_train[i : i + CHUNK]) for i in range(0, len(task.X_train), CHUNK)]
    )
    fit = LogisticRegression(C=10.0, max_iter=2000).fit(X, task.y_train)
    return SentimentClassifier(
        task.classes, fit.coef_.astype(np.float32), fit.intercept_.astype(np.float32)
    )


def _flops(model: Any, tokenizer: Any, texts: list[str]) -> int:
    """Encoder FLOPs of one request at the median token count of ``texts``."""
    ids = tokenizer(texts, truncation=True, max_length=EMBED_TOKENS)["input_ids"]
    lengths = [len(row) for row in ids]
    median = texts[int(np.argsort(lengths)[len(lengths) // 2])]
    enc = dict(tokenizer([median], return_tensors="pt"))
    return int(autopsy(model, enc).flops)

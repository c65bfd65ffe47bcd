"""The sentiment service's request path, from naive to optimised, one fix at a time.

A :class:`SentimentPipeline` turns texts into labels with a :class:`SentimentClassifier`.
Its switches reproduce mistakes real services make (reloading the model per request, padding to
512 tokens, autograd left on, Python-loop post-processing with needless conversions, logging
in the hot path) and the fixes (load once, dynamic padding, inference mode, vectorised
post-processing, batching, ONNX Runtime fp32 / dynamic int8).

Example:
    >>> steps = mll.pipeline_steps(clf, workdir)
    >>> steps["naive"].predict(["what a lovely day"])
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from .._core.checks import check_texts
from .._core.errors import MLLError
from ..models.minilm import MAX_TOKENS, load_encoder, mean_pool, shared_encoder, shared_tokenizer
from ..models.sentiment import SentimentClassifier
from .profilers import release_memory
from .timing import StageTimer

log = logging.getLogger("mlliteracy.latency.pipeline")
log.addHandler(logging.NullHandler())
log.propagate = False  # the hot-path logging below must never reach a notebook's stderr

BACKENDS = ("torch", "onnx", "onnx-int8")


@dataclass(frozen=True)
class PipelineOptions:
    """Which mistakes a pipeline makes (True = the slow way) and which backend it runs."""

    reload_per_request: bool = False
    """Re-create tokenizer and model from disk for every request."""
    pad_to_max: bool = False
    """Pad every request to 512 tokens instead of its own length."""
    autograd: bool = False
    """Run the forward pass without ``torch.inference_mode`` (builds an autograd graph)."""
    python_postprocess: bool = False
    """Pool and score in Python loops, with float64/list conversions and eager debug logging."""
    backend: str = "torch"
    """``"torch"``, ``"onnx"`` (ONNX Runtime fp32) or ``"onnx-int8"`` (dynamic int8)."""
    batch_size: int = 1
    """Texts per forward pass (1 = one request at a time)."""


class SentimentPipeline:
    """Texts -> labels and class probabilities, configured by :class:`PipelineOptions`.

    Example:
        >>> pipe = mll.SentimentPipeline(clf, mll.PipelineOptions(backend="onnx"), workdir)
        >>> pipe.predict(["great"])[0]["label"]
    """

    def __init__(
        self,
        classifier: SentimentClassifier,
        options: PipelineOptions | None = None,
        workdir: str | Path | None = None,
        name: str = "pipeline",
        timer: StageTimer | None = None,
        threads: int | None = None,
    ) -> None:
        if not isinstance(classifier, SentimentClassifier):
            raise MLLError(
                f"classifier={type(classifier).__name__}: pass the result of mll.train_sentiment"
            )
        options = options or PipelineOptions()
        if options.backend not in BACKENDS:
            raise MLLError(f"backend={options.backend!r} is unknown: use one of {BACKENDS}")
        if not isinstance(options.batch_size, int) or options.batch_size < 1:
            raise MLLError(f"batch_size={options.batch_size!r} must be a positive integer")
        if options.backend != "torch" and workdir is None:
            raise MLLError("workdir=None: ONNX backends need a folder for the exported model")
        self.classifier = classifier
        self.options = options
        self.name = name
        self.workdir = None if workdir is None else Path(workdir)
        self.timer = timer
        """When set, every request records its stages: load model, tokenize, forward,
        postprocess."""
        self._session = None
        if options.backend != "torch":
            int8 = options.backend == "onnx-int8"
            self._session = onnx_session(self.workdir, int8=int8, threads=threads)

    def __repr__(self) -> str:
        return f"SentimentPipeline({self.name!r}, {self.options})"

    # -- the request path ---------------------------------------------------------------

    def _encoder(self) -> tuple[Any, Any]:
        if self.options.reload_per_request:
            return load_encoder()  # the mistake: disk -> memory for every request
        return shared_encoder()

    def _tokenize(self, tokenizer: Any, texts: list[str], tensors: str) -> dict[str, Any]:
        padding = "max_length" if self.options.pad_to_max else True
        return tokenizer(
            texts, padding=padding, truncation=True, max_length=MAX_TOKENS, return_tensors=tensors
        )

    def _forward_torch(self, model: Any, enc: dict[str, Any]) -> Any:
        import torch

        if self.options.autograd:
            hidden = model(**enc).last_hidden_state
        else:
            with torch.inference_mode():
                hidden = model(**enc).last_hidden_state
        return hidden

    def _stage(self, name: str) -> Any:
        return self.timer.stage(name) if self.timer is not None else contextlib.nullcontext()

    def load(self) -> tuple[Any, Any]:
        """The "load model" stage: (tokenizer, model). With ``reload_per_request`` (the
        mistake) a fresh copy read from disk, else the process-wide one; ONNX backends need
        only the tokenizer (model ``None``)."""
        if self._session is not None:
            return shared_tokenizer(), None
        return self._encoder()

    def embed(self, texts: list[str]) -> np.ndarray:
        """Sentence embeddings for one batch of texts: :meth:`load`, then :meth:`embed_with`.

        Tokenize, forward and pool are written out rather than ``SentenceTransformer.encode``:
        the lesson times each stage on its own and switches each mistake on and off."""
        with self._stage("load model"):
            tokenizer, model = self.load()
        return self.embed_with(tokenizer, model, texts)

    def embed_with(self, tokenizer: Any, model: Any, texts: list[str]) -> np.ndarray:
        """The stages after the load (tokenize, forward, pool) with a given tokenizer and model
        (``model`` is ignored by the ONNX backends, which run their own session)."""
        if self._session is not None:
            with self._stage("tokenize"):
                enc = self._tokenize(tokenizer, texts, "np")
                feeds = {k: enc[k].astype(np.int64) for k in ("input_ids", "attention_mask")}
            with self._stage("forward"):
                return self._session.run(None, feeds)[0]
        with self._stage("tokenize"):
            enc = self._tokenize(tokenizer, texts, "pt")
        with self._stage("forward"):
            hidden = self._forward_torch(model, enc)
        with self._stage("postprocess"):
            if self.options.python_postprocess:
                return _slow_pool(hidden, enc["attention_mask"])
            import torch

            with torch.inference_mode():
                return mean_pool(hidden, enc["attention_mask"]).numpy()

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities (n, n_classes), processing ``batch_size`` texts per pass."""
        texts = check_texts(texts)
        bs = self.options.batch_size
        parts = []
        for i in range(0, len(texts), bs):
            emb = self.embed(texts[i : i + bs])
            with self._stage("postprocess"):
                if self.options.python_postprocess:
                    parts.append(_slow_scores(emb, self.classifier))
                else:
                    parts.append(self.classifier.scores(emb))
        return np.concatenate(parts)

    def predict(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        """One ``{"label", "score", "scores"}`` dict per text."""
        probs = self.predict_proba(texts)
        classes = self.classifier.classes
        out = []
        for row in probs:
            k = int(row.argmax())
            scores = {c: round(float(p), 6) for c, p in zip(classes, row, strict=True)}
            out.append({"label": classes[k], "score": round(float(row[k]), 6), "scores": scores})
        return out


def _slow_pool(hidden: Any, mask: Any) -> np.ndarray:
    """The naive way: float64 round trip, tensors to Python lists, loops, eager debug logging."""
    h = hidden.detach().to(dtype=hidden.dtype).double().cpu().numpy().tolist()
    m = mask.to("cpu").tolist()
    log.debug(f"hidden states: {h}")  # formatted even though debug is off
    out = []
    for seq, seq_mask in zip(h, m, strict=True):
        dim = len(seq[0])
        acc = [0.0] * dim
        n = 0
        for vec, keep in zip(seq, seq_mask, strict=True):
            if keep:
                n += 1
                for j in range(dim):
                    acc[j] += vec[j]
        mean = [a / max(n, 1) for a in acc]
        norm = max(sum(a * a for a in mean) ** 0.5, 1e-12)
        out.append([a / norm for a in mean])
    return np.array(out, dtype=np.float64)


def _slow_scores(emb: np.ndarray, clf: SentimentClassifier) -> np.ndarray:
    import math

    rows = []
    for e in emb.tolist():
        logits = []
        for w, b in zip(clf.weight.tolist(), clf.bias.tolist(), strict=True):
            logits.append(sum(x * y for x, y in zip(e, w, strict=True)) + b)
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        rows.append([v / sum(exps) for v in exps])
        log.info(f"scored request: logits={logits}")
    return np.array(rows, dtype=np.float32)


# ---------------------------------------------------------------- ONNX


def export_pooled_onnx(model: Any, tokenizer: Any, path: str | Path) -> Path:
    """Export a transformers encoder + :func:`mean_pool` to ONNX (dynamic batch and length).

    Args:
        model: a transformers encoder (MiniLM or a copy with fewer layers).
        tokenizer: its tokenizer (makes the example input the exporter traces).
        path: the ``.onnx`` file to write; its folder must exist.
    """
    import torch

    path = Path(path)
    if not path.parent.is_dir():
        raise MLLError(f"path={str(path)!r}: its folder does not exist; create it first")
    enc = tokenizer(["an example request"], return_tensors="pt")
    wrapper = _pooled_module()(model).eval()
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapper,
            (enc["input_ids"], enc["attention_mask"]),
            str(path),
            dynamo=False,
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "embedding": {0: "batch"},
            },
            opset_version=17,
        )
    del wrapper, enc
    release_memory(models=False)  # the exporter's temporary graph is a few hundred MB
    return path


def quantize_onnx_int8(src: str | Path, dst: str | Path, per_channel: bool = False) -> Path:
    """ONNX Runtime dynamic int8 of ``src`` into ``dst``: int8 weights (one scale per tensor, or
    per output channel with ``per_channel``), uint8 activations quantised per call."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.WARNING)  # the quantiser logs advice to the root logger
        try:
            quantize_dynamic(
                str(src), str(dst), weight_type=QuantType.QInt8, per_channel=per_channel
            )
        finally:
            logging.disable(logging.NOTSET)
    release_memory(models=False)
    return Path(dst)


def export_encoder_onnx(workdir: str | Path, int8: bool = False) -> Path:
    """Export MiniLM + mean pooling to ``workdir/minilm.onnx`` (dynamic batch and length);
    with ``int8`` also write ``minilm-int8.onnx`` (ONNX Runtime dynamic quantisation).
    Existing files are reused. Returns the path for the requested precision.

    A build first hands freed memory back to the OS: the exporter and the quantiser each need a
    few hundred MB for a moment, which must fit a 2 GB machine. (The shared MiniLM stays loaded:
    dropping it while a caller still holds it would load a second copy.)"""
    workdir = Path(workdir)
    if not workdir.is_dir():
        raise MLLError(f"workdir={str(workdir)!r} is not a folder: create it (e.g. a temp dir)")
    fp32, q8 = workdir / "minilm.onnx", workdir / "minilm-int8.onnx"
    if not fp32.exists() or (int8 and not q8.exists()):
        release_memory(models=False)  # the build's transient lands on a trimmed heap
    if not fp32.exists():
        tokenizer, model = shared_encoder()
        export_pooled_onnx(model, tokenizer, fp32)
    if not int8:
        return fp32
    if not q8.exists():
        quantize_onnx_int8(fp32, q8)
    return q8


def _pooled_module():
    """MiniLM + :func:`mean_pool` as one module for the ONNX exporter, which traces tensors
    (``SentenceTransformer.encode`` takes strings, so it cannot be exported)."""
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask)
            return mean_pool(hidden.last_hidden_state, attention_mask)

    return Pooled


def onnx_session(workdir: str | Path, int8: bool = False, threads: int | None = None) -> Any:
    """An ONNX Runtime CPU session for the exported encoder (exported on first use)."""
    import onnxruntime as ort

    path = export_encoder_onnx(workdir, int8=int8)
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    if threads is not None:
        opts.intra_op_num_threads = threads
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


# ---------------------------------------------------------------- ready-made variants

NAIVE = PipelineOptions(
    reload_per_request=True, pad_to_max=True, autograd=True, python_postprocess=True
)


def naive_pipeline(
    classifier: SentimentClassifier, timer: StageTimer | None = None
) -> SentimentPipeline:
    """Every mistake at once: the service that takes well over 100 ms per request."""
    return SentimentPipeline(classifier, NAIVE, name="naive", timer=timer)


def optimized_pipeline(
    classifier: SentimentClassifier,
    workdir: str | Path,
    int8: bool = False,
    batch_size: int = 32,
    threads: int | None = None,
) -> SentimentPipeline:
    """Load once, dynamic padding, no autograd, vectorised scoring, ONNX Runtime (fp32/int8);
    ``threads`` sets ONNX Runtime's intra-op threads (None: its default, one per core)."""
    options = PipelineOptions(backend="onnx-int8" if int8 else "onnx", batch_size=batch_size)
    return SentimentPipeline(classifier, options, workdir, name="optimized", threads=threads)


def pipeline_steps(
    classifier: SentimentClassifier, workdir: str | Path
) -> dict[str, SentimentPipeline]:
    """The fixes in order, each variant = the previous one plus one fix.

    Returns:
        ``{"naive", "+ load once", "+ dynamic padding", "+ inference mode",
        "+ vectorised post-processing", "+ ONNX Runtime", "+ ONNX int8"}`` -> pipeline.
    """
    export_encoder_onnx(workdir, int8=True)  # both files before any session: a smaller peak
    steps = [
        ("naive", NAIVE),
        ("+ load once", replace(NAIVE, reload_per_request=False)),
    ]
    steps.append(("+ dynamic padding", replace(steps[-1][1], pad_to_max=False)))
    steps.append(("+ inference mode", replace(steps[-1][1], autograd=False)))
    steps.append(("+ vectorised post-processing", replace(steps[-1][1], python_postprocess=False)))
    steps.append(("+ ONNX Runtime", replace(steps[-1][1], backend="onnx")))
    steps.append(("+ ONNX int8", replace(steps[-1][1], backend="onnx-int8")))
    return {
        name: SentimentPipeline(
            classifier, opts, workdir if opts.backend != "torch" else None, name
        )
        for name, opts in steps
    }

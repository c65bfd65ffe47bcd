"""The words of the trade, made concrete: kinds of numbers, tensors, tokens and embeddings.

Example:
    >>> mll.three_kinds(mll.load_digits_cnn(), mll.digits_cnn_provenance())
    >>> mll.tensor_facts(images=torch.zeros(8, 1, 8, 8))
"""

from __future__ import annotations

from typing import Any

from ._core.errors import MLLError
from .models.minilm import mean_pool

#: What each kind of number is, in one line (the table's last column).
KINDS = {
    "weight": "learned: training sets it, from data",
    "hyperparameter": "chosen before training; shapes how training runs",
    "architectural": "chosen before training; fixes the network's shape",
}


def three_kinds(model: Any, provenance: dict[str, Any]):
    """A table of the three kinds of numbers behind one trained model.

    Args:
        model: a ``torch.nn.Module`` with a ``config`` dict of design choices
            (``mll.DigitsCNN`` has one); the keys named in its ``ARCHITECTURAL`` tuple fix
            the shape, the others (such as dropout) are hyperparameters.
        provenance: its training record with a ``hyperparameters`` dict
            (``mll.digits_cnn_provenance()``).

    Returns:
        DataFrame with columns ``kind``, ``name``, ``value``, ``how it is set``.

    Example:
        >>> mll.three_kinds(mll.load_digits_cnn(), mll.digits_cnn_provenance())
    """
    import pandas as pd

    config = getattr(model, "config", None)
    if not isinstance(config, dict):
        raise MLLError(
            f"model={type(model).__name__} has no `config` dict of architectural choices; "
            "pass a model such as mll.DigitsCNN()"
        )
    hyper = provenance.get("hyperparameters") if isinstance(provenance, dict) else None
    if not isinstance(hyper, dict):
        raise MLLError("provenance has no 'hyperparameters' dict; pass mll.digits_cnn_provenance()")
    rows = [
        ("weight", name, f"{p.numel():,} numbers, shape {tuple(p.shape)}", KINDS["weight"])
        for name, p in model.named_parameters()
    ]
    rows += [
        ("hyperparameter", k, _text(v), KINDS["hyperparameter"])
        for k, v in hyper.items()
        if v is not None
    ]
    shape_keys = getattr(model, "ARCHITECTURAL", tuple(config))
    rows += [
        ("hyperparameter", k, _text(v), KINDS["hyperparameter"])
        for k, v in config.items()
        if k not in shape_keys
    ]
    rows += [
        ("architectural", k, _text(v), KINDS["architectural"])
        for k, v in config.items()
        if k in shape_keys
    ]
    rows += _conv_layout(model)
    return pd.DataFrame(rows, columns=["kind", "name", "value", "how it is set"])


def _conv_layout(model: Any) -> list[tuple[str, str, str, str]]:
    """Architectural rows read from the layers themselves: how many convolutions, which kernels."""
    import torch

    convs = [m for m in model.modules() if isinstance(m, torch.nn.modules.conv._ConvNd)]
    if not convs:
        return []
    kernels = sorted({" x ".join(map(str, m.kernel_size)) for m in convs})
    return [
        ("architectural", "number of conv layers", str(len(convs)), KINDS["architectural"]),
        ("architectural", "kernel size", ", ".join(kernels), KINDS["architectural"]),
    ]


def tensor_facts(**tensors: Any):
    """Shape, dtype, element count and memory of named tensors.

    Example:
        >>> mll.tensor_facts(images=torch.zeros(8, 1, 8, 8), labels=torch.zeros(8).long())
    """
    import pandas as pd
    import torch

    rows = []
    for name, t in tensors.items():
        if not torch.is_tensor(t):
            raise MLLError(f"{name}={type(t).__name__} is not a tensor; pass torch tensors")
        rows.append({
            "tensor": name, "shape": tuple(t.shape), "dtype": str(t.dtype).removeprefix("torch."),
            "elements": t.numel(), "bytes / element": t.element_size(),
            "bytes": t.numel() * t.element_size(),
        })  # fmt: skip
    return pd.DataFrame(rows).set_index("tensor")


def token_table(tokenizer: Any, sentence: str):
    """How a tokenizer cuts one sentence: position, token piece and vocabulary id.

    Example:
        >>> mll.token_table(mll.load_model("minilm").tokenizer, "Tokenizers split words.")
    """
    import pandas as pd

    if not isinstance(sentence, str) or not sentence.strip():
        raise MLLError(f"sentence={sentence!r} is not valid; pass a non-empty string")
    ids = tokenizer(sentence)["input_ids"]
    pieces = tokenizer.convert_ids_to_tokens(ids)
    return pd.DataFrame({"token": pieces, "id": ids}).rename_axis("position")


def sentence_embeddings(model: Any, tokenizer: Any, sentences: list[str]):
    """One unit-length vector per sentence: mean of the token vectors (the MiniLM recipe).

    The all-MiniLM-L6-v2 model card pools by averaging the last layer's token vectors
    (ignoring padding) and then normalises each vector to length 1. Done here step by step
    (:func:`mlliteracy.models.minilm.mean_pool`); ``SentenceTransformer.encode`` gives the same.

    Returns:
        A float32 tensor of shape ``(len(sentences), hidden size)``.

    Example:
        >>> zm = mll.load_model("minilm")
        >>> mll.sentence_embeddings(zm.model, zm.tokenizer, ["a cat", "a dog"]).shape
    """
    import torch

    if not isinstance(sentences, (list, tuple)) or not sentences:
        raise MLLError(f"sentences={sentences!r} is not valid; pass a non-empty list of strings")
    batch = tokenizer(list(sentences), padding=True, truncation=True, return_tensors="pt")
    with torch.inference_mode():
        tokens = model(**batch).last_hidden_state
    return mean_pool(tokens, batch["attention_mask"])


def similarity_table(sentences: list[str], vectors: Any, *, decimals: int = 2):
    """Cosine similarity of every pair of sentences, rounded (1 = same direction).

    Example:
        >>> mll.similarity_table(sentences, mll.sentence_embeddings(model, tok, sentences))
    """
    import pandas as pd
    import torch

    if len(sentences) != len(vectors):
        raise MLLError(
            f"sentences has {len(sentences)} items but vectors has {len(vectors)} rows; "
            "pass the vectors of exactly these sentences"
        )
    v = torch.nn.functional.normalize(torch.as_tensor(vectors, dtype=torch.float32), dim=1)
    sims = (v @ v.T).numpy().round(decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    labels = [s if len(s) <= 32 else s[:31] + "…" for s in sentences]
    return pd.DataFrame(sims, index=labels, columns=labels)


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return " x ".join(str(v) for v in value) if value else "()"
    return str(value)

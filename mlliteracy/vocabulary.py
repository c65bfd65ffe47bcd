"""The words of the trade, made concrete: kinds of numbers, tensors, data, tokens and embeddings.

Example:
    >>> mll.three_kinds(mll.load_digits_cnn(), mll.digits_cnn_provenance())
    >>> mll.tensor_facts(images=torch.zeros(8, 1, 8, 8))
    >>> mll.digit_picture(mll.load_digits().X_test[0], label=0)
"""

from __future__ import annotations

from typing import Any

from ._core.errors import MLLError
from ._core.figures import FigurePNG
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


# ----------------------------------------------------------------------------------- pictures
#: The stages every ML system passes through, in order, with what each one means here.
PIPELINE_STAGES = (
    ("ingestion", "collect raw data", "sklearn's copy of the scanned digit forms"),
    ("preprocessing", "clean, scale, split", "pixels to [0, 1]; train / val / test split"),
    ("training", "fit the weights", "the loop: forward, loss, backward, step"),
    ("evaluation", "measure on held-out data", "accuracy on the test split, per digit"),
    ("deployment", "ship and serve", "safetensors + provenance + model card"),
)


def digit_picture(image: Any, label: Any = None) -> FigurePNG:
    """One 8x8 digit twice: the picture a person sees and the 64 numbers the model reads.

    Args:
        image: 64 pixel values (a flat row of ``load_digits`` or an 8x8 array / tensor).
        label: the digit, shown in the title when given.

    Example:
        >>> data = mll.load_digits()
        >>> mll.digit_picture(data.X_test[0], label=data.y_test[0])
    """
    import numpy as np
    from matplotlib.figure import Figure

    pixels = np.asarray(image.tolist() if hasattr(image, "tolist") else image, dtype=float)
    if pixels.size != 64:
        raise MLLError(f"image has {pixels.size} values; pass one 8x8 digit (64 pixel values)")
    pixels = pixels.reshape(8, 8)
    fig = Figure(figsize=(8.4, 4.0), layout="constrained")
    seen, numbers = fig.subplots(1, 2)
    seen.imshow(pixels, cmap="gray_r", vmin=0, vmax=max(1.0, pixels.max()))
    seen.set_title("what you see" + ("" if label is None else f": a {int(label)}"))
    numbers.imshow(pixels, cmap="gray_r", vmin=0, vmax=max(1.0, pixels.max()), alpha=0.25)
    for (row, col), value in np.ndenumerate(pixels):
        numbers.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=7.5)
    numbers.set_title("what the model reads: 64 numbers")
    for ax in (seen, numbers):
        ax.set_xticks([])
        ax.set_yticks([])
    facts = {"pixels": 64, "min": float(pixels.min()), "max": float(pixels.max())}
    return FigurePNG(fig, "a digit and its 64 numbers", facts)


def similarity_heatmap(table: Any) -> FigurePNG:
    """The cosine similarity table (``mll.similarity_table``) as a coloured grid, values shown.

    Example:
        >>> mll.similarity_heatmap(mll.similarity_table(sentences, vectors))
    """
    import numpy as np
    from matplotlib.figure import Figure

    values = np.asarray(getattr(table, "values", table), dtype=float)
    if values.ndim != 2 or values.shape[0] != values.shape[1]:
        raise MLLError(
            f"table has shape {values.shape}; pass the square table from mll.similarity_table"
        )
    labels = [str(x) for x in getattr(table, "index", range(len(values)))]
    fig = Figure(figsize=(2.2 + 1.1 * len(values), 1.2 + 0.8 * len(values)), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(values, cmap="RdBu_r", vmin=-1, vmax=1)
    for (row, col), value in np.ndenumerate(values):
        colour = "white" if abs(value) > 0.6 else "black"
        ax.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=9, color=colour)
    ax.set_xticks(range(len(labels)), labels, rotation=35, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    fig.colorbar(image, ax=ax, label="cosine similarity")
    return FigurePNG(fig, "cosine similarity", {"sentences": len(labels)})


def filter_tiles(weight: Any, *, columns: int = 8) -> FigurePNG:
    """The k x k kernels of a convolution's weight ``(out, in, k, k)`` as tiles (input channel 0).

    Example:
        >>> mll.filter_tiles(mll.load_digits_cnn().features[0].weight)
    """
    from matplotlib.figure import Figure

    shape = tuple(getattr(weight, "shape", ()))
    if len(shape) != 4:
        raise MLLError(f"weight has shape {shape}; pass a Conv2d weight (out, in, k, k)")
    if isinstance(columns, bool) or not isinstance(columns, int) or columns < 1:
        raise MLLError(f"columns={columns!r} must be a positive integer")
    kernels = weight.detach()[:, 0].cpu().numpy()
    rows = -(-len(kernels) // columns)
    fig = Figure(figsize=(1.2 * columns, 1.25 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    limit = float(abs(kernels).max()) or 1.0
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i < len(kernels):
            ax.imshow(kernels[i], cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(f"filter {i}", fontsize=8)
        else:
            ax.set_axis_off()
    facts = {"filters": len(kernels), "kernel": "x".join(str(d) for d in shape[2:])}
    return FigurePNG(fig, "convolution filters", facts)


def pipeline_diagram() -> FigurePNG:
    """The five stages of an ML pipeline as boxes and arrows, each with its digits-CNN example.

    Example:
        >>> mll.pipeline_diagram()
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    fig = Figure(figsize=(13, 2.6))
    ax = fig.subplots()
    ax.set_xlim(0, 5 * 2.6)
    ax.set_ylim(0, 2.2)
    ax.set_axis_off()
    for i, (stage, what, example) in enumerate(PIPELINE_STAGES):
        x = 0.1 + i * 2.6
        box = FancyBboxPatch((x, 0.25), 2.1, 1.7, boxstyle="round,pad=0.05", fc="#e8f1fb")
        ax.add_patch(box)
        ax.text(x + 1.05, 1.6, stage, ha="center", fontsize=12, weight="bold")
        ax.text(x + 1.05, 1.2, "\n".join(_wrap(what, 20)), ha="center", va="center", fontsize=9.5)
        ax.text(x + 1.05, 0.6, "\n".join(_wrap(example, 24)), ha="center", va="center", fontsize=8)
        if i < len(PIPELINE_STAGES) - 1:
            ax.annotate("", (x + 2.55, 1.1), (x + 2.2, 1.1), arrowprops={"arrowstyle": "->"})
    stages = tuple(s for s, _, _ in PIPELINE_STAGES)
    return FigurePNG(fig, "the ML pipeline", {"stages": stages})


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]

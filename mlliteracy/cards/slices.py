"""Evaluation with slices: accuracy overall and per group, as Metric rows for a model card.

An average hides who a model fails; a model card should report each slice (per class, per
group) with the number of examples behind it.

Example:
    >>> ms = mll.evaluation_metrics(y_test, pred, dataset="digits", split="test")
    >>> card = card.with_metrics(ms)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._core.errors import MLLError
from .metric import Metric


def evaluation_metrics(
    y_true: Sequence[Any],
    y_pred: Sequence[Any],
    *,
    dataset: str,
    split: str,
    slice_by: Sequence[Any] | None = None,
    slice_name: str = "label",
) -> tuple[Metric, ...]:
    """Accuracy overall and per slice (by default per true label) as :class:`Metric` rows.

    Example:
        >>> ms = mll.evaluation_metrics(y_test, pred, dataset="digits", split="test")
        >>> card = card.with_metrics(ms)
    """
    import numpy as np

    t, p = np.asarray(y_true), np.asarray(y_pred)
    if t.shape != p.shape or t.ndim != 1 or len(t) == 0:
        raise MLLError(
            f"y_true {t.shape} and y_pred {p.shape} must be equal-length, non-empty 1-D arrays"
        )
    groups = t if slice_by is None else np.asarray(slice_by)
    if groups.shape != t.shape:
        raise MLLError(f"slice_by has shape {groups.shape}; it needs one value per example")
    out = [Metric("accuracy", round(float((t == p).mean()), 4), dataset, split, "", len(t))]
    for g in sorted(set(groups.tolist()), key=str):
        mask = groups == g
        acc = round(float((t[mask] == p[mask]).mean()), 4)
        out.append(Metric("accuracy", acc, dataset, split, f"{slice_name}={g}", int(mask.sum())))
    return tuple(out)


def evaluate_classifier(
    model: Any,
    X: Any,
    y: Any,
    *,
    dataset: str,
    split: str,
    input_shape: Sequence[int] | None = None,
    classes: Sequence[str] | None = None,
    slice_name: str = "label",
) -> tuple[Metric, ...]:
    """Run a PyTorch classifier on ``X`` and return :func:`evaluation_metrics` per true label.

    Args:
        input_shape: shape of one example as the model wants it, e.g. ``(1, 8, 8)``.
        classes: names for the integer labels (slices read ``label=<name>``).

    Example:
        >>> mll.evaluate_classifier(model, ds.X_test, ds.y_test, dataset="digits",
        ...                         split="test", input_shape=(1, 8, 8))
    """
    import numpy as np
    import torch

    x = torch.from_numpy(np.array(X, dtype=np.float32, copy=True))  # writable copy
    if input_shape is not None:
        x = x.reshape(-1, *input_shape)
    was_training = bool(getattr(model, "training", False))
    model.eval()
    try:
        with torch.inference_mode():
            pred = model(x).argmax(dim=1).cpu().numpy()
    finally:
        model.train(was_training)
    truth = np.asarray(y)
    if classes is not None:
        names = np.asarray(classes, dtype=object)
        truth, pred = names[truth], names[pred]
    return evaluation_metrics(truth, pred, dataset=dataset, split=split, slice_name=slice_name)

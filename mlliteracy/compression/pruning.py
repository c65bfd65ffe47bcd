"""Pruning with measured sparsity: unstructured (zeros in dense tensors) vs structured (channels).

Unstructured magnitude pruning zeroes the smallest weights but keeps every tensor's shape, so
dense kernels do the same work. Structured pruning removes whole convolution channels and
builds a smaller dense network: fewer parameters and FLOPs for every kernel.

Example:
    >>> pruned, report = mll.prune_unstructured(mll.load_digits_cnn(), amount=0.5)
    >>> report.sparsity
    0.5
    >>> small = mll.prune_channels(mll.load_digits_cnn(), keep=(8, 16))
"""

from __future__ import annotations

import copy
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._core import html as _html
from .._core.errors import MLLError
from ..models.nets import DigitsCNN

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class SparsityReport:
    """Zeros counted in the pruned tensors (conv and linear weights; biases are not pruned)."""

    rows: tuple[tuple[str, int, int], ...]
    """(tensor name, elements, zeros) per pruned tensor."""
    amount: float
    """The share of each tensor that was asked to be zeroed."""

    @property
    def total(self) -> int:
        return sum(r[1] for r in self.rows)

    @property
    def zeros(self) -> int:
        return sum(r[2] for r in self.rows)

    @property
    def sparsity(self) -> float:
        """Zeros / elements over the pruned tensors."""
        return self.zeros / self.total if self.total else 0.0

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        frame = pd.DataFrame(list(self.rows), columns=["tensor", "elements", "zeros"])
        frame["sparsity"] = frame["zeros"] / frame["elements"]
        return frame

    def __repr__(self) -> str:
        return (
            f"SparsityReport(amount={self.amount}, zeros={self.zeros:,} of {self.total:,}, "
            f"sparsity={self.sparsity:.4f})"
        )

    def _repr_html_(self) -> str:
        rows = [(n, f"{e:,}", f"{z:,}", f"{z / e:.4f}") for n, e, z in self.rows]
        rows.append(("all pruned tensors", f"{self.total:,}", f"{self.zeros:,}",
                     f"{self.sparsity:.4f}"))  # fmt: skip
        return _html.table(["tensor", "elements", "zeros", "sparsity"], rows,
                           caption=f"unstructured pruning, amount={self.amount}")  # fmt: skip


def _prunable(model: Any) -> list[tuple[str, Any]]:
    import torch

    return [
        (f"{name}.weight" if name else "weight", module.weight)
        for name, module in model.named_modules()
        if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear))
    ]


def _check_amount(amount: Any) -> float:
    ok = isinstance(amount, numbers.Real) and not isinstance(amount, bool)
    if not ok or not 0.0 <= float(amount) < 1.0:
        raise MLLError(f"amount={amount!r} is not valid; pass a share in [0, 1) such as 0.5")
    return float(amount)


def pruned_count(elements: int, amount: float) -> int:
    """Weights zeroed in one tensor: ``round(amount * elements)`` (Python's round, as
    ``torch.nn.utils.prune`` does: halves go to the even neighbour)."""
    return round(amount * elements)


def sparsity_report(model: Any, amount: float = 0.0) -> SparsityReport:
    """Count exact zeros in every conv and linear weight of ``model``.

    Example:
        >>> mll.sparsity_report(pruned).sparsity
    """
    _check_model(model)
    rows = tuple(
        (name, int(w.numel()), int((w == 0).sum())) for name, w in _prunable(model)
    )  # fmt: skip
    return SparsityReport(rows, float(amount))


def prune_unstructured(model: Any, amount: float = 0.5) -> tuple[Any, SparsityReport]:
    """Zero the ``amount`` smallest-magnitude weights of each conv and linear layer (a copy).

    Each weight tensor with ``n`` elements loses exactly :func:`pruned_count` ``(n, amount)``
    weights (ties broken by position, so the result is deterministic); the shapes stay the same.

    Args:
        model: a torch module (left unchanged).
        amount: share of each weight tensor to zero, in ``[0, 1)``.

    Returns:
        ``(pruned copy, SparsityReport)``.

    Example:
        >>> pruned, report = mll.prune_unstructured(mll.load_digits_cnn(), 0.5)
    """
    import torch

    _check_model(model)
    amount = _check_amount(amount)
    pruned = copy.deepcopy(model).eval()
    with torch.no_grad():
        for _name, weight in _prunable(pruned):
            k = pruned_count(weight.numel(), amount)
            if k == 0:
                continue
            flat = weight.view(-1)
            order = torch.argsort(flat.abs(), stable=True)
            flat[order[:k]] = 0.0
    return pruned, sparsity_report(pruned, amount)


def prune_channels(model: Any, keep: tuple[int, int] = (8, 16)) -> Any:
    """A smaller :class:`~mlliteracy.models.nets.DigitsCNN` keeping the ``keep`` strongest
    conv channels.

    Channels are ranked by the L1 norm of their filters; the next layer's matching input
    slices are kept, so the new network is dense and simply narrower. Accuracy usually drops
    until it is fine-tuned (e.g. ``mll.train(small, data, epochs=5)``).

    Args:
        model: a DigitsCNN (left unchanged).
        keep: output channels to keep in the first and second convolution.

    Returns:
        A new DigitsCNN with ``channels=keep`` in eval mode.

    Example:
        >>> small = mll.prune_channels(mll.load_digits_cnn(), keep=(8, 16))
    """
    import torch

    if not isinstance(model, DigitsCNN):
        raise MLLError(
            f"model={type(model).__name__} is not a DigitsCNN; pass e.g. mll.load_digits_cnn()"
        )
    c1, c2 = model.config["channels"]
    ok = (
        isinstance(keep, (tuple, list))
        and len(keep) == 2
        and all(isinstance(k, int) and not isinstance(k, bool) for k in keep)
    )
    if not ok or not (1 <= keep[0] <= c1 and 1 <= keep[1] <= c2):
        raise MLLError(f"keep={keep!r} is not valid; pass two channel counts within ({c1}, {c2})")
    conv1, conv2 = model.features[0], model.features[2]
    fc1, fc2 = model.classifier[1], model.classifier[4]
    keep1 = _strongest(conv1.weight, keep[0])
    keep2 = _strongest(conv2.weight, keep[1])
    spatial = fc1.in_features // c2  # 4 x 4 positions per channel after pooling
    cols = (keep2[:, None] * spatial + torch.arange(spatial)[None, :]).reshape(-1)
    small = DigitsCNN(tuple(keep), model.config["hidden"], model.config["dropout"])
    with torch.no_grad():
        new1, new2 = small.features[0], small.features[2]
        new1.weight.copy_(conv1.weight[keep1])
        new1.bias.copy_(conv1.bias[keep1])
        new2.weight.copy_(conv2.weight[keep2][:, keep1])
        new2.bias.copy_(conv2.bias[keep2])
        small.classifier[1].weight.copy_(fc1.weight[:, cols])
        small.classifier[1].bias.copy_(fc1.bias)
        small.classifier[4].load_state_dict(fc2.state_dict())
    return small.eval()


def _strongest(weight: Any, k: int) -> Any:
    """Indices (ascending) of the ``k`` output channels with the largest L1 filter norm."""
    import torch

    norms = weight.detach().abs().flatten(1).sum(1)
    order = torch.argsort(norms, descending=True, stable=True)
    return torch.sort(order[:k]).values


def _check_model(model: Any) -> None:
    import torch

    if not isinstance(model, torch.nn.Module):
        raise MLLError(
            f"model={type(model).__name__} is not a torch.nn.Module; "
            "pass e.g. mll.load_digits_cnn()"
        )

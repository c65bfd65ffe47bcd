"""Small networks the workbook trains itself (they fit in seconds on a laptop CPU).

Example:
    >>> model = mll.DigitsCNN()
    >>> model(torch.zeros(1, 1, 8, 8)).shape
    torch.Size([1, 10])
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .._core.errors import MLLError

#: Input shape of one digit image: (channels, height, width).
DIGITS_INPUT_SHAPE = (1, 8, 8)


class DigitsCNN(nn.Module):
    """A two-convolution CNN for scikit-learn's 8x8 digits (10 classes).

    Architecture: conv(1->c1, 3x3, pad 1) - ReLU - conv(c1->c2, 3x3, pad 1) - ReLU - maxpool 2 -
    flatten - linear(c2*4*4 -> hidden) - ReLU - dropout - linear(hidden -> 10).

    Args:
        channels: output channels of the two convolutions (architectural parameters).
        hidden: width of the hidden fully connected layer.
        dropout: dropout probability during training (a hyperparameter, no weights).

    Example:
        >>> DigitsCNN()(torch.zeros(2, 1, 8, 8)).shape
        torch.Size([2, 10])
    """

    #: The ``config`` keys that fix the network's shape (dropout changes no shape).
    ARCHITECTURAL = ("channels", "hidden")

    def __init__(
        self, channels: tuple[int, int] = (16, 32), hidden: int = 64, dropout: float = 0.25
    ) -> None:
        super().__init__()
        _check_arch(channels=channels, hidden=hidden, dropout=dropout)
        c1, c2 = channels
        self.config: dict[str, Any] = {
            "channels": [c1, c2],
            "hidden": hidden,
            "dropout": dropout,
        }
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c1, c2, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(c2 * 4 * 4, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2 and x.shape[1] == 64:  # flat (N, 64) rows from load_digits
            x = x.view(-1, *DIGITS_INPUT_SHAPE)
        return self.classifier(self.features(x))


class TinyMLP(nn.Module):
    """A one-hidden-layer perceptron on flat inputs (the simplest trainable baseline).

    Args:
        in_features: inputs per example (64 for digits).
        hidden: hidden width.
        classes: number of outputs.

    Example:
        >>> TinyMLP()(torch.zeros(3, 64)).shape
        torch.Size([3, 10])
    """

    def __init__(self, in_features: int = 64, hidden: int = 32, classes: int = 10) -> None:
        super().__init__()
        for name, value in (("in_features", in_features), ("hidden", hidden), ("classes", classes)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise _error(name, value, "a positive integer")
        self.config: dict[str, Any] = {
            "in_features": in_features,
            "hidden": hidden,
            "classes": classes,
        }
        self.net = nn.Sequential(
            nn.Flatten(), nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, classes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def digits_example_input(batch: int = 1) -> torch.Tensor:
    """A zero tensor shaped like a batch of digit images, (batch, 1, 8, 8)."""
    if not isinstance(batch, int) or isinstance(batch, bool) or batch < 1:
        raise _error("batch", batch, "a positive integer")
    return torch.zeros(batch, *DIGITS_INPUT_SHAPE)


def _check_arch(*, channels: Any, hidden: Any, dropout: Any) -> None:
    if (
        not isinstance(channels, (tuple, list))
        or len(channels) != 2
        or not all(isinstance(c, int) and not isinstance(c, bool) and c >= 1 for c in channels)
    ):
        raise _error("channels", channels, "a pair of positive integers such as (16, 32)")
    if not isinstance(hidden, int) or isinstance(hidden, bool) or hidden < 1:
        raise _error("hidden", hidden, "a positive integer such as 64")
    if not isinstance(dropout, (int, float)) or isinstance(dropout, bool) or not 0 <= dropout < 1:
        raise _error("dropout", dropout, "a probability in [0, 1) such as 0.25")


def _error(name: str, value: Any, allowed: str) -> Exception:

    return MLLError(f"{name}={value!r} is not valid; pass {allowed}")


def load_digits_cnn(pretrained: bool = True, *, seed: int = 0) -> DigitsCNN:
    """The shipped DigitsCNN (trained by ``scripts/train_digits_cnn.py``), in eval mode.

    Args:
        pretrained: load the shipped weights; ``False`` gives a freshly initialised network
            with the same architecture (a reference for "what did training change?").
        seed: seeds the fresh initialisation when ``pretrained=False``.

    Example:
        >>> model = mll.load_digits_cnn()
        >>> mll.load_digits_cnn(pretrained=False)  # same shape, untrained weights
    """
    from safetensors.torch import load_file

    folder = digits_cnn_assets()
    provenance = digits_cnn_provenance()
    arch = provenance["architecture"]
    torch.manual_seed(seed)
    model = DigitsCNN(tuple(arch["channels"]), arch["hidden"], arch["dropout"])
    if pretrained:
        model.load_state_dict(load_file(str(folder / provenance["weights_file"])))
    return model.eval()


def digits_cnn_assets():
    """Folder holding the shipped ``model.safetensors`` and ``provenance.json``."""
    from pathlib import Path

    return Path(__file__).resolve().parents[1] / "assets" / "digits_cnn"


def digits_cnn_files():
    """Folder holding the shipped digits CNN as files someone might hand you: ``model.onnx``
    and ``model_full_pickle.pt`` (a whole-module pickle: a specimen to scan, never to load).

    Kept apart from :func:`digits_cnn_assets`, so the shipped model's folder holds no pickle.
    Written by ``scripts/export_digits_cnn_files.py`` from the shipped weights.
    """
    from pathlib import Path

    return Path(__file__).resolve().parents[1] / "assets" / "digits_cnn_files"


def digits_cnn_provenance() -> dict[str, Any]:
    """The training record shipped beside the DigitsCNN weights (``provenance.json``)."""
    import json

    return json.loads((digits_cnn_assets() / "provenance.json").read_text(encoding="utf-8"))

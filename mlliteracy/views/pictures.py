"""Three small graphs to read in Netron: a residual block, an attention block and an LSTM.

Beginner 02 shows each as a committed picture (a PNG of its Netron graph, made by
``scripts/netron_pictures.py`` with Netron in a headless chromium), because Netron's live view
exists only while the kernel runs; then it opens the same modules live. The pictures are
numbered in a shuffled order, so their file names do not tell which block is which.

Example:
    >>> specimens = mll.graph_specimens()
    >>> spec = specimens["picture 1"]
    >>> view = mll.netron(spec.module, spec.example_input, dynamic_batch=False)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from .._core.errors import MLLError
from ..models.zoo import load_model

#: Where the pictures live, relative to the lesson's folder (notebooks/beginner/).
FIGURES = "figures"
#: Picture number -> the block it shows (shuffled: picture 1 is not the first block you met).
PICTURES = {"picture 1": "LSTM", "picture 2": "residual block", "picture 3": "attention block"}


class TinyLSTM(nn.Module):
    """A one-layer LSTM sequence classifier: 16 features per step in, 2 classes out.

    It reads the whole sequence and classifies from the hidden state after the last step.

    Example:
        >>> TinyLSTM()(torch.zeros(1, 10, 16)).shape
        torch.Size([1, 2])
    """

    def __init__(self, features: int = 16, hidden: int = 32, classes: int = 2) -> None:
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, batch_first=True)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


class FirstOutput(nn.Module):
    """Wraps a block that returns a tuple (a transformers layer) so it returns its first item."""

    def __init__(self, block: nn.Module) -> None:
        super().__init__()
        self.block = block

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.block(x)
        return out[0] if isinstance(out, (tuple, list)) else out


@dataclass(frozen=True)
class Specimen:
    """One block to look at: what it is, the module, an input, and its committed picture."""

    name: str
    """What the block is, e.g. ``"residual block"`` (the answer to "which is which?")."""
    source: str
    """Where it comes from, e.g. ``"ResNet-18's layer1[0]"``."""
    module: nn.Module
    example_input: torch.Tensor
    picture: str
    """The PNG of its Netron graph, relative to the lesson's folder."""

    def __repr__(self) -> str:
        shape = "x".join(str(d) for d in self.example_input.shape)
        return f"Specimen({self.name!r}: {self.source}, input {shape}, {self.picture})"


def picture_path(picture: str) -> str:
    """``"picture 1"`` -> ``"figures/netron_picture_1.png"`` (relative to the lesson)."""
    if picture not in PICTURES:
        raise MLLError(f"picture={picture!r} is not one of {list(PICTURES)}; pass e.g. 'picture 1'")
    return f"{FIGURES}/netron_{picture.replace(' ', '_')}.png"


def graph_specimens(resnet: Any = None, minilm: Any = None) -> dict[str, Specimen]:
    """The three blocks of the Netron pictures, keyed by picture number, in eval mode.

    Args:
        resnet: a torchvision ResNet-18 to take ``layer1[0]`` from (default: the zoo's).
        minilm: a MiniLM ``BertModel`` to take encoder layer 0 from (default: the zoo's).

    Returns:
        ``{"picture 1": Specimen(...), ...}`` in the order of :data:`PICTURES`.

    Example:
        >>> mll.graph_specimens()["picture 2"].name
        'residual block'
    """
    resnet = resnet if resnet is not None else load_model("resnet18").model
    minilm = minilm if minilm is not None else load_model("minilm").model
    for label, model, attr in (("resnet", resnet, "layer1"), ("minilm", minilm, "encoder")):
        if not isinstance(model, nn.Module) or not hasattr(model, attr):
            raise MLLError(
                f"{label}={type(model).__name__} has no .{attr}; pass "
                f"mll.load_model({'resnet18' if label == 'resnet' else 'minilm'!r}).model"
            )
    torch.manual_seed(0)
    blocks = {
        "residual block": (
            "ResNet-18's first residual block, layer1[0]",
            resnet.layer1[0],
            torch.zeros(1, 64, 56, 56),
        ),
        "attention block": (
            "MiniLM's first encoder layer (self-attention, then a feed-forward network)",
            FirstOutput(minilm.encoder.layer[0]),
            torch.zeros(1, 16, minilm.config.hidden_size),
        ),
        "LSTM": ("a one-layer LSTM that classifies a sequence", TinyLSTM(), torch.zeros(1, 10, 16)),
    }
    out = {}
    for picture, name in PICTURES.items():
        source, module, x = blocks[name]
        out[picture] = Specimen(name, source, module.eval(), x, picture_path(picture))
    return out

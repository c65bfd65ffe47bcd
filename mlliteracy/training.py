"""An explicit, deterministic training loop that tracks cost, not only accuracy.

Example:
    >>> run = mll.train(mll.DigitsCNN(), mll.load_digits(), epochs=10, seed=0)
    >>> run.test_metrics["accuracy"], run.history.tail(1)
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._core import html as _html
from ._core.checks import check_seed
from ._core.errors import MLLError
from ._core.files import write_atomic
from .anatomy.autopsy import autopsy
from .provenance.hashes import hash_state_dict

#: A training step costs about three forward passes: one forward, two for the backward
#: (gradients with respect to activations and to weights). Kaplan et al. (2020) use 6N per token.
BACKWARD_FACTOR = 3

#: ``train(optimizer=...)`` by name -> (the name its runs record, torch.optim class, its options)
OPTIMIZERS = {
    "adam": ("Adam", "Adam", {}),
    "sgd": ("SGD", "SGD", {}),
    "sgd_momentum": ("SGD + momentum 0.9", "SGD", {"momentum": 0.9}),
}


@dataclass(frozen=True)
class TrainingRun:
    """What one call to :func:`train` produced and what it cost."""

    model: Any
    """The trained model (in eval mode)."""
    history: Any
    """DataFrame, one row per epoch: losses, accuracies, seconds, data-loading time, RSS."""
    test_metrics: dict[str, float]
    """``loss`` and ``accuracy`` on the test split, measured once after training."""
    hyperparameters: dict[str, Any]
    """Everything chosen before training: epochs, lr, batch size, seed, optimizer..."""
    forward_flops_per_example: int
    """FLOPs of one forward pass on one example (2 per multiply-accumulate)."""
    flops_per_step: int
    """Estimated FLOPs of one training step: ``3 x forward x batch_size`` (see BACKWARD_FACTOR)."""
    measured_step_flops: int
    """FLOPs of one full-batch forward + backward as counted by PyTorch's dispatcher."""
    memory: dict[str, int]
    """Bytes: parameters, gradients, optimizer state, peak process RSS seen during training."""
    hardware: dict[str, Any]
    """Threads, CPU capability, torch version: what the timings and the weights depend on."""
    weights_sha256: str = ""
    """Hash of the trained state dict (see :func:`~.provenance.hashes.hash_state_dict`)."""
    sizes: dict[str, int] = field(default_factory=dict)
    """Examples used per split."""

    @property
    def total_flops(self) -> int:
        """Estimated training compute: steps x flops_per_step (last batch counted as full)."""
        steps = int(self.history["steps"].sum())
        return steps * self.flops_per_step

    def plot(self, *, figsize: tuple[float, float] = (9.0, 3.2)):
        """Learning curves: loss and accuracy per epoch, train vs validation."""
        import matplotlib.pyplot as plt

        # pyplot wires up Jupyter's figure display; closing keeps it from showing twice
        fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=figsize)
        plt.close(fig)
        h = self.history
        for ax, metric in ((ax_loss, "loss"), (ax_acc, "accuracy")):
            ax.plot(h["epoch"], h[f"train_{metric}"], marker=".", label="train")
            ax.plot(h["epoch"], h[f"val_{metric}"], marker=".", label="validation")
            ax.set_xlabel("epoch")
            ax.set_ylabel(metric)
            ax.grid(alpha=0.3)
            ax.legend()
        fig.suptitle(f"learning curves ({self.sizes.get('train', '?')} training examples)")
        fig.tight_layout()
        return fig

    def summary(self) -> dict[str, Any]:
        """The key numbers as a plain dict (for tables and provenance files)."""
        h = self.history
        return {
            "train examples": self.sizes.get("train"),
            "epochs": len(h),
            "final train accuracy": round(float(h["train_accuracy"].iloc[-1]), 4),
            "final val accuracy": round(float(h["val_accuracy"].iloc[-1]), 4),
            "test accuracy": round(self.test_metrics["accuracy"], 4),
            "forward FLOPs / example": self.forward_flops_per_example,
            "FLOPs / step (3x forward)": self.flops_per_step,
            "training FLOPs (estimate)": self.total_flops,
            "seconds / epoch (mean)": round(float(h["epoch_s"].mean()), 3),
            "data loading ms / batch": round(float(h["data_ms_per_batch"].mean()), 3),
            "peak RSS MB": round(self.memory["peak_rss_bytes"] / 1e6, 1),
            "params + grads + optimizer MB": round(
                sum(self.memory[k] for k in ("params", "grads", "optimizer_state")) / 1e6, 3
            ),
            "saved activations MB / step": round(self.memory["saved_activations"] / 1e6, 3),
            "threads": self.hardware["threads"],
        }

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"TrainingRun(epochs={s['epochs']}, train={s['train examples']}, "
            f"test_accuracy={s['test accuracy']}, flops_per_step={self.flops_per_step:,}, "
            f"threads={s['threads']})"
        )

    def _repr_html_(self) -> str:
        rows = [(k, f"{v:,}" if isinstance(v, int) else v) for k, v in self.summary().items()]
        return _html.table(["quantity", "value"], rows, caption="training run")


def train(
    model: Any,
    dataset: Any,
    *,
    epochs: int = 15,
    lr: float = 1e-3,
    batch_size: int = 64,
    seed: int = 0,
    weight_decay: float = 0.0,
    train_subset: int | None = None,
    threads: int = 1,
    optimizer: str | Callable[..., Any] = "adam",
) -> TrainingRun:
    """Train ``model`` with cross-entropy (Adam by default), deterministically, tracking the cost.

    Args:
        model: a ``torch.nn.Module`` mapping a batch of ``dataset.X_*`` rows to class logits.
        dataset: an :class:`mlliteracy.Dataset` (e.g. ``mll.load_digits()``).
        epochs, lr, batch_size, weight_decay: hyperparameters.
        seed: seeds shuffling and dropout (seed the model's initialisation yourself with
            ``torch.manual_seed`` before building it).
        train_subset: use only the first N training examples (to overfit on purpose).
        threads: PyTorch threads during training (fixed so results do not depend on cores).
        optimizer: ``"adam"``, ``"sgd"``, ``"sgd_momentum"`` (momentum 0.9) or a factory
            called as ``factory(parameters, lr=lr, weight_decay=weight_decay)``, such as
            ``torch.optim.RMSprop``.

    Returns:
        A :class:`TrainingRun`; ``run.model`` is the trained model.

    Example:
        >>> run = mll.train(mll.DigitsCNN(), mll.load_digits(), epochs=5, seed=0)
        >>> run.plot()
    """
    _check_train_args(model, dataset, epochs, lr, batch_size, seed, weight_decay, threads)
    name = _optimizer_name(optimizer)
    X_train, y_train = dataset.X_train, dataset.y_train
    if train_subset is not None:
        ok = isinstance(train_subset, int) and not isinstance(train_subset, bool)
        if not ok or not 1 <= train_subset <= len(y_train):
            raise MLLError(
                f"train_subset={train_subset!r} is not valid; pass None or an integer "
                f"between 1 and {len(y_train)}"
            )
        X_train, y_train = X_train[:train_subset], y_train[:train_subset]
    hyper = {
        "epochs": epochs, "lr": lr, "batch_size": batch_size, "seed": seed,
        "weight_decay": weight_decay, "optimizer": name, "loss": "cross-entropy",
        "train_subset": train_subset,
    }  # fmt: skip
    splits = {
        "train": as_tensors(X_train, y_train),
        "val": as_tensors(dataset.X_val, dataset.y_val),
        "test": as_tensors(dataset.X_test, dataset.y_test),
    }
    with deterministic(threads):
        run = _fit(model, splits, hyper, optimizer)
    return run


def _fit(model: Any, splits: dict[str, Any], hyper: dict[str, Any], optimizer: Any):
    import pandas as pd
    import psutil
    import torch

    torch.manual_seed(hyper["seed"])
    X, y = splits["train"]
    gen = torch.Generator().manual_seed(hyper["seed"])
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(X, y),
        batch_size=hyper["batch_size"], shuffle=True, generator=gen,
    )  # fmt: skip
    opt = make_optimizer(optimizer, model.parameters(), hyper["lr"], hyper["weight_decay"])
    loss_fn = torch.nn.CrossEntropyLoss()
    proc = psutil.Process()
    peak = proc.memory_info().rss
    rows = []
    for epoch in range(1, hyper["epochs"] + 1):
        model.train()
        start, data_s, steps = time.perf_counter(), 0.0, 0
        batches = iter(loader)
        while True:
            t0 = time.perf_counter()
            batch = next(batches, None)
            data_s += time.perf_counter() - t0
            if batch is None:
                break
            xb, yb = batch
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            steps += 1
        epoch_s = time.perf_counter() - start
        peak = max(peak, proc.memory_info().rss)
        tr_loss, tr_acc = evaluate(model, *splits["train"])
        va_loss, va_acc = evaluate(model, *splits["val"])
        rows.append({
            "epoch": epoch, "train_loss": tr_loss, "val_loss": va_loss,
            "train_accuracy": tr_acc, "val_accuracy": va_acc, "steps": steps,
            "epoch_s": epoch_s, "data_ms_per_batch": 1000 * data_s / steps,
            "rss_mb": proc.memory_info().rss / 1e6,
        })  # fmt: skip
    te_loss, te_acc = evaluate(model, *splits["test"])
    model.eval()
    fwd = forward_flops(model, X[:1])
    memory = {
        "params": sum(p.numel() * p.element_size() for p in model.parameters()),
        "grads": sum(p.grad.numel() * p.grad.element_size() for p in model.parameters()
                     if p.grad is not None),
        "optimizer_state": sum(t.numel() * t.element_size() for s in opt.state.values()
                               for t in s.values() if torch.is_tensor(t)),
        "peak_rss_bytes": int(peak),
        "saved_activations": saved_activation_bytes(model, X[: hyper["batch_size"]]),
    }  # fmt: skip
    return TrainingRun(
        model=model,
        history=pd.DataFrame(rows),
        test_metrics={"loss": te_loss, "accuracy": te_acc},
        hyperparameters=hyper,
        forward_flops_per_example=fwd,
        flops_per_step=BACKWARD_FACTOR * fwd * hyper["batch_size"],
        measured_step_flops=_step_flops(model, X[: hyper["batch_size"]], y[: hyper["batch_size"]]),
        memory=memory,
        hardware=hardware(),
        weights_sha256=hash_state_dict(model.state_dict()),
        sizes={k: len(v[1]) for k, v in splits.items()},
    )


def make_optimizer(optimizer: Any, parameters: Any, lr: float, weight_decay: float = 0.0):
    """The ``torch.optim`` optimizer named by ``train(optimizer=...)`` (see :data:`OPTIMIZERS`)."""
    import torch

    _optimizer_name(optimizer)  # raises for an unknown name
    if isinstance(optimizer, str):
        _, cls, options = OPTIMIZERS[optimizer]
        return getattr(torch.optim, cls)(parameters, lr=lr, weight_decay=weight_decay, **options)
    opt = optimizer(parameters, lr=lr, weight_decay=weight_decay)
    if not isinstance(opt, torch.optim.Optimizer):
        raise MLLError(f"optimizer factory returned {type(opt).__name__}, not a torch.optim."
                       "Optimizer; pass a factory such as torch.optim.RMSprop")  # fmt: skip
    return opt


def _optimizer_name(optimizer: Any) -> str:
    if isinstance(optimizer, str) and optimizer in OPTIMIZERS:
        return OPTIMIZERS[optimizer][0]
    if callable(optimizer) and not isinstance(optimizer, str):
        return getattr(optimizer, "__name__", type(optimizer).__name__)
    names = ", ".join(map(repr, OPTIMIZERS))
    raise MLLError(f"optimizer={optimizer!r} is not valid; pass {names} or a factory such as "
                   "torch.optim.RMSprop")  # fmt: skip


def evaluate(model: Any, X: Any, y: Any) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on tensors ``X``, ``y`` (eval mode)."""
    import torch

    was_training = model.training
    model.eval()
    with torch.no_grad():
        logits = model(X)
        loss = torch.nn.functional.cross_entropy(logits, y).item()
        acc = (logits.argmax(1) == y).float().mean().item()
    model.train(was_training)
    return float(loss), float(acc)


def forward_flops(model: Any, example_input: Any) -> int:
    """FLOPs of one forward pass (2 per multiply-accumulate), counted by :func:`autopsy`."""
    return int(autopsy(model, example_input).flops)


def saved_activation_bytes(model: Any, X: Any) -> int:
    """Bytes autograd keeps from one forward pass on ``X`` for the backward (the largest view of
    each storage, weights excluded); eval mode: nothing changes, dropout masks are left out."""
    import torch

    weights = {p.untyped_storage().data_ptr() for p in model.parameters()}
    held: dict[int, int] = {}

    def pack(t: Any) -> Any:
        if (ptr := t.untyped_storage().data_ptr()) not in weights:
            held[ptr] = max(held.get(ptr, 0), t.numel() * t.element_size())
        return t

    was_training = model.training
    try:
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            model.eval()(X.detach()).sum()
    finally:
        model.train(was_training)
    return sum(held.values())


def _step_flops(model: Any, X: Any, y: Any) -> int:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    was_training = model.training
    model.train()
    counter = FlopCounterMode(display=False)
    with counter:
        torch.nn.functional.cross_entropy(model(X), y).backward()
    model.zero_grad(set_to_none=True)
    model.train(was_training)
    return int(counter.get_total_flops())


@contextmanager
def deterministic(threads: int = 1):
    """Fix PyTorch's thread count and force deterministic kernels; restore both afterwards."""
    import torch

    old_threads = torch.get_num_threads()
    old_det = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(old_det)
        torch.set_num_threads(old_threads)


def save_weights(model: Any, folder: str | Path, provenance: dict[str, Any]) -> dict[str, Any]:
    """Write ``model.safetensors`` and ``provenance.json`` into ``folder``.

    Returns:
        The provenance dict as written, with ``weights_sha256`` and ``weights_file`` added.
    """
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    record = {**provenance, "weights_file": "model.safetensors"}
    record["weights_sha256"] = hash_state_dict(state)
    write_atomic(folder / "provenance.json", json.dumps(record, indent=2, sort_keys=True) + "\n")
    return record


def file_sha256(*paths: str | Path) -> str:
    """SHA-256 over the names and bytes of source files (a code version that survives clones)."""
    h = hashlib.sha256()
    for p in paths:
        p = Path(p)
        h.update(p.name.encode() + b"\0")
        h.update(p.read_bytes().replace(b"\r\n", b"\n"))
    return h.hexdigest()


def hardware() -> dict[str, Any]:
    """Facts that timings and bit-exact weights depend on."""
    import platform

    import torch

    return {
        "threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "machine": platform.machine(),
        "torch": torch.__version__.split("+")[0],
    }


def as_tensors(X: Any, y: Any):
    import numpy as np
    import torch

    return torch.from_numpy(np.array(X, dtype=np.float32)), torch.from_numpy(
        np.array(y, dtype=np.int64)
    )


def _check_train_args(model, dataset, epochs, lr, batch_size, seed, weight_decay, threads):
    import torch

    if not isinstance(model, torch.nn.Module):
        raise MLLError(f"model={type(model).__name__} is not a torch.nn.Module; pass a network")
    if not all(hasattr(dataset, a) for a in ("X_train", "y_train", "X_val", "X_test")):
        raise MLLError(
            f"dataset={type(dataset).__name__} has no X_train/y_train/X_val/X_test; "
            "pass an mll.Dataset such as mll.load_digits()"
        )
    for name, value in (("epochs", epochs), ("batch_size", batch_size), ("threads", threads)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise MLLError(f"{name}={value!r} is not valid; pass a positive integer")
    check_seed(seed)
    if not isinstance(lr, (int, float)) or not 0 < lr < 10:
        raise MLLError(f"lr={lr!r} is not valid; pass a learning rate such as 1e-3")
    if not isinstance(weight_decay, (int, float)) or weight_decay < 0:
        raise MLLError(f"weight_decay={weight_decay!r} is not valid; pass 0 or a small float")


def compare_runs(runs: dict[str, TrainingRun]):
    """Overfitting at a glance: final train vs validation numbers of several runs.

    ``gap`` = train accuracy - validation accuracy; ``best epoch`` is where validation loss
    was lowest (where early stopping would have stopped).

    Example:
        >>> mll.compare_runs({"all data": run, "60 examples": small})
    """
    import pandas as pd

    if not isinstance(runs, dict) or not all(isinstance(r, TrainingRun) for r in runs.values()):
        raise MLLError("runs must be a dict of name -> TrainingRun, e.g. {'full': run}")
    rows = []
    for name, run in runs.items():
        h = run.history
        last = h.iloc[-1]
        floor = max(float(last["train_loss"]), 1e-12)
        rows.append({
            "run": name, "train examples": run.sizes.get("train"), "epochs": len(h),
            "train accuracy": round(float(last["train_accuracy"]), 3),
            "val accuracy": round(float(last["val_accuracy"]), 3),
            "gap": round(float(last["train_accuracy"] - last["val_accuracy"]), 3),
            "val loss / train loss": round(float(last["val_loss"]) / floor, 1),
            "best epoch": int(h.loc[h["val_loss"].idxmin(), "epoch"]),
        })  # fmt: skip
    return pd.DataFrame(rows).set_index("run")

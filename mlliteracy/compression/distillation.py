"""Knowledge distillation: a tiny student CNN learns from the digits CNN's softened outputs.

Loss (Hinton, Vinyals and Dean 2015): ``alpha * T^2 * KL(softmax(teacher/T) || softmax(student/T))
+ (1 - alpha) * cross_entropy(student, label)``. ``alpha=0`` is plain training on hard labels,
the control that shows what the teacher adds.

Example:
    >>> run = mll.distill(mll.load_digits_cnn(), mll.load_digits(), seed=0)
    >>> run.test_accuracy, run.params
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

from .._core import html as _html
from .._core.errors import MLLError
from .._core.expect import Verdict
from ..training import as_tensors, deterministic


def _student_class():
    import torch
    from torch import nn

    class StudentCNN(nn.Module):
        """conv(1->channels, 3x3) - ReLU - maxpool 2 - linear(channels*16 -> hidden) - ReLU -
        linear(hidden -> 10): a few thousand parameters."""

        def __init__(self, channels: int = 8, hidden: int = 16) -> None:
            super().__init__()
            self.config = {"channels": channels, "hidden": hidden}
            self.features = nn.Sequential(
                nn.Conv2d(1, channels, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)
            )
            self.classifier = nn.Sequential(
                nn.Flatten(), nn.Linear(channels * 16, hidden), nn.ReLU(), nn.Linear(hidden, 10)
            )

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if x.dim() == 2 and x.shape[1] == 64:
                x = x.view(-1, 1, 8, 8)
            return self.classifier(self.features(x))

    return StudentCNN


def student_cnn(channels: int = 8, hidden: int = 16, *, seed: int = 0) -> Any:
    """A freshly initialised tiny CNN for 8x8 digits (2,314 parameters with the defaults).

    Example:
        >>> mll.student_cnn(seed=0)
    """
    import torch

    for name, value in (("channels", channels), ("hidden", hidden), ("seed", seed)):
        low = 0 if name == "seed" else 1
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise MLLError(f"{name}={value!r} is not valid; pass an integer >= {low}")
    torch.manual_seed(seed)
    return _student_class()(channels, hidden)


@dataclass(frozen=True)
class DistillRun:
    """A trained student and how it was trained."""

    student: Any
    """The trained student (eval mode)."""
    test_accuracy: float
    """Accuracy on the test split."""
    val_accuracy: float
    """Accuracy on the validation split."""
    params: int
    temperature: float
    alpha: float
    """Weight of the teacher's soft targets (0 = hard labels only)."""
    epochs: int
    seed: int
    teacher_test_accuracy: float | None
    """The teacher's accuracy on the same test split (None when trained without a teacher)."""

    @property
    def label(self) -> str:
        return (
            f"distilled (T={self.temperature:g}, alpha={self.alpha:g})"
            if self.alpha
            else ("hard labels only")
        )

    def __repr__(self) -> str:
        return (
            f"DistillRun({self.label}, params={self.params:,}, epochs={self.epochs}, "
            f"seed={self.seed}, test_accuracy={self.test_accuracy:.4f})"
        )

    def compare(self, control: DistillRun, n_test: int | None = None) -> Verdict:
        """Did the teacher help? This run against the same student trained on hard labels only.

        Args:
            control: the run with ``alpha=0`` (same student, seed and epochs).
            n_test: test-set size, to say what one test example is worth in points.

        Returns:
            A :class:`~mlliteracy._core.expect.Verdict`: outcome ``helped``, ``no difference``
            or ``hurt``.
        """
        if not isinstance(control, DistillRun):
            raise MLLError("control must be the DistillRun of mll.distill(None, data, alpha=0.0)")
        diff = 100 * (self.test_accuracy - control.test_accuracy)
        one = 100 / n_test if n_test else 0.0
        margin = 1.5 * one if n_test else 0.5  # one test example either way is a rerun's noise
        where = (
            f"Distilled student {100 * self.test_accuracy:.2f}% vs the same student on hard "
            f"labels only {100 * control.test_accuracy:.2f}%: {diff:+.2f} points"
        )
        unit = f" ({round(diff / one):+d} test examples; one is {one:.2f} points)" if n_test else ""
        if diff > margin:
            return Verdict(f"{where}{unit}. The teacher's soft targets **helped** here.", "helped")
        if diff < -margin:
            return Verdict(
                f"{where}{unit}. The teacher's soft targets **hurt** here: ship the student "
                "trained on hard labels, and do not credit distillation for its size.",
                "hurt",
            )
        return Verdict(
            f"{where}{unit}: within {margin:.2f} points, **no real difference**. The student's "
            "small size, not the teacher, is what this run shows; credit distillation only when "
            "it beats the control by more than a rerun moves.",
            "no difference",
        )

    def _repr_html_(self) -> str:
        rows = [
            ("training", self.label),
            ("student params", f"{self.params:,}"),
            ("epochs, seed", f"{self.epochs}, {self.seed}"),
            ("student test accuracy", f"{self.test_accuracy:.4f}"),
            ("student val accuracy", f"{self.val_accuracy:.4f}"),
        ]
        if self.teacher_test_accuracy is not None:
            rows.append(("teacher test accuracy", f"{self.teacher_test_accuracy:.4f}"))
        return _html.table(["", "value"], rows, caption="knowledge distillation")


def distill(
    teacher: Any,
    dataset: Any,
    *,
    student: Any = None,
    temperature: float = 4.0,
    alpha: float = 0.7,
    epochs: int = 30,
    lr: float = 1e-2,
    batch_size: int = 64,
    seed: int = 0,
) -> DistillRun:
    """Train a student on the teacher's temperature-softened outputs plus the hard labels.

    Deterministic: one thread, deterministic kernels, seeded shuffling and initialisation.

    Args:
        teacher: the trained model (``mll.load_digits_cnn()``); ``None`` with ``alpha=0``.
        dataset: ``mll.load_digits()``.
        student: the network to train (default: ``student_cnn(seed=seed)``).
        temperature: softens both distributions; larger shows more of the teacher's
            "dark knowledge" (which wrong digits look alike).
        alpha: weight of the soft-target term; ``0`` trains on hard labels only.
        epochs, lr, batch_size: Adam hyperparameters.
        seed: seeds the student's initialisation and the shuffling.

    Example:
        >>> kd = mll.distill(mll.load_digits_cnn(), mll.load_digits(), seed=0)
        >>> hard = mll.distill(None, mll.load_digits(), alpha=0.0, seed=0)
    """

    _check_args(teacher, dataset, temperature, alpha, epochs, lr, batch_size, seed)
    if student is None:
        student = student_cnn(seed=seed)
    X, y = as_tensors(dataset.X_train, dataset.y_train)
    with deterministic(1):
        _fit(student, teacher, X, y, temperature, alpha, epochs, lr, batch_size, seed)
        test = _accuracy(student, *as_tensors(dataset.X_test, dataset.y_test))
        val = _accuracy(student, *as_tensors(dataset.X_val, dataset.y_val))
        teacher_acc = (
            None
            if teacher is None
            else _accuracy(teacher, *as_tensors(dataset.X_test, dataset.y_test))
        )
    params = sum(p.numel() for p in student.parameters())
    return DistillRun(
        student.eval(), test, val, int(params), float(temperature), float(alpha), epochs, seed,
        teacher_acc,
    )  # fmt: skip


def _fit(student, teacher, X, y, temperature, alpha, epochs, lr, batch_size, seed) -> None:
    import torch
    import torch.nn.functional as F

    torch.manual_seed(seed)
    soft = None
    if teacher is not None and alpha > 0:
        teacher.eval()
        with torch.no_grad():
            soft = F.softmax(teacher(X.view(-1, 1, 8, 8)) / temperature, dim=1)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(student.parameters(), lr=lr)
    student.train()
    for _ in range(epochs):
        order = torch.randperm(len(y), generator=gen)
        for start in range(0, len(y), batch_size):
            idx = order[start : start + batch_size]
            logits = student(X[idx])
            loss = F.cross_entropy(logits, y[idx])
            if soft is not None:
                log_p = F.log_softmax(logits / temperature, dim=1)
                kd = F.kl_div(log_p, soft[idx], reduction="batchmean") * temperature**2
                loss = alpha * kd + (1 - alpha) * loss
            opt.zero_grad()
            loss.backward()
            opt.step()
    student.eval()


def _accuracy(model: Any, X: Any, y: Any) -> float:
    import torch

    model.eval()
    with torch.no_grad():
        return float((model(X.view(-1, 1, 8, 8)).argmax(1) == y).float().mean())


def _check_args(teacher, dataset, temperature, alpha, epochs, lr, batch_size, seed) -> None:
    import torch

    if not all(hasattr(dataset, a) for a in ("X_train", "y_train", "X_test", "y_test")):
        raise MLLError(
            f"dataset={type(dataset).__name__} has no X_train/y_train; pass mll.load_digits()"
        )
    for name, value, low in (("temperature", temperature, 0.0), ("lr", lr, 0.0)):
        if not isinstance(value, numbers.Real) or isinstance(value, bool) or not value > low:
            raise MLLError(f"{name}={value!r} is not valid; pass a positive number")
    if not isinstance(alpha, numbers.Real) or isinstance(alpha, bool) or not 0 <= alpha <= 1:
        raise MLLError(f"alpha={alpha!r} is not valid; pass a weight in [0, 1] such as 0.7")
    counts = (("epochs", epochs, 1), ("batch_size", batch_size, 1), ("seed", seed, 0))
    for name, value, low in counts:
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise MLLError(f"{name}={value!r} is not valid; pass an integer >= {low}")
    if teacher is None and alpha > 0:
        raise MLLError("teacher=None needs alpha=0 (hard labels only); pass a trained teacher")
    if teacher is not None and not isinstance(teacher, torch.nn.Module):
        raise MLLError(
            f"teacher={type(teacher).__name__} is not a torch.nn.Module; pass mll.load_digits_cnn()"
        )

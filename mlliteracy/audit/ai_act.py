"""Which rules apply: the EU AI Act risk tier of an intended use, with a reason per article.

An audit starts by asking which obligations apply at all. :class:`IntendedUse` declares what a
system is for as a few facts (Art. 5 practices, an Annex III area, direct interaction with
people, emotion inference and on what data); :func:`ai_act_tier` answers the Act's questions in
order (Art. 5 prohibited, Art. 6 + Annex III high-risk, Art. 3(39) emotion recognition, Art. 50
transparency) and returns the tier with one row of reasons per article. The articles are worded
in ``assets/ai_act.yaml`` (Regulation (EU) 2024/1689, summarised; not legal advice).

Example:
    >>> mll.ai_act_tier(mll.demo_intended_use()).tier
    'limited'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._core import html as _html
from .._core.errors import MLLError
from .._core.expect import Verdict
from .._core.offline import asset_error, load_asset

if TYPE_CHECKING:
    import pandas as pd

ASSET = "ai_act.yaml"
#: the tiers, strictest first
TIERS = ("prohibited", "high-risk", "limited", "minimal")
COLUMNS = ["article", "question", "answer", "reason"]


def _rules() -> dict[str, dict[str, str]]:
    raw = load_asset(ASSET)
    try:
        return {k: {str(a): str(b) for a, b in raw[k].items()} for k in
                ("prohibited", "annex_iii", "transparency")}  # fmt: skip
    except (KeyError, TypeError, AttributeError) as err:
        raise asset_error(ASSET, err) from err


@dataclass(frozen=True)
class IntendedUse:
    """What a system is for, as the facts the AI Act's risk tiers turn on."""

    name: str
    purpose: str
    """The intended purpose in one sentence."""
    prohibited: tuple[str, ...] = ()
    """Art. 5(1) point letters of the practices it performs (normally none)."""
    annex_iii: str | None = None
    """The Annex III area ("1" to "8") its intended use is listed in, or None."""
    safety_component: bool = False
    """A safety component of a product under the Annex I legislation (Art. 6(1))."""
    interacts_with_people: bool = False
    """People talk to it directly (Art. 50(1))."""
    generates_content: bool = False
    """It generates synthetic audio, images, video or text (Art. 50(2))."""
    infers_emotion: bool = False
    """It infers emotions or intentions of people (e.g. sentiment, anger)."""
    biometric_input: bool = False
    """It does so from biometric data: face, voice, gait, keystrokes (Art. 3(34))."""

    def __post_init__(self) -> None:
        rules = _rules()
        bad = [p for p in self.prohibited if p not in rules["prohibited"]]
        if isinstance(self.prohibited, str) or bad:
            raise MLLError(
                f"prohibited={self.prohibited!r} must be a tuple of Art. 5(1) letters from "
                f"{sorted(rules['prohibited'])}, e.g. () or ('f',)"
            )
        if self.annex_iii is not None and str(self.annex_iii) not in rules["annex_iii"]:
            raise MLLError(
                f"annex_iii={self.annex_iii!r} is not an Annex III area; use None or one of "
                f"{sorted(rules['annex_iii'])} (e.g. '4' for employment)"
            )

    def replace(self, **changes: Any) -> IntendedUse:
        """A copy with some facts changed, e.g. ``use.replace(annex_iii="4")``."""
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise MLLError(f"unknown field(s) {unknown}; IntendedUse has {_field_names()}")
        return dataclasses.replace(self, **changes)


def _field_names() -> list[str]:
    return [f.name for f in dataclasses.fields(IntendedUse)]


def demo_intended_use() -> IntendedUse:
    """The intended use of the lesson's FAQ assistant (``demo`` in ``assets/ai_act.yaml``)."""
    raw = load_asset(ASSET)
    try:
        demo = dict(raw["demo"])
        demo["prohibited"] = tuple(demo.get("prohibited") or ())
        return IntendedUse(**demo)
    except (KeyError, TypeError) as err:
        raise asset_error(ASSET, err) from err


@dataclass(frozen=True)
class TierResult:
    """The AI Act tier of one intended use, with the reason per article."""

    name: str
    tier: str
    """One of :data:`TIERS`."""
    rows: tuple[tuple[str, str, str, str], ...]
    """(article, question, answer, reason) in the order the Act's questions are asked."""
    obligations: tuple[str, ...]
    """Articles whose duties apply (e.g. ``Art. 50(1)``; high-risk adds Art. 9-15)."""

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=COLUMNS)

    def explain(self) -> Verdict:
        """The tier and what follows for the rest of the audit, as Markdown."""
        duties = ", ".join(self.obligations) or "no specific duty"
        text = f"**{self.name}**: tier **{self.tier}**; duties: {duties}."
        if self.tier == "high-risk":
            text += " Annex IV technical documentation and Art. 9-15 are legal requirements here."
        elif self.tier == "prohibited":
            text += " The system may not be placed on the EU market or used there at all."
        else:
            text += (
                " Annex IV and Art. 9-15 do not bind this use; mapping them is best practice "
                "and shows what would be missing if it became high-risk."
            )
        return Verdict(text, self.tier)

    def __repr__(self) -> str:
        head = f"TierResult({self.name!r}: {self.tier}; duties: {', '.join(self.obligations)})"
        return head + "\n" + _html.text_table(COLUMNS, self.rows)

    def _repr_html_(self) -> str:
        caption = f"{self.name}: EU AI Act tier {self.tier}"
        return _html.table(COLUMNS, self.rows, caption=caption)


def ai_act_tier(use: IntendedUse | Mapping[str, Any]) -> TierResult:
    """Classify an intended use into an EU AI Act tier, with a reason per article.

    Args:
        use: an :class:`IntendedUse` (or a dict of its fields), e.g. ``mll.demo_intended_use()``.

    Returns:
        a :class:`TierResult`: ``tier`` in :data:`TIERS`, one row per article asked.

    Example:
        >>> mll.ai_act_tier(mll.demo_intended_use().replace(annex_iii="4")).tier
        'high-risk'
    """
    if isinstance(use, Mapping):
        try:
            use = IntendedUse(**{**use, "prohibited": tuple(use.get("prohibited") or ())})
        except TypeError as err:
            raise MLLError(
                f"use has fields IntendedUse lacks ({err}); use {_field_names()}"
            ) from err
    if not isinstance(use, IntendedUse):
        raise MLLError(f"use is {type(use).__name__}; pass mll.demo_intended_use() or a dict")
    r = _rules()
    rows: list[tuple[str, str, str, str]] = []
    bans = [f"5(1)({p}): {r['prohibited'][p]}" for p in use.prohibited]
    none = "none of the eight practices of Art. 5(1) is performed"
    rows.append(
        ("Art. 5", "a prohibited practice?", "yes" if bans else "no", "; ".join(bans) or none)
    )
    emotion_system = use.infers_emotion and use.biometric_input
    if use.infers_emotion:
        why = (
            "it infers emotions from biometric data: an emotion recognition system"
            if emotion_system
            else "it infers emotion from text, which is not biometric data (Art. 3(34)), so it "
            "is not an emotion recognition system"
        )
    else:
        why = "it infers no emotions or intentions"
    rows.append(("Art. 3(39)", "an emotion recognition system?", "yes" if emotion_system else "no",
                 why))  # fmt: skip
    area = "1" if emotion_system and use.annex_iii is None else use.annex_iii
    high = use.safety_component or area is not None
    if area is not None:
        why = f"Annex III({area}): {r['annex_iii'][str(area)]}"
    elif use.safety_component:
        why = "a safety component of a product under Annex I (Art. 6(1))"
    else:
        why = "not a safety component, and its use is in none of the eight Annex III areas"
    rows.append(("Art. 6 + Annex III", "high-risk?", "yes" if high else "no", why))
    duties = []
    for art, applies in (("50(1)", use.interacts_with_people), ("50(2)", use.generates_content),
                         ("50(3)", emotion_system)):  # fmt: skip
        if applies:
            duties.append(f"Art. {art}")
            rows.append((f"Art. {art}", "a transparency duty?", "yes", r["transparency"][art]))
    if not duties:
        rows.append(("Art. 50", "a transparency duty?", "no", "no Art. 50 trigger applies"))
    if bans:
        tier, obligations = "prohibited", ["Art. 5"]
    elif high:
        tier, obligations = "high-risk", ["Art. 9-15", "Annex IV", *duties]
    else:
        tier, obligations = ("limited" if duties else "minimal"), duties
    return TierResult(use.name, tier, tuple(rows), tuple(obligations))

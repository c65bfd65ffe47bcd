"""The AI Act tier of an intended use: each tier from a constructed use, reasons per article."""

from __future__ import annotations

import pytest

import mlliteracy as mll
from mlliteracy.audit.ai_act import TIERS, ai_act_tier, demo_intended_use


def test_demo_assistant_is_limited_risk_with_the_art_50_1_duty():
    result = ai_act_tier(demo_intended_use())
    assert result.tier == "limited"
    assert result.obligations == ("Art. 50(1)",)
    frame = result.to_frame()
    assert list(frame.article) == ["Art. 5", "Art. 3(39)", "Art. 6 + Annex III", "Art. 50(1)"]
    assert list(frame.answer) == ["no", "no", "no", "yes"]
    assert "not biometric" in frame.loc[1, "reason"]
    assert result.explain().outcome == "limited"
    assert "best practice" in result.explain().text


def test_employment_screening_is_high_risk_under_annex_iii_4():
    use = demo_intended_use().replace(
        name="CV screener", purpose="ranks job applications", annex_iii="4"
    )
    result = ai_act_tier(use)
    assert result.tier == "high-risk"
    assert "Annex IV" in result.obligations and "Art. 9-15" in result.obligations
    assert "Annex III(4): employment" in result.to_frame().loc[2, "reason"]
    assert result.explain().outcome == "high-risk"
    assert "legal requirements" in result.explain().text


def test_emotion_from_biometric_data_is_an_emotion_recognition_system():
    result = ai_act_tier(demo_intended_use().replace(biometric_input=True))
    assert result.tier == "high-risk"
    frame = result.to_frame().set_index("article")
    assert frame.loc["Art. 3(39)", "answer"] == "yes"
    assert "Annex III(1)" in frame.loc["Art. 6 + Annex III", "reason"]
    assert "Art. 50(3)" in result.obligations


def test_a_prohibited_practice_wins_and_no_duty_means_minimal():
    assert ai_act_tier(demo_intended_use().replace(prohibited=("f",))).tier == "prohibited"
    quiet = demo_intended_use().replace(interacts_with_people=False, infers_emotion=False)
    result = ai_act_tier(quiet)
    assert result.tier == "minimal" and result.obligations == ()
    assert set(TIERS) == {"prohibited", "high-risk", "limited", "minimal"}


def test_a_dict_works_and_repr_is_plain_text():
    fields = {"name": "bot", "purpose": "chat", "interacts_with_people": True}
    result = mll.ai_act_tier(fields)
    assert result.tier == "limited"
    assert repr(result).startswith("TierResult('bot': limited")
    assert "<table" in result._repr_html_()


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"annex_iii": "9"}, "annex_iii='9'"), ({"prohibited": ("z",)}, "prohibited=")],
)
def test_bad_facts_are_refused_with_the_argument_named(changes, message):
    with pytest.raises(mll.MLLError, match=message):
        demo_intended_use().replace(**changes)


def test_unknown_fields_are_refused():
    with pytest.raises(mll.MLLError, match="unknown field"):
        demo_intended_use().replace(area="4")
    with pytest.raises(mll.MLLError, match="IntendedUse lacks"):
        ai_act_tier({"name": "x", "purpose": "y", "area": "4"})
    with pytest.raises(mll.MLLError, match=r"pass mll\.demo_intended_use"):
        ai_act_tier(42)

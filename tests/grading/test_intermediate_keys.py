"""Fair feedback and graded probes in the intermediate exercises.

Answers go through ``score_question`` with the solution's compiled key, hidden criteria
included: the criteria (instant feedback, no points since #18) judge facts the learner
measures, and a wrong answer fails them. Graded points come from the key's probes (the
learner's code rerun on other inputs): every scored question has two probes or a review note,
each probe changes the answer, and the probes live in the solution only. Free text earns no
automatic points and is flagged for a person.
"""

from __future__ import annotations

import ast
import json
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import mlliteracy as mll
from mlliteracy.grading.assign import read_key
from mlliteracy.grading.checks import CheckResult
from mlliteracy.grading.grade import _Key, _row, score_answers
from mlliteracy.grading.key import PLAIN_KINDS, key_hash
from tests.grading import keys

ROOT = Path(__file__).resolve().parents[2]
EXERCISES = ("bottleneck_analysis", "cost_memo", "pipeline_faults")
FORMAT_KINDS = ("type", "length", "min_words")
PROSE = {
    "bottleneck_analysis": "q5_diagnosis",
    "cost_memo": "q7_memo",
    "pipeline_faults": "q6_incident_note",
}


_solution = partial(keys.solution, "intermediate")
_key = partial(keys.key, "intermediate")


def _parameters(name: str, nb: dict[str, Any] | None = None) -> dict[str, Any]:
    """The literal values assigned in the `parameters` cell of an exercise (or notebook)."""
    cells = (nb or _solution(name))["cells"]
    cell = next(c for c in cells if "parameters" in c["metadata"].get("tags", []))
    values = {}
    for node in ast.parse("".join(cell["source"])).body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                names = target.elts if isinstance(target, ast.Tuple) else [target]
                for n in names:
                    values[n.id] = None
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            flat = value if isinstance(value, tuple) else (value,)
            for n, v in zip(names, flat, strict=False):
                values[n.id] = v
    return values


score = partial(keys.score, "intermediate")
full, fails = keys.full, keys.fails


# ------------------------------------------------------------------ free text: a person scores it
@pytest.mark.parametrize(("name", "qid"), PROSE.items())
def test_free_text_earns_no_automatic_points_and_is_flagged(name, qid):
    q = _key(name)["questions"][qid]
    # no probes: its points are the most a reviewer can give (the gradebook test below shows
    # that an answer earns 0 automatically and is flagged for review)
    assert q["points"] > 0 and q.get("review") and not q.get("probes")
    others = [p["points"] for k, p in _key(name)["questions"].items() if k != qid]
    assert all(p > 0 for p in others)


@pytest.mark.parametrize(("name", "qid"), PROSE.items())
def test_a_flagged_answer_lands_in_the_gradebooks_review_column(name, qid):
    compiled = _key(name)
    key = _Key(compiled["name"], compiled, key_hash(compiled))
    answer = compiled["questions"][qid]["answer"]
    results = score_answers(key, {answer: "Some prose an instructor must read."})
    row = _row("learner", "sha", key, "graded", "", results)
    assert row["needs_review"] == qid and row[qid] == 0
    blank = _row("learner", "sha", key, "graded", "", score_answers(key, {}))
    assert blank["needs_review"] == ""


@pytest.mark.parametrize("name", EXERCISES)
def test_graded_questions_carry_no_format_only_criteria(name):
    for qid, q in read_key(_solution(name))["questions"].items():
        kinds = [k for c in q["criteria"] for k in PLAIN_KINDS if k in c]
        if q["points"]:
            assert not set(kinds) & set(FORMAT_KINDS), f"{qid} earns points for format: {kinds}"


def _secret_texts(values: list[Any]) -> list[str]:
    """Expected values as they could appear in a hint (names, and numbers of 2+ digits)."""
    out = []
    for v in values:
        if isinstance(v, str):
            out.append(v.casefold())
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) >= 10:
            out.append(str(int(v)))
    return out


@pytest.mark.parametrize("name", EXERCISES)
def test_every_hint_states_a_method_not_a_value(name):
    for qid, q in read_key(_solution(name))["questions"].items():
        for c in q["criteria"]:
            expected = c.get("equals", c.get("one_of"))
            secrets = _secret_texts(expected if isinstance(expected, list) else [expected])
            for hint in (c.get("hint", ""), c.get("hint2", "")):
                plain = hint.casefold().replace(",", "")
                assert not any(v in plain for v in secrets), (qid, hint)


# ------------------------------------------------------------------ graded by probes
@pytest.mark.parametrize("name", EXERCISES)
def test_every_scored_question_is_probed_or_reviewed(name):
    key = _key(name)
    scored = {qid: q for qid, q in key["questions"].items() if q["points"] > 0}
    assert scored, f"{name} has no scored question"
    for qid, q in scored.items():
        assert q.get("probes") or q.get("review"), f"{name} {qid}: points without probes"
        assert len(q.get("probes", [])) != 1, f"{name} {qid}: give two probes, not one"
        for probe in q.get("probes", []):
            assert "rerun" in probe or "expr" in probe, (name, qid, probe["name"])
    auto = sum(q["points"] for q in scored.values() if q.get("probes"))
    assert auto > sum(q["points"] for q in scored.values()) / 2  # most points on probes


@pytest.mark.parametrize("name", EXERCISES)
def test_probes_never_reach_the_exercise(name):
    assert not keys.leaked_probes("intermediate", name)


@pytest.mark.parametrize(
    ("name", "qid", "answer"),
    [
        ("bottleneck_analysis", "q1_stages", {"load model": 1, "tokenize": 3, "forward": 3}),
        ("bottleneck_analysis", "q2_random_fills", {"naive": 3, "load once": 0}),  # the loads
        (
            "bottleneck_analysis",
            "q3_padding",
            {"dynamic_tokens": 512, "padding_share": 0.0, "longest_tokens": 512},
        ),
        (
            "bottleneck_analysis",
            "q4_batch_tokens",
            {"one at a time": 3072, "in arrival order": 3072, "sorted by length": 3072},
        ),
        ("pipeline_faults", "q1_copies", {"exact": 87, "near": 0, "share": 87 / 467}),
        ("pipeline_faults", "q2_skew", {"ratio": 1.0, "drifted features": 0}),
        ("pipeline_faults", "q3_leakage", {"shipped": True, "refit on train": True}),
        ("pipeline_faults", "q4_noise", {"flagged": 350, "flipped": 350, "found": 350}),
        (
            "pipeline_faults",
            "q5_fault",
            {"inflated the test score": "serving fix", "cost users the most": "group split"},
        ),
    ],
)
def test_an_answer_of_the_right_type_but_wrong_fails_its_checks(name, qid, answer):
    assert fails(score(name, qid, answer))


# ------------------------------------------------------------------ bottleneck analysis
SALAD = (
    "reload reloads reloading model loads 512 inference mode autograd batching batch "
    "74 95.5% 0.955 padding dynamic load once vectorised words words words words words "
) * 3


def test_bottleneck_keyword_salad_scores_nothing():
    result = score(
        "bottleneck_analysis", "q5_diagnosis", SALAD, uniform_calls=74, padding_share=0.955078125
    )
    assert result.passed == len(result.criteria)  # the feedback is satisfied ...
    assert result.score == 0 and result.review  # ... and still earns nothing by itself


def test_bottleneck_graded_answers_are_not_the_parameters():
    values = _parameters("bottleneck_analysis").values()
    params = {v for v in values if isinstance(v, int) and not isinstance(v, bool)}
    plain = read_key(_solution("bottleneck_analysis"))
    for qid, q in plain["questions"].items():
        if q["points"] == 0:
            continue
        for c in q["criteria"]:
            expected = c.get("equals", c.get("one_of"))
            values = expected if isinstance(expected, list) else [expected]
            numbers = {v for v in values if isinstance(v, int) and not isinstance(v, bool)}
            assert not numbers & params, f"{qid} answers with a parameter: {numbers & params}"


def _bottleneck_padding(tokenizer: Any, texts: list[str]) -> dict[str, Any]:
    lengths = [len(tokenizer(t)["input_ids"]) for t in texts]
    return {
        "dynamic_tokens": lengths[0],
        "padding_share": (512 - lengths[0]) / 512,
        "longest_tokens": max(lengths),
    }


def _bottleneck_batches(tokenizer: Any, texts: list[str], batch: int) -> dict[str, int]:
    lengths = [len(tokenizer(t)["input_ids"]) for t in texts]

    def positions(ls: list[int]) -> int:
        return sum(
            len(ls[i : i + batch]) * max(ls[i : i + batch]) for i in range(0, len(ls), batch)
        )

    return {
        "one at a time": sum(lengths),
        "in arrival order": positions(lengths),
        "sorted by length": positions(sorted(lengths)),
    }


def _bottleneck_inputs() -> dict[str, Any]:
    """The set-up cells' inputs: tweets, texts, requests, BATCH (no model is loaded)."""
    params = _parameters("bottleneck_analysis")
    tweets = mll.load_tweets(seed=0)
    texts = [str(t) for t in tweets.X_test[: params["N_AGREE"]]]
    requests = [[t] for t in texts[: params["N_PROFILE"]]]
    return {"tweets": tweets, "texts": texts, "requests": requests, "BATCH": params["BATCH"]}


def test_bottleneck_token_answers_match_the_tokenizer():
    env = _bottleneck_inputs()
    tokenizer = mll.shared_tokenizer()
    padding = _bottleneck_padding(tokenizer, env["texts"])
    assert full(score("bottleneck_analysis", "q3_padding", padding))
    answer = _bottleneck_batches(tokenizer, env["texts"], env["BATCH"])
    assert answer["sorted by length"] < answer["in arrival order"]
    assert full(score("bottleneck_analysis", "q4_batch_tokens", answer))
    padded_to_max = {**answer, "in arrival order": 512 * len(env["texts"])}
    assert score("bottleneck_analysis", "q4_batch_tokens", padded_to_max).passed == 2


def test_bottleneck_token_probes_change_the_answer():
    env = _bottleneck_inputs()
    tokenizer = mll.shared_tokenizer()
    probes = read_key(_solution("bottleneck_analysis"))["questions"]
    original = _bottleneck_padding(tokenizer, env["texts"])
    for probe in probes["q3_padding"]["probes"]:
        texts = eval(probe["rerun"]["texts"], dict(env))  # the key's own text
        assert _bottleneck_padding(tokenizer, texts) != original, probe["name"]
    original = _bottleneck_batches(tokenizer, env["texts"], env["BATCH"])
    for probe in probes["q4_batch_tokens"]["probes"]:
        values = {k: eval(v, dict(env)) for k, v in probe["rerun"].items()}
        texts, batch = values.get("texts", env["texts"]), values.get("BATCH", env["BATCH"])
        rerun = _bottleneck_batches(tokenizer, texts, batch)
        assert rerun != original and rerun["sorted by length"] <= rerun["in arrival order"]


def test_bottleneck_stage_and_fill_probes_change_the_answer():
    """The naive pipeline runs one text per pass: a load (one model's random fills), a
    tokenize and a forward per text, and two post-processing stages (pooling, scoring). Each
    probe sends other texts or swaps in pipelines that reload (or not): the counts change."""
    env = _bottleneck_inputs()
    plain = read_key(_solution("bottleneck_analysis"))["questions"]

    def stages(requests: list[list[str]]) -> dict[str, int]:
        n = sum(len(r) for r in requests)
        return {"load model": n, "tokenize": n, "forward": n, "postprocess": 2 * n}

    original = next(c["equals"] for c in plain["q1_stages"]["criteria"] if "path" not in c)
    assert stages(env["requests"]) == original
    for probe in plain["q1_stages"]["probes"]:
        assert stages(eval(probe["rerun"]["requests"], dict(env))) != original, probe["name"]

    criteria = {c["path"]: c["equals"] for c in plain["q2_random_fills"]["criteria"]}
    per_load = criteria["naive"]

    def fills(rerun: dict[str, str]) -> dict[str, int]:
        first = eval(rerun.get("requests", "requests"), dict(env))[0]
        reloads = {
            "naive": "reload_per_request=True" in rerun.get("naive", "reload_per_request=True"),
            "load once": "reload_per_request=True" in rerun.get("once", ""),
        }
        return {k: per_load * len(first) if r else 0 for k, r in reloads.items()}

    assert fills({}) == criteria
    for probe in plain["q2_random_fills"]["probes"]:
        assert fills(probe["rerun"]) != criteria, probe["name"]


def test_bottleneck_random_fills_reject_the_model_loads():
    loads = _parameters("bottleneck_analysis")["N_PROFILE"]
    assert (
        score("bottleneck_analysis", "q2_random_fills", {"naive": loads, "load once": 0}).passed
        == 1
    )


# ------------------------------------------------------------------ cost memo
def _deterministic_table() -> Any:
    """The cost memo's table, its machine-independent columns (sizes of the saved files)."""
    import pandas as pd

    rows = {  # variant: size_bytes, drop_points, accuracy, nonzero_params, flops
        "fp32": (153_792, 0.0, 0.981481, 38_282, 675_072),
        "int8 static": (48_597, 0.0, 0.981481, 38_282, 675_072),
        "pruned 30%": (153_792, 0.0, 0.981481, 26_835, 675_072),
        "channels (4, 8)": (37_608, 1.8519, 0.962963, 9_242, 59_136),
        "student": (9_728, 4.4444, 0.937037, 2_314, 13_632),
    }
    columns = ["size_bytes", "drop_points", "accuracy", "nonzero_params", "flops"]
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns)


def _cost_memo_probes(qid: str) -> list[dict[str, Any]]:
    return read_key(_solution("cost_memo"))["questions"][qid]["probes"]


def _cost_memo_feedback_only(result: CheckResult) -> bool:
    """Every criterion passes, and criteria earn nothing: the points come from the probes."""
    return result.passed == len(result.criteria) and result.score == 0 and not result.review


def _cost_memo_budget(frame: Any, budget: float, max_drop: float) -> dict[str, Any]:
    fits = frame[frame["size_bytes"] <= budget]
    rule = {"max_drop_points": max_drop, "objective": "nonzero_params"}
    return {
        "fits": sorted(fits.index),
        "pick": mll.recommend(fits, **rule).chosen,
        "pick without the file budget": mll.recommend(frame, **rule).chosen,
        "pick without the accuracy limit": mll.recommend(
            fits, max_drop_points=100, objective="nonzero_params"
        ).chosen,
    }


def test_cost_memo_budget_answers_are_what_recommend_picks_on_the_filtered_table():
    params = _parameters("cost_memo")
    frame = _deterministic_table()
    answer = _cost_memo_budget(frame, params["BUDGET_BYTES"], params["MAX_DROP"])
    assert _cost_memo_feedback_only(score("cost_memo", "q5_budget", answer))
    # both constraints bind: dropping either one changes the pick
    assert answer["pick"] not in (
        answer["pick without the file budget"],
        answer["pick without the accuracy limit"],
    )
    unfiltered = {**answer, "pick": answer["pick without the file budget"]}  # budget ignored
    assert score("cost_memo", "q5_budget", unfiltered).passed == 3
    # each probe's budget and rule leave a pick (no error) and change the answer
    for probe in _cost_memo_probes("q5_budget"):
        values = {k: ast.literal_eval(v) for k, v in probe["rerun"].items()}
        budget = values.get("BUDGET_BYTES", params["BUDGET_BYTES"])
        rerun = _cost_memo_budget(frame, budget, values.get("MAX_DROP", params["MAX_DROP"]))
        assert rerun != answer, probe["name"]


def test_cost_memo_choice_probes_change_the_pick():
    frame = _deterministic_table()

    def choice(table: Any, wide: float, strict: float) -> dict[str, Any]:
        pick = mll.recommend(table, max_drop_points=wide, objective="size_bytes")
        within = mll.recommend(table, max_drop_points=strict, objective="size_bytes")
        return {"within 5": pick.chosen, "drop": pick.row["drop_points"], "within 1": within.chosen}

    answer = choice(frame, 5, 1)
    assert _cost_memo_feedback_only(score("cost_memo", "q4_choice", answer))
    names = [p["name"] for p in _cost_memo_probes("q4_choice")]
    assert names == ["a table without the student", "other limits"]
    assert choice(frame.drop(index="student"), 5, 1) != answer
    assert choice(frame, 4, 2) not in (answer, choice(frame.drop(index="student"), 5, 1))


def _cost_memo_price(frame: Any, chosen: str, price: float, gflops: float) -> dict[str, Any]:
    rate = gflops * 1e9 / int(frame.loc[chosen, "flops"])
    measured = 140_000.0  # a throughput_per_s of the student on one thread
    return {
        "requests per second": rate,
        "usd per 1k requests": mll.cost_per_1k_requests(price, rate),
        "usd per 1k at your throughput": mll.cost_per_1k_requests(price, measured),
    }


def test_cost_memo_price_follows_the_formula_and_catches_unit_slips():
    params = _parameters("cost_memo")
    price, gflops = params["PRICE_PER_HOUR"], params["SUSTAINED_GFLOPS"]
    frame = _deterministic_table()
    answer = _cost_memo_price(frame, "student", price, gflops)
    assert _cost_memo_feedback_only(score("cost_memo", "q6_cost", answer))
    rate = answer["requests per second"]
    assert answer["usd per 1k requests"] == pytest.approx(price / (rate * 3600) * 1000)
    per_request = {k: v / 1000 if k.startswith("usd") else v for k, v in answer.items()}
    assert score("cost_memo", "q6_cost", per_request).passed == 1
    per_second = {k: v * 3600 if k.startswith("usd") else v for k, v in answer.items()}
    assert score("cost_memo", "q6_cost", per_second).passed == 1
    # each probe reruns the formula on another quote or pick: the entry it compares changes
    for probe in _cost_memo_probes("q6_cost"):
        assert probe["path"] != "usd per 1k at your throughput"  # a timing is never graded
        env = {"mll": mll, "table": frame, **params}
        values = {k: eval(v, env) for k, v in probe["rerun"].items()}  # the key's own text
        chosen = values["pick"].chosen if "pick" in values else "student"
        rerun = _cost_memo_price(
            frame,
            chosen,
            values.get("PRICE_PER_HOUR", price),
            values.get("SUSTAINED_GFLOPS", gflops),
        )
        path = probe["path"]
        assert f"{rerun[path]:.3g}" != f"{answer[path]:.3g}", probe["name"]


def test_cost_memo_every_scored_question_has_two_probes_on_machine_independent_facts():
    for qid, q in read_key(_solution("cost_memo"))["questions"].items():
        if q.get("review"):  # a person gives these points; nothing automatic
            assert not q.get("probes"), qid
            continue
        probes = q.get("probes", [])
        assert len(probes) >= 2, qid
        for probe in probes:  # never a timing: REPEATS only changes how often variants are timed
            assert "REPEATS" not in probe.get("rerun", {}), (qid, probe["name"])
            assert "throughput" not in str(probe.get("path", "")), (qid, probe["name"])


def test_cost_memo_keyword_salad_scores_nothing():
    salad = "distillation student dense same size zeros 5 points constraint 4.44 9728 " * 5
    result = score("cost_memo", "q7_memo", salad, chosen_drop=4.4444, chosen_size=9728)
    assert result.passed == len(result.criteria) and result.score == 0 and result.review


# ------------------------------------------------------------------ pipeline faults
def test_pipeline_faults_plants_other_faults_than_the_lesson():
    lesson = json.loads((ROOT / "reference/intermediate/03_pipeline_failures.ipynb").read_text())
    ours, theirs = _parameters("pipeline_faults"), _parameters("", lesson)
    for name in ("SEED", "NOISE_RATE", "DUP_FRACTION"):
        assert ours[name] != theirs[name], f"{name} is the lesson's value"


@pytest.fixture(scope="module")
def faults_case() -> Any:
    p = _parameters("pipeline_faults")
    settings = {"seed": p["SEED"], "noise_rate": p["NOISE_RATE"], "dup_fraction": p["DUP_FRACTION"]}
    return mll.broken_pipeline(**settings), settings


def test_pipeline_faults_copies_and_noise_match_the_ground_truth(faults_case):
    case, settings = faults_case
    overlap = mll.split_overlap({"train": case.X_train, "test": case.X_test})
    assert overlap.exact + overlap.near == case.planted["test_rows_with_copy_in_train"]
    share = (overlap.exact + overlap.near) / len(case.X_test)
    copies = {"exact": overlap.exact, "near": overlap.near, "share": share}
    assert full(score("pipeline_faults", "q1_copies", copies))
    noise = mll.label_noise_estimate(case.X_train, case.y_train, seed=settings["seed"])
    flipped = set(case.planted["flipped"])
    found = len(flipped & set(noise.flagged))
    answer = {"flagged": len(noise.flagged), "flipped": len(flipped), "found": found}
    assert full(score("pipeline_faults", "q4_noise", answer))
    assert score("pipeline_faults", "q4_noise", {**answer, "found": found + 3}).passed == 2


def test_pipeline_faults_skew_and_leakage_answers(faults_case):
    from sklearn.base import clone

    case, _ = faults_case
    skew = {
        "ratio": float(case.X_train.max() / case.X_serve.max()),
        "drifted features": mll.compare_distributions(case.X_train, case.X_serve).n_significant,
    }
    assert full(score("pipeline_faults", "q2_skew", skew))
    inverted = {**skew, "ratio": 1 / skew["ratio"]}  # serving over training
    assert score("pipeline_faults", "q2_skew", inverted).passed == 1
    refit = clone(case.preprocess).fit(case.X_train, case.y_train)
    scope = {
        "shipped": mll.fitted_on_train_only(case.preprocess, case.X_train, case.y_train),
        "refit on train": mll.fitted_on_train_only(refit, case.X_train, case.y_train),
    }
    assert full(score("pipeline_faults", "q3_leakage", scope))
    assert (
        score("pipeline_faults", "q3_leakage", {"shipped": True, "refit on train": True}).passed
        == 1
    )


def test_pipeline_faults_fault_names_come_from_the_ablation(faults_case):
    _, settings = faults_case
    singles = mll.ablate_fixes(**settings).frame.set_index("pipeline").loc[list(mll.FIXES)]
    by_test = singles["test_acc"].sort_values()
    assert by_test.iloc[1] - by_test.iloc[0] > 0.02  # not a tie: the decision is clear
    faults = {
        "inflated the test score": by_test.index[0],
        "cost users the most": singles["users_change"].idxmax(),
    }
    assert full(score("pipeline_faults", "q5_fault", faults))
    swapped = {"inflated the test score": "serving fix", "cost users the most": "group split"}
    assert fails(score("pipeline_faults", "q5_fault", swapped))
    assert full(
        score("pipeline_faults", "q5_fault", {**faults, "inflated the test score": "duplicates"})
    )


def _faults_answer(qid: str, case: Any, seed: int) -> Any:
    """What the solution's cell for ``qid`` computes on ``case`` (and ``seed``)."""
    from sklearn.base import clone

    if qid == "q1_copies":
        overlap = mll.split_overlap({"train": case.X_train, "test": case.X_test})
        share = (overlap.exact + overlap.near) / len(case.X_test)
        return {"exact": overlap.exact, "near": overlap.near, "share": share}
    if qid == "q2_skew":
        drift = mll.compare_distributions(case.X_train, case.X_serve)
        ratio = float(case.X_train.max() / case.X_serve.max())
        return {"ratio": ratio, "drifted features": drift.n_significant}
    if qid == "q3_leakage":
        refit = clone(case.preprocess).fit(case.X_train, case.y_train)
        return {
            "shipped": mll.fitted_on_train_only(case.preprocess, case.X_train, case.y_train),
            "refit on train": mll.fitted_on_train_only(refit, case.X_train, case.y_train),
        }
    noise = mll.label_noise_estimate(case.X_train, case.y_train, seed=seed)
    flipped = set(case.planted["flipped"])
    found = len(flipped & set(noise.flagged))
    return {"flagged": len(noise.flagged), "flipped": len(flipped), "found": found}


@pytest.mark.parametrize("qid", ["q1_copies", "q2_skew", "q3_leakage", "q4_noise"])
def test_pipeline_faults_each_probe_changes_the_answer(faults_case, qid):
    from mlliteracy.grading.key import canon

    case, settings = faults_case
    original = _faults_answer(qid, case, settings["seed"])
    assert full(score("pipeline_faults", qid, original))
    for probe in read_key(_solution("pipeline_faults"))["questions"][qid]["probes"]:
        env = {"mll": mll, "case": case, "SEED": settings["seed"]}
        values = {k: eval(v, env) for k, v in probe["rerun"].items()}  # the key's own text
        rerun = _faults_answer(qid, values["case"], values.get("SEED", settings["seed"]))
        sig = probe.get("sig")
        assert canon(rerun, sig) != canon(original, sig), probe["name"]
        assert fails(score("pipeline_faults", qid, rerun)), probe["name"]


def test_pipeline_faults_fault_probes_change_the_names_without_a_tie(faults_case):
    _, settings = faults_case
    original = {"inflated the test score": "group split", "cost users the most": "serving fix"}
    assert full(score("pipeline_faults", "q5_fault", original))
    for probe in read_key(_solution("pipeline_faults"))["questions"]["q5_fault"]["probes"]:
        values = {k.lower(): ast.literal_eval(v) for k, v in probe["rerun"].items()}
        frame = mll.ablate_fixes(**{**settings, **values}).frame.set_index("pipeline")
        singles = frame.loc[list(mll.FIXES)]
        by_test, by_users = singles["test_acc"].sort_values(), singles["users_change"]
        assert by_test.iloc[1] - by_test.iloc[0] > 0.01, probe["name"]  # idxmin or sort: same
        assert by_test.iloc[0] < frame.loc["broken", "test_acc"], probe["name"]  # it lowers it
        assert by_users.sort_values().iloc[-2] < by_users.max() - 0.1, probe["name"]
        faults = {
            "inflated the test score": by_test.index[0],
            "cost users the most": by_users.idxmax(),
        }
        assert faults != original, probe["name"]


def test_pipeline_faults_keyword_salad_scores_nothing():
    salad = "skew serving 255 duplicates leakage noise overfitting 35.5% 295 " * 5
    result = score("pipeline_faults", "q6_incident_note", salad, copy_share=166 / 467, found=295)
    assert result.passed == len(result.criteria) and result.score == 0 and result.review

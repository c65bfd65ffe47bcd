"""Hidden probes: which cells rerun, what a replaced input does, how values compare."""

from __future__ import annotations

from mlliteracy.grading.execute import answer_blocks, passes, plan, probe_source, setup_source


def _code(ident: str, source: str) -> dict:
    return {"cell_type": "code", "id": ident, "metadata": {}, "outputs": [], "source": source}


SOLUTION = {
    "cells": [
        _code("key", "import mlliteracy as mll\nKEY = {}\nmll.use_key(KEY)"),
        _code("setup", "numbers = load()"),
        _code("a1", "### BEGIN SOLUTION\ntotal = sum(numbers)\n### END SOLUTION"),
        _code("c1", 'mll.check("q_sum", total)'),
        _code("show", "print(total)"),
        _code(
            "a2",
            '### BEGIN SOLUTION\nmean = total / 3\n### END SOLUTION\nmll.check("q_mean", mean)',
        ),
    ]
}


def test_blocks_rerun_the_answer_cells_not_the_set_up():
    blocks = answer_blocks(SOLUTION, SOLUTION)
    assert blocks["q_sum"] == [SOLUTION["cells"][2]["source"], 'mll.check("q_sum", total)']
    assert blocks["q_mean"] == [SOLUTION["cells"][5]["source"]]  # "show" is the exercise's own


def test_cells_the_learner_added_are_rerun_and_a_removed_check_falls_back_to_ids():
    learner = {"cells": [dict(c) for c in SOLUTION["cells"]]}
    learner["cells"].insert(2, _code("mine", "helper = 1"))
    learner["cells"][4] = _code("c1", "print('no check here')")  # the learner removed the call
    blocks = answer_blocks(learner, SOLUTION)
    # no check call for q_sum any more: its cells are found by the solution's cell ids
    assert blocks["q_sum"] == [SOLUTION["cells"][2]["source"], "print('no check here')"]
    # the next question's block starts after the key cell now and takes the learner's cell
    assert blocks["q_mean"][0] == "helper = 1" and "print(total)" not in blocks["q_mean"]


def _run(namespace: dict, spec: dict, cells: list[str]):
    exec(setup_source(), namespace)
    exec(probe_source(0, spec, cells), namespace)
    return namespace["__mll_probe_values"][0]


def test_a_replaced_input_survives_its_own_assignment_and_globals_are_untouched():
    ns = {"numbers": [10, 12, 20], "total": 42}
    cells = ["numbers = [10, 12, 20]\ntotal = sum(numbers)"]
    spec = {"rerun": {"numbers": "[1, 2, 3]"}, "answer": "total"}
    assert _run(ns, spec, cells) == 6
    assert ns["total"] == 42 and ns["numbers"] == [10, 12, 20]


def test_a_memorised_answer_does_not_follow_the_input():
    ns = {"numbers": [10, 12, 20], "total": 42}
    spec = {"rerun": {"numbers": "[1, 2, 3]"}, "answer": "total"}
    assert _run(ns, spec, ["total = 42"]) == 42


def test_expression_probes_call_the_learners_function_and_errors_give_none():
    ns: dict = {}
    exec("def conv_params(k, c_in, c_out):\n    return k * k * c_in * c_out + c_out", ns)
    assert _run(ns, {"expr": "conv_params(7, 13, 5)", "answer": "x"}, []) == 7 * 7 * 13 * 5 + 5
    assert _run(ns, {"expr": "conv_params(1)", "answer": "x"}, []) is None


def test_plan_lists_every_probe_with_its_cells():
    questions = {
        "q_sum": {"answer": "total", "probes": [{"name": "n", "rerun": {"numbers": "[1]"}}]},
        "q_mean": {"answer": "mean", "probes": [{"name": "m", "expr": "mean * 2", "sig": 2}]},
    }
    steps = plan(questions, answer_blocks(SOLUTION, SOLUTION))
    assert [s["question"] for s in steps] == ["q_sum", "q_mean"]
    assert steps[0]["cells"] and steps[1]["cells"] == []  # an expression reruns nothing
    assert "name" not in steps[0]["spec"] and "sig" not in steps[1]["spec"]


def test_values_compare_like_criteria():
    assert passes({"sig": 2}, 0.5161, 0.516)
    assert not passes({}, 0.5161, 0.516)
    assert passes({"path": "a"}, {"a": "Embeddings "}, {"a": "embeddings"})
    assert not passes({}, None, None)  # nothing to compare is a failure
    assert not passes({"path": "b"}, {"a": 1}, {"a": 1})

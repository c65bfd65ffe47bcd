import importlib.util
import json
import math
from pathlib import Path

import pytest
import torch

import mlliteracy as mll
from mlliteracy.training import deterministic, file_sha256, forward_flops

ROOT = Path(__file__).resolve().parents[1]
DIGITS_FORWARD_FLOPS = 2 * (64 * 16 * 9 + 64 * 32 * 16 * 9 + 512 * 64 + 64 * 10)


@pytest.fixture(scope="module")
def digits():
    return mll.load_digits()


def _small_run(digits, seed=0, **kw):
    torch.manual_seed(seed)
    options = {"epochs": 3, "batch_size": 32, "train_subset": 200, "seed": seed, **kw}
    return mll.train(mll.DigitsCNN(), digits, **options)


def _script():
    path = ROOT / "scripts" / "train_digits_cnn.py"
    spec = importlib.util.spec_from_file_location("train_digits_cnn", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_history_has_one_row_per_epoch_with_exact_step_counts(digits):
    run = _small_run(digits)
    h = run.history
    assert list(h["epoch"]) == [1, 2, 3]
    assert list(h["steps"]) == [math.ceil(200 / 32)] * 3
    assert {"train_loss", "val_loss", "train_accuracy", "val_accuracy", "epoch_s",
            "data_ms_per_batch", "rss_mb"} <= set(h.columns)  # fmt: skip
    assert run.sizes == {"train": 200, "val": 270, "test": 270}
    assert h["train_loss"].iloc[-1] < h["train_loss"].iloc[0]  # it learns
    assert not run.model.training


def test_flops_follow_the_three_times_forward_rule(digits):
    run = _small_run(digits, epochs=1)
    assert run.forward_flops_per_example == DIGITS_FORWARD_FLOPS == 675_072
    assert run.flops_per_step == 3 * DIGITS_FORWARD_FLOPS * 32
    # counted forward + backward: the first conv needs no input gradient, so a bit under 3x
    assert 2 * DIGITS_FORWARD_FLOPS * 32 < run.measured_step_flops <= run.flops_per_step
    assert run.total_flops == 7 * run.flops_per_step
    assert run.memory["grads"] == run.memory["params"] == 38_282 * 4
    assert run.memory["optimizer_state"] >= 2 * run.memory["params"]  # Adam: two moments


def test_same_seed_same_weights_other_seed_other_weights(digits):
    a, c = _small_run(digits), _small_run(digits, seed=1)
    outside = torch.get_num_threads()
    torch.set_num_threads(2)  # the caller's thread count must not matter: train() fixes it
    try:
        b = _small_run(digits)
    finally:
        torch.set_num_threads(outside)
    assert a.weights_sha256 == b.weights_sha256
    assert a.history[["train_loss", "val_loss"]].equals(b.history[["train_loss", "val_loss"]])
    assert a.weights_sha256 != c.weights_sha256


def test_overfitting_shows_as_a_train_val_gap(digits):
    run = _small_run(digits, epochs=25, train_subset=40, batch_size=8, lr=3e-3)
    last = run.history.iloc[-1]
    assert last["train_accuracy"] == 1.0
    assert last["train_accuracy"] - last["val_accuracy"] > 0.1
    assert last["val_loss"] > 2 * last["train_loss"]


def test_deterministic_restores_global_state():
    before = (torch.get_num_threads(), torch.are_deterministic_algorithms_enabled())
    with deterministic(1):
        assert torch.get_num_threads() == 1 and torch.are_deterministic_algorithms_enabled()
    assert (torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()) == before


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [({"epochs": 0}, "epochs"), ({"lr": -1}, "lr"), ({"batch_size": 2.5}, "batch_size"),
     ({"seed": -3}, "seed"), ({"train_subset": 10_000}, "train_subset")],
)  # fmt: skip
def test_bad_arguments_name_themselves(digits, kwargs, word):
    with pytest.raises(mll.MLLError, match=word):
        mll.train(mll.DigitsCNN(), digits, **kwargs)
    with pytest.raises(mll.MLLError, match="dataset"):
        mll.train(mll.DigitsCNN(), [1, 2, 3])


def test_optimizer_choice_changes_the_run_and_names_itself(digits):
    runs = {name: _small_run(digits, epochs=2, optimizer=name, lr=0.05)
            for name in ("adam", "sgd", "sgd_momentum")}  # fmt: skip
    assert {n: r.hyperparameters["optimizer"] for n, r in runs.items()} == {
        "adam": "Adam", "sgd": "SGD", "sgd_momentum": "SGD + momentum 0.9",
    }  # fmt: skip
    assert len({r.weights_sha256 for r in runs.values()}) == 3
    # the default is Adam, the same call as before the argument existed
    assert _small_run(digits, epochs=2, lr=0.05).weights_sha256 == runs["adam"].weights_sha256
    assert _small_run(digits, epochs=2, optimizer="sgd", lr=0.05).weights_sha256 == (
        runs["sgd"].weights_sha256
    )
    # optimizer state, exactly: SGD keeps nothing, momentum one number per weight, Adam two
    # (plus one float32 step counter per parameter tensor: 8 of them)
    params = runs["sgd"].memory["params"]
    assert runs["sgd"].memory["optimizer_state"] == 0
    assert runs["sgd_momentum"].memory["optimizer_state"] == params
    assert runs["adam"].memory["optimizer_state"] == 2 * params + 8 * 4


def test_make_optimizer_builds_what_the_names_promise():
    from mlliteracy.training import make_optimizer

    weights = [torch.nn.Parameter(torch.zeros(3))]
    momentum = make_optimizer("sgd_momentum", weights, 0.1)
    assert type(momentum) is torch.optim.SGD and momentum.defaults["momentum"] == 0.9
    assert make_optimizer("sgd", weights, 0.1).defaults["momentum"] == 0
    adam = make_optimizer("adam", weights, 0.1, weight_decay=0.01)
    assert type(adam) is torch.optim.Adam and adam.defaults["weight_decay"] == 0.01


def test_an_optimizer_factory_is_called_with_lr_and_weight_decay(digits):
    run = _small_run(digits, epochs=1, optimizer=torch.optim.RMSprop)
    assert run.hyperparameters["optimizer"] == "RMSprop"
    with pytest.raises(mll.MLLError, match="factory returned list"):
        _small_run(digits, epochs=1, optimizer=lambda params, lr, weight_decay: [])


@pytest.mark.parametrize("bad", ["rmsprop", "Adam", "", None, 3])
def test_an_unknown_optimizer_is_a_one_line_error(digits, bad):
    with pytest.raises(mll.MLLError, match=r"optimizer=.* is not valid; pass 'adam', 'sgd'") as err:
        mll.train(mll.DigitsCNN(), digits, optimizer=bad)
    assert "\n" not in str(err.value)


def test_state_dict_hash_ignores_order_but_sees_every_byte_and_name():
    sd = {"b": torch.arange(3.0), "a": torch.ones(2, 2)}
    h = mll.hash_state_dict(sd)
    assert h == mll.hash_state_dict(dict(reversed(list(sd.items()))))
    assert h != mll.hash_state_dict({"b": torch.arange(3.0), "a2": torch.ones(2, 2)})
    assert h != mll.hash_state_dict({"b": torch.tensor([0.0, 1.0, 2.0001]), "a": sd["a"]})
    assert h != mll.hash_state_dict({"b": torch.arange(3), "a": sd["a"]})  # dtype
    assert h != mll.hash_state_dict({"b": torch.arange(3.0), "a": torch.ones(4)})  # shape


def test_save_weights_round_trip(tmp_path):
    from safetensors.torch import load_file

    model = mll.TinyMLP()
    record = mll.save_weights(model, tmp_path / "out", {"seed": 0})
    saved = json.loads((tmp_path / "out" / "provenance.json").read_text())
    assert saved == record and saved["seed"] == 0
    assert (
        mll.hash_state_dict(load_file(tmp_path / "out" / "model.safetensors"))
        == (record["weights_sha256"])
    )


def test_plot_and_reprs(digits):
    run = _small_run(digits, epochs=1)
    fig = run.plot()
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "accuracy"]
    assert repr(run).startswith("TrainingRun(epochs=1, train=200")
    assert "<table" in run._repr_html_() and "FLOPs / step" in run._repr_html_()


def test_forward_flops_counts_a_linear_exactly():
    assert forward_flops(torch.nn.Linear(10, 4), torch.zeros(3, 10)) == 2 * 3 * 10 * 4


def test_committed_provenance_matches_the_code_and_data(digits):
    script = _script()
    provenance = json.loads((script.ASSETS / "provenance.json").read_text())
    assert provenance["code_version"] == file_sha256(*script.CODE_FILES), (
        "nets.py/training.py/the script changed: run scripts/train_digits_cnn.py"
    )
    assert provenance["data"]["raw_sha256"] == digits.notes["raw_sha256"]
    assert provenance["data"]["sizes"] == digits.sizes


def test_script_reproduces_the_committed_weights_hash():
    script = _script()
    provenance = json.loads((script.ASSETS / "provenance.json").read_text())
    run, fresh = script.train_digits_cnn(seed=provenance["seed"])
    same_platform = (fresh["cpu_capability"], fresh["torch"]) == (
        provenance["cpu_capability"], provenance["torch"],
    )  # fmt: skip
    if not same_platform:
        pytest.skip("bit-exact weights are promised on the same CPU kind and torch only")
    assert run.weights_sha256 == provenance["weights_sha256"]
    assert fresh["metrics"] == provenance["metrics"]


def test_saved_activations_are_counted_per_storage_and_grow_with_the_batch():
    from mlliteracy.training import saved_activation_bytes

    model = mll.DigitsCNN()
    before = [p.detach().clone() for p in model.parameters()]
    got = saved_activation_bytes(model, torch.zeros(32, 1, 8, 8))
    floats = 32 * (1 * 64 + 16 * 64 + 32 * 64 + 32 * 16 + 64) * 4  # input, ReLUs, pool, hidden
    indices = 32 * 32 * 16 * 8  # max-pool keeps its int64 argmax indices
    assert got >= floats + indices  # a conv backend may also keep its unfolded input
    assert saved_activation_bytes(model, torch.zeros(64, 1, 8, 8)) == 2 * got
    assert saved_activation_bytes(model, torch.zeros(96, 1, 8, 8)[:32]) == got  # a slice: 32 rows
    after = list(model.parameters())
    assert model.training and all(torch.equal(a, b) for a, b in zip(before, after, strict=True))

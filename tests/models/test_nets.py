import json

import pytest
import torch

import mlliteracy as mll
from mlliteracy.models.nets import digits_cnn_assets, digits_example_input


def test_digits_cnn_shapes_and_param_count():
    model = mll.DigitsCNN()
    assert model(torch.zeros(5, 1, 8, 8)).shape == (5, 10)
    assert model(torch.zeros(5, 64)).shape == (5, 10)  # flat rows from load_digits
    # conv 1*16*9+16, conv 16*32*9+32, linear 512*64+64, linear 64*10+10
    assert sum(p.numel() for p in model.parameters()) == 160 + 4640 + 32832 + 650


def test_architecture_knobs_change_the_parameter_count():
    small = mll.DigitsCNN(channels=(8, 16), hidden=32)
    assert sum(p.numel() for p in small.parameters()) == 80 + 1168 + 8224 + 330
    assert small.config == {"channels": [8, 16], "hidden": 32, "dropout": 0.25}


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [({"channels": (16,)}, "channels"), ({"hidden": 0}, "hidden"), ({"dropout": 1.5}, "dropout")],
)
def test_bad_architecture_is_a_clear_error(kwargs, word):
    with pytest.raises(mll.MLLError, match=word):
        mll.DigitsCNN(**kwargs)


def test_tiny_mlp():
    assert mll.TinyMLP()(torch.zeros(3, 64)).shape == (3, 10)
    with pytest.raises(mll.MLLError, match="hidden"):
        mll.TinyMLP(hidden=-1)
    assert digits_example_input(2).shape == (2, 1, 8, 8)


def test_shipped_weights_load_and_match_their_provenance():
    provenance = json.loads((digits_cnn_assets() / "provenance.json").read_text())
    model = mll.load_digits_cnn()
    assert not model.training
    assert mll.hash_state_dict(model.state_dict()) == provenance["weights_sha256"]
    assert provenance["metrics"]["test_accuracy"] >= 0.97
    assert (digits_cnn_assets() / "model.safetensors").stat().st_size < 1_000_000
    data = mll.load_digits()
    x = torch.from_numpy(data.X_test.copy())
    y = torch.from_numpy(data.y_test.copy())
    _, accuracy = mll.evaluate(model, x, y)
    assert accuracy == pytest.approx(provenance["metrics"]["test_accuracy"], abs=1e-6)


def test_fresh_model_differs_from_shipped_and_is_seeded():
    fresh = mll.load_digits_cnn(pretrained=False, seed=1)
    again = mll.load_digits_cnn(pretrained=False, seed=1)
    trained = mll.load_digits_cnn()
    h = mll.hash_state_dict
    assert h(fresh.state_dict()) == h(again.state_dict())
    assert h(fresh.state_dict()) != h(trained.state_dict())

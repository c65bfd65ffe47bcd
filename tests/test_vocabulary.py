import os

import pytest
import torch

import mlliteracy as mll


@pytest.fixture(scope="module")
def minilm():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return mll.load_model("minilm")


def test_three_kinds_sorts_every_number():
    model = mll.load_digits_cnn()
    table = mll.three_kinds(model, mll.digits_cnn_provenance())
    counts = table["kind"].value_counts().to_dict()
    assert counts == {"weight": 8, "hyperparameter": 8, "architectural": 4}
    kinds = table.set_index("name")["kind"]
    assert kinds["dropout"] == "hyperparameter"  # changes training, not the shape
    assert kinds["hidden"] == "architectural"
    weights = table[table["kind"] == "weight"]
    assert list(weights["name"]) == [n for n, _ in model.named_parameters()]
    assert table.set_index("name").loc["channels", "value"] == "16 x 32"
    assert kinds["number of conv layers"] == kinds["kernel size"] == "architectural"
    values = table.set_index("name")["value"]
    assert (values["number of conv layers"], values["kernel size"]) == ("2", "3 x 3")


def test_three_kinds_needs_config_and_hyperparameters():
    with pytest.raises(mll.MLLError, match="config"):
        mll.three_kinds(torch.nn.Linear(2, 2), {"hyperparameters": {}})
    with pytest.raises(mll.MLLError, match="hyperparameters"):
        mll.three_kinds(mll.DigitsCNN(), {})


def test_tensor_facts_bytes_follow_dtype():
    facts = mll.tensor_facts(a=torch.zeros(8, 1, 8, 8), b=torch.zeros(8, 1, 8, 8).half(),
                             c=torch.zeros(3, dtype=torch.int64))  # fmt: skip
    assert facts["bytes"].to_dict() == {"a": 2048, "b": 1024, "c": 24}
    assert facts.loc["b", "dtype"] == "float16" and facts.loc["a", "shape"] == (8, 1, 8, 8)
    with pytest.raises(mll.MLLError, match="not a tensor"):
        mll.tensor_facts(x=[1, 2])


def test_similarity_table_is_exact_on_known_vectors():
    table = mll.similarity_table(["x", "y", "z"], torch.tensor([[1.0, 0], [0, 2.0], [1.0, 1.0]]))
    assert table.loc["x", "x"] == 1.0 and table.loc["x", "y"] == 0.0
    assert table.loc["x", "z"] == round(2**-0.5, 2)
    assert (table.values == table.values.T).all()
    with pytest.raises(mll.MLLError, match="rows"):
        mll.similarity_table(["x"], torch.zeros(2, 3))


def test_tokens_and_paraphrases_land_close(minilm):
    tokens = mll.token_table(minilm.tokenizer, "Tokenizers split unbelievable words.")
    assert list(tokens["token"])[:4] == ["[CLS]", "token", "##izer", "##s"]
    assert tokens["id"].iloc[0] == 101 and tokens["id"].iloc[-1] == 102
    sentences = ["A man is playing a guitar.", "Someone strums a guitar.", "Shares dropped."]
    vectors = mll.sentence_embeddings(minilm.model, minilm.tokenizer, sentences)
    assert tuple(vectors.shape) == (3, 384)
    assert torch.allclose(vectors.norm(dim=1), torch.ones(3), atol=1e-5)
    sims = mll.similarity_table(sentences, vectors)
    assert sims.iloc[0, 1] > 0.5 > sims.iloc[0, 2]
    with pytest.raises(mll.MLLError, match="sentence"):
        mll.token_table(minilm.tokenizer, "  ")


def test_hand_pooling_equals_sentence_transformers_encode(minilm):
    """The lesson's recipe and the practitioners' tool give the same vectors (same folder)."""
    from sentence_transformers import SentenceTransformer

    from mlliteracy._core.offline import minilm_path

    sentences = ["A man is playing a guitar.", "Someone strums a guitar.", "Shares dropped."]
    hand = mll.sentence_embeddings(minilm.model, minilm.tokenizer, sentences)
    tool = SentenceTransformer(minilm_path(), device="cpu", local_files_only=True)
    assert torch.allclose(hand, tool.encode(sentences, convert_to_tensor=True), atol=1e-5)


def test_pictures_of_a_digit_its_filters_and_the_pipeline():
    data = mll.load_digits()
    picture = mll.digit_picture(data.X_test[0], label=data.y_test[0])
    assert picture.facts["pixels"] == 64 and picture._repr_png_().startswith(b"\x89PNG")
    tiles = mll.filter_tiles(mll.load_digits_cnn().features[0].weight)
    assert tiles.facts == {"filters": 16, "kernel": "3x3"}
    assert len(tiles.figure.axes) == 16
    stages = mll.pipeline_diagram().facts["stages"]
    assert stages == ("ingestion", "preprocessing", "training", "evaluation", "deployment")


def test_similarity_heatmap_shows_every_value():
    table = mll.similarity_table(["a", "b"], torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
    heat = mll.similarity_heatmap(table)
    texts = [t.get_text() for t in heat.figure.axes[0].texts]
    assert texts == ["1.00", "0.00", "0.00", "1.00"] and heat.facts == {"sentences": 2}


def test_pictures_refuse_wrong_shapes():
    with pytest.raises(mll.MLLError, match="64 pixel values"):
        mll.digit_picture([0.0] * 10)
    with pytest.raises(mll.MLLError, match=r"Conv2d weight \(out, in, k, k\)"):
        mll.filter_tiles(torch.zeros(3, 3))
    with pytest.raises(mll.MLLError, match="square table"):
        mll.similarity_heatmap([[1.0, 0.5]])

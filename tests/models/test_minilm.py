"""The one MiniLM text module: SentenceTransformer.encode equals the recipe written out by hand."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import mlliteracy as mll
from mlliteracy.models import minilm

TEXTS = ["I love this, best day ever!", "worst service", "meeting moved to 3pm, see you there"]


def hand_embeddings(texts: list[str], max_length: int = minilm.EMBED_TOKENS) -> np.ndarray:
    """Tokenize, forward, mean-pool and normalise one text at a time (no padding at all)."""
    tokenizer, model = minilm.shared_encoder()
    rows = []
    with torch.inference_mode():
        for text in texts:
            enc = tokenizer([text], truncation=True, max_length=max_length, return_tensors="pt")
            hidden = model(**enc).last_hidden_state
            rows.append(minilm.mean_pool(hidden, enc["attention_mask"]).numpy()[0])
    return np.stack(rows)


def test_encode_equals_the_hand_recipe_in_input_order():
    emb = minilm.embed_texts(TEXTS)
    assert emb.shape == (3, minilm.DIM) and emb.dtype == np.float32
    assert np.allclose(emb, hand_embeddings(TEXTS), atol=1e-5)
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)


def test_batches_are_shortest_first_like_the_workbook_always_did():
    """Bit for bit what encode gives each batch of similar-length texts, shortest batch first."""
    texts = [f"text number {i} " + "word " * (i % 7) for i in range(10)]
    emb = minilm.embed_texts(texts, batch_size=4)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    model = minilm.sentence_transformer()
    for start in range(0, len(texts), 4):
        idx = order[start : start + 4]
        batch = model.encode([texts[i] for i in idx], batch_size=len(idx))
        assert np.array_equal(emb[idx], batch)


def test_long_texts_are_cut_at_max_length():
    long = ["the thermostat " * 200]
    assert np.allclose(minilm.embed_texts(long), hand_embeddings(long), atol=1e-5)
    short = minilm.embed_texts(long, max_length=16)
    assert np.allclose(short, hand_embeddings(long, max_length=16), atol=1e-5)


def test_bad_input_and_the_empty_list():
    assert minilm.embed_texts([]).shape == (0, minilm.DIM)
    with pytest.raises(mll.MLLError, match="list of strings"):
        minilm.embed_texts("one text")
    with pytest.raises(mll.MLLError, match="batch_size=0"):
        minilm.embed_texts(TEXTS, batch_size=0)


def test_one_copy_of_the_weights_behind_the_facade():
    tokenizer, model = minilm.shared_encoder()
    assert model is minilm.sentence_transformer()[0].auto_model
    assert tokenizer is minilm.shared_tokenizer() and tokenizer.model_max_length == 512
    assert mll.shared_tokenizer is minilm.shared_tokenizer  # lessons use it through the facade
    assert mll.digits_cnn_assets().is_dir()
    assert mll.embed_texts is minilm.embed_texts
    fresh = minilm.load_transformer()
    assert fresh is not model and not fresh.training
    for name, value in fresh.state_dict().items():
        assert torch.equal(value, model.state_dict()[name]), name


def test_release_encoders_drops_every_shared_copy():
    before = minilm.sentence_transformer()
    minilm.release_encoders()
    assert minilm.sentence_transformer() is not before
    assert minilm.shared_encoder()[1] is minilm.sentence_transformer()[0].auto_model

import numpy as np
import pytest

import mlliteracy as mll
from mlliteracy.latency.pipeline import PipelineOptions, SentimentPipeline

TEXTS = ["I love this, best day ever!", "worst service, never again", "meeting moved to 3pm"]


def random_classifier(seed: int = 0) -> mll.SentimentClassifier:
    rng = np.random.default_rng(seed)
    weight = rng.normal(size=(3, 384)).astype(np.float32)
    bias = rng.normal(size=3).astype(np.float32)
    return mll.SentimentClassifier(("negative", "neutral", "positive"), weight, bias)


@pytest.fixture(scope="module")
def clf():
    return random_classifier()


@pytest.fixture(scope="module")
def steps(clf, tmp_path_factory):
    return mll.pipeline_steps(clf, tmp_path_factory.mktemp("onnx"))


def test_train_sentiment_reports_real_metrics():
    trained = mll.train_sentiment(n_train=40, n_test=20, seed=0)
    m = trained.metrics
    assert m.n_test == 20
    assert [row[0] for row in m.per_class] == ["negative", "neutral", "positive"]
    assert sum(row[4] for row in m.per_class) == 20
    assert 0.0 <= m.accuracy <= 1.0 and 0.0 < m.majority_baseline < 1.0
    assert list(m.to_frame().columns) == ["class", "precision", "recall", "f1", "support"]
    assert trained.weight.shape == (3, 384) and trained.notes["n_train"] == 40
    with pytest.raises(mll.MLLError, match="n_train=5"):
        mll.train_sentiment(n_train=5)
    with pytest.raises(mll.MLLError, match="encoders"):
        mll.encoder_options(TEXTS, encoders=("gpt-9",))


def test_head_round_trips_through_npz(clf, tmp_path):
    back = mll.SentimentClassifier.load(clf.save(tmp_path / "head.npz"))
    assert back.classes == clf.classes
    assert np.array_equal(back.weight, clf.weight) and np.array_equal(back.bias, clf.bias)
    with pytest.raises(mll.MLLError, match="not found"):
        mll.SentimentClassifier.load(tmp_path / "missing.npz")


def test_embeddings_are_unit_vectors():
    emb = mll.embed_texts(TEXTS)
    assert emb.shape == (3, 384)
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)


@pytest.fixture(scope="module")
def naive_probs(steps):
    return steps["naive"].predict_proba(TEXTS)


def test_every_step_gives_the_naive_labels_and_scores(steps, naive_probs):
    assert list(steps) == [
        "naive", "+ load once", "+ dynamic padding", "+ inference mode",
        "+ vectorised post-processing", "+ ONNX Runtime", "+ ONNX int8",
    ]  # fmt: skip
    ref = naive_probs
    assert ref.shape == (3, 3) and np.allclose(ref.sum(axis=1), 1.0, atol=1e-5)
    for name, pipe in list(steps.items())[1:]:
        probs = pipe.predict_proba(TEXTS)
        tol = 0.15 if name == "+ ONNX int8" else 1e-4  # int8 rounds weights
        assert np.abs(probs - ref).max() < tol, name
        if name != "+ ONNX int8":
            assert (probs.argmax(1) == ref.argmax(1)).all(), name


def test_naive_and_optimized_agree_and_batching_changes_nothing(clf, steps, naive_probs):
    assert mll.naive_pipeline(clf).options == steps["naive"].options
    fast = mll.optimized_pipeline(clf, steps["+ ONNX Runtime"].workdir, batch_size=2)
    out = fast.predict(TEXTS)
    assert [r["label"] for r in out] == [clf.classes[k] for k in naive_probs.argmax(1)]
    for row, ref in zip(out, naive_probs, strict=True):
        assert row["score"] == pytest.approx(float(ref.max()), abs=1e-4)
        assert set(row["scores"]) == {"negative", "neutral", "positive"}
    one = SentimentPipeline(clf, PipelineOptions(batch_size=1)).predict_proba(TEXTS)
    many = SentimentPipeline(clf, PipelineOptions(batch_size=3)).predict_proba(TEXTS)
    assert np.abs(one - many).max() < 1e-5


def test_onnx_files_go_to_the_callers_folder(steps):
    names = sorted(p.name for p in steps["+ ONNX Runtime"].workdir.iterdir())
    assert names == ["minilm-int8.onnx", "minilm.onnx"]


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda c: SentimentPipeline(c).predict("one string"), "one string"),
        (lambda c: SentimentPipeline(c).predict(["ok", ""]), "non-empty strings"),
        (lambda c: SentimentPipeline(c, PipelineOptions(backend="tpu")), "backend='tpu'"),
        (lambda c: SentimentPipeline(c, PipelineOptions(backend="onnx")), "workdir=None"),
        (lambda c: SentimentPipeline("clf"), "train_sentiment"),
    ],
)
def test_bad_input_names_the_problem(clf, call, match):
    with pytest.raises(mll.MLLError, match=match):
        call(clf)


def test_encoder_options_label_random_models_as_timing_only():
    df = mll.encoder_options(TEXTS[:1], repeats=1, encoders=("minilm", "distilbert"))
    assert list(df["encoder"]) == ["minilm", "distilbert"]
    assert list(df["params"]) == [22_713_216, 66_362_880]
    assert df["weights"].iloc[1].endswith("(timing only)")


def test_stage_timer_sees_every_stage_of_the_naive_request(clf):
    timer = mll.StageTimer()
    mll.naive_pipeline(clf, timer=timer).predict(TEXTS[:1])
    df = timer.summary()
    assert list(df["stage"]) == ["load model", "tokenize", "forward", "postprocess"]
    assert list(df["calls"]) == [1, 1, 1, 2]


def test_agreement_table(clf, steps):
    subset = {k: steps[k] for k in ("+ vectorised post-processing", "+ ONNX Runtime")}
    df = mll.agreement_table(subset, TEXTS)
    assert list(df["same_label"]) == [3, 3] and df["scores_match"].all()
    with pytest.raises(mll.MLLError, match="reference='x'"):
        mll.agreement_table(subset, TEXTS, reference="x")

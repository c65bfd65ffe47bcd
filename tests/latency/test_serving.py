import httpx
import numpy as np
import pytest

import mlliteracy as mll
from mlliteracy._core.runtime import port_open
from mlliteracy.latency.server import MAX_CHARS

TEXTS = ["I love this!", "this is awful", "see you at noon"]


@pytest.fixture(scope="module")
def clf():
    rng = np.random.default_rng(0)
    weight = rng.normal(size=(3, 384)).astype(np.float32)
    bias = np.zeros(3, np.float32)
    return mll.SentimentClassifier(("negative", "neutral", "positive"), weight, bias)


@pytest.fixture(scope="module")
def server(clf, tmp_path_factory):
    srv = mll.serve(clf, "optimized", tmp_path_factory.mktemp("serve"), threads=1)
    yield srv
    srv.stop()


def test_health_and_predict(server, clf):
    health = httpx.get(server.url + "/health", timeout=30)
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "variant": "optimized"}
    r = httpx.post(server.url + "/predict", json={"text": TEXTS[0]}, timeout=30)
    assert r.status_code == 200
    body = r.json()
    assert body["label"] in clf.classes and body["variant"] == "optimized"
    local = mll.SentimentPipeline(clf).predict(TEXTS[:1])[0]
    assert body["label"] == local["label"]
    assert body["score"] == pytest.approx(local["score"], abs=1e-4)


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"text": ""}, "text is empty: send 1 to 1000 characters"),
        ({"text": "   "}, "text is empty"),
        ({"text": "x" * (MAX_CHARS + 1)}, "text has 1001 characters, over the limit of 1000"),
        ({"text": 42}, "text must be a string, got int"),
        ({"text": ["a"]}, "text must be a string, got list"),
        ({}, "text Field required"),
    ],
)
def test_invalid_requests_get_422_with_a_clear_message(server, payload, message):
    r = httpx.post(server.url + "/predict", json=payload, timeout=30)
    assert r.status_code == 422
    assert message in r.json()["detail"]


def test_load_test_counts_every_request(server):
    df = mll.load_test(server, TEXTS, requests=12, concurrency=(1, 4), time_limit_s=120)
    assert list(df["concurrency"]) == [1, 4]
    assert list(df["requests"]) == [12, 12]
    assert list(df["ok"]) == [12, 12]
    assert df["errors"].sum() == 0 and df["not_sent"].sum() == 0
    assert (df["server_peak_rss_mb"] > 50).all()
    assert list(df.columns[:6]) == ["server", "concurrency", "requests", "ok", "errors", "not_sent"]


def test_load_test_rejects_bad_arguments(server):
    with pytest.raises(mll.MLLError, match="concurrency"):
        mll.load_test(server, TEXTS, concurrency=(0,))
    with pytest.raises(mll.MLLError, match="texts"):
        mll.load_test(server, "one text")


def test_naive_server_answers_then_stops_cleanly(clf):
    with mll.serve(clf, "naive", threads=1) as srv:  # no workdir: a temporary one
        assert srv.running and port_open(srv.port) and srv.log.parent.is_dir()
        r = httpx.post(srv.url + "/predict", json={"text": TEXTS[1]}, timeout=60)
        assert r.status_code == 200 and r.json()["variant"] == "naive"
    assert not srv.running and not port_open(srv.port)
    assert not srv.log.parent.exists()  # the temporary folder is gone
    assert srv.stop() == srv.process.returncode  # stopping twice is harmless


def test_serve_rejects_unknown_variant(clf):
    with pytest.raises(mll.MLLError, match="variant='fast'"):
        mll.serve(clf, "fast")


def test_server_is_pinned_apart_from_the_load_generator(clf, tmp_path):
    import psutil

    from mlliteracy.latency.loadtest import client_cpus
    from mlliteracy.latency.server import allowed_cpus, split_cpus

    cores, _ = split_cpus(min_cores=2)
    if not cores:
        pytest.skip("one core, or no CPU affinity on this OS: nothing can be pinned")
    with mll.serve(clf, "optimized", tmp_path, cpus=cores) as server:
        assert server.cpus == cores
        assert sorted(psutil.Process(server.pid).cpu_affinity()) == list(cores)
        assert client_cpus(server) == tuple(c for c in allowed_cpus() if c not in cores)
        assert "cores" in repr(server)
        assert mll.load_test(server, TEXTS, requests=2, concurrency=(1,)).ok.tolist() == [2]


def test_auto_pins_only_from_four_cores(server):
    from mlliteracy.latency.server import PIN_FROM_CORES, split_cpus

    assert server.cpus == split_cpus()[0]
    assert (len(server.cpus) > 0) == (len(split_cpus(min_cores=2)[0]) + 1 >= PIN_FROM_CORES)


@pytest.mark.parametrize("library", ["aiohttp", "httpx"])
def test_load_test_with_either_client(server, library):
    table = mll.load_test(server, TEXTS, requests=4, concurrency=(1, 2), library=library)
    assert table.ok.tolist() == [4, 4]


def test_load_test_and_serve_reject_bad_options(server, clf):
    with pytest.raises(mll.MLLError, match="library="):
        mll.load_test(server, TEXTS, requests=2, library="curl")
    with pytest.raises(mll.MLLError, match="cpus="):
        mll.serve(clf, cpus=(10_000,))
    with pytest.raises(mll.MLLError, match="max_wait_ms="):
        mll.serve(clf, max_wait_ms=-1)

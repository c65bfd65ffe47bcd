import pytest

import mlliteracy as mll
from mlliteracy.latency.timing import LatencyStats


def _price(usd=0.36):
    return mll.Price("box", usd, source="test", as_of="2026-11", illustrative=False)


def test_cost_per_1k_requests_hand_computed():
    # 0.36 $/h at 100 req/s: 360,000 requests per hour -> $1e-6 each -> $0.001 per 1000
    assert mll.cost_per_1k_requests(0.36, 100) == pytest.approx(0.001, rel=1e-12)
    assert mll.cost_per_1k_requests(1.0, 1) == pytest.approx(1000 / 3600, rel=1e-12)


def test_numpy_numbers_are_accepted():
    import numpy as np

    assert mll.cost_per_1k_requests(np.float32(0.36), np.int64(100)) == pytest.approx(0.001)


def test_cost_per_1m_tokens_hand_computed():
    assert mll.cost_per_1m_tokens(3.6, 1000) == pytest.approx(1.0, rel=1e-12)


def test_serving_cost_direction_and_tokens():
    slow = mll.serving_cost(_price(), 50, tokens_per_request=128)
    fast = mll.serving_cost(_price(), 100, tokens_per_request=128)
    assert slow.usd_per_1k_requests == pytest.approx(2 * fast.usd_per_1k_requests)
    assert fast.requests_per_hour == 360_000
    # 100 req/s * 128 tokens = 12,800 tokens/s; 0.36 / (12,800 * 3600) * 1e6
    assert fast.usd_per_1m_tokens == pytest.approx(0.36 / (12_800 * 3600) * 1e6)
    assert "1k requests" in repr(fast) and "<table" in fast._repr_html_()


def test_serving_cost_accepts_latency_stats():
    stats = LatencyStats("x", (10.0, 10.0, 10.0), threads=1, items_per_call=4)  # 400/s
    assert mll.serving_cost(_price(), stats).requests_per_second == pytest.approx(400)


def test_cost_table_rows_and_columns():
    frame = mll.cost_table({"a": 100.0, "b": 200.0}, _price())
    assert list(frame.columns) == ["variant", "requests_per_second", "usd_per_1k_requests"]
    assert frame["usd_per_1k_requests"].tolist() == pytest.approx([0.001, 0.0005])


def test_illustrative_prices_are_labelled():
    for price in mll.ILLUSTRATIVE_PRICES.values():
        assert price.illustrative and price.source and price.as_of[:2] == "20"
        assert "illustrative" in repr(price)


def test_training_formulas_exact():
    assert mll.training_flops(1e9, 2e10) == 1.2e20
    assert mll.device_hours(3.6e18, 1e15, utilisation=0.5) == pytest.approx(2.0)
    assert mll.energy_kwh(400, 10) == pytest.approx(4.0)
    est = mll.training_estimate(1e6, 1e6, 1e9, utilisation=0.5, power_watts=250, price=_price())
    assert est.flops == 6e12
    assert est.device_hours == pytest.approx(6e12 / 5e8 / 3600)
    assert est.energy_kwh == pytest.approx(250 * est.device_hours / 1000)
    assert est.usd == pytest.approx(0.36 * est.device_hours)
    assert "device-hours" in repr(est)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: mll.cost_per_1k_requests(-1, 10), "usd_per_hour"),
        (lambda: mll.cost_per_1k_requests(1, 0), "requests_per_second"),
        (lambda: mll.cost_per_1m_tokens(1, float("nan")), "tokens_per_second"),
        (lambda: mll.Price("x", -0.5, "s", "2026-01"), "usd_per_hour"),
        (lambda: mll.serving_cost(_price(), 0), "requests_per_second"),
        (lambda: mll.serving_cost("cheap", 10), "price"),
        (lambda: mll.training_estimate(1e6, 1e6, 1e9, price=True), "price"),
        (lambda: mll.device_hours(1e18, 1e12, utilisation=1.5), "utilisation"),
        (lambda: mll.training_flops("many", 10), "params"),
        (lambda: mll.energy_kwh(0, 1), "power_watts"),
    ],
)
def test_bad_input_names_the_argument(call, argument):
    with pytest.raises(mll.MLLError, match=argument):
        call()


def test_one_price_rule_a_number_is_the_readers_own_price():
    from mlliteracy.cost.pricing import as_price

    mine = as_price(0.25)
    assert (mine.usd_per_hour, mine.illustrative, mine.source) == (0.25, False, "your input")
    assert as_price(_price()) is not None and as_price(None, optional=True) is None
    assert mll.serving_cost(0.25, 10).price == mine
    assert mll.training_estimate(1e6, 1e6, 1e9, price=0.25).price == mine
    with pytest.raises(mll.MLLError, match=r"price=None is not a price: pass mll.Price"):
        as_price(None)
    with pytest.raises(mll.MLLError, match="self_host_usd_per_hour"):
        mll.build_vs_buy(2e6, 60, 0.00015, -1, 80)


def test_price_table_rows_have_a_source_and_a_date():
    table = mll.price_table()
    assert {"aws-c6i-large", "aws-g5-xlarge", "gpt-4o-mini-input", "aws-s3-standard"} <= set(
        table.key
    )
    for row in table.itertuples():
        assert row.source and row.url.startswith("https://") and row.read[:2] == "20"
        assert row.as_of == "undated" or row.as_of[:2] == "20"
        assert "recalled" not in row.source and row.usd > 0


def test_listed_price_as_an_hourly_price():
    cpu = mll.listed_price("aws-c6i-large")
    price = cpu.as_price()
    assert price.usd_per_hour == cpu.usd and not price.illustrative and price.as_of == cpu.as_of
    with pytest.raises(mll.MLLError, match="per GB-month"):
        mll.listed_price("aws-s3-standard").as_price()
    with pytest.raises(mll.MLLError, match="not in the price table"):
        mll.listed_price("nope")

"""Build vs buy: exact monthly bills, instance counts, break-even, monotonicity."""

import numpy as np
import pytest

import mlliteracy as mll


def _case(**kw):
    args = {
        "requests_per_month": 1_000_000,
        "tokens_per_request": 50,
        "api_usd_per_1k_tokens": 0.002,
        "self_host_usd_per_hour": 0.10,
        "measured_throughput_rps": 10.0,
        "peak_to_average": 3.0,
        "max_utilisation": 0.5,
        **kw,
    }
    return mll.build_vs_buy(**args)


def test_hand_computed_case():
    bb = _case()
    # API: 1e6 requests x 50 tokens / 1000 x $0.002 = $100
    assert bb.api_usd_per_month == pytest.approx(100.0)
    # mean 1e6 / (730 x 3600) = 0.3805 req/s, peak x3 = 1.1416 < 10 x 0.5: one instance
    assert bb.average_rps == pytest.approx(1e6 / 2_628_000)
    assert bb.peak_rps == pytest.approx(3e6 / 2_628_000)
    assert bb.instances == 1
    assert bb.self_host_usd_per_month == pytest.approx(73.0)  # 0.10 $/h x 730 h
    assert bb.utilisation == pytest.approx(1e6 / 2_628_000 / 10)
    assert bb.cheaper == "self-host"
    # break-even: $73 / ($0.0001 per request) = 730,000 requests
    assert bb.break_even_requests_per_month == pytest.approx(730_000)


def test_instances_step_with_peak_load():
    bb = _case(requests_per_month=20_000_000)
    # peak = 2e7 x 3 / 2,628,000 = 22.83 req/s over 5 usable req/s per instance: 5 instances
    assert bb.instances == 5
    assert bb.self_host_usd_per_month == pytest.approx(5 * 73.0)
    assert _case(requests_per_month=20_000_000, min_instances=8).instances == 8


def test_engineering_cost_moves_break_even_to_a_later_step():
    bb = _case(engineering_usd_per_month=1000.0)
    # a full instance carries 5 x 2,628,000 / 3 = 4.38e6 requests = $438 of API spend, costs $73:
    # margin $365 per instance; ceil(1000 / 365) = 3 instances; (1000 + 3 x 73) / 1e-4
    assert bb.break_even_requests_per_month == pytest.approx(12_190_000)
    assert bb.instances_for(12_190_000) == 3


@pytest.mark.parametrize("eng", [0.0, 250.0, 1000.0, 5000.0])
def test_break_even_is_the_first_volume_where_self_hosting_wins(eng):
    bb = _case(engineering_usd_per_month=eng)
    be = bb.break_even_requests_per_month
    assert bb.self_host_usd(be) <= bb.api_usd(be) + 1e-9
    below = np.linspace(be / 1000, be * 0.999, 3000)
    assert all(bb.self_host_usd(v) > bb.api_usd(v) for v in below)


def test_never_breaks_even_when_the_api_is_cheaper_per_instance():
    bb = _case(api_usd_per_1k_tokens=0.0001)  # a full instance is worth $21.9 < $73 of API
    assert bb.break_even_requests_per_month is None
    assert bb.cheaper == "api" and "never" in repr(bb)


def test_costs_are_monotonic_in_volume():
    frame = _case(engineering_usd_per_month=300).sweep(np.linspace(1e5, 5e7, 200))
    assert list(frame.columns) == [
        "requests_per_month",
        "api_usd",
        "self_host_usd",
        "instances",
        "cheaper",
    ]
    assert np.all(np.diff(frame.api_usd) > 0)
    assert np.all(np.diff(frame.self_host_usd) >= 0)
    assert np.all(np.diff(frame.instances) >= 0)
    assert set(frame.cheaper) == {"api", "self-host"}


def test_price_objects_and_latency_stats_are_accepted():
    price = mll.Price("vm", 0.2, "invoice", "2026-11")
    stats = mll.LatencyStats("m", (100.0, 100.0), threads=1)  # 10 req/s
    bb = _case(self_host_usd_per_hour=price, measured_throughput_rps=stats)
    assert bb.throughput_rps == pytest.approx(10.0)
    assert bb.self_host_usd_per_month == pytest.approx(146.0)
    assert "invoice" in bb._repr_html_()
    assert bb.plot()._repr_png_()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"requests_per_month": 0}, "requests_per_month=0"),
        ({"tokens_per_request": -1}, "tokens_per_request=-1"),
        ({"api_usd_per_1k_tokens": "free"}, "api_usd_per_1k_tokens='free'"),
        ({"peak_to_average": 0.5}, "peak_to_average=0.5"),
        ({"max_utilisation": 1.5}, "max_utilisation=1.5"),
        ({"min_instances": 0}, "min_instances=0"),
        ({"engineering_usd_per_month": -5}, "engineering_usd_per_month=-5"),
    ],
)
def test_bad_input_is_named(kw, match):
    with pytest.raises(mll.MLLError, match=match):
        _case(**kw)


def test_average_tokens_counts_special_tokens():
    assert mll.average_tokens(["good", "good good"]) == 3.5  # [CLS] ... [SEP]

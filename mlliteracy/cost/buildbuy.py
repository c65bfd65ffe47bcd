"""Build vs buy: a hosted API priced per 1000 tokens vs self-hosting at a measured throughput.

API per month  = requests x tokens per request / 1000 x price per 1k tokens.
Self-host      = instances x hourly price x hours per month + engineering per month, where
instances      = max(min_instances, ceil(peak requests/s / (throughput x max_utilisation)))
and peak requests/s = requests / (hours x 3600) x peak_to_average.

Every price is an input; nothing here is a quote.

Example:
    >>> bb = mll.build_vs_buy(2_000_000, 60, 0.00015, 0.10, measured_throughput_rps=80)
    >>> bb.break_even_requests_per_month
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .._core import html as _html
from .._core.checks import positive
from .._core.errors import MLLError
from .._core.figures import FigurePNG
from ..models.minilm import shared_tokenizer
from .pricing import SECONDS_PER_HOUR, Price, as_price, throughput_value

#: 365 days x 24 h / 12 months
HOURS_PER_MONTH = 730.0
_EPS = 1e-9


def average_tokens(texts: Sequence[str]) -> float:
    """Mean tokens per text with MiniLM's WordPiece tokenizer, special tokens included
    (an API's own tokenizer will count somewhat differently).

    Example:
        >>> mll.average_tokens(["good flight", "lost my bag again"])
    """

    if isinstance(texts, str) or not isinstance(texts, Sequence) or not texts:
        raise MLLError("texts must be a non-empty list of strings, e.g. a sample of tweets")
    ids = shared_tokenizer()([str(t) for t in texts])["input_ids"]
    return round(sum(len(i) for i in ids) / len(ids), 2)


@dataclass(frozen=True)
class BuildBuy:
    """Monthly cost of buying (an API) vs building (self-hosting), at one volume and as a curve."""

    requests_per_month: float
    tokens_per_request: float
    """Tokens the API bills per request (prompt + text + answer)."""
    api_usd_per_1k_tokens: float
    self_host: Price
    """Hourly price of one instance (an input)."""
    throughput_rps: float
    """Measured requests per second of one instance."""
    peak_to_average: float
    """Peak load / average load (an assumption: read it off your traffic)."""
    max_utilisation: float
    """Share of the measured throughput an instance may use at peak (headroom)."""
    engineering_usd_per_month: float
    """Fixed people and operations cost of running it yourself."""
    min_instances: int
    hours_per_month: float

    # -- the formulas, at any volume
    def api_usd(self, requests_per_month: float) -> float:
        """API bill for a month at ``requests_per_month``."""
        return requests_per_month * self.tokens_per_request / 1000.0 * self.api_usd_per_1k_tokens

    def instances_for(self, requests_per_month: float) -> int:
        """Instances needed so that peak load stays under ``max_utilisation``."""
        need = self._instances_per_request() * requests_per_month
        return max(self.min_instances, math.ceil(need - _EPS))

    def self_host_usd(self, requests_per_month: float) -> float:
        """Self-hosting bill for a month at ``requests_per_month``."""
        hourly = self.self_host.usd_per_hour * self.hours_per_month
        return self.instances_for(requests_per_month) * hourly + self.engineering_usd_per_month

    def _instances_per_request(self) -> float:
        seconds = self.hours_per_month * SECONDS_PER_HOUR
        return self.peak_to_average / (seconds * self.throughput_rps * self.max_utilisation)

    # -- at the volume given
    @property
    def api_usd_per_month(self) -> float:
        return self.api_usd(self.requests_per_month)

    @property
    def instances(self) -> int:
        return self.instances_for(self.requests_per_month)

    @property
    def self_host_usd_per_month(self) -> float:
        return self.self_host_usd(self.requests_per_month)

    @property
    def average_rps(self) -> float:
        return self.requests_per_month / (self.hours_per_month * SECONDS_PER_HOUR)

    @property
    def peak_rps(self) -> float:
        return self.average_rps * self.peak_to_average

    @property
    def utilisation(self) -> float:
        """Average share of the instances' measured capacity actually used."""
        return self.average_rps / (self.instances * self.throughput_rps)

    @property
    def cheaper(self) -> str:
        """``"self-host"`` or ``"api"`` at this volume (ties go to the API: less to run)."""
        return "self-host" if self.self_host_usd_per_month < self.api_usd_per_month else "api"

    @property
    def break_even_requests_per_month(self) -> float | None:
        """Smallest monthly volume at which self-hosting costs no more than the API; ``None``
        when one instance's capacity is worth less through the API than the instance costs.

        Instances come in whole steps, so just above a step the API can briefly win again.
        """
        a = self.tokens_per_request / 1000.0 * self.api_usd_per_1k_tokens  # $ per request
        h = self.self_host.usd_per_hour * self.hours_per_month  # $ per instance-month
        k = self._instances_per_request()
        margin = a / k - h  # what a full instance saves per month at the API's price
        if margin <= 0:
            return None
        n = max(self.min_instances, math.ceil(self.engineering_usd_per_month / margin - _EPS))
        return (self.engineering_usd_per_month + h * n) / a

    def sweep(self, volumes: Sequence[float]):
        """DataFrame: requests_per_month, api_usd, self_host_usd, instances, cheaper."""
        import pandas as pd

        rows = []
        for v in volumes:
            v = positive("volumes", v, "pass monthly request counts > 0")
            api, own = self.api_usd(v), self.self_host_usd(v)
            cheaper = "self-host" if own < api else "api"
            rows.append((v, api, own, self.instances_for(v), cheaper))
        cols = ["requests_per_month", "api_usd", "self_host_usd", "instances", "cheaper"]
        return pd.DataFrame(rows, columns=cols)

    def plot(self, max_requests_per_month: float | None = None):
        """Both monthly bills vs volume, with the break-even and this volume marked (PNG)."""
        import numpy as np
        from matplotlib.figure import Figure

        be = self.break_even_requests_per_month
        top = max_requests_per_month or 3 * max(self.requests_per_month, be or 0)
        top = positive("max_requests_per_month", top, "pass a volume, e.g. 1e7")
        frame = self.sweep(np.linspace(top / 400, top, 400))
        fig = Figure(figsize=(6.5, 4))
        ax = fig.add_subplot()
        ax.plot(frame.requests_per_month, frame.api_usd, label="API (per 1k tokens)")
        ax.step(frame.requests_per_month, frame.self_host_usd, where="post", label="self-host")
        if be is not None and be <= top:
            ax.axvline(be, color="grey", ls=":", label=f"break-even {be:,.0f}/month")
        ax.axvline(self.requests_per_month, color="red", ls="--", lw=1, label="your volume")
        ax.set_xlabel("requests per month")
        ax.set_ylabel("USD per month")
        ax.set_title("build vs buy (all prices are inputs)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        return FigurePNG(fig, "build vs buy")

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests_per_month": self.requests_per_month,
            "tokens_per_request": self.tokens_per_request,
            "api_usd_per_month": round(self.api_usd_per_month, 2),
            "peak_rps": round(self.peak_rps, 3),
            "instances": self.instances,
            "utilisation": round(self.utilisation, 4),
            "self_host_usd_per_month": round(self.self_host_usd_per_month, 2),
            "cheaper": self.cheaper,
            "break_even_requests_per_month": self.break_even_requests_per_month,
        }

    def __repr__(self) -> str:
        be = self.break_even_requests_per_month
        be_txt = "never" if be is None else f"{be:,.0f} requests/month"
        return (
            f"BuildBuy({self.requests_per_month:,.0f} requests/month: API "
            f"${self.api_usd_per_month:,.2f} vs self-host ${self.self_host_usd_per_month:,.2f} "
            f"({self.instances} instance(s), {self.utilisation:.1%} utilised); "
            f"cheaper: {self.cheaper}; break-even {be_txt})"
        )

    def _repr_html_(self) -> str:
        rows = [(k, f"{v:,.4g}" if isinstance(v, float) else v) for k, v in self.to_dict().items()]
        cap = (
            f"self-host price: {self.self_host.name}, {self.self_host.usd_per_hour:g} $/h "
            f"({self.self_host.source}, {self.self_host.as_of}); API "
            f"{self.api_usd_per_1k_tokens:g} $/1k tokens (an input)"
        )
        return _html.table(("", "value"), rows, caption=cap)


def build_vs_buy(
    requests_per_month: float,
    tokens_per_request: float,
    api_usd_per_1k_tokens: float,
    self_host_usd_per_hour: Price | float,
    measured_throughput_rps: Any,
    peak_to_average: float = 3.0,
    max_utilisation: float = 0.6,
    engineering_usd_per_month: float = 0.0,
    min_instances: int = 1,
    hours_per_month: float = HOURS_PER_MONTH,
) -> BuildBuy:
    """Monthly cost of an API priced per 1k tokens vs self-hosting at a measured throughput.

    Args:
        requests_per_month: expected volume.
        tokens_per_request: tokens the API bills per request (prompt + text + answer).
        api_usd_per_1k_tokens: the API's price (an input; check the provider's page).
        self_host_usd_per_hour: one instance's hourly price, a ``Price`` or $/h.
        measured_throughput_rps: requests/s of one instance, or a ``LatencyStats``.
        peak_to_average: busiest hour's load / average load (an assumption).
        max_utilisation: share of throughput an instance may use at peak (headroom, 0..1].
        engineering_usd_per_month: fixed cost of running it yourself (people, on-call).
        min_instances: instances kept up even at no load (2 for redundancy).
        hours_per_month: billed hours per month (730 = 365 x 24 / 12).

    Returns:
        A :class:`BuildBuy` with both bills, instances, utilisation and the break-even volume.

    Example:
        >>> mll.build_vs_buy(2e6, 60, 0.00015, 0.10, 80, engineering_usd_per_month=500)
    """
    req = positive("requests_per_month", requests_per_month, "pass the monthly volume, e.g. 2e6")
    tok = positive("tokens_per_request", tokens_per_request, "pass billed tokens, e.g. 60")
    api = positive("api_usd_per_1k_tokens", api_usd_per_1k_tokens, "pass the price, e.g. 0.00015")
    price = as_price(self_host_usd_per_hour, "self_host_usd_per_hour")
    rps = throughput_value(measured_throughput_rps)
    peak = positive("peak_to_average", peak_to_average, "pass busiest/average load, e.g. 3.0")
    if peak < 1:
        raise MLLError(f"peak_to_average={peak_to_average!r} must be >= 1: the peak is >= the mean")
    util = positive("max_utilisation", max_utilisation, "pass a share in (0, 1], e.g. 0.6")
    if util > 1:
        raise MLLError(f"max_utilisation={max_utilisation!r} must be at most 1, e.g. 0.6 for 60%")
    eng = positive("engineering_usd_per_month", engineering_usd_per_month, "pass e.g. 0", True)
    bad_min = not isinstance(min_instances, numbers.Integral) or isinstance(min_instances, bool)
    if bad_min or min_instances < 1:
        raise MLLError(f"min_instances={min_instances!r} must be an integer >= 1, e.g. 1")
    hours = positive("hours_per_month", hours_per_month, "pass e.g. 730")
    return BuildBuy(req, tok, api, price, rps, peak, util, eng, int(min_instances), hours)

"""Cost models: $ per 1000 requests and per 1M tokens, training compute, device-hours, energy.

Prices are inputs. The few defaults in :data:`ILLUSTRATIVE_PRICES` are labelled illustrative,
with their source and date: look up today's price before quoting a number.

Example:
    >>> price = mll.Price("my VM", usd_per_hour=0.10, source="our invoice", as_of="2026-11")
    >>> mll.serving_cost(price, requests_per_second=80).usd_per_1k_requests
    0.000347...
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._core import html as _html
from .._core.checks import positive
from .._core.errors import MLLError
from .._core.offline import asset_error, load_asset

if TYPE_CHECKING:
    import pandas as pd

SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class Price:
    """An hourly price for a machine or accelerator; always an input, never a fact."""

    name: str
    """What is rented, e.g. ``"AWS c7i.large (2 vCPU)"``."""
    usd_per_hour: float
    """On-demand price in US dollars per hour."""
    source: str
    """Where the number came from (price page, invoice)."""
    as_of: str
    """When the number was read (``YYYY-MM``); prices change."""
    illustrative: bool = True
    """True for example numbers that nobody should quote."""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise MLLError(f"name={self.name!r} must be a non-empty string, e.g. 'my VM'")
        positive("usd_per_hour", self.usd_per_hour, "pass the hourly price, e.g. 0.10")

    def __repr__(self) -> str:
        tag = ", illustrative" if self.illustrative else ""
        return f"Price({self.name!r}, ${self.usd_per_hour:g}/h, {self.source}, {self.as_of}{tag})"

    def _repr_html_(self) -> str:
        rows = [
            ("usd_per_hour", self.usd_per_hour),
            ("source", self.source),
            ("as_of", self.as_of),
            ("illustrative", self.illustrative),
        ]
        return _html.table(("", self.name), rows, caption="hourly price (an input)")


def as_price(price: Any, name: str = "price", *, optional: bool = False) -> Price | None:
    """The one ``price=`` rule: a :class:`Price` as given, or an hourly USD number.

    A number is the reader's own price, so it is never tagged illustrative. ``None`` is
    accepted only when ``optional`` (then no dollar figure is shown).
    """
    if price is None and optional:
        return None
    if isinstance(price, Price):
        return price
    if isinstance(price, numbers.Real) and not isinstance(price, bool):
        usd = positive(name, price, "pass the hourly price in USD, e.g. 0.10")
        return Price("your machine", usd, "your input", "n/a", illustrative=False)
    extra = ", or None" if optional else ""
    fix = f"pass mll.Price(...) or dollars per hour, e.g. 0.10{extra}"
    raise MLLError(f"{name}={price!r} is not a price: {fix}")


#: Example prices to make the formulas concrete. Illustrative: list prices change; check them.
#: Where no public source was found, the label says "unverified estimate".
_FACTUALMINDS = (
    "factualminds.com, 'Amazon EC2 On-Demand Pricing: Instance Families, Regional Multipliers, "
    "and the Graviton Crossover (2026)', quoting AWS on-demand Linux rates for us-east-1"
)
ILLUSTRATIVE_PRICES: dict[str, Price] = {
    "cpu-2vcpu": Price(
        "AWS EC2 c7i.large (2 vCPU, 4 GiB), on-demand, us-east-1 (unverified estimate)",
        0.08925,
        "unverified estimate: recalled from the AWS EC2 on-demand pricing page, no source found",
        "2024-06",
    ),
    "cpu-2vcpu-arm": Price(
        "AWS EC2 m7g.large (2 vCPU Graviton3, 8 GiB), on-demand, us-east-1",
        0.0816,
        _FACTUALMINDS,
        "2026-06",
    ),
    "gpu-a10g": Price(
        "AWS EC2 g5.xlarge (1x NVIDIA A10G), on-demand, us-east-1",
        1.006,
        _FACTUALMINDS,
        "2026-06",
    ),
}


#: the file of listed prices with their sources and dates (``mll.price_table``)
PRICES_ASSET = "prices.yaml"
_PRICE_FIELDS = ("item", "kind", "unit", "usd", "source", "url", "as_of")
PER_HOUR = "USD per hour"


@dataclass(frozen=True)
class ListedPrice:
    """One row of the price table in ``mlliteracy/assets/prices.yaml``: a number with its source."""

    key: str
    item: str
    """What is priced (product, size, region, tier)."""
    kind: str
    """``compute``, ``gpu``, ``api`` or ``storage``."""
    unit: str
    """e.g. ``USD per hour``, ``USD per 1k tokens``, ``USD per GB-month``."""
    usd: float
    source: str
    """The page the number was read from, in words."""
    url: str
    as_of: str
    """The date the source states for its numbers (``undated`` when it states none)."""
    read: str
    """The month the table copied the number."""

    def as_price(self) -> Price:
        """This row as an hourly :class:`Price` (only for rows priced per hour)."""
        if self.unit != PER_HOUR:
            raise MLLError(f"price {self.key!r} is in {self.unit!r}, not {PER_HOUR!r}: "
                           "use its .usd directly")  # fmt: skip
        where = f"{self.source.split(',')[0]}, see mll.price_table()"
        return Price(self.item, self.usd, where, self.as_of, illustrative=False)

    def __repr__(self) -> str:
        return f"ListedPrice({self.key!r}: {self.usd:g} {self.unit}, as of {self.as_of})"

    def _repr_html_(self) -> str:
        rows = [(f, getattr(self, f)) for f in (*_PRICE_FIELDS, "read")]
        return _html.table(("", self.key), rows, caption="listed price (an input)")


def listed_prices() -> dict[str, ListedPrice]:
    """Every row of ``mlliteracy/assets/prices.yaml``, by key."""
    raw = load_asset(PRICES_ASSET)
    try:
        read = str(raw["read"])
        return {
            str(k): ListedPrice(str(k), *(v[f] for f in _PRICE_FIELDS[:3]), float(v["usd"]),
                                *(str(v[f]) for f in _PRICE_FIELDS[4:]), read)
            for k, v in raw["prices"].items()
        }  # fmt: skip
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise asset_error(PRICES_ASSET, err) from err


def listed_price(key: str) -> ListedPrice:
    """One listed price with its source and date.

    Example:
        >>> mll.listed_price("aws-c6i-large").as_price()
    """
    prices = listed_prices()
    if key not in prices:
        raise MLLError(f"key={key!r} is not in the price table: use one of {sorted(prices)}")
    return prices[key]


def price_table() -> pd.DataFrame:
    """The price table as a DataFrame: key, item, kind, unit, usd, source, url, as_of, read.

    Example:
        >>> mll.price_table()[["key", "usd", "unit", "as_of"]]
    """
    import pandas as pd

    rows = [{"key": p.key, **{f: getattr(p, f) for f in _PRICE_FIELDS}, "read": p.read}
            for p in listed_prices().values()]  # fmt: skip
    return pd.DataFrame(rows)


def cost_per_1k_requests(usd_per_hour: float, requests_per_second: float) -> float:
    """Dollars per 1000 requests = hourly price / (requests per second * 3600) * 1000.

    Example:
        >>> mll.cost_per_1k_requests(0.36, 100)   # 0.36 / 360000 * 1000
        0.001
    """
    price = positive("usd_per_hour", usd_per_hour, "pass the hourly price, e.g. 0.10")
    rps = positive(
        "requests_per_second", requests_per_second, "measure throughput first (e.g. 50.0)"
    )
    return price / (rps * SECONDS_PER_HOUR) * 1000.0


def cost_per_1m_tokens(usd_per_hour: float, tokens_per_second: float) -> float:
    """Dollars per million tokens = hourly price / (tokens per second * 3600) * 1e6.

    Example:
        >>> mll.cost_per_1m_tokens(3.6, 1000)
        1.0
    """
    price = positive("usd_per_hour", usd_per_hour, "pass the hourly price, e.g. 0.10")
    tps = positive("tokens_per_second", tokens_per_second, "measure throughput first")
    return price / (tps * SECONDS_PER_HOUR) * 1e6


def throughput_value(requests_per_second: Any) -> float:
    value = getattr(requests_per_second, "throughput", requests_per_second)
    return positive("requests_per_second", value, "pass a measured throughput or a LatencyStats")


@dataclass(frozen=True)
class ServingCost:
    """What serving costs at a measured throughput and a given hourly price."""

    price: Price
    requests_per_second: float
    """Measured throughput of one machine."""
    tokens_per_request: float | None
    """Average tokens per request, if token costs are wanted."""

    @property
    def usd_per_1k_requests(self) -> float:
        return cost_per_1k_requests(self.price.usd_per_hour, self.requests_per_second)

    @property
    def requests_per_hour(self) -> float:
        return self.requests_per_second * SECONDS_PER_HOUR

    @property
    def usd_per_1m_tokens(self) -> float | None:
        if self.tokens_per_request is None:
            return None
        tps = self.requests_per_second * self.tokens_per_request
        return cost_per_1m_tokens(self.price.usd_per_hour, tps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "machine": self.price.name,
            "usd_per_hour": self.price.usd_per_hour,
            "requests_per_second": self.requests_per_second,
            "requests_per_hour": self.requests_per_hour,
            "usd_per_1k_requests": self.usd_per_1k_requests,
            "usd_per_1m_tokens": self.usd_per_1m_tokens,
            "illustrative_price": self.price.illustrative,
        }

    def __repr__(self) -> str:
        tok = self.usd_per_1m_tokens
        extra = f", ${tok:.4g}/1M tokens" if tok is not None else ""
        return (
            f"ServingCost({self.price.name!r}: {self.requests_per_second:.4g} req/s, "
            f"${self.usd_per_1k_requests:.4g}/1k requests{extra})"
        )

    def _repr_html_(self) -> str:
        rows = [(k, f"{v:.4g}" if isinstance(v, float) else v) for k, v in self.to_dict().items()]
        note = f"price from {self.price.source}, {self.price.as_of}"
        return _html.table(("", "value"), rows, caption=f"serving cost ({note})")


def serving_cost(
    price: Price, requests_per_second: Any, tokens_per_request: float | None = None
) -> ServingCost:
    """Cost of serving at a measured throughput.

    Args:
        price: a :class:`Price` (your own, or one of :data:`ILLUSTRATIVE_PRICES`), or $/h.
        requests_per_second: measured throughput, or a ``LatencyStats`` (its ``.throughput``).
        tokens_per_request: average tokens per request, to also get $ per 1M tokens.

    Returns:
        A :class:`ServingCost`.

    Example:
        >>> mll.serving_cost(mll.ILLUSTRATIVE_PRICES["cpu-2vcpu"], 80, tokens_per_request=128)
    """
    price = as_price(price)
    rps = throughput_value(requests_per_second)
    if tokens_per_request is not None:
        tokens_per_request = positive(
            "tokens_per_request", tokens_per_request, "pass the average tokens, e.g. 128"
        )
    return ServingCost(price, rps, tokens_per_request)


def cost_table(
    throughputs: Mapping[str, Any], price: Price, tokens_per_request: float | None = None
) -> pd.DataFrame:
    """One row per variant: throughput and $ per 1000 requests (and per 1M tokens) at ``price``.

    Example:
        >>> mll.cost_table({"fp32": 80.0, "int8": 140.0}, my_price)
    """
    import pandas as pd

    if not isinstance(throughputs, Mapping) or not throughputs:
        raise MLLError("throughputs must be a non-empty dict name -> requests per second")
    rows = []
    for name, rps in throughputs.items():
        sc = serving_cost(price, rps, tokens_per_request)
        rows.append(
            {
                "variant": str(name),
                "requests_per_second": sc.requests_per_second,
                "usd_per_1k_requests": sc.usd_per_1k_requests,
                "usd_per_1m_tokens": sc.usd_per_1m_tokens,
            }
        )
    frame = pd.DataFrame(rows)
    if tokens_per_request is None:
        frame = frame.drop(columns="usd_per_1m_tokens")
    return frame


# ------------------------------------------------------------------ training compute


def training_flops(params: float, tokens: float) -> float:
    """Training compute ~ 6 * N * D FLOPs (Kaplan et al. 2020): N parameters, D tokens.

    Example:
        >>> mll.training_flops(1e9, 2e10)
        1.2e+20
    """
    n = positive("params", params, "pass the parameter count N, e.g. 22_713_216")
    d = positive("tokens", tokens, "pass the number of training tokens D, e.g. 1e9")
    return 6.0 * n * d


def device_hours(flops: float, peak_flops_per_s: float, utilisation: float = 0.4) -> float:
    """Hours of one device: FLOPs / (peak FLOP/s * utilisation) / 3600.

    Example:
        >>> mll.device_hours(3.6e18, 1e15, utilisation=0.5)
        2.0
    """
    f = positive("flops", flops, "pass total FLOPs, e.g. from mll.training_flops")
    peak = positive("peak_flops_per_s", peak_flops_per_s, "pass the device peak, e.g. 3.12e14")
    u = positive("utilisation", utilisation, "pass a fraction in (0, 1], e.g. 0.4")
    if u > 1:
        raise MLLError(f"utilisation={utilisation!r} must be at most 1: pass e.g. 0.4 for 40%")
    return f / (peak * u) / SECONDS_PER_HOUR


def energy_kwh(power_watts: float, hours: float) -> float:
    """Energy in kWh = power (W) * hours / 1000; the power is your input (board power, PUE...).

    Example:
        >>> mll.energy_kwh(400, 10)
        4.0
    """
    p = positive("power_watts", power_watts, "pass the average draw in watts, e.g. 300")
    h = positive("hours", hours, "pass device-hours, e.g. from mll.device_hours", True)
    return p * h / 1000.0


@dataclass(frozen=True)
class TrainingEstimate:
    """Back-of-the-envelope training budget: compute, device-hours, energy and (optional) $."""

    params: float
    tokens: float
    flops: float
    """6 * params * tokens."""
    peak_flops_per_s: float
    utilisation: float
    device_hours: float
    power_watts: float
    energy_kwh: float
    usd: float | None
    """device_hours * price, when a price was given."""
    price: Price | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "params": self.params,
            "tokens": self.tokens,
            "flops": self.flops,
            "peak_flops_per_s": self.peak_flops_per_s,
            "utilisation": self.utilisation,
            "device_hours": self.device_hours,
            "power_watts": self.power_watts,
            "energy_kwh": self.energy_kwh,
            "usd": self.usd,
        }

    def __repr__(self) -> str:
        usd = f", ${self.usd:,.2f}" if self.usd is not None else ""
        return (
            f"TrainingEstimate({self.flops:.3e} FLOPs, {self.device_hours:,.2f} device-hours, "
            f"{self.energy_kwh:,.2f} kWh{usd})"
        )

    def _repr_html_(self) -> str:
        rows = [(k, "" if v is None else f"{v:.4g}") for k, v in self.to_dict().items()]
        cap = "training estimate (6ND)"
        if self.price is not None:
            cap += f"; price {self.price.name}, {self.price.source}, {self.price.as_of}"
        return _html.table(("", "value"), rows, caption=cap)


def training_estimate(
    params: float,
    tokens: float,
    peak_flops_per_s: float,
    utilisation: float = 0.4,
    power_watts: float = 300.0,
    price: Price | None = None,
) -> TrainingEstimate:
    """Training compute (6ND), device-hours at a utilisation, energy at a power, and cost.

    Args:
        params: parameter count N.
        tokens: training tokens D.
        peak_flops_per_s: one device's peak FLOP/s (data sheet, or measured).
        utilisation: fraction of peak actually sustained (0.3-0.5 is common for training).
        power_watts: average draw of one device, an input (300 is only an example).
        price: hourly price of one device, for a dollar figure.

    Example:
        >>> mll.training_estimate(22_713_216, 1e9, peak_flops_per_s=1.85e11)
    """
    price = as_price(price, optional=True)
    flops = training_flops(params, tokens)
    hours = device_hours(flops, peak_flops_per_s, utilisation)
    kwh = energy_kwh(power_watts, hours)
    usd = hours * price.usd_per_hour if price is not None else None
    return TrainingEstimate(
        float(params), float(tokens), flops, float(peak_flops_per_s), float(utilisation),
        hours, float(power_watts), kwh, usd, price,
    )  # fmt: skip

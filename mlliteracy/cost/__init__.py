"""What inference costs: prices as dated inputs, the roofline, the cheap/expensive cascade and its
cost curve, build vs buy.

Used by: intermediate 02, advanced 03.

Modules:
- ``benefit``: Cost against lift: compute hours, storage, engineering days and serving beside
  the accuracy each option measurably adds, and a pilot judged against a success metric.
- ``buildbuy``: Build vs buy: a hosted API priced per 1000 tokens vs self-hosting at a measured
  throughput.
- ``cascade``: Hybrid systems: a cheap model answers when it is confident, an expensive one
  handles the rest.
- ``compare``: Is one model really better? A paired bootstrap of the accuracy difference on
  the same items.
- ``curve``: The accuracy-vs-cost curve of a cascade, swept over thresholds from cached
  probabilities.
- ``pricing``: Cost models: $ per 1000 requests and per 1M tokens, training compute, device-
  hours, energy; the listed prices with their sources and dates (``assets/prices.yaml``).
- ``roofline``: Roofline model (Williams, Waterman & Patterson 2009): is a kernel limited by
  compute or memory?
- ``roofline_figure``: The roofline as a picture: both measured roofs (fp32 and, when measured,
  int8) and the points placed under them, numbered so that no label covers another.
"""

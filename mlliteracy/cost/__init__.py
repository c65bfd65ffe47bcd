"""What inference costs: prices as dated inputs, the roofline, the cheap/expensive cascade and its
cost curve, build vs buy.

Used by: intermediate 02, advanced 03.

Modules:
- ``buildbuy``: Build vs buy: a hosted API priced per 1000 tokens vs self-hosting at a measured
  throughput.
- ``cascade``: Hybrid systems: a cheap model answers when it is confident, an expensive one
  handles the rest.
- ``curve``: The accuracy-vs-cost curve of a cascade, swept over thresholds from cached
  probabilities.
- ``pricing``: Cost models: $ per 1000 requests and per 1M tokens, training compute, device-
  hours, energy.
- ``roofline``: Roofline model (Williams, Waterman & Patterson 2009): is a kernel limited by
  compute or memory?
- ``roofline_figure``: The roofline as a picture: both measured roofs (fp32 and, when measured,
  int8) and the points placed under them, numbered so that no label covers another.
"""

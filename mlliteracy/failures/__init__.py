"""Why a pipeline fails: planted faults with ground truth (leakage, skew, label noise), the
diagnostics that find them, and distribution drift.

Used by: intermediate 03, advanced 02.

Modules:
- ``ablation``: What each fix is worth: one repair at a time on the broken pipeline, and the
  duplicates' share of the gap between the test score and the audit accuracy.
- ``cases``: A deliberately broken training pipeline on the digits data, and the same pipeline
  fixed.
- ``diagnostics``: Diagnostics for broken training pipelines: split overlap, learning curves,
  label noise and preprocessing fitted on the wrong rows (feature drift lives in
  :mod:`mlliteracy.failures.drift`).
- ``drift``: Feature-distribution comparison: population stability index (PSI) and the KS test
  per feature.
- ``labels``: Our label-noise estimate beside cleanlab's, both scored against flips we know we
  planted.
- ``release``: Accuracy dropped in production: what changed in the release, a skew the
  max-value check misses, and concept drift (the labels' meaning changes while the inputs do
  not).
"""

"""Model cards and datasheets: the documents (Mitchell et al. 2019; Gebru et al. 2021), their
metrics, reading upstream cards, offline validation, and per-slice metrics for the card.

Used by: beginner 04, advanced 01.

Modules:
- ``card``: Model cards (Mitchell et al. 2019) and datasheets (Gebru et al. 2021) as plain
  objects.
- ``check``: Offline checks of model cards and datasheets: findings with a severity, and a
  completeness score.
- ``metric``: One measured number tied to the data it was measured on: the rows of a card's
  metrics table.
- ``parse``: Reading cards back: Markdown with YAML front matter (ours or the Hugging Face
  Hub's).
- ``slices``: Evaluation with slices: accuracy overall and per group, as Metric rows for a model
  card.
"""

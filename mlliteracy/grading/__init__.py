"""Exercises and grading, one module per workflow step.

``key`` (declare and seal an answer key: feedback criteria, hidden probes, fairness) ->
``assign`` (solutions/ -> exercises/) -> ``checks`` (instant feedback in the learner's notebook)
-> ``execute`` (run one submission in its own kernel, its hidden probes, export plain answers)
-> ``worker`` (one run under time and memory limits, here or on a Dask cluster; ``sandbox``
isolates it) -> ``grade`` (batch, probes' expected values, scores, resume; ``submissions``
collects and validates the files) -> ``gradebook`` (CSV, summary, per-learner HTML feedback)
-> ``review`` (a person scores the flagged answers). See ``docs/instructors.md``.
"""

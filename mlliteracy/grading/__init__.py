"""Exercises and grading, one module per workflow step.

``key`` (declare and seal an answer key) -> ``assign`` (solutions/ -> exercises/) ->
``checks`` (instant feedback in the learner's notebook) -> ``execute`` (run one submission in its
own kernel, export plain answers) -> ``grade`` (batch, limits, resume) -> ``gradebook`` (CSV,
summary) and ``feedback`` (per-learner HTML). See ``docs/instructors.md``.
"""

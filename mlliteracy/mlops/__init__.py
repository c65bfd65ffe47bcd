"""The MLOps audit and redesign: the ML Test Score, project scans, the shadow-IT case, the
redesigned pipeline, experiment tracking, reproducibility, drift monitoring, the migration plan.

Used by: advanced 02.

Modules:
- ``alerts``: Drift alerts that know the sample size: a bootstrap null for PSI and a
  persistence rule.
- ``migration``: A phased MLOps migration plan: what each phase fixes, what it costs, what it
  returns.
- ``monitoring``: Drift monitoring with stated thresholds: PSI and KS on input features and on
  embeddings.
- ``redesign``: The redesigned digits pipeline, written as a project folder the audit can scan.
- ``repro``: Reproducibility check: train the same thing twice and compare metrics and weight
  hashes.
- ``scan``: Automated evidence for the ML Test Score: what a folder's files show (and what they
  don't).
- ``shadowit``: The "shadow IT" training pipeline: a case study for the MLOps audit, shipped as
  files.
- ``stages``: Tools per stage of the redesigned pipeline, with the SLA or trigger each holds.
- ``testscore``: The ML Test Score rubric (Breck et al., 2017): 28 tests, four sections, the
  minimum rule.
- ``tracking``: Experiment tracking with MLflow: a local SQLite store, no server, no network.
"""

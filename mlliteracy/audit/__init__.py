"""The compliance audit of the demo FAQ assistant: which AI Act tier applies, the assistant
itself, the system specification and its diagram, the run that measures its risks, the risk
register, the regulation map (EU AI Act, NIST AI RMF), the report and the evidence bundle.

Used by: advanced 01, the audit CLI.

Modules:
- ``ai_act``: Which rules apply: the EU AI Act risk tier of an intended use, with a reason per
  article.
- ``assistant``: The demo customer assistant under audit: FAQ retrieval with a hand-over
  threshold.
- ``bundle``: Run the whole compliance audit of the demo assistant and write a verifiable
  evidence bundle.
- ``diagram``: Drawing a :class:`~mlliteracy.audit.system.SystemSpec` as SVG, without Graphviz.
- ``measure``: Risk measurements of the demo assistant, with the package's risk helpers.
- ``register``: A risk register whose ratings come from measurements, not opinions.
- ``regulation``: Regulatory mapping: EU AI Act Annex IV and Articles 10/12/13/15/50(1), NIST
  AI RMF functions.
- ``report``: The audit report (Markdown and HTML) and the bytes of every file in the evidence
  bundle.
- ``system``: A declared system spec: components, models, data stores, flows and trust zones, as
  data.
"""

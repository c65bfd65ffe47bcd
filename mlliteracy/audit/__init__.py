"""The compliance audit: the system specification and its diagram, the risk register, the
regulation map (EU AI Act, NIST AI RMF), the report and the evidence bundle.

Used by: advanced 01, the audit CLI.

Modules:
- ``bundle``: Run the whole compliance audit of the demo assistant and write a verifiable
  evidence bundle.
- ``diagram``: Drawing a :class:`~mlliteracy.audit.system.SystemSpec` as SVG, without Graphviz.
- ``register``: A risk register whose ratings come from measurements, not opinions.
- ``regulation``: Regulatory mapping: EU AI Act Annex IV and Articles 10/12/13/15, NIST AI RMF
  functions.
- ``report``: The audit report (Markdown and HTML) and the bytes of every file in the evidence
  bundle.
- ``system``: A declared system spec: components, models, data stores, flows and trust zones, as
  data.
"""

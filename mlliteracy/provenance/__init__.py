"""Where weights and data came from: content hashes, manifests that detect tampering, W3C PROV
lineage, the provenance trace of the audited system and its supply chain.

Used by: beginner 03-04, advanced 01-02.

Modules:
- ``hashes``: SHA-256 fingerprints of files, folders and weights: the atoms of provenance.
- ``lineage``: Lineage graphs in the W3C PROV vocabulary: entities, activities, agents and their
  relations.
- ``manifest``: Manifests: a JSON list of artifacts with their hashes, origin and licence, and
  its check.
- ``supplychain``: The model files a system ships: format, size, SHA-256 and whether loading
  them is safe.
- ``trace``: Provenance trace of the demo assistant: base weights, fine-tuning data,
  preprocessing, findings.
"""

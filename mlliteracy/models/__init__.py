"""The models the workbook uses: the zoo (torchvision, transformers configs, MiniLM, the digits
CNN), the networks we train, the MiniLM text encoder with its sentiment head, and the demo FAQ
assistant.

Used by: every lesson.

Modules:
- ``assistant``: The demo customer assistant under audit: FAQ retrieval with a hand-over
  threshold.
- ``nets``: Small networks the workbook trains itself (they fit in seconds on a laptop CPU).
- ``sentiment``: A real sentiment classifier: MiniLM sentence embeddings + a logistic-regression
  head.
- ``zoo``: Models available offline: torchvision architectures, MiniLM, BERT shapes and the
  digits CNN.
"""

"""Risk measurements that run offline: personal data, identity-term bias, membership inference,
robustness, hallucination and the FAQ evaluation set.

Used by: advanced 01.

Modules:
- ``fairness``: Identity-term bias of a text classifier, measured with templates (Dixon et al.,
  2018).
- ``faqeval``: The evaluation set of the FAQ assistant: paraphrased in-scope questions and out-
  of-scope ones.
- ``hallucination``: How often the assistant answers, answers wrongly, or answers what it cannot
  know.
- ``membership``: Membership inference by loss threshold (Yeom et al., 2018): does the model
  leak who it saw?
- ``pii``: Find personal data in text offline: regular expressions plus the Luhn checksum for
  cards.
- ``robustness``: Does a small, meaning-preserving change of the input flip the classifier's
  label?
"""

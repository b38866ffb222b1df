"""The catalog's one announcement: "these models' facts changed".

A notification only: the catalog does not know who listens (the scoring app rescores). Sent
with ``model_ids=None`` it means "anything may have changed" (a whole crawl).
``synchronous=True`` asks listeners to act now, in this process (the crawl command),
instead of queueing work after the transaction commits (workers).
"""

from django.dispatch import Signal

facts_changed = Signal()  # kwargs: model_ids: list[int] | None, synchronous: bool, progress: bool

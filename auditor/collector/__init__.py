"""The collector: Alibaba Cloud RAM/IMS/STS APIs -> :class:`~auditor.snapshot.AccountSnapshot`.

The only package of the product that imports the Alibaba Cloud SDKs.
"""

from auditor.collector.collect import collect_snapshot
from auditor.collector.errors import ActionNotAllowed, CollectionAborted
from auditor.collector.settings import (
    DEFAULT_ENDPOINTS,
    CollectorSettings,
    Endpoint,
    RetrySettings,
    parse_endpoint,
)

__all__ = [
    "DEFAULT_ENDPOINTS",
    "ActionNotAllowed",
    "CollectionAborted",
    "CollectorSettings",
    "Endpoint",
    "RetrySettings",
    "collect_snapshot",
    "parse_endpoint",
]

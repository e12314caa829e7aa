"""Chat and webhook notifications after a run (shared/spec/jobs.md)."""

from auditor.notify.messages import Digest, Notice, digest
from auditor.notify.send import Failure, SendSettings, send, send_all
from auditor.notify.targets import Target, parse_target

__all__ = [
    "Digest", "Failure", "Notice", "SendSettings", "Target", "digest", "parse_target", "send",
    "send_all",
]

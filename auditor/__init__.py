"""ram-audit: a security-posture auditor for Alibaba Cloud RAM."""

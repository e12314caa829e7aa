"""Organisation audits: a Resource Directory's members, each audited by the single-account
pipeline through its own audit role, then merged into one organisation report."""

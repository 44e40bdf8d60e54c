"""The gateway's use cases: each one transaction (the audit entries of a change in the change's transaction)."""

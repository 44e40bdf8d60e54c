"""Use cases: each runs in the caller's one transaction (a consumer's, a scheduler tick's, or an API call's)."""

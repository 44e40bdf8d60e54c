"""HTTP API of the sales service (under /api/v1)."""

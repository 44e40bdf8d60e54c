"""HTTP API under /api/v1: rules, inbox, alerts and deliveries, channels and contacts, exception cases."""

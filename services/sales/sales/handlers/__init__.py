"""Use cases, one transaction each: placing and changing orders (API) and reacting to replies (Kafka)."""

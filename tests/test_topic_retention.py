"""The broker's topics carry the retention the contracts declare (`python -m contracts topics`, applied by
deploy/local/ensure_topics.py in `make up`, the tests' infra, the compose `topics` job and the k8s Job): business
events kept forever so a new subscriber or a rebuild reads the whole history, master data compacted."""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from contracts.registry import TOPICS
from servicekit.testing import Infra

pytestmark = pytest.mark.integration


async def _configs(bootstrap: str, names: list[str]) -> dict[str, dict[str, Any]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        responses = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n) for n in names])
    finally:
        await admin.close()
    found: dict[str, dict[str, Any]] = {}
    for response in responses:
        for resource in response.resources:
            found[resource[3]] = {entry[0]: entry[1] for entry in resource[4]}
    return found


async def test_every_topic_has_the_declared_retention(infra: Infra) -> None:
    declared = {t.name: dict(t.config) for t in TOPICS if t.config}
    have = await _configs(infra.kafka_bootstrap, sorted(declared))
    assert {n: {k: have[n].get(k) for k in c} for n, c in declared.items()} == declared
    assert have["sales.orders"]["retention.ms"] == "-1" and have["sales.customers"]["cleanup.policy"] == "compact"

"""The topic registry: every message on exactly one topic, keys that exist, partitions, lookups."""

from __future__ import annotations

from collections import Counter

import pytest

from contracts import TOPICS, Message, model_of, topic_of
from contracts.__main__ import main
from contracts.examples import EXAMPLES
from contracts.registry import SERVICES, Topic, dead_letter_topic, topic_named
from contracts.sales import OrderPlaced, ReserveStock

MODELS = [model for topic in TOPICS for model in topic.messages]


def test_every_message_type_is_on_exactly_one_topic() -> None:
    counts = Counter(MODELS)
    assert [model.__name__ for model, n in counts.items() if n > 1] == []
    unregistered = set(Message.__subclasses__()) - set(MODELS)
    assert unregistered == set(), "a Message subclass is not on any topic"


def test_message_type_and_version_are_unique() -> None:
    idents = Counter((model.message_type, model.version) for model in MODELS)
    assert [ident for ident, n in idents.items() if n > 1] == []


@pytest.mark.parametrize("topic", TOPICS, ids=lambda topic: topic.name)
def test_topic_key_field_exists_on_each_of_its_messages(topic: Topic) -> None:
    for model in topic.messages:
        assert model.key_field == topic.key, model.__name__
        assert topic.key in model.model_fields, model.__name__
        assert model.model_fields[topic.key].is_required(), model.__name__


def test_a_topic_has_one_producer_and_commands_go_to_command_topics() -> None:
    for topic in TOPICS:
        assert len({model.__module__ for model in topic.messages}) <= 1, topic.name
        is_command_topic = topic.name.endswith(".commands")
        assert all((model.kind == "command") == is_command_topic for model in topic.messages), topic.name


def test_partitions_and_dead_letter_topics() -> None:
    for topic in TOPICS:
        expected = 1 if topic.name.startswith("dlq.") else 6
        assert topic.partitions == expected, topic.name
    names = {topic.name for topic in TOPICS}
    assert len(names) == len(TOPICS)
    assert {dead_letter_topic(service) for service in SERVICES} <= names
    assert dead_letter_topic("sales") == "dlq.sales"
    with pytest.raises(ValueError, match="unknown service"):
        dead_letter_topic("warehouse")


def test_lookups() -> None:
    assert topic_of(OrderPlaced).name == "sales.orders"
    assert topic_of(EXAMPLES[1]) is topic_of(type(EXAMPLES[1]))
    assert topic_of(ReserveStock).name == "inventory.commands"
    assert topic_of(ReserveStock).producer == "sales"
    assert topic_named("dlq.finance").producer == "finance"
    assert model_of("OrderPlaced", 1) is OrderPlaced
    with pytest.raises(KeyError):
        model_of("OrderPlaced", 99)
    with pytest.raises(KeyError):
        topic_of(Message)


def test_topics_command_prints_name_partitions_and_retention(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["topics"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [[topic.name, str(topic.partitions)] for topic in TOPICS]
    configs = {line.split()[0]: dict(part.split("=", 1) for part in line.split()[2:]) for line in lines}
    assert configs["sales.orders"]["retention.ms"] == "-1"  # events kept for a rebuild
    assert configs["inventory.products"]["cleanup.policy"] == "compact"  # master data: latest per key
    assert configs["analytics.supplier-scores"]["cleanup.policy"] == "compact"
    assert configs["inventory.commands"]["retention.ms"] == str(7 * 24 * 3600 * 1000)
    assert configs["dlq.analytics"]["retention.ms"] == str(30 * 24 * 3600 * 1000)


def test_every_message_type_is_documented() -> None:
    assert [model.__name__ for model in MODELS if not model.__doc__] == []

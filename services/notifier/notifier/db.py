"""The notifier database: rules, watches (for time rules), alerts, in-app inbox, deliveries and their
attempts, webhook endpoints, contacts, a small customer/supplier directory, and exception cases."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from servicekit.db import kit_tables, new_metadata

metadata = new_metadata()
kit = kit_tables(metadata)


def _now() -> Column[object]:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


rules = Table(
    "rules",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("kind", String(10), nullable=False),  # event | time
    Column("description", Text, nullable=False, server_default=""),
    Column("event_type", String(100)),
    Column("watch_type", String(50)),
    Column("offset_minutes", Integer),
    Column("conditions", JSONB, nullable=False, server_default="[]"),
    Column("dedup_field", String(100)),
    Column("severity", String(10), nullable=False),
    Column("recipients", JSONB, nullable=False, server_default="[]"),
    Column("channels", JSONB, nullable=False, server_default="[]"),
    Column("webhooks", JSONB),  # endpoint names; null = every enabled endpoint
    Column("template_key", String(64), nullable=False),
    Column("opens_case", Boolean, nullable=False, server_default="false"),
    Column("case_type", String(64)),
    Column("sla_hours", Integer),
    Column("escalation_roles", JSONB, nullable=False, server_default="[]"),
    Column("clears_on", JSONB, nullable=False, server_default="[]"),
    Column("enabled", Boolean, nullable=False, server_default="true"),
    _now(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_rules_event_type", "event_type"),
    Index("ix_rules_watch_type", "watch_type"),
)

watches = Table(
    "watches",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("watch_type", String(50), nullable=False),
    Column("watch_key", String(200), nullable=False),
    Column("subject_type", String(30), nullable=False),
    Column("subject_id", String(128), nullable=False),
    Column("reference_at", DateTime(timezone=True), nullable=False),
    Column("context", JSONB, nullable=False, server_default="{}"),
    _now(),
    Column("cleared_at", DateTime(timezone=True)),
    UniqueConstraint("watch_type", "watch_key", name="uq_watches_type_key"),
    Index("ix_watches_open", "watch_type", "reference_at", postgresql_where=text("cleared_at IS NULL")),
)

watch_firings = Table(
    "watch_firings",
    metadata,
    Column("watch_id", BigInteger, ForeignKey("watches.id", ondelete="CASCADE"), nullable=False),
    Column("rule_code", String(64), nullable=False),
    Column("fired_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("watch_id", "rule_code", name="pk_watch_firings"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("alert_id", UUID(as_uuid=True), primary_key=True),
    Column("rule_code", String(64), nullable=False),
    Column("dedup_key", String(300), nullable=False),
    Column("subject_type", String(30), nullable=False),
    Column("subject_id", String(128), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("title_zh", Text, nullable=False),
    Column("title_en", Text, nullable=False),
    Column("body_zh", Text, nullable=False),
    Column("body_en", Text, nullable=False),
    Column("recipients", JSONB, nullable=False),
    Column("channels", JSONB, nullable=False),
    Column("supplier_code", String(64)),
    Column("customer_code", String(64)),
    Column("source_event_id", UUID(as_uuid=True)),
    Column("watch_id", BigInteger),
    Column("case_no", String(32)),
    Column("delivery_status", String(12), nullable=False, server_default="none"),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    Column("cleared_at", DateTime(timezone=True)),
    # Deduplication: one open alert per (rule, subject) until its condition clears.
    Index("uq_alerts_open_dedup", "dedup_key", unique=True, postgresql_where=text("cleared_at IS NULL")),
    Index("ix_alerts_subject", "subject_type", "subject_id"),
    Index("ix_alerts_raised_at", "raised_at"),
    Index("ix_alerts_watch", "watch_id", postgresql_where=text("watch_id IS NOT NULL")),
)

inbox_items = Table(
    "inbox_items",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("alert_id", UUID(as_uuid=True), ForeignKey("alerts.alert_id"), nullable=False),
    Column("recipient_kind", String(10), nullable=False),  # user | role
    Column("recipient", String(128), nullable=False),
    _now(),
    Index("ix_inbox_items_recipient", "recipient_kind", "recipient", "id"),
)

inbox_reads = Table(
    "inbox_reads",
    metadata,
    Column("item_id", BigInteger, ForeignKey("inbox_items.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", String(128), nullable=False),
    Column("read_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("item_id", "user_id", name="pk_inbox_reads"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("alert_id", UUID(as_uuid=True), ForeignKey("alerts.alert_id"), nullable=False),
    Column("channel", String(10), nullable=False),  # email | webhook | sms
    Column("target", String(512), nullable=False),  # address, endpoint name, phone
    Column("status", String(12), nullable=False, server_default="pending"),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("max_attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text),
    _now(),
    Column("delivered_at", DateTime(timezone=True)),
    Column("failed_at", DateTime(timezone=True)),
    Index("ix_deliveries_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
    Index("ix_deliveries_alert", "alert_id"),
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("delivery_id", BigInteger, ForeignKey("deliveries.id", ondelete="CASCADE"), nullable=False),
    Column("attempt_no", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("detail", Text, nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Index("ix_delivery_attempts_delivery", "delivery_id"),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("url", String(1000), nullable=False),
    Column("secret", String(500)),
    Column("enabled", Boolean, nullable=False, server_default="true"),
    Column("min_severity", String(10), nullable=False, server_default="info"),
    _now(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

contacts = Table(
    "contacts",
    metadata,
    Column("kind", String(10), nullable=False),  # user | role
    Column("name", String(128), nullable=False),
    Column("emails", JSONB, nullable=False, server_default="[]"),
    Column("phones", JSONB, nullable=False, server_default="[]"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("kind", "name", name="pk_contacts"),
)

parties = Table(
    "parties",
    metadata,
    Column("kind", String(10), nullable=False),  # customer | supplier
    Column("code", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(254)),
    Column("phone", String(200)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("kind", "code", name="pk_parties"),
)

# Which customer a sales order belongs to (fulfilment events do not say), for customer-facing messages.
order_customers = Table(
    "order_customers",
    metadata,
    Column("order_no", String(32), primary_key=True),
    Column("customer_code", String(64), nullable=False),
    Column("tracking_token", String(64)),  # the customer's (OrderPlaced): their tracking link in messages
)

cases = Table(
    "cases",
    metadata,
    Column("case_no", String(32), primary_key=True),
    Column("case_type", String(64), nullable=False),
    Column("rule_code", String(64)),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("severity", String(10), nullable=False),
    Column("subject_type", String(30), nullable=False),
    Column("subject_id", String(128), nullable=False),
    Column("supplier_code", String(64)),
    Column("customer_code", String(64)),
    Column("state", String(12), nullable=False),
    Column("assignee_role", String(32)),
    Column("assignee_user", String(128)),
    Column("level", Integer, nullable=False, server_default="0"),
    Column("sla_hours", Integer, nullable=False),
    Column("sla_due_at", DateTime(timezone=True), nullable=False),
    Column("escalation_roles", JSONB, nullable=False, server_default="[]"),
    Column("source_alert_id", UUID(as_uuid=True)),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolved_by", String(128)),
    Column("resolution", Text),
    Column("closed_at", DateTime(timezone=True)),
    Column("closed_by", String(128)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_cases_sla", "sla_due_at", postgresql_where=text("state IN ('open', 'processing', 'escalated')")),
    Index("ix_cases_opened_at", "opened_at"),
    Index("ix_cases_subject", "subject_type", "subject_id"),
)

case_comments = Table(
    "case_comments",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("case_no", String(32), ForeignKey("cases.case_no"), nullable=False),
    Column("author", String(128), nullable=False),
    Column("body", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_case_comments_case", "case_no"),
)

case_links = Table(
    "case_links",
    metadata,
    Column("case_no", String(32), ForeignKey("cases.case_no"), nullable=False),
    Column("doc_type", String(30), nullable=False),
    Column("doc_id", String(128), nullable=False),
    PrimaryKeyConstraint("case_no", "doc_type", "doc_id", name="pk_case_links"),
)

case_history = Table(
    "case_history",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("case_no", String(32), ForeignKey("cases.case_no"), nullable=False),
    Column("from_state", String(12)),
    Column("to_state", String(12), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("note", Text),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_case_history_case", "case_no"),
)

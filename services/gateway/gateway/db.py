"""The gateway database: users, login attempts, refresh tokens (hashed) and browser sessions (hashed), the
signing keys, and the kit tables (the audit log among them)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, String, Table, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from servicekit.db import kit_tables, new_metadata

metadata = new_metadata()
kit = kit_tables(metadata)
TZ = DateTime(timezone=True)

users = Table(
    "users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("email", String(254)),
    Column("roles", ARRAY(String(40)), nullable=False, server_default=text("'{}'")),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("password_hash", Text, nullable=False),
    Column("password_changed_at", TZ, nullable=False, server_default=func.now()),
    Column("locked_until", TZ),
    Column("created_at", TZ, nullable=False, server_default=func.now()),
    Column("updated_at", TZ, nullable=False, server_default=func.now()),
)

# Every login attempt, kept for the lockout rule and for the security log (also for unknown usernames).
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("username", String(64), nullable=False),
    Column("at", TZ, nullable=False),
    Column("success", Boolean, nullable=False),
    Column("address", String(64)),
    Column("outcome", String(40), nullable=False),
    Index("ix_login_attempts_username_at", "username", "at"),
)

# Refresh tokens: opaque to the client, only their SHA-256 here. One chain (family) per login; using a token
# rotates it (the next one in the chain); a used token presented again revokes the whole family.
refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("family_id", UUID(as_uuid=True), nullable=False),
    Column("username", String(64), ForeignKey("users.username"), nullable=False),
    Column("issued_at", TZ, nullable=False),
    Column("expires_at", TZ, nullable=False),
    Column("used_at", TZ),
    Column("revoked_at", TZ),
    Index("ix_refresh_tokens_family_id", "family_id"),
    Index("ix_refresh_tokens_username", "username"),
)

# Browser sessions (the ot_session cookie, SHA-256 here): the session holds its refresh chain and the current
# access token the proxy attaches; the gateway refreshes it itself.
sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("family_id", UUID(as_uuid=True), nullable=False),
    Column("refresh_id", UUID(as_uuid=True), nullable=False),
    Column("username", String(64), ForeignKey("users.username"), nullable=False),
    Column("csrf_hash", String(64), nullable=False),
    Column("access_token", Text, nullable=False),
    Column("access_expires_at", TZ, nullable=False),
    Column("created_at", TZ, nullable=False),
    Column("last_seen_at", TZ, nullable=False),
    Column("expires_at", TZ, nullable=False),
    Column("revoked_at", TZ),
    Index("ix_sessions_family_id", "family_id"),
    Index("ix_sessions_username", "username"),
)

# RSA signing keys. The newest not retired one signs; every key not yet expired is published in the JWKS.
signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("private_pem", Text, nullable=False),
    Column("public_jwk", JSONB, nullable=False),
    Column("created_at", TZ, nullable=False),
    Column("retired_at", TZ),  # signs no more
    Column("expires_at", TZ),  # published no more
)

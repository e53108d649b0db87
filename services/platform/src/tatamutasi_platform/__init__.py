"""Shared infrastructure for TataMutasi services: settings, database, outbox and relay,
idempotent consumer with dead-lettering, Kafka bus, broker launcher, auth, problem details,
app factory, logging and metrics. No domain logic lives here."""

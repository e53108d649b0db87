"""The audit service: an append-only, tamper-evident ledger of every event."""

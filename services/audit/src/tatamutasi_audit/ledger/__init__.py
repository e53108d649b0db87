"""Pure ledger math (no I/O): canonical entry bytes and the hash chain."""

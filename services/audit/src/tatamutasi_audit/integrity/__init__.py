"""Integrity checks (red flags): pure rules R1..R10 over facts drawn from the events.

`facts` (what the rules read), `kinship` (the relation graph), `rule` (the rule contract),
one module per family of rules, `catalogue` (the registry and `evaluate`) and `synthetic`
(a seeded synthetic Pemda for tests and benchmarks). No I/O here."""

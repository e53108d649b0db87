"""The employee registry (PNS and PPPK): identities, placements and histories."""

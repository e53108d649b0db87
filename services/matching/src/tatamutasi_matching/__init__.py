"""The matching service: eligibility, scoring, plans and the mutasi proposal workflow."""

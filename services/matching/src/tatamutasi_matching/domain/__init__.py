"""Pure matching core: eligibility rules, 9-box, scoring, the optimiser and explanations.

Nothing here imports FastAPI, SQLAlchemy or any I/O library; every function takes plain
data and returns plain data, so the same core serves the service and `tatamutasi plan`."""

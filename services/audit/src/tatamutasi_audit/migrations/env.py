from tatamutasi_audit.adapters.orm import metadata
from tatamutasi_platform.migrations import run_env

run_env(metadata)

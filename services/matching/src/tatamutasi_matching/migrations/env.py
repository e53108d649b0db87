from tatamutasi_matching.adapters.orm import metadata
from tatamutasi_platform.migrations import run_env

run_env(metadata)

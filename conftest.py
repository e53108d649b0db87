pytest_plugins = ["tatamutasi_platform.testing"]

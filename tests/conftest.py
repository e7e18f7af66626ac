pytest_plugins = ["inbox.testing.fixtures"]

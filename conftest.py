# Fixtures for every test folder (tests/ and each bundled plugin's tests/).
pytest_plugins = ["inbox.testing.fixtures", "inbox.testing.browser"]

# Fixtures for every test folder (tests/ and each bundled plugin's tests/).
from pathlib import Path

import pytest

pytest_plugins = ["inbox.testing.fixtures", "inbox.testing.browser"]

BUNDLED = Path(__file__).parent / "plugins"


def pytest_collect_directory(path: Path, parent):
    """A bundled plugin has one import name, inbox_plugins.<name> (setup.py maps plugins/ there).
    pytest would import plugins/ and each plugin folder's __init__ a second time, as the package
    plugins.<name>, to look for setup_module; collecting them as plain folders means it never does,
    so plugin modules import at the top and plugin tests can use a conftest.py."""
    if path == BUNDLED or path.parent == BUNDLED:
        return pytest.Dir.from_parent(parent, path=path)
    return None

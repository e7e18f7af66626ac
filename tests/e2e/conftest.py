"""Browser tests: Playwright drives Debian's /usr/bin/chromium (no downloaded browsers).

Minimal version written by web helper B (conversation e2e); web helper A owns this file and may
extend it. Test modules may still override browser_type_launch_args themselves.
"""
from __future__ import annotations

import pytest

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


"""The layout is checked, not just described: docs/architecture.md's layers hold in the imports, no
import cycle exists among inbox modules, and each bundled plugin is imported under one name."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_each_bundled_plugin_has_one_import_name():
    """Plugin tests import each plugin as inbox_plugins.<name> only, never a second copy as
    plugins.<name> (whose models would clash), so plugin modules may import at the top. pytest
    imports a package's __init__ when it sets up a `Package` node, so plugin folders must be
    collected as plain `Dir` nodes (conftest.py) and the plugins' own imports must name one package."""
    probe = ("import sys, pytest\n"
             "class Chains:\n"
             "    kinds = set()\n"
             "    def pytest_collection_modifyitems(self, items):\n"
             "        for item in items:\n"
             "            Chains.kinds |= {type(n).__name__ for n in item.listchain()}\n"
             "code = pytest.main(['--collect-only', '-q', '-p', 'no:playwright', 'plugins'], plugins=[Chains()])\n"
             "print('CODE', int(code))\n"
             "print('PACKAGE', 'Package' in Chains.kinds)\n"
             "print('TOP', sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in ('plugins', 'inbox_plugins')}))\n"
             "print('PLUGINS', sorted(m for m in sys.modules if m.count('.') == 1 and m.startswith('inbox_plugins.')))\n")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=300).stdout
    lines = dict(line.split(" ", 1) for line in out.splitlines() if line.startswith(("CODE ", "PACKAGE ", "TOP ", "PLUGINS ")))
    assert lines["CODE"] == "0", out[-2000:]
    assert lines["PACKAGE"] == "False"
    assert lines["TOP"] == "['inbox_plugins']"
    assert lines["PLUGINS"] == str([f"inbox_plugins.{p.name}" for p in sorted((ROOT / "plugins").iterdir())
                                    if (p / "__init__.py").exists()])

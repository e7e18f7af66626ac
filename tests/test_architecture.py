"""The layout is checked, not just described: docs/architecture.md's layers hold in the imports, no
import cycle exists among inbox modules, and each bundled plugin is imported under one name."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# docs/architecture.md, "Directions of dependence": a module may import its own layer or a lower
# one (a higher number), never a higher one. The first matching prefix decides.
LAYERS = [
    # 0: the composition root (inbox/__init__.py: create_app, the plugin API re-exports; matched
    # exactly) and the test kit may import anything
    (0, ("inbox.testing",)),
    (1, ("inbox.web", "inbox.api", "inbox.portal", "inbox.cli", "inbox.worker")),  # faces
    (
        2,
        (
            "inbox.mail",
            "inbox.listing",
            "inbox.themes",
            "inbox.search",
            "inbox.search_pg",
            "inbox.sanitize",
            "inbox.system_mail",
        ),
    ),  # features
    (
        3,
        (
            "inbox.access",
            "inbox.access_tokens",
            "inbox.addresses",
            "inbox.webhooks",
            "inbox.conversations",
            "inbox.customers",
            "inbox.job_lease",
            "inbox.plugin_host",
            "inbox.plugin_settings",
            "inbox.plugin_types",
            "inbox.hookspecs",
            "inbox.core_plugin",
            "inbox.migrations_setup",
            "inbox.passwords",
            "inbox.ratelimit",
            "inbox.templating",
            "inbox.template_sandbox",
        ),
    ),  # domain services and the plugin host
    (
        4,
        (
            "inbox.models",
            "inbox.extensions",
            "inbox.config",
            "inbox.crypto",
            "inbox.storage",
            "inbox.logging_setup",
            "inbox.i18n",
            "inbox.urls",
            "inbox.csp",
            "inbox.net",
            "inbox.cjk",
        ),
    ),  # ground
]

# The few real exceptions, each with its reason: (importer, imported) -> why.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("inbox.cli", "inbox"): "the console script is where the app is built: FlaskGroup(create_app=create_app)",
}
# Import cycles allowed for now, each with its reason (a set of modules -> why).
CYCLE_EXCEPTIONS: dict[frozenset[str], str] = {
    frozenset({"inbox.search", "inbox.search_pg"}): (
        "search.backend() picks PgFtsSearch at call time and search_pg subclasses search's SearchBackend; "
        "the fix is a search/ package (query + base, sqlite, postgres), which splits search.py: "
        "not done while other branches edit it"
    ),
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted((ROOT / "inbox").rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        if "migrations" in rel.parts:  # Alembic scripts are loaded by Alembic, not imported
            continue
        name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        found[name] = path
    return found


def _type_checking_only(tree: ast.AST) -> set[int]:
    """Line numbers of imports under `if TYPE_CHECKING:` (no runtime dependency)."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            lines |= {n.lineno for stmt in node.body for n in ast.walk(stmt) if hasattr(n, "lineno")}
    return lines


def import_graph() -> dict[str, set[str]]:
    """Every import of an inbox module by an inbox module, at module level or inside a function
    (a deferred import is still a dependency); `from pkg import submodule` counts as the submodule."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        skip = _type_checking_only(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in skip:
                continue
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            else:
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def layer_of(module: str) -> int:
    if module == "inbox":
        return 0
    best, found = -1, None
    for layer, prefixes in LAYERS:
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), layer
    assert found is not None, f"{module} has no layer: add it to LAYERS and docs/architecture.md"
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_module_imports_a_higher_layer():
    graph = import_graph()
    breaks = sorted(
        f"{a} (layer {layer_of(a)}) imports {b} (layer {layer_of(b)})"
        for a, targets in graph.items()
        for b in targets
        if layer_of(b) < layer_of(a) and (a, b) not in EXCEPTIONS
    )
    assert breaks == []


def test_exceptions_are_still_needed():
    graph = import_graph()
    assert [pair for pair in EXCEPTIONS if pair[1] not in graph.get(pair[0], ())] == []


def test_no_import_cycle_among_inbox_modules():
    graph = import_graph()
    # the composition root imports everything and is imported for the plugin API (hookimpl,
    # value types): edges into it are not dependencies of the importer's layer
    graph = {a: {b for b in targets if b != "inbox"} for a, targets in graph.items()}
    found = [c for c in cycles(graph) if frozenset(c) not in CYCLE_EXCEPTIONS]
    assert found == []
    assert {frozenset(c) for c in cycles(graph)} >= set(CYCLE_EXCEPTIONS)  # drop an exception once it is fixed


def test_each_bundled_plugin_has_one_import_name():
    """Plugin tests import each plugin as inbox_plugins.<name> only, never a second copy as
    plugins.<name> (whose models would clash), so plugin modules may import at the top. pytest
    imports a package's __init__ when it sets up a `Package` node, so plugin folders must be
    collected as plain `Dir` nodes (conftest.py) and the plugins' own imports must name one package."""
    probe = (
        "import sys, pytest\n"
        "class Chains:\n"
        "    kinds = set()\n"
        "    def pytest_collection_modifyitems(self, items):\n"
        "        for item in items:\n"
        "            Chains.kinds |= {type(n).__name__ for n in item.listchain()}\n"
        "code = pytest.main(['--collect-only', '-q', '-p', 'no:playwright', 'plugins'], plugins=[Chains()])\n"
        "print('CODE', int(code))\n"
        "print('PACKAGE', 'Package' in Chains.kinds)\n"
        "print('TOP', sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in ('plugins', 'inbox_plugins')}))\n"
        "print('PLUGINS', sorted(m for m in sys.modules if m.count('.') == 1 and m.startswith('inbox_plugins.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=300).stdout
    lines = dict(
        line.split(" ", 1) for line in out.splitlines() if line.startswith(("CODE ", "PACKAGE ", "TOP ", "PLUGINS "))
    )
    assert lines["CODE"] == "0", out[-2000:]
    assert lines["PACKAGE"] == "False"
    assert lines["TOP"] == "['inbox_plugins']"
    assert lines["PLUGINS"] == str(
        [f"inbox_plugins.{p.name}" for p in sorted((ROOT / "plugins").iterdir()) if (p / "__init__.py").exists()]
    )


def test_mail_packages_depend_one_way():
    """inbound -> parse and tokens; outbound -> tokens, parse (a stored message's Reply-To is read with
    the importer's lenient parser) and the one IMAP door (the Sent-folder copy);
    check (the "test this mailbox" check) -> both doors; parse and tokens import no other mail module."""
    allowed = {
        "inbox.mail.inbound": {"inbox.mail.parse", "inbox.mail.tokens"},
        "inbox.mail.outbound": {"inbox.mail.tokens", "inbox.mail.inbound.imap_client", "inbox.mail.parse"},
        "inbox.mail.check": {"inbox.mail.inbound.imap_client", "inbox.mail.outbound.smtp"},
        "inbox.mail.parse": set(),
        "inbox.mail.tokens": set(),
    }

    def area(module: str) -> str | None:
        return next((a for a in allowed if module == a or module.startswith(a + ".")), None)

    def may(importer: str, imported: str) -> bool:
        return area(importer) == area(imported) or any(
            imported == ok or imported.startswith(ok + ".") for ok in allowed[area(importer)]
        )

    graph = import_graph()
    wrong = sorted(
        f"{a} imports {b}" for a, targets in graph.items() for b in targets if area(a) and area(b) and not may(a, b)
    )
    assert wrong == []
    outside = [m for m in graph if m.startswith("inbox.mail.") and area(m) is None]
    assert outside == [], "a mail module outside the known areas: add it here and to docs/architecture.md"


def test_docs_list_the_same_layers():
    """docs/architecture.md's "Directions of dependence" names exactly the modules of LAYERS 1-4."""
    import re

    text = (ROOT / "docs" / "architecture.md").read_text()
    section = text.split("## Directions of dependence", 1)[1].split("\n\n", 2)[1]
    documented: dict[int, set[str]] = {}
    for number, body in re.findall(r"^(\d)\. [^:]+:(.*?)(?=^\d\. |\Z)", section, re.M | re.S):
        names = re.findall(r"`([\w./]+?)`", body)
        documented[int(number)] = {"inbox." + n.removesuffix("/").removesuffix(".py").replace("/", ".") for n in names}
    in_test = {layer: set(prefixes) for layer, prefixes in LAYERS if layer}
    assert documented == in_test


def test_no_private_name_is_imported_across_modules():
    """A helper another module needs is public (or moves); `from .x import _helper` hides a contract."""
    found = []
    for base in ("inbox", "plugins"):
        for path in sorted((ROOT / base).rglob("*.py")):
            if "migrations" in path.parts or "tests" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.ImportFrom) and (
                    node.level or (node.module or "").split(".")[0] in ("inbox", "inbox_plugins")
                ):
                    found += [
                        f"{path.relative_to(ROOT)}:{node.lineno} {alias.name}"
                        for alias in node.names
                        if alias.name.startswith("_") and not alias.name.startswith("__") and alias.name != "_"
                    ]  # `_` is gettext by convention, not a private helper
    assert found == []

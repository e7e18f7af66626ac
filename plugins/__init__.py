"""Bundled plugins. Installed as the package ``inbox_plugins`` (see setup.cfg), never as ``plugins``,
which would collide with other projects' top-level packages. Each sub-package is one plugin."""

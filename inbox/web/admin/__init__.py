"""The admin area: overview and settings (settings.py, which owns the "admin" blueprint), mailboxes
and people (routes on the same blueprint), the plugins and themes pages (their own blueprints under
/admin), and the form helpers they share (forms.py)."""

from . import mailboxes, users  # noqa: F401  (add their routes to bp: the one place that wires them)
from .settings import bp

__all__ = ["bp"]

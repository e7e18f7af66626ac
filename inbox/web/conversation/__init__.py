"""The conversation area: the page and its fragments (views.py, which owns the blueprint), what
agents do to a conversation (actions.py, routes on the same blueprint) and how each thread item is
shown (thread_view.py)."""

from . import actions  # noqa: F401  (adds the action routes to bp: the one place that wires them)
from .views import bp

__all__ = ["bp"]

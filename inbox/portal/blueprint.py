"""The portal's one blueprint, in a module of its own so that pages.py and signin.py can add routes
to it without importing the package that wires them (portal/__init__.py)."""

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")

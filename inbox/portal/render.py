"""Every portal page renders through page(), which passes the customer explicitly (the base
context — branding, nav, csrf_token... — comes from inbox.themes.render_portal)."""

from __future__ import annotations

from ..models import Customer
from ..themes import customer_view, portal_nav, render_portal


def page(template: str, customer: Customer | None, **context) -> str:
    return render_portal(template, customer=customer_view(customer), nav=portal_nav(customer), **context)

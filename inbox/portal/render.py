"""Every portal page renders through page(): the theme plus the context all pages share
(customer, nav), so docs/themes.md can promise the same base variables everywhere."""
from __future__ import annotations

from flask import session, url_for

from ..models import Customer
from ..plugin_host import host
from ..themes import render_portal


def nav(customer: Customer | None) -> list[dict]:
    links = [{"label": "My requests", "url": url_for("portal.requests")},
             {"label": "New request", "url": url_for("portal.new_request")}] if customer else []
    for _plugin, result in host().call_each("portal_nav_items", customer=customer):
        for link in result if isinstance(result, (list, tuple)) else [result]:
            if getattr(link, "label", None) and getattr(link, "url", None):
                links.append({"label": link.label, "url": link.url})
    return links


def customer_view(customer: Customer | None) -> dict | None:
    if customer is None:
        return None
    return {"name": customer.name or "", "email": session.get("portal_email") or customer.email,
            "emails": [e.email for e in customer.emails]}


def page(template: str, customer: Customer | None, **context) -> str:
    return render_portal(template, customer=customer_view(customer), nav=nav(customer), **context)

"""Finding customers by any of their addresses."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from .extensions import db
from .i18n import gettext as _
from .models import Customer, CustomerEmail


def find_customer(email: str) -> Customer | None:
    row = db.session.execute(
        db.select(CustomerEmail).where(CustomerEmail.email == email.strip().lower())
    ).scalar_one_or_none()
    return row.customer if row else None


def customer_for(email: str, name: str | None = None) -> Customer:
    """The customer who owns this address, created on first sight. Safe against a racing process."""
    email = email.strip().lower()
    customer = find_customer(email)
    if customer is not None:
        if name and not customer.name:
            customer.name = name
        return customer
    try:
        with db.session.begin_nested():
            customer = Customer(name=name or None)
            customer.emails.append(CustomerEmail(email=email))
            db.session.add(customer)
    except IntegrityError:  # another process created it between our look-up and insert
        customer = find_customer(email)
        assert customer is not None
    return customer


def add_email(customer: Customer, email: str) -> CustomerEmail:
    """Attach another address; if it belongs to another customer, that one keeps it (ValueError)."""
    email = email.strip().lower()
    owner = find_customer(email)
    if owner is not None and owner.id != customer.id:
        raise ValueError(_("%(address)s belongs to another customer", address=email))
    if owner is None:
        row = CustomerEmail(email=email)
        customer.emails.append(row)
        return row
    return next(e for e in customer.emails if e.email == email)

"""Finding customers by any of their addresses, and creating them: the one place customers are
made (the ingestor, the outbox, the portal and the web all come here)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from .addresses import normalize
from .extensions import db
from .i18n import gettext as _
from .models import Customer, CustomerEmail


def find_customer(email: str) -> Customer | None:
    row = db.session.execute(
        db.select(CustomerEmail).where(CustomerEmail.email == normalize(email))
    ).scalar_one_or_none()
    return row.customer if row else None


def customer_for(email: str, name: str | None = None) -> Customer:
    """The customer who owns this address, created on first sight. Safe against a racing process."""
    email = normalize(email)
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


def customers_for(names: dict[str, str | None]) -> dict[str, int]:
    """Customer ids for many addresses at once ({email: name for a new customer}): one query for
    those known, one flush for those created (the ingestor's batches). Safe against a racing
    process: if one created some of them meanwhile, each is then taken one at a time."""
    wanted = {normalize(e): n for e, n in names.items()}
    found: dict[str, int] = dict(
        db.session.execute(
            db.select(CustomerEmail.email, CustomerEmail.customer_id).where(CustomerEmail.email.in_(wanted))
        ).all()
    )
    missing = sorted(set(wanted) - set(found))
    if not missing:
        return found
    try:
        with db.session.begin_nested():
            made = {}
            for email in missing:
                made[email] = Customer(name=wanted[email] or None)
                made[email].emails.append(CustomerEmail(email=email))
                db.session.add(made[email])
        found.update({e: c.id for e, c in made.items()})
    except IntegrityError:  # a racing process: one at a time, each safe
        found.update({e: customer_for(e, wanted[e]).id for e in missing})
    return found


def add_email(customer: Customer, email: str) -> CustomerEmail:
    """Attach another address; if it belongs to another customer, that one keeps it (ValueError)."""
    email = normalize(email)
    owner = find_customer(email)
    if owner is not None and owner.id != customer.id:
        raise ValueError(_("%(address)s belongs to another customer", address=email))
    if owner is None:
        row = CustomerEmail(email=email)
        customer.emails.append(row)
        return row
    return next(e for e in customer.emails if e.email == email)

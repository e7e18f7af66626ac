"""/api/v1/customers: find by any of their addresses, create, read, update. Who may see a customer
is inbox.access's rule (customer_clause); who may change one is may_edit_customer, as on the web."""

from __future__ import annotations

from sqlalchemy import func, select

from .. import access, customers
from ..extensions import db
from ..models import Customer, CustomerEmail
from . import schemas as s
from .core import ApiError, decode_cursor, encode_cursor, next_link, operation
from .schemas import ProblemField

READ, WRITE = "customers:read", "customers:write"


@operation(
    "GET",
    "/customers",
    summary="List customers, or find one by address",
    scope=READ,
    tag="Customers",
    response=s.CustomerPage,
    query=s.CustomerQuery,
    errors=(422,),
)
def list_customers(query: s.CustomerQuery):
    base = select(Customer).where(access.customer_clause())
    if query.email:
        base = base.where(
            Customer.id.in_(select(CustomerEmail.customer_id).where(CustomerEmail.email == query.email.strip().lower()))
        )
    after = decode_cursor(query.cursor, 1)
    page = base.where(Customer.id < after[0]) if after else base
    rows = list(db.session.execute(page.order_by(Customer.id.desc()).limit(query.limit + 1)).unique().scalars())
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    cursor = encode_cursor([rows[-1].id]) if more and rows else None
    total = db.session.execute(select(func.count()).select_from(base.subquery())).scalar_one() if query.count else None
    return s.CustomerPage(
        items=[s.customer_out(c) for c in rows], next_cursor=cursor, next=next_link(cursor), count=total
    )


@operation(
    "GET",
    "/customers/<int:customer_id>",
    summary="Get a customer",
    scope=READ,
    tag="Customers",
    response=s.CustomerOut,
    errors=(404,),
)
def get_customer(customer_id: int):
    return s.customer_out(access.customer_or_404(customer_id))


@operation(
    "POST",
    "/customers",
    summary="Create a customer",
    scope=WRITE,
    tag="Customers",
    response=s.CustomerOut,
    status=201,
    body=s.CustomerIn,
    errors=(409, 422),
)
def create_customer(body: s.CustomerIn):
    taken = [e for e in body.emails if customers.find_customer(e) is not None]
    if taken:
        # say only that it exists: whose it is may be another mailbox's business
        raise ApiError(
            409,
            "Conflict",
            "An address already belongs to a customer.",
            [ProblemField(field="body.emails", message=f"{taken[0]} belongs to a customer already")],
        )
    customer = customers.customer_for(body.emails[0], body.name)
    for email in body.emails[1:]:
        customers.add_email(customer, email)
    customer.notes = body.notes
    return s.customer_out(customer)


@operation(
    "PATCH",
    "/customers/<int:customer_id>",
    summary="Update a customer",
    scope=WRITE,
    tag="Customers",
    response=s.CustomerOut,
    body=s.CustomerPatch,
    errors=(403, 404, 409, 422),
)
def update_customer(customer_id: int, body: s.CustomerPatch):
    customer = access.customer_or_404(customer_id)
    if not access.may_edit_customer(customer):
        raise ApiError(403, "Forbidden", "This customer also writes to mailboxes you cannot see; ask an admin.")
    fields = body.model_fields_set
    if "name" in fields:
        customer.name = body.name
    if "notes" in fields:
        customer.notes = body.notes
    for email in body.add_emails:
        try:
            customers.add_email(customer, email)
        except ValueError:
            db.session.rollback()
            raise ApiError(
                409,
                "Conflict",
                "An address already belongs to another customer.",
                [ProblemField(field="body.add_emails", message=f"{email} belongs to another customer")],
            ) from None
    return s.customer_out(customer)

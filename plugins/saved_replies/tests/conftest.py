"""Shared set-up for the saved-replies tests: users, mailboxes, a conversation, logging in. Test
modules get each as a fixture (world, make_world, login, make_conversation) and import nothing
from here."""

from __future__ import annotations

import pytest

from inbox.extensions import db
from inbox.models import Conversation, Customer, CustomerEmail, Mailbox, ThreadItem, User


def make_user(email: str, name: str, role: str = "agent", mailboxes=()) -> User:
    user = User(email=email, name=name, role=role)
    user.mailboxes.extend(mailboxes)
    db.session.add(user)
    db.session.flush()
    return user


def make_mailbox(name: str, email: str) -> Mailbox:
    mb = Mailbox(name=name, email=email)
    db.session.add(mb)
    db.session.flush()
    return mb


def make_conversation(
    mailbox: Mailbox,
    number: int,
    customer_name: str | None = "Ann Lee",
    customer_email: str = "ann@example.com",
    subject: str = "Where is my order?",
) -> Conversation:
    customer = Customer(name=customer_name)
    customer.emails.append(CustomerEmail(email=customer_email))
    db.session.add(customer)
    conv = Conversation(number=number, mailbox=mailbox, subject=subject, customer=customer)
    db.session.add(conv)
    db.session.flush()
    db.session.add(
        ThreadItem(
            conversation_id=conv.id,
            type="customer",
            from_email=customer_email,
            from_name=customer_name,
            subject=subject,
            text="Hello?",
            message_id=f"m{number}@x",
        )
    )
    db.session.flush()
    return conv


def login(client, user: User) -> None:
    from flask import g

    # the app fixture keeps one app context for the whole test, so flask-login's cached user in g
    # would survive into the next request as someone else
    g.pop("_login_user", None)
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user.id)
        sess["_fresh"] = True


class World:
    """Two mailboxes, an admin, two agents of mailbox A, one agent of mailbox B."""

    def __init__(self):
        self.a = make_mailbox("Sales", "sales@shop.test")
        self.b = make_mailbox("Billing", "billing@shop.test")
        self.admin = make_user("admin@shop.test", "Ada Admin", "admin")
        self.ann = make_user("ann@shop.test", "Ann Agent", mailboxes=[self.a])
        self.bob = make_user("bob@shop.test", "Bob Agent", mailboxes=[self.a])
        self.cid = make_user("cid@shop.test", "Cid Agent", mailboxes=[self.b])
        self.conv = make_conversation(self.a, 101)
        db.session.commit()


@pytest.fixture
def world(app) -> World:
    return World()


@pytest.fixture
def make_world():
    """World(), for a test that builds one later or in another app."""
    return World


@pytest.fixture(name="login")
def login_fixture():
    """login(client, user)."""
    return login


@pytest.fixture(name="make_conversation")
def make_conversation_fixture():
    """make_conversation(mailbox, number, ...)."""
    return make_conversation

"""Customers, who may write from several addresses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._base import UTCDateTime, utcnow


class Customer(db.Model):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str | None] = mapped_column(String(20))  # last language used in the portal: their mail's
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # kept in the portal session; sign-out increases it so copies of the cookie stop working
    portal_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    emails: Mapped[list[CustomerEmail]] = relationship(
        back_populates="customer",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="CustomerEmail.id",
    )

    @property
    def email(self) -> str | None:
        return self.emails[0].email if self.emails else None

    @property
    def first_name(self) -> str | None:
        return self.name.split()[0] if self.name and self.name.split() else None

    @property
    def display_name(self) -> str:
        return self.name or self.email or f"Customer {self.id}"


class CustomerEmail(db.Model):
    __tablename__ = "customer_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-cased
    # the portal shows this address only conversations that began after it was linked (or that it
    # took part in), so an address added later cannot read the customer's history
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="emails")

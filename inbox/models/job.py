"""Which worker ran each scheduled job last, and when the next run is due: the lease that makes a
job run once per schedule however many worker processes share the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._base import UTCDateTime


class JobLease(db.Model):
    __tablename__ = "job_lease"

    job_id: Mapped[str] = mapped_column(String(200), primary_key=True)  # "outbox", "plugin:<name>:<id>"
    owner: Mapped[str | None] = mapped_column(String(100))  # the worker that claimed the last run
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # no worker may claim a run before this: just short of the claimer's next fire time
    next_due: Mapped[datetime | None] = mapped_column(UTCDateTime)

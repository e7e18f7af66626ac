"""Each scheduled job runs once per schedule across every worker process on one database.

Every worker schedules every job; when a job fires, the worker first claims this run in the
`job_lease` row with a conditional UPDATE (or the first INSERT), which only one worker can win:
the row's `next_due` is moved to just short of the winner's next fire time, so the others' fires
in between find the run taken. If the winner dies, its `next_due` passes and the next fire of any
other worker claims the job: no hand-over step. Plain SQL, so SQLite and PostgreSQL behave alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from .extensions import db
from .models import JobLease, utcnow


def claim(job_id: str, owner: str, next_due: datetime, now: datetime | None = None) -> bool:
    """True when this worker may run job_id now (and nobody else may until next_due). Commits."""
    now = now or utcnow()
    won = (
        db.session.execute(
            update(JobLease)
            .where(JobLease.job_id == job_id, or_(JobLease.next_due.is_(None), JobLease.next_due <= now))
            .values(owner=owner, last_run_at=now, next_due=next_due)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    if won or db.session.execute(select(exists().where(JobLease.job_id == job_id))).scalar():
        db.session.commit()  # ends the transaction either way (SQLite holds its write lock until then)
        return won
    try:  # the job's first run anywhere
        db.session.execute(insert(JobLease).values(job_id=job_id, owner=owner, last_run_at=now, next_due=next_due))
        db.session.commit()
        return True
    except IntegrityError:  # another worker inserted it first: the run is theirs
        db.session.rollback()
        return False

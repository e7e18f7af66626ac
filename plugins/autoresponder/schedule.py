"""Office hours: a weekly schedule in the mailbox's time zone, minus holidays. Pure functions."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .i18n import _
from .models import DAYS

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(_("unknown time zone %(name)s (use a name like Asia/Seoul)", name=repr(name))) from None


def parse_ranges(text: str) -> list[list[str]]:
    """ "09:00-12:00, 13:00-17:30" -> [["09:00", "12:00"], ["13:00", "17:30"]]; "" is a closed day."""
    out = []
    for part in (text or "").replace(";", ",").split(","):
        if not part.strip():
            continue
        m = _RANGE.match(part)
        if not m:
            raise ValueError(_("%(text)s is not a time range like 09:00-17:00", text=repr(part.strip())))
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
            raise ValueError(_("%(text)s is not a valid time range", text=repr(part.strip())))
        start, end = f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"
        if end <= start:
            raise ValueError(_("%(text)s ends before it starts", text=repr(part.strip())))
        out.append([start, end])
    return out


def format_ranges(ranges: list) -> str:
    return ", ".join(f"{a}-{b}" for a, b in ranges or [])


def parse_holidays(text: str) -> list[str]:
    """One date per line (YYYY-MM-DD), optionally followed by a name, which is dropped."""
    out = []
    for line in (text or "").splitlines():
        token = line.strip().split(" ", 1)[0] if line.strip() else ""
        if not token:
            continue
        try:
            out.append(date.fromisoformat(token).isoformat())
        except ValueError:
            raise ValueError(_("%(text)s is not a date like 2026-12-25", text=repr(token))) from None
    return sorted(set(out))


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def is_open(schedule: dict, holidays: list, tz_name: str, now: datetime) -> bool:
    """Whether ``now`` (aware) falls in the schedule, read in the mailbox's time zone."""
    local = now.astimezone(zone(tz_name))
    if local.date().isoformat() in set(holidays or []):
        return False
    minute = local.hour * 60 + local.minute
    for start, end in (schedule or {}).get(DAYS[local.weekday()], []):
        if _minutes(start) <= minute < _minutes(end):
            return True
    return False


def local_time(tz_name: str, now: datetime) -> str:
    """The time in the schedule's zone (not the viewer's: office hours are the mailbox's), in the
    viewer's language."""
    from babel.dates import format_datetime
    from flask_babel import get_locale

    return format_datetime(now, "EEE yyyy-MM-dd HH:mm zzz", tzinfo=zone(tz_name), locale=get_locale() or "en")

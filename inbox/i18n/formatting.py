"""Dates, times, numbers and durations in the viewer's language and time zone.

Times are stored in UTC (aware datetimes from UTCDateTime); every function converts to the zone
given, else the current viewer's (Flask-Babel's selector), with zoneinfo, so daylight-saving changes
are right. Locale and zone can be passed explicitly for mail rendered outside a request.

Durations use our own formatter: Babel's format_timedelta rounds (90 minutes -> "2 hours").
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask_babel import get_locale, get_timezone, gettext, pgettext

RELATIVE_DAYS = 7  # beyond this, relative times show the date


def _locale(locale=None) -> Locale:
    if locale is None:
        return get_locale() or Locale.parse("en")
    return locale if isinstance(locale, Locale) else Locale.parse(locale)


def viewer_zone() -> ZoneInfo:
    """The current viewer's zone as zoneinfo (Flask-Babel hands out pytz objects, whose
    replace(tzinfo=...) silently uses local mean time: never mix those into arithmetic)."""
    zone = get_timezone()
    return ZoneInfo(str(zone)) if zone is not None else ZoneInfo("UTC")


def _zone(tz=None):
    if tz is None:
        return viewer_zone()
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def local(value: datetime, tz=None) -> datetime:
    return aware(value).astimezone(_zone(tz))


def format_datetime(value: datetime | None, locale=None, tz=None) -> str:
    """The full moment: '2026년 12월 2일 오후 3:05', 'December 2, 2026, 3:05 PM'."""
    if value is None:
        return ""
    loc, moment = _locale(locale), local(value, tz)
    date = babel_dates.format_date(moment, "long", locale=loc)
    time = babel_dates.format_time(moment, "short", locale=loc)
    return str(loc.datetime_formats["medium"]).replace("{1}", date).replace("{0}", time)


def format_datetime_zone(value: datetime | None, locale=None, tz=None) -> str:
    """The full moment with the zone's name, for tooltips: '... 3:05 PM (Asia/Seoul)'."""
    if value is None:
        return ""
    return gettext("%(moment)s (%(zone)s)", moment=format_datetime(value, locale, tz), zone=str(_zone(tz)))


def format_date(value: datetime | None, locale=None, tz=None, form: str = "long") -> str:
    if value is None:
        return ""
    return babel_dates.format_date(local(value, tz), form, locale=_locale(locale))


def format_time(value: datetime | None, locale=None, tz=None) -> str:
    if value is None:
        return ""
    return babel_dates.format_time(local(value, tz), "short", locale=_locale(locale))


def format_short_date(value: datetime, now: datetime | None = None, locale=None, tz=None) -> str:
    """'Dec 2' / '12월 2일' this year, with the year otherwise."""
    loc, moment = _locale(locale), local(value, tz)
    now = local(now or datetime.now(timezone.utc), tz)
    return babel_dates.format_skeleton("MMMd" if moment.year == now.year else "yMMMd", moment, locale=loc)


def format_relative(value: datetime | None, now: datetime | None = None, locale=None, tz=None) -> str:
    """'3 minutes ago' / '3분 전', 'in 2 hours' / '2시간 후'; the date once a week has passed."""
    if value is None:
        return ""
    now = aware(now or datetime.now(timezone.utc))
    delta = aware(value) - now
    seconds = abs(delta.total_seconds())
    if seconds < 45:
        return gettext("just now")
    if seconds >= 86400 * RELATIVE_DAYS:
        return format_short_date(value, now, locale, tz)
    return babel_dates.format_timedelta(delta, threshold=1, add_direction=True, format="long", locale=_locale(locale))


def format_duration(value: timedelta | int | float | None) -> str:
    """Exact to the minute, largest units first: '1 h 30 min' / '1시간 30분', '2 d 3 h' / '2일 3시간'.
    Seconds only under a minute. Negative durations read as their size."""
    if value is None:
        return ""
    total = int(abs(value.total_seconds() if isinstance(value, timedelta) else value))
    if total < 60:
        return pgettext("duration", "%(n)s s", n=total)
    days, rest = divmod(total // 60, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(pgettext("duration", "%(n)s d", n=format_number(days)))
    if hours:
        parts.append(pgettext("duration", "%(n)s h", n=hours))
    if minutes:
        parts.append(pgettext("duration", "%(n)s min", n=minutes))
    return " ".join(parts)


def format_number(value, locale=None) -> str:
    if value is None:
        return ""
    return babel_numbers.format_decimal(value, locale=_locale(locale))


def format_currency(value, currency: str, locale=None) -> str:
    return babel_numbers.format_currency(value, currency, locale=_locale(locale))


def format_filesize(size: int | None, locale=None) -> str:
    """Bytes as '1.5 MB' with the locale's decimal sign."""
    if size is None:
        return ""
    for unit, step in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= step:
            return f"{babel_numbers.format_decimal(round(size / step, 1), locale=_locale(locale))} {unit}"
    return pgettext("file size", "%(n)s bytes", n=format_number(size, locale))

"""The admin page (admins only, validation, preview) and the office-hours arithmetic."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from inbox.extensions import db
from inbox.models import Mailbox, User
from inbox_plugins.autoresponder import schedule
from inbox_plugins.autoresponder.models import AutoresponderConfig
from inbox_plugins.autoresponder.policy import DEFAULT_NEVER_ANSWER, never_answer_match


def _login(client, user):
    from flask import g

    g.pop("_login_user", None)
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user.id)
        sess["_fresh"] = True


@pytest.fixture
def people(app):
    mb = Mailbox(name="Support", email="help@shop.test")
    admin = User(email="root@shop.test", name="Ada Admin", role="admin")
    agent = User(email="agent@shop.test", name="Al Agent", role="agent")
    agent.mailboxes.append(mb)
    db.session.add_all([mb, admin, agent])
    db.session.commit()
    return mb, admin, agent


FORM = {
    "enabled": "on",
    "subject": "Re: {{ conversation.subject }}",
    "body": "Hi {{ customer.first_name }}!",
    "office_hours": "on",
    "timezone": "Europe/Berlin",
    "day_mon": "09:00-12:00, 13:00-17:00",
    "day_tue": "9:00-17:00",
    "day_wed": "",
    "day_thu": "",
    "day_fri": "",
    "day_sat": "",
    "day_sun": "",
    "holidays": "2026-12-24 Christmas Eve\n2026-12-25",
    "outside_subject": "Closed",
    "outside_body": "Closed, {{ customer.first_name | default('friend') }}.",
    "silence_hours": "48",
}


def test_only_admins(people, client):
    mb, admin, agent = people
    _login(client, agent)
    assert client.get("/admin/autoresponder/").status_code == 404
    assert client.post(f"/admin/autoresponder/{mb.id}", data=FORM).status_code == 404
    assert db.session.execute(db.select(AutoresponderConfig)).scalar() is None
    _login(client, admin)
    page = client.get("/admin/autoresponder/")
    assert page.status_code == 200 and "Support" in page.get_data(as_text=True)
    assert "/admin/autoresponder/" in client.get("/admin/").get_data(as_text=True)  # linked from the admin menu


def test_save_and_preview(people, client):
    mb, admin, _ = people
    _login(client, admin)
    resp = client.post(f"/admin/autoresponder/{mb.id}", data={**FORM, "action": "save"})
    assert resp.status_code == 302
    cfg = db.session.execute(db.select(AutoresponderConfig)).scalar_one()
    assert cfg.enabled and cfg.office_hours and cfg.timezone == "Europe/Berlin"
    assert cfg.schedule["mon"] == [["09:00", "12:00"], ["13:00", "17:00"]] and cfg.schedule["tue"] == [
        ["09:00", "17:00"]
    ]
    assert cfg.holidays == ["2026-12-24", "2026-12-25"] and cfg.silence_hours == 48
    page = client.get(f"/admin/autoresponder/{mb.id}").get_data(as_text=True)
    assert "09:00-12:00, 13:00-17:00" in page and "Hi Jane!" in page and "Closed, Jane." in page
    # a preview shows the typed text without saving it
    preview = client.post(
        f"/admin/autoresponder/{mb.id}", data={**FORM, "body": "Preview only {{ mailbox.name }}", "action": "preview"}
    )
    assert preview.status_code == 200 and "Preview only Support" in preview.get_data(as_text=True)
    db.session.refresh(cfg)
    assert cfg.body == "Hi {{ customer.first_name }}!"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("timezone", "Mars/Olympus", "unknown time zone"),
        ("day_mon", "17:00-09:00", "ends before it starts"),
        ("day_tue", "nine to five", "not a time range"),
        ("holidays", "25.12.2026", "not a date"),
        ("body", "{{ ''.__class__ }}", "not allowed"),
        ("outside_subject", "{% if %}", "template error"),
    ],
)
def test_refused_forms_explain_and_save_nothing(people, client, field, value, message):
    mb, admin, _ = people
    _login(client, admin)
    resp = client.post(f"/admin/autoresponder/{mb.id}", data={**FORM, field: value, "action": "save"})
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert db.session.execute(db.select(AutoresponderConfig)).scalar() is None


def test_office_hours_across_dst_and_holidays():
    week = {"mon": [["09:00", "17:00"]], "sun": [["10:00", "12:00"]]}
    berlin = "Europe/Berlin"
    # Monday 2026-03-30 is summer time (UTC+2): 07:30 UTC is 09:30 local
    assert schedule.is_open(week, [], berlin, datetime(2026, 3, 30, 7, 30, tzinfo=timezone.utc))
    # Monday 2026-03-23 is winter time (UTC+1): 07:30 UTC is 08:30 local
    assert not schedule.is_open(week, [], berlin, datetime(2026, 3, 23, 7, 30, tzinfo=timezone.utc))
    # the end is exclusive, and a holiday closes the whole day
    assert not schedule.is_open(week, [], berlin, datetime(2026, 3, 30, 15, 0, tzinfo=timezone.utc))
    assert not schedule.is_open(week, ["2026-03-30"], berlin, datetime(2026, 3, 30, 7, 30, tzinfo=timezone.utc))
    # Sunday 23:30 UTC is Monday 08:30 in Tokyo: the local day decides
    assert schedule.is_open(
        {"mon": [["08:00", "09:00"]]}, [], "Asia/Tokyo", datetime(2026, 3, 29, 23, 30, tzinfo=timezone.utc)
    )
    assert schedule.parse_ranges(" 9:05 - 12:00 ;13:00-24:00") == [["09:05", "12:00"], ["13:00", "24:00"]]


@pytest.mark.parametrize(
    "address, robot",
    [
        ("noreply@x.test", True),
        ("no-reply@x.test", True),
        ("no_reply+abc@x.test", True),
        ("donotreply@x.test", True),
        ("do-not-reply@x.test", True),
        ("MAILER-DAEMON@x.test", True),
        ("postmaster@x.test", True),
        ("bounces+123@list.test", True),
        ("notifications@github.test", True),
        ("ann@x.test", False),
        ("norbert@x.test", False),
        ("replyguy@x.test", False),
        ("anna.noreply@x.test", False),
    ],
)
def test_never_answer_pattern(address, robot):
    assert never_answer_match(address, DEFAULT_NEVER_ANSWER) is robot
    assert never_answer_match(address, "(") is robot  # a broken admin pattern falls back to the default


@pytest.mark.parametrize("field", ["subject", "body", "outside_subject", "outside_body"])
@pytest.mark.parametrize(
    "value",
    [
        "{{ (['x'*199999]*5000)|join|length }}",
        "{{ ((((9**99)**99)**99)**9) > 1 }}",
        "{% for a in 'x'*199999 %}{% for b in 'x'*199999 %}{% endfor %}{% endfor %}",
    ],
)
def test_templates_over_the_rendering_bounds_are_refused_when_saved(people, client, field, value):
    """Finding 7: the auto-responder renders with the same bounded sandbox, and says so at once."""
    import time

    mb, admin, _ = people
    _login(client, admin)
    started = time.monotonic()
    resp = client.post(f"/admin/autoresponder/{mb.id}", data={**FORM, field: value, "action": "save"})
    assert time.monotonic() - started < 5
    assert resp.status_code == 400 and "exceeds the rendering limits" in resp.get_data(as_text=True)
    assert db.session.execute(db.select(AutoresponderConfig)).scalar() is None


def test_the_autoresponder_does_not_import_the_saved_replies_plugin():
    """Issue 12, item 8: plugins stand alone; reply templating is core's."""
    import ast
    import pathlib

    import inbox_plugins.autoresponder as pkg

    for path in pathlib.Path(pkg.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any("saved_replies" in n for n in names), f"{path.name} imports {names}"

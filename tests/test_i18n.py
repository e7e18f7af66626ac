"""Languages and time zones: formatters (Korean and English, DST), who gets which language and
zone (agents, portal visitors, mail to customers), and the catalogue's completeness."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from portal_helpers import link_from, mail_in, sign_in_as
from test_web_support import login, make_conversation, make_mailbox, make_user

from inbox.extensions import db
from inbox.i18n import catalogues, customer_locale, force_locale, gettext
from inbox.i18n import formatting as f
from inbox.i18n.selection import LOCALE_SETTING, supported_locales
from inbox.mail.outbound import outbox
from inbox.models import Customer, set_setting

UTC = timezone.utc


# ---- formatters --------------------------------------------------------------------------------


def test_datetime_in_korean_and_english_in_the_given_zone():
    moment = datetime(2026, 12, 2, 6, 5, tzinfo=UTC)
    assert f.format_datetime(moment, "ko", "Asia/Seoul") == "2026년 12월 2일 오후 3:05"
    assert f.format_datetime(moment, "en", "Asia/Seoul") == "December 2, 2026, 3:05\u202fPM"
    assert f.format_datetime(moment, "en", "UTC") == "December 2, 2026, 6:05\u202fAM"
    assert f.format_date(moment, "ko", "Asia/Seoul") == "2026년 12월 2일"
    assert f.format_time(moment, "ko", "Asia/Seoul") == "오후 3:05"
    # naive values are UTC, as the database hands them back on SQLite
    assert f.format_datetime(moment.replace(tzinfo=None), "ko", "Asia/Seoul") == "2026년 12월 2일 오후 3:05"
    # the date changes with the zone, not only the hour
    late = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)
    assert f.format_date(late, "ko", "Asia/Seoul") == "2026년 12월 3일"


def test_daylight_saving_time_uses_the_zone_rules_not_a_fixed_offset():
    before = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)  # 01:30 EST, half an hour before the change
    after = before + timedelta(hours=1)  # 03:30 EDT: the wall clock jumps an hour
    assert f.format_time(before, "en", "America/New_York") == "1:30\u202fAM"
    assert f.format_time(after, "en", "America/New_York") == "3:30\u202fAM"
    summer, winter = datetime(2026, 7, 1, 12, 0, tzinfo=UTC), datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    assert f.format_time(summer, "ko", "Europe/Berlin") == "오후 2:00"
    assert f.format_time(winter, "ko", "Europe/Berlin") == "오후 1:00"
    assert f.format_time(summer, "ko", "Asia/Seoul") == f.format_time(winter, "ko", "Asia/Seoul") == "오후 9:00"


def test_relative_times(app):
    now = datetime(2026, 12, 2, 6, 5, tzinfo=UTC)
    with app.test_request_context("/"):
        with force_locale("ko"):
            assert f.format_relative(now - timedelta(seconds=10), now, "ko") == "방금"
            assert f.format_relative(now - timedelta(minutes=3), now, "ko") == "3분 전"
            assert f.format_relative(now + timedelta(hours=2), now, "ko") == "2시간 후"
            assert f.format_relative(now - timedelta(days=3), now, "ko") == "3일 전"
            assert f.format_relative(now - timedelta(days=20), now, "ko", "Asia/Seoul") == "11월 12일"
            assert f.format_relative(now - timedelta(days=400), now, "ko", "Asia/Seoul") == "2025년 10월 28일"
        with force_locale("en"):
            assert f.format_relative(now - timedelta(seconds=10), now, "en") == "just now"
            assert f.format_relative(now - timedelta(minutes=3), now, "en") == "3 minutes ago"
            assert f.format_relative(now + timedelta(hours=2), now, "en") == "in 2 hours"
            assert f.format_relative(now - timedelta(days=20), now, "en", "UTC") == "Nov 12"


def test_durations_are_exact_where_babel_would_round(app):
    with app.test_request_context("/"):
        with force_locale("ko"):
            assert f.format_duration(timedelta(minutes=90)) == "1시간 30분"
            assert f.format_duration(timedelta(days=2, minutes=5)) == "2일 5분"
            assert f.format_duration(timedelta(hours=3)) == "3시간"
            assert f.format_duration(45) == "45초"
        with force_locale("en"):
            assert f.format_duration(timedelta(minutes=90)) == "1 h 30 min"
            assert f.format_duration(timedelta(days=1, hours=2, minutes=3)) == "1 d 2 h 3 min"
            assert f.format_duration(-timedelta(minutes=5)) == "5 min"


def test_numbers_and_file_sizes_follow_the_locale(app):
    with app.test_request_context("/"):
        assert f.format_number(1234567, "ko") == "1,234,567"
        assert f.format_number(1234.5, "de") == "1.234,5"
        assert f.format_filesize(1536000, "en") == "1.5 MB"
        assert f.format_filesize(2048, "de") == "2 KB"


# ---- agents ------------------------------------------------------------------------------------


def _lang(client, **headers) -> str:
    page = client.get("/login" if not headers.pop("signed_in", False) else "/profile", headers=headers)
    return page.get_data(as_text=True).split('<html lang="', 1)[1].split('"', 1)[0]


def test_agent_language_profile_then_browser_then_install_default(app, client):
    agent = make_user("Kim Minji")
    login(client, agent)
    assert _lang(client, signed_in=True) == "en"  # nothing chosen anywhere
    app.config["DEFAULT_LOCALE"] = "ko"  # config default
    assert _lang(client, signed_in=True) == "ko"
    set_setting(LOCALE_SETTING, "en")  # the admin's setting beats config
    db.session.commit()
    assert _lang(client, signed_in=True) == "en"
    assert _lang(client, signed_in=True, **{"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"}) == "ko"  # browser
    agent.locale = "en"  # the profile beats the browser
    db.session.commit()
    page = client.get("/profile", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert '<html lang="en"' in page and "Language and time zone" in page


def test_profile_saves_language_and_zone_and_the_pages_follow(app, client):
    agent = make_user("Lee Jisoo")
    box = make_mailbox("Support")
    agent.mailboxes.append(box)
    conv = make_conversation(box, subject="배송 문의")
    db.session.commit()
    login(client, agent)
    bad = client.post("/profile", data={"name": agent.name, "locale": "xx", "timezone": "Mars/Base"})
    assert bad.status_code == 400 and "Choose a language from the list." in bad.get_data(as_text=True)
    resp = client.post("/profile", data={"name": agent.name, "locale": "ko", "timezone": "Asia/Seoul"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert (agent.locale, agent.timezone) == ("ko", "Asia/Seoul")
    page = client.get(f"/conversations/{conv.number}").get_data(as_text=True)
    assert '<html lang="ko"' in page and "고객" in page and "받은편지함" in page
    # the exact moment in the tooltip is in the agent's zone, with the zone named
    local = conv.last_activity_at.astimezone(ZoneInfo("Asia/Seoul"))
    assert "(Asia/Seoul)" in page and f"{local.year}년 {local.month}월 {local.day}일" in page
    flash = client.post(
        "/profile", data={"name": agent.name, "locale": "ko", "timezone": "Asia/Seoul"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "프로필을 저장했습니다." in flash


def test_admin_sets_the_install_defaults(app, client):
    admin = make_user("Admin Park", role="admin")
    login(client, admin)
    resp = client.post(
        "/admin/settings",
        data={"subject_number_format": "[#{number}]", "default_locale": "ko", "default_timezone": "Asia/Seoul"},
    )
    assert resp.status_code == 302
    anonymous = app.test_client()
    page = anonymous.get("/login").get_data(as_text=True)
    assert '<html lang="ko"' in page and "로그인" in page
    bad = client.post(
        "/admin/settings",
        data={"subject_number_format": "[#{number}]", "default_locale": "ko", "default_timezone": "Asia/Nowhere"},
    )
    assert bad.status_code == 200 and "목록에서 시간대를 고르세요." in bad.get_data(as_text=True)


def test_password_reset_mail_is_in_the_agents_language(app, client, smtp_sink):
    make_mailbox("Outbound", smtp_host=smtp_sink.host, smtp_port=smtp_sink.port, smtp_security="none")
    agent = make_user("Choi Yuna")
    agent.locale = "ko"
    db.session.commit()
    client.post("/forgot", data={"email": agent.email}, headers={"Accept-Language": "en"})
    outbox.send_due(app)  # the reset mail is queued in the outbox (review finding 10)
    (message,) = [m for m in smtp_sink.parsed() if m["To"].addresses[0].addr_spec == agent.email]
    assert str(message["Subject"]) == "받은편지함 비밀번호 재설정"
    assert "Choi 님, 안녕하세요." in message.get_body(preferencelist=("plain",)).get_content()


# ---- portal and mail to customers ---------------------------------------------------------------


@pytest.fixture
def portal_conv(app, mailbox):
    return mail_in(mailbox, "min@customer.test", "주문 확인", "언제 도착하나요?", name="Park Min")


def test_portal_language_switch_then_browser_then_default(app, client, portal_conv):
    customer = portal_conv.customer
    assert '<html lang="en"' in client.get("/portal/").get_data(as_text=True)
    page = client.get("/portal/", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert '<html lang="ko"' in page and "이메일 주소" in page
    sign_in_as(client, customer)
    resp = client.post(
        "/portal/language", data={"locale": "ko", "next": "/portal/requests"}, headers={"Accept-Language": "en"}
    )
    assert resp.status_code == 302 and resp.location.endswith("/portal/requests")
    page = client.get("/portal/requests", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ko"' in page and "내 문의" in page and "주문 확인" in page  # customer content as is
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).locale == "ko"  # remembered for their mail
    assert client.post("/portal/language", data={"locale": "xx"}).status_code == 400
    offsite = client.post("/portal/language", data={"locale": "en", "next": "//evil.test/portal"})
    assert offsite.location.endswith("/portal/")


@pytest.mark.parametrize("theme", ["default", "harbor"])
def test_both_themes_render_in_korean(app, client, portal_conv, theme):
    from inbox.themes import THEME_SETTING

    set_setting(THEME_SETTING, theme)
    db.session.commit()
    sign_in_as(client, portal_conv.customer)
    client.post("/portal/language", data={"locale": "ko", "next": "/portal/requests"})
    page = client.get("/portal/requests").get_data(as_text=True)
    assert "로그아웃" in page and "고객센터" in page and "My requests" not in page
    assert ("문의 내역" if theme == "harbor" else "내 문의") in page


def test_sign_in_link_mail_is_in_the_language_the_customer_used(app, client, portal_conv, smtp_sink):
    client.post("/portal/sign-in", data={"email": "min@customer.test"}, headers={"Accept-Language": "ko"})
    outbox.send_due(app)
    (message,) = [m for m in smtp_sink.parsed() if m["To"] == "min@customer.test"]
    assert str(message["Subject"]) == "로그인 링크"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "아래 링크를 열면 문의 내역을 볼 수 있습니다:" in body and "30분 뒤 만료됩니다" in body
    assert link_from(message)
    db.session.expire_all()
    assert db.session.get(Customer, portal_conv.customer_id).locale == "ko"


def test_customer_mail_language_order_and_never_the_agents(app, client):
    box = make_mailbox("Support")
    customer = Customer(name="Yoon")
    db.session.add(customer)
    db.session.commit()
    agent = make_user("Agent Eng")
    agent.locale = "ko"
    db.session.commit()
    login(client, agent)
    with app.test_request_context("/inbox", headers={"Accept-Language": "ko"}):
        from flask_login import login_user

        login_user(agent)
        assert customer_locale(customer, box) == "en"  # the install's, not the agent's Korean
        box.locale = "ko"
        assert customer_locale(customer, box) == "ko"  # the mailbox's
        customer.locale = "en"
        assert customer_locale(customer, box) == "en"  # their own last portal language first
        with force_locale(customer_locale(customer, box)):
            assert gettext("Your sign-in link") == "Your sign-in link"
        customer.locale = None
        with force_locale(customer_locale(customer, box)):
            assert gettext("Your sign-in link") == "로그인 링크"
    db.session.rollback()


def test_mailbox_language_is_set_in_the_mailbox_form(app, client):
    admin = make_user("Admin Han", role="admin")
    box = make_mailbox("Support")
    login(client, admin)
    page = client.get(f"/admin/mailboxes/{box.id}").get_data(as_text=True)
    assert "Language of mail to customers" in page
    data = {
        "name": box.name,
        "email": box.email,
        "imap_security": "ssl",
        "smtp_security": "starttls",
        "closed_policy": "reopen",
        "locale": "ko",
        "active": "1",
    }
    assert client.post(f"/admin/mailboxes/{box.id}", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(box), box.id).locale == "ko"


# ---- the catalogue -----------------------------------------------------------------------------


def test_korean_and_english_catalogues_are_complete_and_match_the_code():
    assert {"en", "ko"} <= set(supported_locales())
    assert catalogues.problems() == []


def test_hangul_names_in_the_reply_form_read_as_written_and_leave_encoded_once(app, client):
    import email as email_lib
    from email import policy

    from inbox.models import OutboxMessage

    box = make_mailbox("고객지원", email="help@shop.test")
    agent = make_user("김민지", mailboxes=[box])
    conv = make_conversation(box, subject="배송 문의", customer_email="seojun@mail.test", customer_name="박서준")
    login(client, agent)
    page = client.get(f"/conversations/{conv.number}").get_data(as_text=True)
    assert 'value="박서준 &lt;seojun@mail.test&gt;"' in page and "=?utf-8?" not in page
    resp = client.post(
        f"/conversations/{conv.number}/reply",
        data={"text": "안녕하세요", "to": "박서준 <seojun@mail.test>", "force": "1"},
    )
    assert resp.status_code == 302
    row = db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id.desc())).scalars().first()
    sent = email_lib.message_from_bytes(row.mime, policy=policy.default)
    assert sent["To"].addresses[0].display_name == "박서준"

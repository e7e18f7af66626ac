"""The auto-responder writes its default texts in the customer's language, never the agent's."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from ar_helpers import conversation_of, cycle, enable, message, parsed
from flask_babel import force_locale

from inbox.extensions import db
from inbox.models import User
from inbox.testing.helpers import login
from inbox_plugins.autoresponder import responder
from inbox_plugins.autoresponder.models import DEFAULT_BODY, AutoresponderConfig

CUSTOMER = "minji@customer.test"


@pytest.fixture
def app_config():
    # the install (and so the customer's mail, with no portal language or mailbox language) is Korean
    return {"DEFAULT_LOCALE": "ko", "BABEL_DEFAULT_LOCALE": "ko"}


def test_default_reply_is_korean_for_a_korean_customer_mail_round_trip(app, mailbox, dovecot, smtp_sink):
    enable(mailbox)
    raw, msgid = message(CUSTOMER, mailbox.email, subject="배송 문의", body="배송이 늦어요", from_name="민지")
    dovecot.append(mailbox.imap_user, raw)
    assert cycle(app, mailbox)["sent"] == 1
    (env,) = smtp_sink.messages
    msg = parsed(env)
    conv = conversation_of(msgid)
    assert msg["Subject"] == "Re: 배송 문의"
    text = msg.get_body(("plain",)).get_content()
    assert text.startswith("민지님, 안녕하세요.")
    assert f"{mailbox.name}에 문의해 주셔서 감사합니다." in text
    assert f"문의 번호는 #{conv.number}입니다." in text
    assert "Hello" not in text and "Thank you" not in text


def test_agent_language_never_leaks_into_the_customers_reply(app, mailbox, dovecot):
    raw, msgid = message(CUSTOMER, mailbox.email, subject="Hi", from_name="")
    dovecot.append(mailbox.imap_user, raw)
    cycle(app, mailbox)
    conv = conversation_of(msgid)
    cfg = AutoresponderConfig(subject="Re: {{ conversation.subject }}", body=DEFAULT_BODY, office_hours=False)
    with app.test_request_context("/", headers={"Accept-Language": "en"}), force_locale("en"):
        out = responder.compose(cfg, conv, None, datetime.now(timezone.utc))
    assert out.text.startswith("고객님, 안녕하세요.")  # default("there") became 고객 in Korean
    # a text the admin wrote is sent exactly as written
    cfg.body = "Dear {{ customer.email }}, thanks."
    with force_locale("en"):
        assert (
            responder.compose(cfg, conv, None, datetime.now(timezone.utc)).text.strip() == f"Dear {CUSTOMER}, thanks."
        )


def test_admin_sees_the_default_in_their_language_and_saving_keeps_it_following_the_customer(app, client, mailbox):
    admin = User(email="admin@example.test", name="관리자", role="admin")
    db.session.add(admin)
    db.session.commit()
    login(client, admin)
    page = client.get(f"/admin/autoresponder/{mailbox.id}", headers={"Accept-Language": "ko"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "자동 응답" in html and "새 대화에 자동으로 응답" in html
    assert "보내 주신 메일을 잘 받았으며" in html  # the default body, shown in Korean
    with app.test_request_context("/"), force_locale("ko"):
        from inbox_plugins.autoresponder.i18n import tr

        shown_body = tr.gettext(DEFAULT_BODY)
        shown_outside = tr.gettext(AutoresponderConfig.__table__.c.outside_body.default.arg)
    form = {
        "csrf_token": "",
        "enabled": "on",
        "subject": "Re: {{ conversation.subject }}",
        "body": shown_body.replace("\n", "\r\n"),
        "outside_subject": "Re: {{ conversation.subject }}",
        "outside_body": shown_outside,
        "timezone": "Asia/Seoul",
        "silence_hours": "72",
        "action": "save",
    }
    for day in ("mon", "tue", "wed", "thu", "fri"):
        form[f"day_{day}"] = "09:00-18:00"
    app.config["WTF_CSRF_ENABLED"] = False
    saved = client.post(f"/admin/autoresponder/{mailbox.id}", data=form, headers={"Accept-Language": "ko"})
    assert saved.status_code == 302
    cfg = db.session.execute(db.select(AutoresponderConfig)).scalar_one()
    db.session.refresh(cfg)
    assert cfg.body == DEFAULT_BODY  # stored as the default, so each customer gets their language
    follow = client.get(saved.headers["Location"], headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "자동 응답을 저장했습니다(켜짐)." in follow


def test_form_errors_are_translated(app, client, mailbox):
    admin = User(email="admin2@example.test", name="관리자", role="admin")
    db.session.add(admin)
    db.session.commit()
    login(client, admin)
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post(
        f"/admin/autoresponder/{mailbox.id}",
        headers={"Accept-Language": "ko"},
        data={"body": "hi", "subject": "x", "timezone": "Mars/Base", "day_mon": "9-5", "action": "save"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "알 수 없는 시간대 &#39;Mars/Base&#39;" in html
    assert "월요일: &#39;9-5&#39;은(는) 09:00-17:00 형식의 시간 범위가 아닙니다" in html

"""Finding 9 of the security review: one message must not make the auto-responder mail strangers.
Mail goes in through Dovecot and the real sync, out through the outbox to an SMTP sink."""

from __future__ import annotations

from ar_helpers import auto_replies, conversation_of, cycle, enable, message

from inbox.extensions import db
from inbox.plugin_settings import set_value
from inbox_plugins.autoresponder.models import AutoReplyLog

SPAM = "BUY CHEAP PILLS AT http://evil.example NOW"


def _reply_to(addresses: list[str]) -> str:
    return ",\r\n ".join(addresses)  # folded, as a real mailer would send 200 addresses


def test_two_hundred_reply_to_addresses_get_nothing(app, mailbox, dovecot, smtp_sink):
    enable(mailbox)
    victims = [f"victim{n}@outsider{n % 7}.test" for n in range(200)]
    raw, msgid = message(
        "sender1@evil.test",
        mailbox.email,
        subject=SPAM,
        from_name="Cheap pills at evil.example",
        headers={"Reply-To": _reply_to(victims)},
    )
    dovecot.append(mailbox.imap_user, raw)
    assert cycle(app, mailbox)["sent"] == 1
    (env,) = smtp_sink.messages
    assert env.rcpt_tos == ["sender1@evil.test"]  # the sender only: not one of the 200
    (item,) = auto_replies(conversation_of(msgid).id)
    assert [t["email"] for t in item.to] == ["sender1@evil.test"] and not item.cc
    assert [r.recipient for r in db.session.execute(db.select(AutoReplyLog)).scalars()] == ["sender1@evil.test"]


def test_reply_to_in_the_senders_domain_is_answered_alone(app, mailbox, dovecot, smtp_sink):
    enable(mailbox)
    raw, _ = message(
        "ann@customer.test",
        mailbox.email,
        headers={"Reply-To": _reply_to(["Orders <orders@customer.test>", "x@outsider.test", "y@customer.test"])},
    )
    dovecot.append(mailbox.imap_user, raw)
    assert cycle(app, mailbox)["sent"] == 1
    assert smtp_sink.messages[0].rcpt_tos == ["orders@customer.test"]


def test_reply_to_that_must_never_be_answered(app, mailbox, dovecot, smtp_sink):
    enable(mailbox)
    raw, _ = message("ann@customer.test", mailbox.email, headers={"Reply-To": "noreply@customer.test"})
    dovecot.append(mailbox.imap_user, raw)
    cycle(app, mailbox)
    assert smtp_sink.messages == [] and auto_replies() == []


def test_daily_cap_per_sender_domain(app, mailbox, dovecot, smtp_sink):
    """A new From address per message no longer gets around the cap: the domain counts too."""
    enable(mailbox)
    set_value("autoresponder", "domain_daily_cap", 3)
    db.session.commit()
    for n in range(6):
        dovecot.append(mailbox.imap_user, message(f"sender{n}@evil.test", mailbox.email, subject=f"{SPAM} {n}")[0])
    dovecot.append(mailbox.imap_user, message("ann@customer.test", mailbox.email)[0])
    cycle(app, mailbox)
    sent = sorted(env.rcpt_tos[0] for env in smtp_sink.messages)
    assert len([a for a in sent if a.endswith("@evil.test")]) == 3
    assert "ann@customer.test" in sent  # another domain is not affected


def test_daily_cap_per_recipient_counts_the_answered_address(app, mailbox, dovecot, smtp_sink):
    """Many senders of one domain naming the same Reply-To: that address gets at most daily_cap."""
    enable(mailbox)
    set_value("autoresponder", "daily_cap", 2)
    db.session.commit()
    for n in range(5):
        dovecot.append(
            mailbox.imap_user,
            message(f"s{n}@corp.test", mailbox.email, subject=f"Case {n}", headers={"Reply-To": "target@corp.test"})[0],
        )
    cycle(app, mailbox)
    assert [env.rcpt_tos for env in smtp_sink.messages] == [["target@corp.test"]] * 2

"""The auto-responder renders with the saved_replies plugin's renderer, but does not need that
plugin enabled: switched off in the admin (database) or at start-up (DISABLE_PLUGINS)."""

from __future__ import annotations

import pytest
from ar_helpers import cycle, enable, message, parsed

from inbox.extensions import db
from inbox.models import PluginState
from inbox.plugin_host import host


@pytest.fixture
def app_config(request):
    return {"DISABLE_PLUGINS": "saved_replies"} if request.node.name.endswith("startup") else {}


def _check_one_reply(app, mailbox, dovecot, smtp_sink):
    enable(mailbox, body="Thanks {{ customer.first_name | default('there') }}, ticket #{{ conversation.number }}.")
    dovecot.append(mailbox.imap_user, message("ann@customer.test", mailbox.email)[0])
    cycle(app, mailbox)
    (env,) = smtp_sink.messages
    assert parsed(env).get_body(("plain",)).get_content().startswith("Thanks Ann, ticket #")


def test_works_with_saved_replies_disabled_in_the_admin(app, mailbox, dovecot, smtp_sink):
    db.session.add(PluginState(name="saved_replies", enabled=False))
    db.session.commit()
    host().forget_state()
    assert not host().is_enabled("saved_replies") and host().is_enabled("autoresponder")
    _check_one_reply(app, mailbox, dovecot, smtp_sink)


def test_works_with_saved_replies_disabled_at_startup(app, mailbox, dovecot, smtp_sink):
    assert "saved_replies" not in host().modules
    _check_one_reply(app, mailbox, dovecot, smtp_sink)

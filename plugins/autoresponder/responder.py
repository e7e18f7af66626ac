"""Answer a customer message: choose the message for the hour, render it, queue it, log it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app

from inbox.extensions import db
from inbox.models import ThreadItem
from inbox.templating import build_context, render, render_string

from . import policy, schedule
from .models import AutoReplyLog, AutoresponderConfig

log = logging.getLogger("inbox.plugins.autoresponder")
PLUGIN = "autoresponder"


def now() -> datetime:
    """The current time; tests set app config AUTORESPONDER_NOW to a callable to move the clock."""
    clock = current_app.config.get("AUTORESPONDER_NOW")
    value = clock() if callable(clock) else clock
    return value or datetime.now(timezone.utc)


def config_for(mailbox_id: int) -> AutoresponderConfig | None:
    return db.session.execute(
        db.select(AutoresponderConfig).where(AutoresponderConfig.mailbox_id == mailbox_id)
    ).scalar()


def _setting(key: str, default):
    try:
        from inbox import plugin_setting

        value = plugin_setting(PLUGIN, key)
    except Exception:  # settings not declared or table missing: the safe default
        return default
    return default if value in (None, "") else value


@dataclass
class Message:
    subject: str
    text: str
    html: str
    office_hours: bool  # True: the in-hours message was chosen


def compose(
    cfg: AutoresponderConfig, conversation, item: ThreadItem | None, at: datetime, context: dict | None = None
) -> Message:
    """Render the message for this moment. Raises RenderError (core's bounded renderer)."""
    from flask_babel import force_locale

    from .i18n import customer_locale, default_text

    with force_locale(customer_locale(conversation)):  # the customer's language, never the agent's
        return _compose(cfg, conversation, item, at, context, default_text)


def _compose(cfg, conversation, item, at, context, default_text) -> Message:
    open_now = True
    if cfg.office_hours:
        open_now = schedule.is_open(cfg.schedule, cfg.holidays, cfg.timezone, at)
    subject_tpl, body_tpl = (cfg.subject, cfg.body) if open_now else (cfg.outside_subject, cfg.outside_body)
    subject_tpl, body_tpl = default_text(subject_tpl or ""), default_text(body_tpl or "")
    ctx = context if context is not None else build_context(conversation, None, item)
    subject = " ".join(render_string(subject_tpl, ctx).split())
    if not subject:
        from inbox.mail.outbound.compose import reply_subject

        subject = reply_subject(conversation.subject if conversation is not None else "")
    rendered = render(body_tpl, "markdown", ctx)
    return Message(subject=subject[:900], text=rendered.text, html=rendered.html, office_hours=open_now)


def handle(conversation, item: ThreadItem, history: bool, is_new: bool) -> ThreadItem | None:
    """The hook's work. Returns the queued auto-reply item, or None with the reason logged."""
    if item is None or conversation is None:
        return None
    cfg = config_for(conversation.mailbox_id)
    if cfg is None or not cfg.enabled:
        return None
    at = now()
    pattern = _setting("never_answer_pattern", None)
    reason = policy.message_reason(conversation, item, history, pattern)
    to_name, to_addr = policy.reply_address(item) if reason is None else ("", "")
    if reason is None:
        reason = policy.recipient_reason(to_addr, pattern)
    if reason is None:
        reason = policy.rate_reason(
            cfg,
            conversation,
            item,
            is_new,
            at,
            int(_setting("daily_cap", policy.DEFAULT_DAILY_CAP)),
            recipient=to_addr,
            domain_cap=int(_setting("domain_daily_cap", policy.DEFAULT_DOMAIN_DAILY_CAP)),
        )
    if reason is not None:
        log.info("no auto-reply in conversation #%s: %s", conversation.number, reason)
        return None
    from inbox.mail.outbound.outbox import queue_auto_reply

    message = compose(cfg, conversation, item, at)
    reply = queue_auto_reply(conversation, item, message.subject, message.text, message.html, to=[(to_name, to_addr)])
    db.session.add(
        AutoReplyLog(
            mailbox_id=conversation.mailbox_id,
            conversation_id=conversation.id,
            item_id=reply.id,
            recipient=to_addr.strip().lower(),
            sent_at=at,
        )
    )
    db.session.commit()  # the reply and its log row stand together, whoever fired the event
    log.info(
        "auto-reply queued in conversation #%s (%s hours)",
        conversation.number,
        "office" if message.office_hours else "outside",
    )
    return reply

"""Admin pages: every mailbox's auto-responder at a glance, and a form with a live preview."""

from __future__ import annotations

import os

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from inbox.extensions import db
from inbox.models import Conversation, Mailbox, ThreadItem

from . import schedule
from .i18n import _, default_text, stored_text
from .models import DAYS, AutoresponderConfig
from .responder import compose, config_for, now

HERE = os.path.dirname(__file__)
bp = Blueprint(
    "autoresponder", __name__, url_prefix="/admin/autoresponder", template_folder=os.path.join(HERE, "templates")
)


@bp.before_request
@login_required
def _admins_only():
    if not current_user.is_admin:
        abort(404)


@bp.get("/")
def index():
    mailboxes = list(db.session.execute(db.select(Mailbox).order_by(Mailbox.name)).scalars())
    configs = {c.mailbox_id: c for c in db.session.execute(db.select(AutoresponderConfig)).scalars()}
    return render_template("autoresponder/index.html", mailboxes=mailboxes, configs=configs)


def _mailbox_or_404(mailbox_id: int) -> Mailbox:
    mailbox = db.session.get(Mailbox, mailbox_id)
    if mailbox is None:
        abort(404)
    return mailbox


def _apply_form(cfg: AutoresponderConfig) -> list[str]:
    """Copy the form into cfg; the problems found, each fit to show (cfg is then not saved)."""
    from inbox.templating import check

    f, errors = request.form, []
    cfg.enabled = f.get("enabled") == "on"
    cfg.office_hours = f.get("office_hours") == "on"
    cfg.follow_ups = f.get("follow_ups") == "on"
    # named as the form labels them, so the admin finds the field the message is about
    labels = {
        "subject": _("Subject"),
        "body": _("Message"),
        "outside_subject": _("Subject outside office hours"),
        "outside_body": _("Message outside office hours"),
    }
    for field, label in labels.items():
        setattr(cfg, field, stored_text(f.get(field, "")))
        problem = check(default_text(getattr(cfg, field)), "markdown" if field.endswith("body") else None)
        if problem:
            errors.append(_("%(field)s: %(problem)s", field=label, problem=problem))
    cfg.timezone = f.get("timezone", "UTC").strip() or "UTC"
    try:
        schedule.zone(cfg.timezone)
    except ValueError as exc:
        errors.append(str(exc))
    week = {}
    for day in DAYS:
        try:
            week[day] = schedule.parse_ranges(f.get(f"day_{day}", ""))
        except ValueError as exc:
            errors.append(_("%(field)s: %(problem)s", field=day_names()[day], problem=exc))
    cfg.schedule = week
    try:
        cfg.holidays = schedule.parse_holidays(f.get("holidays", ""))
    except ValueError as exc:
        errors.append(_("%(field)s: %(problem)s", field=_("Holidays"), problem=exc))
    try:
        cfg.silence_hours = max(1, int(f.get("silence_hours") or 72))
    except ValueError:
        errors.append(_("Silence must be a whole number of hours."))
    if not cfg.body.strip():
        errors.append(_("The message needs a body."))
    return errors


def _sample(mailbox: Mailbox):
    """The mailbox's latest conversation and its first customer message, for a realistic preview."""
    conv = db.session.execute(
        db.select(Conversation).where(Conversation.mailbox_id == mailbox.id).order_by(Conversation.id.desc()).limit(1)
    ).scalar()
    item = None
    if conv is not None:
        item = db.session.execute(
            db.select(ThreadItem)
            .where(ThreadItem.conversation_id == conv.id, ThreadItem.type == "customer")
            .order_by(ThreadItem.id)
            .limit(1)
        ).scalar()
    return conv, item


def _previews(cfg: AutoresponderConfig, mailbox: Mailbox) -> dict:
    from inbox.templating import RenderError, build_context, sample_context

    conv, item = _sample(mailbox)
    ctx = build_context(conv, None, item) if conv is not None else sample_context(None, mailbox)
    ctx.pop("agent", None)  # nobody signs an auto-reply
    out: dict = {"sample": _("conversation #%(number)s", number=conv.number) if conv else _("made-up values")}
    for label, office in (("inside", True), ("outside", False)):
        probe = AutoresponderConfig(
            subject=cfg.subject if office else cfg.outside_subject,
            body=cfg.body if office else cfg.outside_body,
            office_hours=False,
        )
        try:
            out[label] = compose(probe, conv, item, now(), context=ctx)
        except RenderError as exc:
            out[label] = str(exc)
    try:
        at = now()
        out["open_now"] = schedule.is_open(cfg.schedule, cfg.holidays, cfg.timezone, at) if cfg.office_hours else None
        out["local_time"] = schedule.local_time(cfg.timezone, at)
    except ValueError:
        out["open_now"], out["local_time"] = None, ""
    return out


FIELDS = (
    "enabled",
    "subject",
    "body",
    "office_hours",
    "timezone",
    "schedule",
    "holidays",
    "outside_subject",
    "outside_body",
    "follow_ups",
    "silence_hours",
)


def _defaults(mailbox_id: int) -> AutoresponderConfig:
    """A configuration not in the session, filled with the declared defaults (for forms and previews)."""
    cfg = AutoresponderConfig(mailbox_id=mailbox_id)
    for column in AutoresponderConfig.__table__.columns:
        if column.default is not None and getattr(cfg, column.key) is None:
            arg = column.default.arg
            setattr(cfg, column.key, arg(None) if callable(arg) else arg)
    return cfg


@bp.route("/<int:mailbox_id>", methods=["GET", "POST"])
def edit(mailbox_id: int):
    mailbox = _mailbox_or_404(mailbox_id)
    stored = config_for(mailbox.id)
    shown = stored or _defaults(mailbox.id)
    errors: list[str] = []
    if request.method == "POST":
        shown = _defaults(mailbox.id)  # the form as typed; saved only when valid and not a preview
        errors = _apply_form(shown)
        if not errors and request.form.get("action") != "preview":
            target = stored or AutoresponderConfig(mailbox_id=mailbox.id)
            for field in FIELDS:
                setattr(target, field, getattr(shown, field))
            db.session.add(target)
            db.session.commit()
            if target.enabled:
                flash(_("Auto-responder for %(mailbox)s saved (on).", mailbox=mailbox.name), "success")
            else:
                flash(_("Auto-responder for %(mailbox)s saved (off).", mailbox=mailbox.name), "success")
            return redirect(url_for(".edit", mailbox_id=mailbox.id))
    zone_ok = True
    try:
        schedule.zone(shown.timezone)
    except ValueError:
        zone_ok = False
    previews = _previews(shown, mailbox) if zone_ok else {}
    return render_template(
        "autoresponder/edit.html",
        mailbox=mailbox,
        cfg=shown,
        days=DAYS,
        errors=errors,
        previews=previews,
        format_ranges=schedule.format_ranges,
        day_names=day_names(),
        shown_text=default_text,
    ), (400 if errors else 200)


def day_names() -> dict:
    return {
        "mon": _("Monday"),
        "tue": _("Tuesday"),
        "wed": _("Wednesday"),
        "thu": _("Thursday"),
        "fri": _("Friday"),
        "sat": _("Saturday"),
        "sun": _("Sunday"),
    }

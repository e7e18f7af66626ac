"""Portal pages for a signed-in customer: their requests, one request, replying, a new request.

A customer sees conversations of any of their addresses in mailboxes with the portal enabled
(an address only those it wrote in or that began after it was linked),
and in each only customer messages and agent replies (never notes, events or auto-reply
internals). Anything else — another customer's id in a URL included — is a 404.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import abort, current_app, redirect, request, send_file, session, url_for

from .. import ratelimit
from ..extensions import db
from ..i18n import gettext as _
from ..i18n import pgettext
from ..models import Attachment, Conversation, Customer, Mailbox, ThreadItem
from ..themes import static_file_path
from ..web.uploads import Upload, UploadError, read_uploads
from .blueprint import bp
from .delivery import deliver_from_customer, one_line
from .render import page
from .signin import current_customer_id

# a forward goes to a third party (a supplier, a colleague) and may say things the customer must not read
VISIBLE_TYPES = ("customer", "reply")


def _customer_or_signin() -> Customer:
    customer_id = current_customer_id()
    customer = db.session.get(Customer, customer_id) if customer_id else None
    if customer is None:
        abort(redirect(url_for("portal.home")))
    return customer


def _portal_mailboxes() -> list[Mailbox]:
    return list(
        db.session.execute(
            db.select(Mailbox).where(Mailbox.active.is_(True), Mailbox.portal_enabled.is_(True)).order_by(Mailbox.name)
        ).scalars()
    )


def _visible_to_address(customer: Customer):
    """Which of the customer's conversations the signed-in address may see. The address the customer
    was created from: all of them. An address linked later: those it wrote in, and those that began
    after it was linked, so an address added afterwards (by mistake, or by an agent who wanted to read
    along) never opens the customer's earlier history."""
    email = (session.get("portal_email") or "").lower()
    mine = next((e for e in customer.emails if e.email == email), None)
    if mine is None:  # the address was unlinked since sign-in
        return db.false()
    if mine.id == min(e.id for e in customer.emails):
        return db.true()
    wrote = (
        db.select(ThreadItem.id)
        .where(
            ThreadItem.conversation_id == Conversation.id, ThreadItem.type == "customer", ThreadItem.from_email == email
        )
        .exists()
    )
    if mine.created_at is None:
        return wrote
    return db.or_(Conversation.created_at >= mine.created_at, wrote)


def _conversation_or_404(customer: Customer, number: int) -> Conversation:
    conv = db.session.execute(
        db.select(Conversation)
        .join(Mailbox, Mailbox.id == Conversation.mailbox_id)
        .where(
            Conversation.number == number,
            Conversation.customer_id == customer.id,
            Conversation.merged_into_id.is_(None),
            Mailbox.portal_enabled.is_(True),
            Conversation.status != "spam",
            _visible_to_address(customer),
        )
    ).scalar_one_or_none()
    if conv is None:
        abort(404)
    return conv


@bp.get("/requests")
def requests():
    customer = _customer_or_signin()
    rows = db.session.execute(
        db.select(Conversation)
        .join(Mailbox, Mailbox.id == Conversation.mailbox_id)
        .where(
            Conversation.customer_id == customer.id,
            Conversation.merged_into_id.is_(None),
            Mailbox.portal_enabled.is_(True),
            Conversation.status != "spam",
            _visible_to_address(customer),
        )
        .order_by(Conversation.last_activity_at.desc())
        .limit(200)
    ).scalars()
    items = [
        {
            "number": c.number,
            "subject": c.subject or _("(no subject)"),
            "status": _status_label(c.status),
            "status_key": c.status,
            "updated_at": c.last_activity_at,
            "mailbox": c.mailbox.name,
            "url": url_for("portal.request_page", number=c.number),
        }
        for c in rows
    ]
    return page("portal/requests.html", customer, requests=items)


def _status_label(status: str) -> str:
    labels = {
        "active": pgettext("portal status", "Open"),
        "pending": pgettext("portal status", "Waiting for you"),
        "closed": pgettext("portal status", "Closed"),
    }
    return labels.get(status, status.title())


def _messages(conv: Conversation) -> list[dict]:
    items = db.session.execute(
        db.select(ThreadItem)
        .where(
            ThreadItem.conversation_id == conv.id,
            ThreadItem.type.in_(VISIBLE_TYPES),
            ThreadItem.send_status.is_distinct_from("cancelled"),
        )
        .order_by(ThreadItem.id)
    ).scalars()
    theirs = {e.email for e in conv.customer.emails} if conv.customer is not None else set()
    out = []
    for item in items:
        # someone else in the conversation (a colleague the customer copied) is never shown as "You"
        mine = item.type == "customer" and (item.from_email or "").lower() in theirs
        out.append(
            {
                "id": item.id,
                "from_customer": mine,
                "from_other": item.type == "customer" and not mine,
                "author": (item.from_name or item.from_email or "")
                if item.type == "customer"
                else (item.author.first_name if item.author else _("Support")),
                "date": item.date,
                "text": item.new_text if item.new_text is not None else item.text,
                "attachments": [
                    {
                        "filename": a.filename,
                        "size": a.size,
                        "content_type": a.content_type,
                        "url": url_for("portal.attachment", attachment_id=a.id),
                    }
                    for a in item.attachments
                    if not a.inline
                ],
            }
        )
    return out


@bp.get("/requests/<int:number>")
def request_page(number: int):
    customer = _customer_or_signin()
    conv = _conversation_or_404(customer, number)
    return page(
        "portal/request.html", customer, request_info=_request_info(conv), messages=_messages(conv), error=None, body=""
    )


def _request_info(conv: Conversation) -> dict:
    return {
        "number": conv.number,
        "subject": conv.subject or _("(no subject)"),
        "status": _status_label(conv.status),
        "status_key": conv.status,
        "created_at": conv.created_at,
        "reply_url": url_for("portal.reply", number=conv.number),
    }


def _uploads() -> tuple[list[Upload], str | None]:
    try:
        return read_uploads(), None
    except UploadError as exc:
        return [], str(exc)


@bp.post("/requests/<int:number>/reply")
def reply(number: int):
    customer = _customer_or_signin()
    conv = _conversation_or_404(customer, number)
    body = (request.form.get("body") or "").strip()
    files, error = _uploads()
    if not body and not error:
        error = _("Write a message before sending.")
    if error:
        return page(
            "portal/request.html",
            customer,
            request_info=_request_info(conv),
            messages=_messages(conv),
            error=error,
            body=body,
        ), 400
    deliver_from_customer(
        conv.mailbox,
        customer,
        session.get("portal_email") or customer.email,
        subject=conv.subject,
        text=body,
        attachments=files,
        conversation=conv,
    )
    db.session.commit()
    return redirect(url_for("portal.request_page", number=number) + "#latest")


@bp.route("/new", methods=["GET", "POST"])
def new_request():
    customer = _customer_or_signin()
    mailboxes = _portal_mailboxes()
    form = {
        "mailbox": request.form.get("mailbox", ""),
        "subject": one_line(request.form.get("subject", "")),
        "body": request.form.get("body", "").strip(),
    }
    choices = [{"id": m.id, "name": m.name} for m in mailboxes]
    if request.method == "GET":
        session["portal_form_at"] = time.time()
        return page("portal/new.html", customer, mailboxes=choices, form=form, errors={})
    errors = _spam_checks(customer)
    mailbox = next((m for m in mailboxes if str(m.id) == form["mailbox"]), None)
    if mailbox is None and len(mailboxes) == 1:
        mailbox = mailboxes[0]
    if mailbox is None:
        errors["mailbox"] = _("Choose where to send your request.")
    if not form["subject"]:
        errors["subject"] = _("Give your request a subject.")
    if not form["body"]:
        errors["body"] = _("Describe what you need.")
    files, file_error = _uploads()
    if file_error:
        errors["attachments"] = file_error
    if errors:
        db.session.commit()  # keep the rate-limit record
        session["portal_form_at"] = time.time()
        status = 429 if "rate" in errors else 400
        return page("portal/new.html", customer, mailboxes=choices, form=form, errors=errors), status
    conv = deliver_from_customer(
        mailbox,
        customer,
        session.get("portal_email") or customer.email,
        subject=form["subject"],
        text=form["body"],
        attachments=files,
    )
    db.session.commit()
    return redirect(url_for("portal.request_page", number=conv.number))


def _spam_checks(customer: Customer) -> dict:
    """Honeypot, timing and rate limits: no third-party service involved."""
    errors = {}
    if request.form.get("website"):  # hidden from people; bots fill every field
        errors["form"] = _("Your request could not be accepted.")
    started = session.get("portal_form_at") or 0
    if time.time() - started < current_app.config.get("PORTAL_MIN_FORM_SECONDS", 2):
        errors["form"] = _("That was quick! Please check your request and send it again.")
    per_hour = current_app.config.get("PORTAL_REQUESTS_PER_HOUR", 10)
    if not ratelimit.allow(
        "portal-new-ip", ratelimit.client_ip(), per_hour * 3, timedelta(hours=1)
    ) or not ratelimit.allow("portal-new-customer", str(customer.id), per_hour, timedelta(hours=1)):
        errors["rate"] = _("You have sent many requests in the last hour. Please wait before sending another.")
    return errors


@bp.get("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    from ..storage import path_for

    customer = _customer_or_signin()
    att = db.session.get(Attachment, attachment_id)
    item = db.session.get(ThreadItem, att.item_id) if att and att.item_id else None
    if item is None or item.type not in VISIBLE_TYPES or item.send_status == "cancelled":
        abort(404)
    conv = db.session.get(Conversation, item.conversation_id)
    _conversation_or_404(customer, conv.number)
    # the type is whatever a mail said: a download never runs as a page of this origin
    response = send_file(
        path_for(att.sha256), mimetype="application/octet-stream", as_attachment=True, download_name=att.filename
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/theme/<theme>/static/<path:filename>")
def theme_static(theme: str, filename: str):
    path = static_file_path(theme, filename)
    if path is None:
        abort(404)
    return send_file(path, max_age=3600)


@bp.get("/branding/logo")
def logo():
    from ..storage import path_for
    from ..themes import branding

    logo = branding().get("logo")
    if not logo:
        abort(404)
    return send_file(path_for(logo["sha256"]), mimetype=logo["content_type"], max_age=3600)


@bp.get("/branding/custom.css")
def custom_css():
    from ..themes import branding

    # served as its own stylesheet so the CSS needs no escaping inside a <style> element
    response = current_app.response_class(branding().get("custom_css") or "", mimetype="text/css")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response

"""The API's shapes, as pydantic models: requests are validated with them, responses are built from
them, and /api/v1/openapi.json is generated from their JSON Schemas (inbox/api/openapi.py), so the
contract cannot drift from the code. Representations are built here from the rows (`*_out`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from ..addresses import is_address, normalize
from ..models import STATUSES, Attachment, Conversation, Customer, Mailbox, Tag, ThreadItem, User

Status = Literal["active", "pending", "closed", "spam"]
assert set(STATUSES) == set(Status.__args__)  # the API's list is the model's list
Text = Annotated[str, StringConstraints(max_length=100_000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Strict(BaseModel):
    """Request bodies: unknown fields are an error (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid")


def _address(value: str) -> str:
    value = normalize(value)
    if not is_address(value):
        raise ValueError("not an email address")
    return value


Email = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320)]


# --- small pieces ---------------------------------------------------------------------------------


class MailboxRef(BaseModel):
    id: int
    name: str
    email: str


class UserRef(BaseModel):
    id: int
    name: str
    email: str


class CustomerRef(BaseModel):
    id: int
    name: str | None
    emails: list[str]


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    inline: bool


# --- resources ------------------------------------------------------------------------------------


class ConversationOut(BaseModel):
    id: int
    number: int
    subject: str
    status: Status
    mailbox: MailboxRef
    assignee: UserRef | None
    customer: CustomerRef | None
    tags: list[str]
    preview: str
    unread: bool
    source: str
    created_at: datetime
    last_activity_at: datetime
    snoozed_until: datetime | None
    closed_at: datetime | None
    merged_into_id: int | None


class ItemOut(BaseModel):
    id: int
    conversation_id: int
    type: str = Field(description="customer, reply, note, forward, auto_reply or event")
    source: str
    author: UserRef | None
    from_name: str | None
    from_email: str | None
    to: list[str]
    cc: list[str]
    subject: str | None
    text: str
    new_text: str | None
    html: str | None = Field(description="as received or sent; not sanitised: never show it unfiltered")
    date: datetime
    send_status: str | None
    send_error: str | None
    event: dict[str, Any] | None
    attachments: list[AttachmentOut]


class CustomerOut(BaseModel):
    id: int
    name: str | None
    notes: str | None
    emails: list[str]
    created_at: datetime


class MailboxOut(MailboxRef):
    active: bool


class UserOut(UserRef):
    role: Literal["admin", "agent"]
    active: bool


class TagOut(BaseModel):
    id: int
    name: str
    color: str | None


class Page(BaseModel):
    """Every list: the items, the cursor and link to the next page (null on the last one), and the
    exact total when asked for with ?count=true."""

    next_cursor: str | None
    next: str | None
    count: int | None = None


class ConversationPage(Page):
    items: list[ConversationOut]


class ItemPage(Page):
    items: list[ItemOut]


class CustomerPage(Page):
    items: list[CustomerOut]


class MailboxList(BaseModel):
    items: list[MailboxOut]


class UserList(BaseModel):
    items: list[UserOut]


class TagList(BaseModel):
    items: list[TagOut]


class ProblemField(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details (served as application/problem+json)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[ProblemField] | None = None


# --- queries --------------------------------------------------------------------------------------


class PageQuery(Strict):
    cursor: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        None, description="opaque: the next_cursor of the previous page"
    )
    limit: int = Field(50, ge=1, le=200)
    count: bool = Field(False, description="also return the exact total (costs a count query)")


class ConversationQuery(PageQuery):
    folder: Literal["unassigned", "mine", "assigned", "pending", "drafts", "closed", "spam", "all"] = "all"
    mailbox_id: int | None = Field(None, ge=1, le=2**31 - 1)
    status: Status | None = None
    assignee: Annotated[str, StringConstraints(pattern=r"^(me|none|[0-9]{1,9})$")] | None = Field(
        None, description="me, none, or a user id"
    )
    tag: Annotated[str, StringConstraints(max_length=80)] | None = None
    q: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        None, description='the inbox\'s search language (words, "phrases", OR, from:, tag:, status:, ...)'
    )


class CustomerQuery(PageQuery):
    email: Annotated[str, StringConstraints(max_length=320)] | None = Field(
        None, description="the customer owning this address (any of theirs)"
    )


# --- bodies ---------------------------------------------------------------------------------------


class StatusIn(Strict):
    status: Status


class AssigneeIn(Strict):
    assignee_id: int | None = Field(..., ge=1, le=2**31 - 1, description="null unassigns")


class TagsIn(Strict):
    add: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]] = Field(
        default_factory=list, max_length=50
    )
    remove: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]] = Field(
        default_factory=list, max_length=50
    )


class SnoozeIn(Strict):
    until: datetime = Field(description="a time in the future, with its zone")

    @field_validator("until")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give the time zone, e.g. 2030-01-01T09:00:00Z")
        return value


class MoveIn(Strict):
    mailbox_id: int = Field(ge=1, le=2**31 - 1)


class MergeIn(Strict):
    from_id: int = Field(ge=1, le=2**31 - 1, description="the conversation merged into this one (it is closed)")


class AttachmentIn(Strict):
    filename: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    content_type: Annotated[str, StringConstraints(pattern=r"^[\w.+-]+/[\w.+-]+$", max_length=255)] = (
        "application/octet-stream"
    )
    content_base64: Annotated[str, StringConstraints(max_length=14_000_000)]


class ReplyIn(Strict):
    type: Literal["reply", "note"] = "reply"
    text: Annotated[str, StringConstraints(min_length=1, max_length=100_000)]
    to: list[Email] | None = Field(None, max_length=50, description="default: the customer")
    cc: list[Email] = Field(default_factory=list, max_length=50)
    bcc: list[Email] = Field(default_factory=list, max_length=50)
    status_after: Literal["closed", "pending"] | None = None
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)

    @field_validator("to", "cc", "bcc")
    @classmethod
    def _addresses(cls, value):
        return None if value is None else [_address(v) for v in value]


class ForwardIn(Strict):
    to: list[Email] = Field(min_length=1, max_length=50)
    text: Text = ""
    item_id: int | None = Field(None, ge=1, le=2**31 - 1, description="forward one item, default the whole thread")

    @field_validator("to")
    @classmethod
    def _addresses(cls, value):
        return [_address(v) for v in value]


class ConversationIn(Strict):
    mailbox_id: int = Field(ge=1, le=2**31 - 1)
    to: list[Email] = Field(min_length=1, max_length=50)
    cc: list[Email] = Field(default_factory=list, max_length=50)
    bcc: list[Email] = Field(default_factory=list, max_length=50)
    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=998)]
    text: Annotated[str, StringConstraints(min_length=1, max_length=100_000)]
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)

    @field_validator("to", "cc", "bcc")
    @classmethod
    def _addresses(cls, value):
        return [_address(v) for v in value]


class CustomerIn(Strict):
    name: Name | None = None
    notes: Text | None = None
    emails: list[Email] = Field(min_length=1, max_length=20)

    @field_validator("emails")
    @classmethod
    def _addresses(cls, value):
        return [_address(v) for v in value]


class CustomerPatch(Strict):
    name: Name | None = None
    notes: Text | None = None
    add_emails: list[Email] = Field(default_factory=list, max_length=20)

    @field_validator("add_emails")
    @classmethod
    def _addresses(cls, value):
        return [_address(v) for v in value]


# --- rows -> representations ----------------------------------------------------------------------


def _user_ref(user: User | None) -> UserRef | None:
    return UserRef(id=user.id, name=user.name, email=user.email) if user else None


def _addr(entry) -> str:
    if isinstance(entry, dict):
        return entry.get("email") or ""
    return str(entry)


def conversation_out(conv: Conversation) -> ConversationOut:
    cust = conv.customer
    return ConversationOut(
        id=conv.id,
        number=conv.number,
        subject=conv.subject or "",
        status=conv.status,
        mailbox=MailboxRef(id=conv.mailbox.id, name=conv.mailbox.name, email=conv.mailbox.email),
        assignee=_user_ref(conv.assignee),
        customer=CustomerRef(id=cust.id, name=cust.name, emails=[e.email for e in cust.emails]) if cust else None,
        tags=sorted(t.name for t in conv.tags),
        preview=conv.preview or "",
        unread=conv.is_unread,
        source=conv.source,
        created_at=conv.created_at,
        last_activity_at=conv.last_activity_at,
        snoozed_until=conv.snoozed_until,
        closed_at=conv.closed_at,
        merged_into_id=conv.merged_into_id,
    )


def attachment_out(att: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=att.id, filename=att.filename, content_type=att.content_type, size=att.size, inline=bool(att.inline)
    )


def item_out(item: ThreadItem, authors: dict[int, User]) -> ItemOut:
    return ItemOut(
        id=item.id,
        conversation_id=item.conversation_id,
        type=item.type,
        source=item.source,
        author=_user_ref(authors.get(item.author_id)) if item.author_id else None,
        from_name=item.from_name,
        from_email=item.from_email,
        to=[_addr(t) for t in item.to or []],
        cc=[_addr(t) for t in item.cc or []],
        subject=item.subject,
        text=item.text or "",
        new_text=item.new_text,
        html=item.html,
        date=item.date,
        send_status=item.send_status,
        send_error=item.send_error,
        event=item.event,
        attachments=[attachment_out(a) for a in item.attachments],
    )


def customer_out(customer: Customer) -> CustomerOut:
    return CustomerOut(
        id=customer.id,
        name=customer.name,
        notes=customer.notes,
        emails=[e.email for e in customer.emails],
        created_at=customer.created_at,
    )


def mailbox_out(mb: Mailbox) -> MailboxOut:
    return MailboxOut(id=mb.id, name=mb.name, email=mb.email, active=mb.active)


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, name=user.name, email=user.email, role=user.role, active=user.active)


def tag_out(tag: Tag) -> TagOut:
    return TagOut(id=tag.id, name=tag.name, color=tag.color)


# --- webhooks -------------------------------------------------------------------------------------

WebhookEvent = Literal[
    "conversation.created",
    "conversation.status_changed",
    "conversation.assigned",
    "conversation.tags_changed",
    "conversation.moved",
    "conversation.merged",
    "message.customer_reply",
    "message.agent_reply",
    "note.created",
]


class WebhookIn(Strict):
    url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s/?#]+[^\s]*$", max_length=2000)]
    events: list[WebhookEvent] = Field(min_length=1, max_length=20)
    mailbox_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(
        None, max_length=100, description="only these mailboxes' events; default every mailbox"
    )


class WebhookOut(BaseModel):
    id: int
    url: str
    events: list[str]
    mailbox_ids: list[int] | None
    active: bool
    created_at: datetime
    disabled_at: datetime | None


class WebhookCreated(WebhookOut):
    secret: str = Field(description="whsec_…: shown only in this answer; verify signatures with it")


class WebhookList(BaseModel):
    items: list[WebhookOut]


class DeliveryOut(BaseModel):
    id: int
    message_id: str
    event_type: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    last_response: str | None
    latency_ms: int | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveryPage(Page):
    items: list[DeliveryOut]


def webhook_out(sub, secret: str | None = None) -> WebhookOut:
    fields = dict(
        id=sub.id,
        url=sub.url,
        events=list(sub.events or []),
        mailbox_ids=sub.mailbox_ids,
        active=sub.active,
        created_at=sub.created_at,
        disabled_at=sub.disabled_at,
    )
    return WebhookCreated(secret=secret, **fields) if secret else WebhookOut(**fields)


def delivery_out(d) -> DeliveryOut:
    return DeliveryOut(
        id=d.id,
        message_id=d.message_id,
        event_type=d.event_type,
        status=d.status,
        attempts=d.attempts,
        next_attempt_at=d.next_attempt_at,
        last_status_code=d.last_status_code,
        last_error=d.last_error,
        last_response=d.last_response,
        latency_ms=d.latency_ms,
        created_at=d.created_at,
        delivered_at=d.delivered_at,
    )


class RedeliverIn(Strict):
    since: datetime = Field(description="queue again every failed delivery created since this time")


class RedeliverOut(BaseModel):
    queued: int

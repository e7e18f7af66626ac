"""The ground floor: tables only, no web or mail imports."""

from ._base import UTCDateTime, utcnow
from .api import ApiToken, IdempotentResponse, WebhookDelivery, WebhookSubscription
from .conversation import STATUSES, Conversation, Draft, Tag, conversation_tag
from .customer import Customer, CustomerEmail
from .job import JobLease
from .mailbox import Mailbox
from .outbox import OutboxMessage
from .portal import PortalToken, RateEvent
from .presence import PRESENCE_STATES, Presence
from .settings import (
    PluginSetting,
    PluginState,
    Setting,
    forget_cached_settings,
    get_setting,
    set_setting,
    subject_number_format,
)
from .sync import FolderState
from .thread import ITEM_TYPES, Attachment, MessageRef, RawMessage, ThreadItem
from .user import ROLES, User, mailbox_access

__all__ = [
    "ApiToken",
    "IdempotentResponse",
    "WebhookDelivery",
    "WebhookSubscription",
    "Attachment",
    "Conversation",
    "Customer",
    "CustomerEmail",
    "Draft",
    "FolderState",
    "ITEM_TYPES",
    "JobLease",
    "Mailbox",
    "MessageRef",
    "OutboxMessage",
    "PluginSetting",
    "PortalToken",
    "Presence",
    "PRESENCE_STATES",
    "RateEvent",
    "PluginState",
    "RawMessage",
    "ROLES",
    "STATUSES",
    "Setting",
    "Tag",
    "ThreadItem",
    "User",
    "UTCDateTime",
    "conversation_tag",
    "forget_cached_settings",
    "get_setting",
    "mailbox_access",
    "set_setting",
    "subject_number_format",
    "utcnow",
]

"""The small value types that hooks return. Plugins build these; the host renders them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class SettingSpec:
    """A declared plugin setting; the admin form and `inbox plugins config` are generated from it."""

    key: str
    label: str
    type: str = "text"  # text, secret, number, boolean, choice
    default: Any = None
    help: str = ""
    choices: list[str] = field(default_factory=list)
    scope: str = "global"  # global or mailbox
    env: str | None = None  # when this environment variable is set, it wins over stored values
    required: bool = False  # text and secret: an empty value is refused
    min: float | None = None  # number bounds, checked on input
    max: float | None = None
    placeholder: str = ""


@dataclass
class Panel:
    """A conversation sidebar panel. render(conversation, user) returns str (escaped) or Markup.

    The page shows a placeholder and loads the panel afterwards, within PLUGIN_PANEL_TIMEOUT.
    """

    id: str
    title: str
    render: Callable[..., Any]
    order: int = 100


@dataclass
class Link:
    """A navigation item, admin section, conversation action, or editor button.

    url: where it goes (GET) or posts (method="post"). insert: text an editor button inserts.
    """

    label: str
    url: str | None = None
    method: str = "get"
    insert: str | None = None
    icon: str | None = None
    shortcut: str | None = None
    id: str | None = None


@dataclass
class Suggestion:
    """Content suggested for a conversation (the KB plugin). insert is what a click puts in the reply."""

    title: str
    url: str | None = None
    snippet: str = ""
    insert: str | None = None
    score: float = 0.0
    key: str | None = None  # lets the plugin learn which suggestions were used


@dataclass
class Job:
    """A scheduled job; trigger and trigger_args are APScheduler's (e.g. "interval", {"minutes": 5})."""

    id: str
    func: Callable[..., Any]
    trigger: str = "interval"
    trigger_args: dict = field(default_factory=lambda: {"minutes": 5})


@dataclass
class IncomingDecision:
    """What message_received implementations may do to a message before it is stored."""

    tags: set[str] = field(default_factory=set)
    assign_to: int | None = None  # user id
    spam: bool = False
    drop_reason: str | None = None  # set: the message is recorded as dropped, no conversation

    def tag(self, name: str) -> None:
        self.tags.add(name.strip().lower())

    def assign(self, user_id: int) -> None:
        self.assign_to = user_id

    def mark_spam(self) -> None:
        self.spam = True

    def drop(self, reason: str) -> None:
        self.drop_reason = reason

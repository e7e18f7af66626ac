"""Every hook a plugin can implement. Each docstring is that hook's contract.

Vocabulary: ``register_*`` run once at start-up and add things to the app; ``extra_*`` and the
UI-slot hooks are called while a page renders and return values to show; the rest are events,
called after (or, for ``message_received`` and ``message_sending``, just before) something
happened in the mail pipeline. Every implementation is called guarded: if it raises, the host logs
the plugin's name, records the error on the admin plugin page and carries on without it.

Implementations may accept any subset of the arguments named here (pluggy passes by name).
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("inbox")
hookimpl = pluggy.HookimplMarker("inbox")  # the one marker; plugins take it from `inbox`

# --- setup --------------------------------------------------------------------------------------


@hookspec
def register_blueprints(app):
    """Return a Flask Blueprint (or a list of them) to register on the app.

    A blueprint's ``template_folder`` and ``static_folder`` are served as usual; put templates
    under ``templates/<plugin name>/`` so that names never clash. Called once at start-up.
    """


@hookspec
def register_commands(cli):
    """Add click commands or groups to the ``inbox`` CLI: call ``cli.add_command(...)``.

    Returns nothing. Called once when the CLI starts.
    """


@hookspec
def register_settings():
    """Return a list of ``inbox.SettingSpec`` this plugin understands.

    The admin plugin page and ``inbox plugins config NAME KEY=VALUE`` are generated from them.
    Read values with ``inbox.plugin_setting(plugin, key, mailbox=None)``.
    """


@hookspec
def register_migrations():
    """Return the path of a folder of Alembic revisions for this plugin's own tables.

    The folder's first revision must set ``branch_labels = ("<plugin name>",)`` and
    ``down_revision = None``; ``inbox init-db`` upgrades every branch. Models subclass
    ``inbox.extensions.db.Model`` as core ones do.
    """


@hookspec
def register_jobs():
    """Return a list of ``inbox.Job`` for the worker's scheduler (APScheduler).

    Each job runs inside an app context, guarded like every hook.
    """


# --- mail pipeline ------------------------------------------------------------------------------


@hookspec
def message_received(message, mailbox, decision, history):
    """Called for each incoming message before it is stored.

    ``message`` is a read-only ``inbox.mail.parse.ParsedMessage``; ``mailbox`` the Mailbox;
    ``decision`` an ``inbox.IncomingDecision``: call ``decision.tag(name)``,
    ``decision.assign(user_id)``, ``decision.mark_spam()`` or ``decision.drop(reason)``.
    ``history`` is True during ``inbox fetch --history``. Return value ignored.
    """


@hookspec
def conversation_created(conversation, item, history):
    """A new conversation exists with its first thread item (a customer message, or an agent's
    message for outbound ones). ``history`` is True for mail imported as history, when plugins
    should not notify or answer anybody."""


@hookspec
def customer_replied(conversation, item, history):
    """A customer message (mail or portal) was added to an existing conversation."""


@hookspec
def agent_replied(conversation, item, user):
    """An agent's reply was queued for sending (``item.type == "reply"`` or ``"forward"``)."""


@hookspec
def note_added(conversation, item, user):
    """An internal note was added. Notes are never sent to the customer."""


@hookspec
def status_changed(conversation, old, new, user):
    """A conversation's status changed from ``old`` to ``new`` (active, pending, closed, spam).
    ``user`` is None when the system changed it (e.g. a customer reply reopening)."""


@hookspec
def conversation_assigned(conversation, assignee, user):
    """A conversation was assigned to ``assignee`` (a User, or None for unassigned) by ``user``."""


@hookspec
def message_sending(message, conversation, item):
    """Called just before an outgoing message is queued, with the ``email.message.EmailMessage``.

    Implementations may change headers and body in place. Return value ignored. The message is
    built once; retries send the same bytes.
    """


@hookspec
def template_variables(conversation, user):
    """Return a dict of extra variables for saved replies and auto-replies, e.g.
    ``{"order": {...}}``. Values should be plain data (str, numbers, dicts, lists).
    Called by ``inbox.templating.build_context``."""


# --- UI slots -----------------------------------------------------------------------------------


@hookspec
def sidebar_panels(conversation, user):
    """Return a list of ``inbox.Panel`` for the conversation sidebar.

    Each panel's ``render(conversation, user)`` runs after the page has loaded, with a time limit,
    so a slow plugin never delays the conversation. A ``str`` result is escaped; return
    ``markupsafe.Markup`` to emit HTML (you are then responsible for escaping).
    """


@hookspec
def editor_buttons(conversation, user):
    """Return a list of ``inbox.Link`` shown in the reply editor's toolbar.

    A link with ``insert`` puts that text at the cursor; one with ``url`` opens that URL in a
    popover whose elements with ``data-insert="..."`` insert their value when clicked.
    """


@hookspec
def conversation_actions(conversation, user):
    """Return a list of ``inbox.Link`` added to the conversation's action menu."""


@hookspec
def nav_items(user):
    """Return a list of ``inbox.Link`` added to the agent navigation bar."""


@hookspec
def admin_sections(user):
    """Return a list of ``inbox.Link`` added to the admin menu (only called for admins)."""


@hookspec
def extra_css(view):
    """Return a list of stylesheet URLs to add to agent pages. ``view`` is the endpoint name."""


@hookspec
def extra_js(view):
    """Return a list of script URLs (same origin) to add to agent pages."""


@hookspec
def suggestions(conversation, item, limit):
    """Return up to ``limit`` ``inbox.Suggestion`` for the conversation, best first, judged on
    ``item`` (its latest customer message) and the subject. Results from all plugins are merged
    by score."""


# --- customer portal ----------------------------------------------------------------------------


@hookspec
def portal_nav_items(customer):
    """Return a list of ``inbox.Link`` for the customer portal's navigation. ``customer`` is the
    signed-in Customer or None. Portal pages themselves are blueprints (``register_blueprints``)
    that render with ``inbox.themes.render_portal(template, **context)``."""

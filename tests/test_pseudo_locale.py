"""Pseudo-locale: every GET route (agent, admin, portal, plugins, error pages; from app.url_map, so
routes added later are covered) rendered with catalogues in which every translation is the source text wrapped in
⟦ ⟧. Visible text left once the wrapped parts are removed did not pass through a catalogue, unless
it is data (any text value stored in the test's database: customer content, names, subjects),
Babel's own formatting of dates and numbers, or an allow-listed technical word or brand name.

The pseudo catalogues are built from the committed templates (messages.pot, each plugin's .pot), so
a string added without re-extracting shows up here too. They are served as the Korean catalogues of
this test's app only (Flask-Babel's BABEL_TRANSLATION_DIRECTORIES for the core; the plugin
catalogue cache for plugins), and every cache is emptied before and after.
"""

from __future__ import annotations

import io
import os
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from test_web_support import login, make_mailbox, make_user, world

from inbox.extensions import db
from inbox.i18n import plugins as plugin_i18n
from inbox.i18n.selection import TRANSLATIONS_DIR
from inbox.testing.helpers import portal_sign_in

OPEN, CLOSE = "\u27e6", "\u27e7"
LOCALE = "ko"  # a language the app offers; its catalogues are replaced for this test's app
ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-confirm", "label"}
SKIP_TAGS = {"script", "style", "code", "pre", "kbd", "samp", "svg", "template"}
# technical words and brand names that stay as they are in every language
ALLOWED_WORDS = {
    "WooCommerce",
    "Markdown",
    "HTML",
    "JSON",
    "CSV",
    "API",
    "REST",
    "URL",
    "IMAP",
    "SMTP",
    "TLS",
    "SSL",
    "STARTTLS",
    "HTTP",
    "HTTPS",
    "UTC",
    "Ctrl",
    "Shift",
    "Alt",
    "Enter",
    "Esc",
    "Tab",
    "ID",
    "PDF",
    "zip",
    "Inbox",
    "OAuth",
    "IANA",
    "Bcc",
    "Cc",
    "Re",
    "Fwd",
    "YYYY",
    "MM",
    "DD",
    "px",
    "MB",
    "KB",
    "GB",
    "B",
    "https",
    "http",
    "www",
    "utf",
    "base64",
    "x",
    "hpos",
    "classic",
    "DKIM",
    "SPF",
    "DMARC",
    "ck",
    "cs",  # WooCommerce key prefixes (ck_…, cs_…)
    "Sent",  # an IMAP folder's name, as the server spells it (placeholder of the Sent-copy folder)
}
ZONE = re.compile(r"\b[A-Z][A-Za-z]+/[\w/+-]+|\bUTC\b")  # IANA zone names in time-zone pickers
# each language offered in its own name ("English", "한국어")
LANGUAGES = {"English", "한국어"}
# Known gaps in the core's pages (not plugin or JavaScript text), left for the core catalogue's owner:
# (endpoint, words). Each is a real finding of this test; remove the line once it is fixed.
KNOWN_CORE_GAPS = {
    # theme.json's display names, authors and descriptions are shown as the theme ships them
    ("themes_admin.index", "Default"),
    ("themes_admin.index", "Harbor"),
    ("themes_admin.index", "inbox"),
    ("themes_admin.index", "bold dark headed help center a hero banner and requests as cards"),
    ("themes_admin.index", "light quiet help center one column your brand colour on the buttons"),
}
# Babel's Korean dates, times and relative times (CLDR, not our catalogue)
KO_CLDR = re.compile(
    r"(\d+\s*)?(년|월|일|시간|시|분|초|주|개월|오전|오후|전|후|요일|어제|오늘|내일|지난주|다음 주|"
    r"[월화수목금토일]요일|초 후|KST|GMT|UTC)"
)


def _pseudo_catalog(catalog_path: str):
    with open(catalog_path, "rb") as fh:
        catalog = read_po(fh)  # a .pot: no language, so no plural rule to warn about
    catalog.locale = LOCALE  # then Korean's one plural form
    for message in catalog:
        if isinstance(message.id, (list, tuple)):  # Korean has one form: the singular's wording
            message.string = (OPEN + message.id[0] + CLOSE,)
        elif message.id:
            message.string = OPEN + message.id + CLOSE
    return catalog


def _pseudo(catalog_path: str) -> Translations:
    buf = io.BytesIO()
    write_mo(buf, _pseudo_catalog(catalog_path))
    buf.seek(0)
    return Translations(buf)


def _write_mo(catalog_path: str, target: str) -> None:
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as fh:
        write_mo(fh, _pseudo_catalog(catalog_path))


def _clear_caches() -> None:
    from inbox.i18n import babel

    babel.domain_instance.cache.clear()
    plugin_i18n._catalogues.clear()
    for domain in plugin_i18n._domains.values():
        domain.cache.clear()


@pytest.fixture
def pseudo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("pseudo")
    _write_mo(os.path.join(TRANSLATIONS_DIR, "messages.pot"), str(out / LOCALE / "LC_MESSAGES" / "messages.mo"))
    return str(out)


@pytest.fixture
def app_config(pseudo_dir):
    return {"BABEL_TRANSLATION_DIRECTORIES": pseudo_dir, "DEFAULT_LOCALE": LOCALE}


@pytest.fixture
def pseudo(app):
    """Every plugin's catalogue replaced by its pseudo version for this app's requests."""
    from inbox.plugin_host import host

    _clear_caches()
    for module in host(app).modules.values():
        domain = plugin_i18n.module_domain(module)
        if domain is None:
            continue
        pot = os.path.join(domain.directory, f"{domain.name}.pot")
        if os.path.exists(pot):
            plugin_i18n._catalogues[(domain.directory, LOCALE, domain.name)] = _pseudo(pot)
    yield
    _clear_caches()


class _Text(HTMLParser):
    """Visible text in document order as one stream (a translated sentence may hold inline markup,
    so its ⟦ and ⟧ fall in different text nodes), and attribute texts one by one."""

    SEP = "\u2029"

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.stream: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIP_TAGS:
            self.skip += 1
        attrs = dict(attrs)
        for name in ATTRIBUTES:
            if attrs.get(name):
                self.attributes.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.attributes.append(attrs["value"])

    def handle_startendtag(self, tag, attrs):
        skip = self.skip
        self.handle_starttag(tag, attrs)
        self.skip = skip

    def handle_endtag(self, tag):
        if tag in SKIP_TAGS and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.stream.append(data)

    def texts(self) -> list[str]:
        return [self.SEP.join(self.stream)] + self.attributes


def _data_values() -> list[str]:
    """Every text value stored in the test's database: what a page may show that is not ours."""
    values = set()
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            cols = [c for c in table.columns if isinstance(c.type, (sa.String, sa.Text, sa.JSON))]
            if not cols:
                continue
            for row in conn.execute(sa.select(*cols)).all():
                for value in row:
                    if isinstance(value, str) and value.strip():
                        values.add(value.strip())
                        values.update(w for w in re.split(r"[\s<>()\"',;:]+", value) if len(w) > 1)
                    elif isinstance(value, (list, dict)):
                        values.update(re.findall(r"[\w.+-]+@[\w.-]+|[^\W\d_]{2,}", str(value)))
    return sorted(values, key=len, reverse=True)


def _untranslated(text: str, data: list[str]) -> list[str]:
    """The pieces of text that came from no catalogue and are not allowed as they are."""
    rest = text
    while True:  # innermost first: a translated sentence may hold a translated placeholder value
        stripped = re.sub(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}", " ", rest)
        if stripped == rest:
            break
        rest = stripped
    # a lone marker: a translated text cut in two by the code ("⟦Title: summary⟧" split at ": ")
    rest = re.sub(f"{OPEN}[^{CLOSE}]*$", " ", re.sub(f"^[^{OPEN}]*{CLOSE}", " ", rest))
    out = []
    for piece in rest.split(_Text.SEP):
        piece = re.sub(r"https?://\S+|[\w.+-]+@[\w.-]+\.\w+|(?<!\w)/\S*", " ", piece)
        piece = ZONE.sub(" ", piece)
        piece = re.sub(r"\b[\w-]+(\.[\w-]+)+\b", " ", piece)  # host names and file names
        for value in data:
            if value in piece:
                piece = piece.replace(value, " ")
        piece = KO_CLDR.sub(" ", piece)
        words = [w for w in re.findall(r"[^\W\d_]+", piece) if w not in ALLOWED_WORDS and w not in LANGUAGES]
        # initials in avatars ("AA") and file types ("TXT", "PDF") come from names, not sentences
        words = [w for w in words if not (len(w) <= 4 and w.isupper())]
        if words:
            out.append(" ".join(words))
    return out


def _routes(app):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        if "token" in rule.arguments or rule.endpoint.endswith("theme_static") or "filename" in rule.arguments:
            continue
        if rule.endpoint == "api.docs":
            # the API reference for integrators, rendered from the OpenAPI document (English, like the
            # schema descriptions it comes from); the agent and admin pages around it are translated
            continue
        yield rule


def _urls(app, rule, objects: dict) -> list[str]:
    """The route with its arguments filled, once per candidate value (a "name" may be a plugin's or a
    theme's); none when the test makes no object for an argument (other tests reach those routes)."""
    import itertools

    from flask import url_for

    choices = []
    for arg in rule.arguments:
        if arg not in objects:
            return []
        value = objects[arg]
        choices.append([(arg, v) for v in (value if isinstance(value, list) else [value])])
    with app.test_request_context():
        return [url_for(rule.endpoint, **dict(combo)) for combo in itertools.product(*choices)]


def test_every_page_shows_only_catalogue_text(app, pseudo):
    from inbox_plugins.kb import articles

    mailbox = make_mailbox("Granted")
    admin = make_user("Ada Admin", role="admin")
    objects = world(mailbox, admin)
    from inbox.models import Conversation

    customer = db.session.get(Conversation, objects["conversation_id"]).customer  # their own request
    article = articles.save(
        None,
        title="Returns policy",
        body="Send it back within 30 days.",
        category="Billing",
        tags=["returns"],
        status="published",
    )
    db.session.commit()
    objects.update(
        {
            "slug": article.slug,
            "category": "Billing",
            "article_id": article.id,
            "user_id": admin.id,
            "name": ["woocommerce", "default"],
            "theme": "default",
            "plugin": "kb",
            "conversation": objects["conversation_id"],
        }
    )

    agent = app.test_client()
    login(agent, admin)
    with agent.session_transaction() as s:
        s.pop("_flashes", None)
    admin.locale = LOCALE
    db.session.commit()
    visitor = app.test_client()
    portal_sign_in(visitor, customer)

    from inbox.plugin_host import host

    # package names of plugins, shown as such next to their translated titles
    data = sorted(set(_data_values()) | set(host(app).names()), key=len, reverse=True)
    failures, checked = [], 0
    anonymous = app.test_client()
    for rule in _routes(app):
        for url in _urls(app, rule, objects):
            # signed in (agent or portal customer), then as a stranger: sign-in pages, public KB
            for client in (visitor if url.startswith("/portal") else agent, anonymous):
                response = client.get(url, headers={"Accept-Language": LOCALE, "Accept": "text/html"})
                db.session.rollback()
                if response.status_code in (301, 302, 303, 307, 308) or response.mimetype != "text/html":
                    continue
                checked += 1
                parser = _Text()
                parser.feed(response.get_data(as_text=True))
                for text in parser.texts():
                    for left in _untranslated(text, data):
                        if (rule.endpoint, left) not in KNOWN_CORE_GAPS:
                            failures.append(f"{url} ({rule.endpoint}): {left!r}")
    assert checked >= 25, checked
    assert not failures, f"{len(failures)} texts not from a catalogue:\n" + "\n".join(sorted(set(failures)))

"""The plugin translation API: a plugin's own catalogue for its Python code, templates and JS."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from test_plugin_samples import polyglot

from inbox.extensions import db
from inbox.i18n.plugins import domain_for, load_catalogue
from inbox.models import User
from inbox.testing.helpers import login


@pytest.fixture
def app_config():
    # the install's default language is Korean; the request also asks for it
    return {"EXTRA_PLUGINS": ["test_plugin_samples.polyglot"], "BABEL_DEFAULT_LOCALE": "ko", "DEFAULT_LOCALE": "ko"}


@pytest.fixture
def agent(app):
    user = User(email="agent@example.test", name="Ada Agent", role="agent")
    db.session.add(user)
    db.session.commit()
    return user


def test_python_strings_come_from_the_plugins_own_domain(app):
    with app.test_request_context("/"):
        with force_locale("ko"):
            assert polyglot.greeting(3) == "소포 3개 배송 중"
            assert polyglot._("Hello, %(name)s", name="민지") == "민지님, 안녕하세요"
            assert polyglot.pgettext("navigation", "Parcels") == "소포 목록"
            assert polyglot._("Parcels") == "소포"
        with force_locale("en"):  # no en catalogue: the source text, placeholders filled
            assert polyglot.greeting(1) == "1 parcel on its way"
            assert polyglot.greeting(2) == "2 parcels on their way"
        with force_locale("ko_KR"):  # a regional locale falls back to its language's file
            assert polyglot._("Parcels") == "소포"


def test_every_module_of_a_plugin_shares_one_domain():
    assert domain_for("test_plugin_samples.polyglot") is domain_for("test_plugin_samples.polyglot.views")
    assert domain_for("test_plugin_samples.polyglot").name == "polyglot"


def test_fuzzy_entries_are_never_shown():
    catalogue = load_catalogue(polyglot.tr.directory, "ko", "polyglot")
    assert catalogue.ugettext("This string is in no catalogue") == "This string is in no catalogue"


def test_plugin_template_extending_the_core_layout_uses_both_catalogues(app, client, agent):
    login(client, agent)
    response = client.get("/polyglot/", headers={"Accept-Language": "ko"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<h1 id="heading">소포</h1>' in html
    assert '<p id="count">소포 3개 배송 중</p>' in html
    assert '<p id="status">배송 중</p>' in html  # pgettext: "Open" with the plugin's context
    assert '<p id="trans">보낸 사람: &lt;b&gt;</p>' in html  # {% trans %}, placeholders escaped
    assert "민지" not in html and "Ada님, 안녕하세요" in html  # the flash, translated in Python
    assert ">소포 목록</a>" in html  # the nav link from a hook, rendered by the core layout
    # the core layout's own words still come from the core catalogue (fallback), not as msgids
    # of the plugin: a word the core translates must look the same on a plugin page
    with app.test_request_context("/", headers={"Accept-Language": "ko"}):
        with force_locale("ko"):
            from flask_babel import gettext as core_gettext

            expected = core_gettext("Keyboard shortcuts")
            assert polyglot._("Keyboard shortcuts") == expected
    assert expected in html

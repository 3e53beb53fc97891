"""The Mini App in a real browser (Debian's chromium, driven by Playwright), at a phone's size: rows, sorting,
filters, search, one request, the export, the dark theme, the keyboard, and forged launch data refused.

A screenshot of the table is saved in the test's folder (and in BREAKBOT_SCREENSHOTS when set: the README's comes
from there)."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.webapp.auth import Identity, LocalLinks
from bot.webapp.serve import WebServer
from bot.webapp.server import WebOptions
from tests.conftest import IN_CI, data_dir, enrol
from tests.test_webapp_api import TOKEN, filed, launch_data  # noqa: F401 (filed is a fixture)

CHROMIUM = os.environ.get("BREAKBOT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROMIUM:
    if IN_CI:
        raise RuntimeError("chromium is missing: .ci/run installs Debian's package")
    pytest.skip("no chromium on this machine (Debian: apt-get install chromium); CI installs it",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

PHONE = {"width": 360, "height": 740}
LIGHT = {"bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#999999", "link_color": "#2481cc",
         "button_color": "#2481cc", "button_text_color": "#ffffff", "secondary_bg_color": "#f1f1f1"}
DARK = {"bg_color": "#17212b", "text_color": "#f5f5f5", "hint_color": "#708499", "link_color": "#6ab3f3",
        "button_color": "#5288c1", "button_text_color": "#ffffff", "secondary_bg_color": "#232e3c"}


@pytest.fixture
def web(organisations):
    """The Mini App's server on a free port of this machine, as the bot process runs it."""
    options = WebOptions(db=organisations, bot_token=TOKEN, attachments_dir=data_dir(organisations) / "attachments",
                         bot_username="breakbot_test_bot", local=LocalLinks())
    server = WebServer(options, "127.0.0.1", 0).start()
    server.options = options
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  accept_downloads=True, locale="fr-BE", bypass_csp=True)  # for our probes
    page = context.new_page()
    yield page
    context.close()


def launch_url(web, init_data: str, theme: dict = LIGHT) -> str:
    return (f"http://127.0.0.1:{web.port}/#tgWebAppData={quote(init_data, safe='')}&tgWebAppVersion=8.0"
            f"&tgWebAppPlatform=android&tgWebAppThemeParams={quote(json.dumps(theme), safe='')}")


def names(page) -> list[str]:
    return page.locator("tbody tr td:first-child").all_inner_texts()


def screenshot(page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / name), full_page=True)
    if os.environ.get("BREAKBOT_SCREENSHOTS"):
        folder = Path(os.environ["BREAKBOT_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / name, folder / name)
    assert (tmp_path / name).stat().st_size > 10_000


def test_the_table_on_a_phone(web, filed, phone, tmp_path):  # noqa: F811
    ours, theirs = filed
    phone.goto(launch_url(web, launch_data(1001)))
    phone.wait_for_selector("tbody tr")
    assert sorted(names(phone)) == ["DUBOIS Marie", "DUPONT Marie", "JANSSENS Marie", "MARTIN Marie",
                                    "PEETERS Marie"]
    assert theirs not in phone.content() and "85.**.**-***.02" in phone.content()
    assert phone.locator("h1").inner_text() == "Écran d'aperçu des demandes"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1  # the table scrolls alone
    screenshot(phone, tmp_path, "mini-app-table.png")

    # sort by name, then the other way
    phone.click("th button[data-sort=name]")
    phone.wait_for_function("document.querySelector('th[aria-sort]')?.dataset !== undefined && "
                            "document.querySelector('th[aria-sort] button').dataset.sort === 'name'")
    phone.wait_for_function("document.querySelector('tbody tr td').innerText.startsWith('DUBOIS')")
    assert names(phone) == sorted(names(phone))
    phone.click("th button[data-sort=name]")
    phone.wait_for_function("document.querySelector('tbody tr td').innerText.startsWith('PEETERS')")
    assert phone.get_attribute("th[aria-sort]", "aria-sort") == "descending"

    # a filter (behind "Filtres" on a phone), then a count by status that filters when tapped
    assert not phone.is_visible("select[name=status]")
    phone.click("#filters summary")
    phone.select_option("select[name=status]", "waiting")
    phone.wait_for_function("document.querySelectorAll('tbody tr').length === 2")
    assert sorted(names(phone)) == ["DUBOIS Marie", "JANSSENS Marie"]
    phone.select_option("select[name=status]", "")
    phone.wait_for_function("document.querySelectorAll('tbody tr').length === 5")
    phone.click("button[data-status=accepted]")
    phone.wait_for_function("document.querySelectorAll('tbody tr').length === 2")
    assert sorted(names(phone)) == ["DUPONT Marie", "MARTIN Marie"]
    assert phone.get_attribute("button[data-status=accepted]", "aria-pressed") == "true"
    phone.click("button[data-status=accepted]")
    phone.wait_for_function("document.querySelectorAll('tbody tr').length === 5")

    # search a name's beginning, then a NISS
    phone.fill("input[name=q]", "mart")
    phone.wait_for_function("document.querySelectorAll('tbody tr').length === 1")
    assert names(phone) == ["MARTIN Marie"]
    phone.fill("input[name=q]", "85.03.14-124.01")
    phone.wait_for_function("document.querySelector('tbody tr td')?.innerText === 'PEETERS Marie' && "
                            "document.querySelectorAll('tbody tr').length === 1")
    phone.fill("input[name=q]", "")
    phone.wait_for_function("document.querySelectorAll('tbody tr').length === 5")


def test_one_request_and_its_cancellation(web, filed, phone, tmp_path):  # noqa: F811
    ours, _ = filed
    phone.goto(launch_url(web, launch_data(1001)))
    phone.click(f"tr[data-ticket='{ours['Janssens']}']")
    phone.wait_for_selector("#back")
    text = phone.inner_text("main")
    assert ours["Janssens"] in text and "JANSSENS Marie" in text and "Historique" in text
    assert "Accusé de réception de la demande (PDF)" in text
    assert phone.get_attribute("#modify", "href") == f"https://t.me/breakbot_test_bot?start=ticket-{ours['Janssens']}"
    screenshot(phone, tmp_path, "mini-app-request.png")
    with phone.expect_download() as receipt:
        phone.click("text=Accusé de réception de la demande (PDF)")
    assert Path(receipt.value.path()).read_bytes().startswith(b"%PDF")
    phone.click("#cancel")
    phone.click("#cancel-yes")
    phone.wait_for_selector("text=La demande " + ours["Janssens"] + " est annulée.")
    assert phone.locator("#cancel").count() == 0 and "Annulée" in phone.inner_text("main")
    phone.click("#back")
    phone.wait_for_selector("tbody tr")


def test_the_export_is_the_chats_and_the_keyboard_opens_a_row(web, filed, phone):  # noqa: F811
    from starlette.testclient import TestClient

    from bot.webapp.server import create_app
    phone.goto(launch_url(web, launch_data(1001)))
    phone.wait_for_selector("tbody tr")
    with phone.expect_download() as download:
        phone.click("#export")
    data = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename.startswith("PO-Y_") and data.startswith("\ufeff".encode())
    fresh = WebOptions(db=web.options.db, bot_token=TOKEN)  # its own pause between two exports
    with TestClient(create_app(fresh)) as client:
        defaults = client.get("/api/me", headers={"Authorization": f"tma {launch_data(1001)}"}).json()["defaults"]
        same = client.get(f"/api/export?capacity={defaults['capacity']}&from={defaults['from']}",
                          headers={"Authorization": f"tma {launch_data(1001)}"})
    assert data == same.content and data.count(b"\r\n") == 6  # the header and the five requests
    # the keyboard alone: focus a row, Enter opens it
    phone.focus("tbody tr:first-child")
    phone.keyboard.press("Enter")
    phone.wait_for_selector("#back")
    assert phone.evaluate("document.activeElement.id") == "back"


def background(page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def test_telegrams_theme_light_and_dark(web, filed, phone, tmp_path):  # noqa: F811
    phone.goto(launch_url(web, launch_data(1001), LIGHT))
    phone.wait_for_selector("tbody tr")
    assert background(phone) == "rgb(255, 255, 255)"
    phone.evaluate(f"window.Telegram.WebView.receiveEvent('theme_changed', {{theme_params: {json.dumps(DARK)}}})")
    assert background(phone) == "rgb(23, 33, 43)"
    assert phone.evaluate("getComputedStyle(document.querySelector('td')).color") == "rgb(245, 245, 245)"
    screenshot(phone, tmp_path, "mini-app-table-dark.png")
    phone.goto("about:blank")
    phone.goto(launch_url(web, launch_data(1001), DARK))
    phone.wait_for_selector("tbody tr")
    assert background(phone) == "rgb(23, 33, 43)"


@pytest.mark.parametrize("case", ["forged", "expired", "none", "stranger"])
def test_forged_or_missing_launch_data_is_refused(web, filed, phone, case):  # noqa: F811
    data = {"forged": launch_data(1001, token="999:NOT-OURS"), "expired": launch_data(1001, age=7200),
            "none": "", "stranger": launch_data(7777)}[case]
    phone.goto(launch_url(web, data) if data else f"http://127.0.0.1:{web.port}/")
    alert = phone.wait_for_selector("[role=alert]")
    assert "ne sait pas qui vous êtes" in alert.inner_text()
    assert phone.locator("table").count() == 0 and "DUPONT" not in phone.content()


def test_the_terminals_one_time_link(web, filed, browser):  # noqa: F811
    enrol(web.options.db, "ada", channel="console", roles=("po-education", "employer"))
    context = browser.new_context(viewport={"width": 1024, "height": 700}, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    link = f"http://127.0.0.1:{web.port}/#local={web.options.local.link(Identity('console', 'ada'))}"
    page.goto(link)
    page.wait_for_selector("tbody tr")
    assert "#local" not in page.url  # not left in the address bar
    page.reload()  # the session lives on in this tab
    page.wait_for_selector("tbody tr")
    assert page.locator("[role=alert]").count() == 0
    other = context.new_page()
    other.goto(link)  # the same link again: spent
    assert "déjà servi" in other.wait_for_selector("[role=alert]").inner_text()
    context.close()

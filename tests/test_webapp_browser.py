"""The Mini App in a real browser (Debian's chromium, driven by Playwright), at a phone's size (360×740: cards) and a
laptop's (1280×800: the table): sorting, filters, dates as the member writes them, search, the chart, one request,
Telegram's buttons and events, downloads, the export, the dark theme, the keyboard, and forged launch data refused.

Screenshots are saved in the test's folder (and in BREAKBOT_SCREENSHOTS when set: the README's come from there)."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlmodel import select

from bot.receipt import receipt_filename
from bot.storage.database import session
from bot.storage.models import LeaveRequest, OutboxMail
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
LAPTOP = {"width": 1280, "height": 800}
LIGHT = {"bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#999999", "link_color": "#2481cc",
         "button_color": "#2481cc", "button_text_color": "#ffffff", "secondary_bg_color": "#f1f1f1"}
DARK = {"bg_color": "#17212b", "text_color": "#f5f5f5", "hint_color": "#708499", "link_color": "#6ab3f3",
        "button_color": "#5288c1", "button_text_color": "#ffffff", "secondary_bg_color": "#232e3c"}


@pytest.fixture
def web(organisations):
    """The Mini App's server on a free port of this machine, as the bot process runs it."""
    sent = []
    options = WebOptions(db=organisations, bot_token=TOKEN, attachments_dir=data_dir(organisations) / "attachments",
                         bot_username="breakbot_test_bot", local=LocalLinks(),
                         send_document=lambda user, name, data: sent.append((user, name, data)))
    server = WebServer(options, "127.0.0.1", 0).start()
    server.sent = sent
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
    page.add_init_script(RECORDER)
    yield page
    context.close()


@pytest.fixture
def laptop(browser):
    context = browser.new_context(viewport=LAPTOP, accept_downloads=True, locale="fr-BE", bypass_csp=True)
    page = context.new_page()
    page.add_init_script(RECORDER)
    yield page
    context.close()


# What the page tells Telegram, as Telegram's Android client receives it (window.TelegramWebviewProxy.postEvent).
RECORDER = ("window.__events = []; window.TelegramWebviewProxy = { postEvent(type, data) { "
            "window.__events.push([type, JSON.parse(data)]); } };")


def events(page, kind: str | None = None) -> list:
    found = page.evaluate("window.__events")
    return [data for name, data in found if name == kind] if kind else [name for name, _ in found]


def launch_url(web, init_data: str, theme: dict = LIGHT, version: str = "8.0", path: str = "/") -> str:
    return (f"http://127.0.0.1:{web.port}{path}#tgWebAppData={quote(init_data, safe='')}&tgWebAppVersion={version}"
            f"&tgWebAppPlatform=android&tgWebAppThemeParams={quote(json.dumps(theme), safe='')}")


def names(page) -> list[str]:
    return page.locator("li.card .name").all_inner_texts()


def count_is(page, n: int, selector: str = "li.card") -> None:
    page.wait_for_function(f"document.querySelectorAll('{selector}').length === {n}")


def fits(page) -> None:
    """Nothing wider than the screen: no scrolling sideways."""
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"), \
        page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")


def screenshot(page, tmp_path: Path, name: str) -> None:
    """The screen as the member sees it, in 128 colours (Pillow comes with fpdf2): each stays under 150 KB."""
    from PIL import Image

    page.screenshot(path=str(tmp_path / name))
    with Image.open(tmp_path / name) as shot:
        shot.convert("RGB").quantize(128, dither=Image.Dither.NONE).save(tmp_path / name, optimize=True)
    if os.environ.get("BREAKBOT_SCREENSHOTS"):
        folder = Path(os.environ["BREAKBOT_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / name, folder / name)
    assert 10_000 < (tmp_path / name).stat().st_size < 150_000


def test_the_cards_on_a_phone(web, filed, phone, tmp_path):  # noqa: F811
    ours, theirs = filed
    phone.goto(launch_url(web, launch_data(1001)))
    phone.wait_for_selector("li.card")
    assert sorted(names(phone)) == ["DUBOIS Marie", "DUPONT Marie", "JANSSENS Marie", "MARTIN Marie",
                                    "PEETERS Marie"]
    assert theirs not in phone.content() and "85.**.**-***.02" in phone.content()
    assert phone.locator("h1").inner_text() == "Écran d'aperçu des demandes"
    assert not phone.is_visible("table")  # the table is for wider screens
    phone.wait_for_selector(".chart rect")
    fits(phone)
    # each card shows the name, the leave and its form, the dates and the status, inside the screen
    card = phone.locator(f"li.card[data-ticket='{ours['Janssens']}']")
    text = card.inner_text()
    assert "JANSSENS Marie" in text and "Congé parental · Interruption complète" in text
    assert "01/09/2025 → 30/09/2025" in text and "En attente d'info du travailleur" in text
    for part in (".name", ".leave", ".dates", ".status", ".ticket"):
        box = card.locator(part).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], part
    assert card.locator(".ticket").evaluate("e => e.getClientRects().length") == 1  # a ticket never wraps
    screenshot(phone, tmp_path, "mini-app-cards.png")

    # sort by name (a select on a phone), then the other way
    phone.select_option("select[name=sort]", "name")
    phone.wait_for_function("(() => { const n = [...document.querySelectorAll('li.card .name')].map(e => e.innerText);"
                            " return n.join() === [...n].sort().join() && n[0].startsWith('DUBOIS'); })()")
    phone.click("#direction")
    phone.wait_for_function("document.querySelector('li.card .name').innerText.startsWith('PEETERS')")

    # a filter (behind "Filtres" on a phone), then a count by status that filters when tapped
    assert not phone.is_visible("select[name=status]")
    phone.click("#filters summary")
    phone.select_option("select[name=status]", "waiting")
    count_is(phone, 2)
    assert sorted(names(phone)) == ["DUBOIS Marie", "JANSSENS Marie"]
    phone.select_option("select[name=status]", "")
    count_is(phone, 5)
    phone.click("button[data-status=accepted]")
    count_is(phone, 2)
    assert sorted(names(phone)) == ["DUPONT Marie", "MARTIN Marie"]
    assert phone.get_attribute("button[data-status=accepted]", "aria-pressed") == "true"
    phone.click("button[data-status=accepted]")
    count_is(phone, 5)

    # dates typed as the member writes them, shown back the same way
    assert phone.get_attribute("input[name=to]", "placeholder") == "jj/mm/aaaa"
    phone.fill("input[name=to]", "31.8.2025")  # before they start
    phone.press("input[name=to]", "Enter")
    phone.wait_for_selector("text=Aucune demande")
    assert phone.input_value("input[name=to]") == "31/08/2025"
    assert phone.is_disabled("#export")  # nothing matches: nothing to export
    assert events(phone, "web_app_setup_main_button")[-1]["is_active"] is False
    phone.fill("input[name=to]", "31/02/2025")
    phone.press("input[name=to]", "Enter")
    assert phone.get_attribute("input[name=to]", "aria-invalid") == "true"
    phone.fill("input[name=to]", "")
    phone.press("input[name=to]", "Enter")
    count_is(phone, 5)
    assert not phone.is_disabled("#export")


@pytest.mark.parametrize("typed, found", [
    ("mart", ["Martin"]), ("Dubois Marie", ["Dubois"]), ("marie dubois", ["Dubois"]), ("Marie D", ["Dubois", "Dupont"]),
    ("85.03.14-12", ["Dupont", "Peeters", "Janssens", "Dubois"]), ("8503141240", ["Peeters"]),
    ("85031412", ["Dupont", "Peeters", "Janssens", "Dubois"]), ("90.11", ["Martin"]),
])
def test_search_on_a_phone(web, filed, phone, typed, found):  # noqa: F811
    ours, _ = filed
    phone.goto(launch_url(web, launch_data(1001)))
    phone.wait_for_selector("li.card")
    phone.fill("input[name=q]", typed)
    count_is(phone, len(found))
    assert sorted(names(phone)) == sorted(f"{name.upper()} Marie" for name in found)
    fits(phone)


def test_search_a_tickets_beginning(web, filed, phone):  # noqa: F811
    ours, _ = filed
    phone.goto(launch_url(web, launch_data(1001)))
    phone.wait_for_selector("li.card")
    ticket = ours["Martin"]
    others = [t for name, t in ours.items() if name != "Martin"]
    length = next(n for n in range(1, 12) if not any(t.replace("-", "")[:n] == ticket.replace("-", "")[:n]
                                                     for t in others))
    beginning = ticket.replace("-", "")[:max(length, 4)]
    for typed in (beginning.lower(), ticket[:len(beginning) + beginning.count("-") + 1].rstrip("-")):
        phone.fill("input[name=q]", typed)
        phone.wait_for_function(f"document.querySelectorAll('li.card').length === 1 && "
                                f"document.querySelector('li.card').dataset.ticket === '{ticket}'")
        phone.fill("input[name=q]", "")
        count_is(phone, 5)


def test_the_table_on_a_laptop(web, filed, laptop, tmp_path):  # noqa: F811
    laptop.goto(launch_url(web, launch_data(1001)))
    laptop.wait_for_selector("tbody tr")
    assert not laptop.is_visible("li.card") and not laptop.is_visible("select[name=sort]")
    laptop.wait_for_selector(".chart rect")
    fits(laptop)
    laptop.click("th button[data-sort=name]")
    laptop.wait_for_function("document.querySelector('th[aria-sort] button')?.dataset.sort === 'name' && "
                             "document.querySelector('tbody tr td').innerText.startsWith('DUBOIS')")
    laptop.click("th button[data-sort=name]")
    laptop.wait_for_function("document.querySelector('tbody tr td').innerText.startsWith('PEETERS')")
    assert laptop.get_attribute("th[aria-sort]", "aria-sort") == "descending"
    # every column in sight, the status first after the name; one line each: nothing wraps, tickets included
    assert laptop.evaluate("document.querySelector('.scroll').scrollWidth <= document.querySelector('.scroll')"
                           ".clientWidth")
    assert laptop.eval_on_selector_all("th button", "b => b.map(e => e.dataset.sort)")[:2] == ["name", "status"]
    assert laptop.eval_on_selector_all("td .ticket", "t => t.every(e => e.getClientRects().length === 1 && "
                                                     "e.getBoundingClientRect().height < 25)")
    laptop.fill("input[name=q]", "janssens")
    laptop.wait_for_function("document.querySelectorAll('tbody tr').length === 1")
    laptop.fill("input[name=q]", "")
    laptop.wait_for_function("document.querySelectorAll('tbody tr').length === 5")
    screenshot(laptop, tmp_path, "mini-app-table-wide.png")


def test_the_chart_counts_the_months(web, filed, phone):  # noqa: F811
    phone.goto(launch_url(web, launch_data(1001)))
    bars = phone.wait_for_selector(".chart svg")
    assert phone.locator(".chart rect").count() == 12
    label = bars.get_attribute("aria-label")
    assert label.startswith("Demandes introduites par mois") and label.endswith(": 5")  # this month: the five
    assert phone.evaluate("document.querySelector('.chart').getBoundingClientRect().right") <= PHONE["width"]


def test_telegrams_buttons_a_direct_link_back_and_a_download(web, filed, phone, tmp_path):  # noqa: F811
    ours, _ = filed
    ticket = ours["Janssens"]
    phone.goto(launch_url(web, launch_data(1001, start_param=f"ticket-{ticket}")))
    phone.wait_for_selector("#back")  # the request at once: its link opened the app
    assert ticket in phone.inner_text("h1")
    told = events(phone)
    assert told[:3] == ["web_app_ready", "web_app_expand", "web_app_setup_swipe_behavior"]
    assert events(phone, "web_app_setup_swipe_behavior") == [{"allow_vertical_swipe": False}]
    assert events(phone, "web_app_setup_back_button")[-1] == {"is_visible": True}
    main = events(phone, "web_app_setup_main_button")[-1]
    # Telegram's light button colour under white words is 4.12:1: the page's own (4.5:1 or more) replaces it
    assert main["is_visible"] and main["text"] == "✏ Modifier" and main["color"] == "#2563eb"
    assert main["text_color"] == "#ffffff"
    screenshot(phone, tmp_path, "mini-app-request.png")

    # the acknowledgement through Telegram's downloader: a link that works without the page's credentials
    phone.click("a[data-kind=receipt]")
    phone.wait_for_function("window.__events.some(([name]) => name === 'web_app_request_file_download')")
    [asked] = events(phone, "web_app_request_file_download")
    assert asked["file_name"] == receipt_filename(ticket, "fr")
    assert asked["url"].startswith(f"http://127.0.0.1:{web.port}/api/download/")
    fetched = phone.request.get(asked["url"])  # no Authorization header, as Telegram fetches it
    assert fetched.ok and fetched.body().startswith(b"%PDF")
    assert "impact" in json.dumps(events(phone, "web_app_trigger_haptic_feedback"))

    # Modify: one tap, into the chat's modification, and the app closes
    phone.evaluate("window.Telegram.WebView.receiveEvent('main_button_pressed')")
    phone.wait_for_function("window.__events.some(([name]) => name === 'web_app_close')")
    assert events(phone, "web_app_open_tg_link") == [{"path_full": f"/breakbot_test_bot?start=modify-{ticket}"}]

    # Telegram's Back: from the request to the list, its own button hidden again
    phone.evaluate("window.Telegram.WebView.receiveEvent('back_button_pressed')")
    phone.wait_for_selector("li.card")
    assert events(phone, "web_app_setup_back_button")[-1] == {"is_visible": False}
    assert events(phone, "web_app_setup_main_button")[-1]["text"] == "⬇ Exporter (CSV)"


def test_a_request_named_in_the_address_and_an_older_telegram(web, filed, phone):  # noqa: F811
    ours, theirs = filed
    ticket = ours["Martin"]
    phone.goto(launch_url(web, launch_data(1001), version="7.2", path=f"/?ticket={ticket}"))
    phone.wait_for_selector("#back")
    assert ticket in phone.inner_text("h1")
    assert events(phone, "web_app_setup_swipe_behavior") == []  # Bot API 7.7 and later only
    phone.click("a[data-kind=receipt]")  # no downloader before Bot API 8.0: the bot sends it into the chat
    phone.wait_for_selector("text=Envoyé dans votre conversation avec l'assistant")
    [(user, name, data)] = web.sent
    assert (user, name) == ("1001", receipt_filename(ticket, "fr")) and data.startswith(b"%PDF")
    assert events(phone, "web_app_request_file_download") == []
    # another organisation's ticket: the list, and the answer of a missing request
    phone.goto(launch_url(web, launch_data(1001, start_param=f"ticket-{theirs}")))
    phone.wait_for_selector("li.card")
    assert phone.inner_text("#notice") == "Cette demande n'existe pas dans votre organisation."
    assert theirs not in phone.content()


def test_one_request_and_its_cancellation(web, filed, phone, tmp_path):  # noqa: F811
    ours, _ = filed
    phone.goto(f"http://127.0.0.1:{web.port}/?ticket={ours['Janssens']}#tgWebAppData="
               f"{quote(launch_data(1001), safe='')}&tgWebAppVersion=8.0")
    phone.wait_for_selector("#back")
    text = phone.inner_text("main")
    assert ours["Janssens"] in text and "JANSSENS Marie" in text and "Historique" in text
    assert "Accusé de réception de la demande (PDF)" in text
    fits(phone)
    # Cancel is drawn as what it is: red on the neutral panel, not the main button's colour (a red that reads: 5.9:1)
    red = phone.evaluate("getComputedStyle(document.querySelector('#cancel')).color")
    assert red == "rgb(179, 38, 30)" and red != phone.evaluate(
        "getComputedStyle(document.querySelector('#modify')).backgroundColor")
    phone.click("#cancel")
    assert phone.evaluate("getComputedStyle(document.querySelector('#cancel-yes')).backgroundColor") == red
    phone.click("#cancel-no")
    assert phone.locator("#cancel-yes").count() == 0
    phone.click("#cancel")
    screenshot(phone, tmp_path, "mini-app-cancel.png")
    phone.click("#cancel-yes")
    phone.wait_for_selector("text=La demande " + ours["Janssens"] + " est annulée.")
    assert phone.locator("#cancel").count() == 0 and "Annulée" in phone.inner_text("main")
    assert {"type": "notification", "notification_type": "success"} in events(phone, "web_app_trigger_haptic_feedback")
    phone.click("#back")
    phone.wait_for_selector("li.card")


def test_the_workers_e_mail_sent_again_from_a_request(web, filed, phone):  # noqa: F811
    ours, _ = filed
    with session(web.options.db) as s:  # a request waiting for the worker, with their address
        request = s.exec(select(LeaveRequest).where(LeaveRequest.ticket == ours["Janssens"])).one()
        request.email = "marie.janssens@example.be"
        s.add(request)
        s.commit()
    web.options.mail_enabled = True
    phone.goto(f"http://127.0.0.1:{web.port}/?ticket={ours['Janssens']}#tgWebAppData="
               f"{quote(launch_data(1001), safe='')}&tgWebAppVersion=8.0")
    phone.wait_for_selector("#mail-worker")
    phone.click("#mail-worker")
    phone.wait_for_selector("text=en route vers le travailleur (marie.janssens@example.be)")
    phone.click("#mail-worker")  # a second tap: refused, said on the screen
    phone.wait_for_selector("text=Patientez quelques minutes")
    fits(phone)
    with session(web.options.db) as s:
        assert [m.recipient for m in s.exec(select(OutboxMail))] == ["marie.janssens@example.be"]
    phone.goto(f"http://127.0.0.1:{web.port}/?ticket={ours['Dupont']}#tgWebAppData="
               f"{quote(launch_data(1001), safe='')}&tgWebAppVersion=8.0")  # decided by ONEM, no address
    phone.wait_for_selector("#back")
    assert phone.locator("#mail-worker").count() == 0


def test_in_a_browser_the_files_are_saved(web, filed, laptop):  # noqa: F811
    ours, _ = filed
    enrol(web.options.db, "ada", channel="console", roles=("po-education", "employer"))
    laptop.goto(f"http://127.0.0.1:{web.port}/#local={web.options.local.link(Identity('console', 'ada'))}")
    laptop.wait_for_selector("tbody tr")
    laptop.click(f"tr[data-ticket='{ours['Dupont']}']")
    with laptop.expect_download() as receipt:
        laptop.click("a[data-kind=receipt]")
    assert Path(receipt.value.path()).read_bytes().startswith(b"%PDF")
    assert laptop.evaluate("window.__events.length") == 0  # not in Telegram: nothing told to it


def test_the_export_is_the_chats_and_the_keyboard_opens_a_row(web, filed, laptop):  # noqa: F811
    from starlette.testclient import TestClient

    from bot.webapp.server import create_app
    enrol(web.options.db, "ada", channel="console", roles=("po-education", "employer"))
    laptop.goto(f"http://127.0.0.1:{web.port}/#local={web.options.local.link(Identity('console', 'ada'))}")
    laptop.wait_for_selector("tbody tr")
    with laptop.expect_download() as download:
        laptop.click("#export")
    data = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename.startswith("PO-Y_") and data.startswith("\ufeff".encode())
    fresh = WebOptions(db=web.options.db, bot_token=TOKEN)  # its own pause between two exports
    with TestClient(create_app(fresh)) as client:
        defaults = client.get("/api/me", headers={"Authorization": f"tma {launch_data(1001)}"}).json()["defaults"]
        same = client.get(f"/api/export?capacity={defaults['capacity']}&from={defaults['from']}",
                          headers={"Authorization": f"tma {launch_data(1001)}"})
    assert data == same.content and data.count(b"\r\n") == 6  # the header and the five requests
    # the keyboard alone: focus a row, Enter opens it
    laptop.focus("tbody tr:first-child")
    laptop.keyboard.press("Enter")
    laptop.wait_for_selector("#back")
    assert laptop.evaluate("document.activeElement.id") == "back"


def test_the_export_in_telegram_goes_through_its_downloader(web, filed, phone):  # noqa: F811
    phone.goto(launch_url(web, launch_data(1001)))
    phone.wait_for_selector("li.card")
    phone.evaluate("window.Telegram.WebView.receiveEvent('main_button_pressed')")
    phone.wait_for_function("window.__events.some(([name]) => name === 'web_app_request_file_download')")
    [asked] = events(phone, "web_app_request_file_download")
    assert asked["file_name"].startswith("PO-Y_") and asked["file_name"].endswith(".csv")
    fetched = phone.request.get(asked["url"])
    assert fetched.ok and fetched.body().count(b"\r\n") == 6


def background(page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def test_telegrams_theme_light_and_dark(web, filed, phone, tmp_path):  # noqa: F811
    phone.goto(launch_url(web, launch_data(1001), LIGHT))
    phone.wait_for_selector("li.card")
    assert background(phone) == "rgb(255, 255, 255)"
    phone.evaluate(f"window.Telegram.WebView.receiveEvent('theme_changed', {{theme_params: {json.dumps(DARK)}}})")
    assert background(phone) == "rgb(23, 33, 43)"
    assert phone.evaluate("getComputedStyle(document.querySelector('li.card')).color") == "rgb(245, 245, 245)"
    assert phone.evaluate("getComputedStyle(document.querySelector('li.card')).backgroundColor") == "rgb(35, 46, 60)"
    phone.wait_for_selector(".chart rect")
    screenshot(phone, tmp_path, "mini-app-cards-dark.png")
    phone.goto("about:blank")
    phone.goto(launch_url(web, launch_data(1001), DARK))
    phone.wait_for_selector("li.card")
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


def test_dates_as_a_german_speaker_writes_them(web, filed, phone):  # noqa: F811
    phone.goto(launch_url(web, launch_data(1001, language="de")))
    phone.wait_for_selector("li.card")
    assert "01.09.2025 → 30.09.2025" in phone.inner_text("li.card")
    phone.click("#filters summary")
    assert phone.get_attribute("input[name=from]", "placeholder") == "TT.MM.JJJJ"
    phone.fill("input[name=from]", "1/10/2025")  # typed in any form, shown back in the member's
    phone.press("input[name=from]", "Enter")
    phone.wait_for_selector("text=Kein Antrag entspricht")
    assert phone.input_value("input[name=from]") == "01.10.2025"
    fits(phone)

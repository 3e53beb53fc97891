"""The Mini App audited with axe-core (WCAG 2.1 A and AA rules) in Debian's chromium: each state (the list, the
filters open, one request, the cancel confirmation), at a phone's size and a laptop's, in the page's own light and
dark schemes and under Telegram's light and dark theme parameters. Any serious or critical violation fails.
Then the keyboard, what a screen reader is told, and Telegram's colours kept or replaced by their contrast.

axe-core comes from the npm registry, pinned by package.json and package-lock.json (scripts/setup.sh runs `npm ci`
when npm is here; .ci/run installs it). Without it the audit is skipped on a developer's machine (the other tests
here run), and fails in CI.
BREAKBOT_AXE_REPORT=<file> appends each state's count of serious and critical violations to that file (JSON lines).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

import pytest

from tests import test_webapp_browser as shown
from tests.conftest import IN_CI
from tests.test_webapp_api import launch_data
from tests.test_webapp_browser import DARK, LAPTOP, LIGHT, PHONE, RECORDER, launch_url, names

# The browser tests' fixtures: the server, one browser for the module, a phone's and a laptop's page.
browser, filed, laptop, phone, web = shown.browser, shown.filed, shown.laptop, shown.phone, shown.web

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
if not AXE.is_file() and IN_CI:
    raise RuntimeError(f"axe-core is missing ({AXE}): scripts/setup.sh installs it with npm ci")
needs_axe = pytest.mark.skipif(not AXE.is_file(), reason="no axe-core (npm ci installs it; test.sh does when npm is "
                               "here); CI fails without it")

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SIZES = {"phone": PHONE, "laptop": LAPTOP}
# The page's own schemes (no theme from Telegram: the browser's light or dark), and Telegram's theme parameters.
SCHEMES = {"page-light": ("light", None), "page-dark": ("dark", None),
           "telegram-light": ("light", LIGHT), "telegram-dark": ("dark", DARK)}


def audit(page) -> list[dict]:
    """The serious and critical violations of the page as it is now: rule, impact and where."""
    found = page.evaluate("""async (tags) => {
        const result = await axe.run(document, { runOnly: { type: "tag", values: tags },
                                                 resultTypes: ["violations"] });
        return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => [n.target.join(" "),
                           n.failureSummary.split("\\n").slice(1).join(" ")]) }));
    }""", TAGS)
    return found


def open_page(browser, web, size: str, scheme: str):
    colours, theme = SCHEMES[scheme]
    context = browser.new_context(viewport=SIZES[size], color_scheme=colours, locale="fr-BE", bypass_csp=True,
                                  **({"device_scale_factor": 2, "is_mobile": True, "has_touch": True}
                                     if size == "phone" else {}))
    page = context.new_page()
    page.add_init_script(RECORDER)
    url = (f"http://127.0.0.1:{web.port}/#tgWebAppData={quote(launch_data(1001), safe='')}&tgWebAppVersion=8.0"
           "&tgWebAppPlatform=android")
    if theme:
        url += f"&tgWebAppThemeParams={quote(json.dumps(theme), safe='')}"
    page.goto(url)
    page.wait_for_selector("li.card" if size == "phone" else "tbody tr")
    page.wait_for_selector(".chart rect")
    page.add_script_tag(path=str(AXE))  # once: the states below are drawn by the page, not loaded
    return context, page


@needs_axe
@pytest.mark.parametrize("scheme", list(SCHEMES))
@pytest.mark.parametrize("size", list(SIZES))
def test_no_serious_violation_in_any_state(web, filed, browser, size, scheme):
    ours, _ = filed
    context, page = open_page(browser, web, size, scheme)
    try:
        found = {}
        page.evaluate("document.querySelector('#filters').open = false")
        page.wait_for_function("!document.querySelector('#filters').open")
        found["list"] = audit(page)
        page.click("#filters summary")
        page.wait_for_selector("select[name=status]", state="visible")
        found["filters"] = audit(page)
        page.click(f"[data-ticket='{ours['Janssens']}']:visible")
        page.wait_for_selector("#cancel")
        found["request"] = audit(page)
        page.click("#cancel")
        page.wait_for_selector("#cancel-yes")
        found["confirmation"] = audit(page)
    finally:
        context.close()
    if os.environ.get("BREAKBOT_AXE_REPORT"):
        with open(os.environ["BREAKBOT_AXE_REPORT"], "a") as report:
            for state, violations in found.items():
                report.write(json.dumps({"size": size, "scheme": scheme, "state": state,
                                         "count": sum(len(v["nodes"]) for v in violations),
                                         "rules": sorted({v["id"] for v in violations})}) + "\n")
    failing = {state: violations for state, violations in found.items() if violations}
    assert not failing, json.dumps(failing, indent=1, ensure_ascii=False)


# --- the keyboard --------------------------------------------------------------------------------------------

def focused(page, attribute: str = "id") -> str | None:
    return page.evaluate(f"document.activeElement.getAttribute('{attribute}')")


def rows(page) -> int:
    return page.evaluate("document.querySelectorAll('tbody tr').length")


def test_the_focus_stays_after_a_sort_a_count_and_a_filter(web, filed, laptop):
    laptop.goto(launch_url(web, launch_data(1001)))
    laptop.wait_for_selector("tbody tr")
    # a sort: the column's button keeps the focus, and says the direction in words
    laptop.focus("th button[data-sort=name]")
    laptop.keyboard.press("Enter")
    laptop.wait_for_function("document.querySelector('th[aria-sort] button')?.dataset.sort === 'name'")
    assert focused(laptop, "data-sort") == "name"
    assert laptop.get_by_role("button", name="Nom, trié par ordre croissant").count() == 1
    laptop.keyboard.press("Enter")
    laptop.wait_for_function("document.querySelector('th[aria-sort]').getAttribute('aria-sort') === 'descending'")
    assert focused(laptop, "data-sort") == "name"
    assert laptop.get_by_role("button", name="Nom, trié par ordre décroissant").count() == 1
    # a count by status: pressed with Space, it keeps the focus, and again to let go
    laptop.focus("button[data-status=accepted]")
    laptop.keyboard.press("Space")
    laptop.wait_for_function("document.querySelectorAll('tbody tr').length === 2")
    assert focused(laptop, "data-status") == "accepted"
    assert laptop.get_attribute("button[data-status=accepted]", "aria-pressed") == "true"
    laptop.keyboard.press("Space")
    laptop.wait_for_function("document.querySelectorAll('tbody tr').length === 5")
    assert focused(laptop, "data-status") == "accepted"
    # a filter's list: the arrow keys go through its choices without applying them; Enter applies the choice
    laptop.focus("select[name=status]")
    laptop.keyboard.press("ArrowDown")
    laptop.keyboard.press("ArrowDown")
    chosen = laptop.input_value("select[name=status]")
    assert chosen != ""
    laptop.wait_for_timeout(600)
    assert rows(laptop) == 5 and focused(laptop, "name") == "status"
    laptop.keyboard.press("Enter")
    laptop.wait_for_function("document.querySelectorAll('tbody tr').length !== 5")
    assert focused(laptop, "name") == "status" and laptop.input_value("select[name=status]") == chosen
    # or leaving it (Tab) applies it
    laptop.keyboard.press("ArrowUp")
    laptop.keyboard.press("ArrowUp")
    laptop.keyboard.press("Tab")
    laptop.wait_for_function("document.querySelectorAll('tbody tr').length === 5")
    assert focused(laptop, "name") == "type"
    # a tap (the mouse) applies at once
    laptop.select_option("select[name=status]", "accepted")
    laptop.wait_for_function("document.querySelectorAll('tbody tr').length === 2")


def test_a_skip_link_then_a_row_opened_with_space_and_back_to_it(web, filed, browser):
    # a laptop's narrow window: the table scrolls sideways, and a focused row does not make it jump
    context = browser.new_context(viewport={"width": 700, "height": 800}, locale="fr-BE", bypass_csp=True)
    page = context.new_page()
    page.add_init_script(RECORDER)
    page.goto(launch_url(web, launch_data(1001)))
    page.wait_for_selector("tbody tr")
    assert page.evaluate("document.querySelector('.scroll').scrollWidth > document.querySelector('.scroll')"
                         ".clientWidth")
    page.keyboard.press("Tab")  # the first Tab: the skip link, shown
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.locator("a.skip").inner_text() == "Aller aux résultats"
    assert page.evaluate("document.activeElement.getBoundingClientRect().top") >= 0
    page.keyboard.press("Enter")
    first = page.get_attribute("tbody tr:first-child", "data-ticket")
    assert focused(page, "data-ticket") == first
    page.keyboard.press("Tab")
    second = page.get_attribute("tbody tr:nth-child(2)", "data-ticket")
    assert focused(page, "data-ticket") == second
    assert page.evaluate("document.querySelector('.scroll').scrollLeft") == 0
    # the focused row shows it: a 3-pixel frame in the link's colour, the panel behind
    assert page.evaluate("getComputedStyle(document.activeElement).outlineWidth") == "3px"
    assert page.evaluate("getComputedStyle(document.activeElement.cells[1]).boxShadow") != "none"
    page.keyboard.press("Space")
    page.wait_for_selector("#back")
    assert second in page.inner_text("h1") and focused(page) == "back"
    page.keyboard.press("Enter")  # Back: the focus on the row it came from
    page.wait_for_selector("tbody tr")
    page.wait_for_function(f"document.activeElement.dataset.ticket === '{second}'")
    page.wait_for_timeout(300)  # the list is drawn again when the server answers: the focus stays
    assert focused(page, "data-ticket") == second
    # Telegram's own Back button does the same
    page.keyboard.press("Enter")
    page.wait_for_selector("#back")
    page.evaluate("window.Telegram.WebView.receiveEvent('back_button_pressed')")
    page.wait_for_function(f"document.activeElement.dataset.ticket === '{second}'")
    context.close()


def test_on_a_phone_the_first_card_is_two_keys_away_and_back_returns_to_it(web, filed, phone):
    phone.goto(launch_url(web, launch_data(1001)))
    phone.wait_for_selector("li.card")
    phone.keyboard.press("Tab")
    phone.keyboard.press("Enter")
    first = phone.get_attribute("li.card:first-child", "data-ticket")
    assert focused(phone, "data-ticket") == first
    assert phone.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    phone.keyboard.press("Enter")
    phone.wait_for_selector("#back")
    phone.keyboard.press("Space")
    phone.wait_for_function(f"document.activeElement.dataset?.ticket === '{first}'")
    assert sorted(names(phone))[0] == "DUBOIS Marie"


def test_the_confirmation_is_a_named_dialog_that_escape_closes(web, filed, phone):
    ours, _ = filed
    phone.goto(launch_url(web, launch_data(1001, start_param=f"ticket-{ours['Janssens']}")))
    phone.wait_for_selector("#cancel")
    phone.focus("#cancel")
    phone.keyboard.press("Enter")
    dialog = phone.get_by_role("alertdialog", name=f"Annuler la demande {ours['Janssens']} ?", exact=False)
    assert dialog.count() == 1 and focused(phone) == "cancel-no"
    phone.keyboard.press("Escape")
    assert dialog.count() == 0 and focused(phone) == "cancel"
    phone.keyboard.press("Enter")
    assert focused(phone) == "cancel-no"
    phone.keyboard.press("Enter")  # "No, keep it": closed, the focus back on Cancel
    assert phone.locator("#cancel-yes").count() == 0 and focused(phone) == "cancel"


# --- screen readers ----------------------------------------------------------------------------------------------

def test_what_a_screen_reader_is_told(web, filed, laptop):
    laptop.goto(launch_url(web, launch_data(1001)))
    laptop.wait_for_selector("tbody tr")
    assert laptop.evaluate("document.documentElement.lang") == "fr"
    assert laptop.inner_text("table caption") == "Écran d'aperçu des demandes"
    # the sorted column's button says its direction (the arrow drawn beside it is not read)
    assert laptop.get_by_role("button", name="Date d'introduction, trié par ordre décroissant").count() == 1
    # one live region: the notice; the rest of the page is not read out on every change
    live = laptop.evaluate("[...document.querySelectorAll('[aria-live], [role=status], [role=alert], [role=log]')]"
                           ".map(e => e.id)")
    assert live == ["notice"]
    laptop.focus("tbody tr:first-child")
    laptop.keyboard.press("Enter")
    laptop.wait_for_selector("#back")
    assert laptop.evaluate("[...document.querySelectorAll('[aria-live], [role=status], [role=alert], [role=log]')]"
                           ".map(e => e.id)") == ["notice"]


@pytest.mark.parametrize("language", ["nl", "de", "en"])
def test_the_page_speaks_the_members_language(web, filed, phone, language):
    phone.goto(launch_url(web, launch_data(1001, language=language)))
    phone.wait_for_selector("li.card")
    assert phone.evaluate("document.documentElement.lang") == language


def test_error_pages_say_their_language(web, filed, browser):
    from bot.webapp.server import _sign
    context = browser.new_context(locale="en-GB", bypass_csp=True)
    page = context.new_page()
    # the page's own refusal (forged launch data), in French: lang="fr", not the page's first "en"
    page.goto(launch_url(web, launch_data(1001, token="999:NOT-OURS")))
    page.wait_for_selector("[role=alert]")
    assert page.evaluate("document.documentElement.lang") == "fr"
    # an expired download link, opened in the browser: a page in the language the link was made in
    for lang, words in (("fr", "a expiré"), ("nl", "verlopen")):
        token = _sign(web.options, {"m": 1, "o": 1, "k": "receipt", "t": "X", "l": lang, "u": 1})
        response = page.goto(f"http://127.0.0.1:{web.port}/api/download/{token}")
        assert response.status == 410
        assert page.evaluate("document.documentElement.lang") == lang
        assert words in page.inner_text("[role=alert]")
        if AXE.is_file():
            page.add_script_tag(path=str(AXE))
            assert audit(page) == []
    context.close()


# --- Telegram's colours, kept where they read, replaced where they do not ----------------------------------------

def roles(page) -> dict:
    return page.evaluate("(() => { const css = getComputedStyle(document.documentElement); return Object.fromEntries("
                         "['--text', '--hint', '--link', '--button', '--button-text', '--danger'].map("
                         "n => [n, css.getPropertyValue(n).trim().toLowerCase()])); })()")


def test_a_telegram_colour_that_does_not_read_is_replaced_by_ours(web, filed, phone):
    readable = {"bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#595959", "link_color": "#0b57d0",
                "button_color": "#0b57d0", "button_text_color": "#ffffff", "secondary_bg_color": "#f4f4f4",
                "destructive_text_color": "#c5221f"}
    phone.goto(launch_url(web, launch_data(1001), readable))
    phone.wait_for_selector("li.card")
    assert roles(phone) == {"--text": "#000000", "--hint": "#595959", "--link": "#0b57d0", "--button": "#0b57d0",
                            "--button-text": "#ffffff", "--danger": "#c5221f"}  # all Telegram's
    # Telegram's light theme: its hint (2.85:1 on white), link (3.65:1 on its panel) and button (4.12:1) are not
    phone.evaluate(f"window.Telegram.WebView.receiveEvent('theme_changed', {{theme_params: {json.dumps(LIGHT)}}})")
    assert roles(phone) == {"--text": "#000000", "--hint": "#5c6470", "--link": "#1d4ed8", "--button": "#2563eb",
                            "--button-text": "#ffffff", "--danger": "#b3261e"}
    # its dark theme: the hint (3.56:1 on its panel) and the button (3.72:1) are replaced by our dark ones
    phone.evaluate(f"window.Telegram.WebView.receiveEvent('theme_changed', {{theme_params: {json.dumps(DARK)}}})")
    assert roles(phone) == {"--text": "#f5f5f5", "--hint": "#9aa8b6", "--link": "#6ab3f3", "--button": "#2f6ea8",
                            "--button-text": "#ffffff", "--danger": "#ff7b72"}
    # a grey background that even ours do not read on: black or white, whichever reads better
    grey = dict(DARK, bg_color="#808080", secondary_bg_color="#808080")
    phone.evaluate(f"window.Telegram.WebView.receiveEvent('theme_changed', {{theme_params: {json.dumps(grey)}}})")
    assert roles(phone)["--hint"] == "#000000" and roles(phone)["--text"] == "#000000"

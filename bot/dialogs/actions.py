"""Every button the features show, declared once: a readable name and its arguments. Each is handled by one
feature's router; several features may show it (the acknowledgement shows "Show the request", handled by the
follow-up). The form runner's own button (`form`) is declared with it, in bot/fsm/forms.py."""
from __future__ import annotations

from bot.core.actions import Number, Text, Word, action
from bot.core.views import Button
from bot.domain.roles import Role
from bot.i18n import LANGUAGES, N_, t
from bot.presentation.filters import FILTERS

TICKET = Text("ticket", 20)  # a ticket as shown or typed (with dashes); the handler checks it

# intake
NEW_REQUEST = action("new")
EXTEND = action("extend", TICKET)  # a new request that continues a leave, from the day after it ends

# one request: consultation, receipt, modification, cancellation, attachments, the worker's e-mail
SHOW_REQUEST = action("request", TICKET)
# A request opened from a list, which its screen leads back to: the latest (/status) or a page of the overview.
LISTS = ("status", "overview")
LISTED_REQUEST = action("request.in", TICKET, Word("list", LISTS), Number("page"))
LATEST = action("status.latest")  # the /status list again
RECEIPT = action("receipt", TICKET)
MODIFY = action("modify", TICKET)
ASK_CANCEL = action("cancel?", TICKET)
CANCEL = action("cancel!", TICKET)
ATTACHMENT = action("attachment", Number("attachment"))
WORKER_MAIL = action("worker.mail", TICKET)  # the e-mail with the worker's next step, sent again

# the overview
PERIODS = ("2y", "1y", "all")
OVERVIEW_START = action("overview")  # the overview as /overview opens it
OVERVIEW_PAGE = action("overview.page", Number("page"))
OVERVIEW_MENU = action("overview.menu", Word("filter", (*FILTERS, "period")))
OVERVIEW_TOGGLE = action("overview.toggle", Word("filter", tuple(FILTERS)),
                         Word("value", tuple({v.value for values in FILTERS.values() for v in values})))
OVERVIEW_PERIOD = action("overview.period", Word("period", PERIODS))
OVERVIEW_DONE = action("overview.done")
OVERVIEW_RESET = action("overview.reset")
OVERVIEW_EXPORT = action("overview.csv")

# members and account
JOIN = action("join")  # accept the invitation of another organisation that the member opened
STAY = action("stay")  # decline it: nothing changes
INVITE_ROLE = action("invite.role", Word("role", tuple(Role)))
INVITE_CREATE = action("invite.create")
INVITATIONS = action("invitations", Number("page"))
CANCEL_INVITATION = action("invitation.cancel", Number("invitation"))
MEMBERS = action("members", Number("page"))
ASK_REVOKE = action("revoke?", Number("member"))
REVOKE = action("revoke!", Number("member"))
LOGOUT = action("logout!")
STAY_LOGGED_IN = action("logout.no")

# schools
BCE = Text("bce", 10)
SCHOOLS = action("schools", Number("page"))
SCHOOL_ADD = action("school.add")
SCHOOL_RENAME = action("school.rename", BCE)
ASK_REMOVE_SCHOOL = action("school.remove?", BCE)
REMOVE_SCHOOL = action("school.remove!", BCE)
CHECK_SCHOOL = action("school.checked", BCE)  # an access manager confirms a school a member typed at the intake

# a spreadsheet of requests: its certification, filing it, leaving it (the file's id and the message's version)
BULK_CERTIFY = action("bulk.certify", Number("batch"), Number("version"))
BULK_FILE = action("bulk.file", Number("batch"), Number("version"))
BULK_DROP = action("bulk.drop", Number("batch"), Number("version"))
BULK_RECEIPTS = action("bulk.receipts", Number("batch"))  # the acknowledgements of a filed file, as one ZIP

# language
LANGUAGE = action("language", Word("language", LANGUAGES))


def request_table_button(webapp_url: str | None, ticket: str) -> list[list[Button]]:
    """The row that opens one request in the table (the Mini App opens it directly), when the table is served."""
    if not webapp_url:
        return []
    return [[Button(t(N_("📊 Open in the table")), "", web_app=f"{webapp_url}{'&' if '?' in webapp_url else '?'}"
                    f"ticket={ticket}")]]


def table_button(webapp_url: str | None) -> list[list[Button]]:
    """The row that opens the overview as a table (the Mini App, a web page Telegram opens), when it is served;
    shown by /overview and /status."""
    return [[Button(t(N_("📊 Open as a table")), "", web_app=webapp_url)]] if webapp_url else []


PAGE = 20  # a page of a list: Telegram shows at most 100 buttons under a message, and a phone far fewer


def paged(items: list, page: int, action) -> tuple[list, int, list]:
    """One page of a long list (members, invitations, schools), its number (past the end: the last), and the
    buttons to move between pages, made of `action`."""
    pages = max(1, -(-len(items) // PAGE))
    page = min(page, pages - 1)
    moves = ([action.button(t(N_("◀ Previous")), page - 1)] if page > 0 else []) + \
        ([action.button(t(N_("Next ▶")), page + 1)] if page + 1 < pages else [])
    return items[page * PAGE:(page + 1) * PAGE], page, [moves] if moves else []

"""What the Mini App says, from the same catalogs as the chat: the page gets UI in the member's language from
/api/me; the API's refusals are said in it too."""
from __future__ import annotations

from bot.i18n import N_

NOT_SIGNED_IN = N_("This page does not know who you are, or your access has ended. Close it and open it again from "
                   "the chat (/overview).")
NOT_ALLOWED = N_("Your roles do not allow this.")
BAD_FILTER = N_("The value of \"{name}\" is not understood. Reset the filters and try again.")
NO_SUCH_REQUEST = N_("There is no such request in your organisation.")
NO_DOCUMENT = N_("This document is not available.")
TOO_LATE = N_("Request {ticket} can no longer be changed: its status is \"{status}\".")
EXPORT_NO_SEARCH = N_("The export follows the filters, not the search box: clear the search, then export.")
LINK_USED = N_("This link was already used or is too old. In the terminal, type /table for a new one.")
BUSY = N_("The assistant is busy right now: nothing was changed. Try again in a moment.")
FAILED = N_("Something went wrong on our side; nothing was changed. Try again in a moment.")
LINK_EXPIRED = N_("This download link has expired. Open the request again and tap the file once more.")
CANNOT_SEND = N_("The assistant cannot send this file into your chat from here.")
SENT = N_("Sent into your chat with the assistant: {name}")
RECEIPT = N_("Acknowledgement of the request (PDF)")
MODIFY_IN_CHAT = N_("Modifying a request is done in the chat: the button takes you back to request {ticket} there.")
MODIFY_IN_TERMINAL = N_("Modifying a request is done in the chat: in the terminal, type /status {ticket} and choose "
                        "Modify.")

# The page's own words, sent to it by /api/me as {key: text}.
UI = {
    "title": N_("Overview of the requests"),
    "search": N_("Search a name, a ticket or a NISS"),
    "status": N_("Status"), "type": N_("Leave"), "form": N_("Form"), "capacity": N_("Capacity"),
    "from": N_("From"), "to": N_("To"),
    "all": N_("Any"),
    "name": N_("Name"), "niss": N_("NISS"), "ticket": N_("Ticket"), "start": N_("Start date"),
    "end": N_("End date"), "filed": N_("Filed on"), "office": N_("ONEM office"),
    "reset": N_("Reset filters"), "export": N_("⬇ Export (CSV)"),
    "previous": N_("◀ Previous"), "next": N_("Next ▶"),
    "page": N_("Page {page} of {pages}"), "found": N_("Requests found: {n}"),
    "none": N_("No request matches these filters. Change or reset them."),
    "loading": N_("Loading…"),
    "back": N_("« Back to the table"),
    "history": N_("History:"), "attestations": N_("Attestations:"), "attachments": N_("Attachments:"),
    "cancel": N_("✖ Cancel the request"),
    "cancel_question": N_("Cancel request {ticket}? ONEM will see it as cancelled; this cannot be undone."),
    "cancel_yes": N_("Yes, cancel it"), "cancel_no": N_("No, keep it"),
    "cancelled": N_("Request {ticket} is cancelled."),
    "modify": N_("✏ Modify"),
    "mail_worker": N_("✉ Send the worker's e-mail again"),
    "sort": N_("Sort by this column"),
    "by_status": N_("By status (tap to filter)"),
    "count": N_("{status}: {n}"),
    "filters": N_("Filters"), "active": N_("Filters changed: {n}"),
    "sort_by": N_("Sort by"), "reverse": N_("Reverse the order"),
    "date_pattern": N_("dd/mm/yyyy"), "bad_date": N_("This date is not understood: type it like {example}."),
    "glance": N_("At a glance"), "per_month": N_("Requests filed per month, last twelve months"),
    "skip": N_("Skip to the results"),
    "sorted_asc": N_("sorted in ascending order"), "sorted_desc": N_("sorted in descending order"),
}

"""The short words users type for filters and statuses (/overview statut=attente, an ONEM import's "wachtend"): one
per value and language, in the catalogs; the English codes are always understood too."""
from __future__ import annotations

import unicodedata

from bot.domain.leaves import Capacity, LeaveType, Regime, Status
from bot.i18n import LANGUAGES, N_, render, t

# The filters' names and values as they are typed (/overview statut=attente), one short word each, in every language;
# the English codes are always understood too.
KEY_WORD = {"type": N_("type"), "form": N_("form"), "status": N_("status"), "capacity": N_("capacity"),
            "from": N_("from"), "to": N_("to"), "ticket": N_("ticket"), "niss": N_("niss"), "name": N_("name")}
RESET_WORD = N_("reset")
VALUE_WORD = {
    LeaveType.CAREER_BREAK: N_("career"), LeaveType.PARENTAL: N_("parental"), LeaveType.MEDICAL: N_("medical"),
    LeaveType.PALLIATIVE: N_("palliative"), LeaveType.CARER: N_("carer"), LeaveType.TIME_CREDIT: N_("timecredit"),
    Regime.FULL: N_("full"), Regime.HALF: "1/2", Regime.THIRD: "1/3", Regime.QUARTER: "1/4", Regime.FIFTH: "1/5",
    Regime.TENTH: "1/10",
    Status.WAITING: N_("waiting"), Status.PROCESSING: N_("processing"), Status.ACCEPTED: N_("accepted"),
    Status.REFUSED: N_("refused"), Status.CANCELLED: N_("cancelled"),
    Capacity.PO: N_("po"), Capacity.OWN: N_("own"),
}


def plain(word: str) -> str:
    """Compared without case nor accents: "Acceptée", "acceptee" and "ACCEPTÉE" are one word."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(ch))


def spellings(word: str, code: str) -> set[str]:
    return {plain(code), plain(word)} | {plain(render(t(word), lang)) for lang in LANGUAGES}


def words_of(text: str) -> tuple[str, ...]:
    """A text's words, compared plainly: "En attente d'info du travailleur" -> ("en", "attente", "d", "info", ...)."""
    return tuple(word for word in "".join(ch if ch.isalnum() or ch == "/" else " " for ch in plain(text)).split())

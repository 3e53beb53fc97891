"""Many requests at once (/bulk): the template in the member's language, the filled file sent back checked row by row
(bot/bulk.py), then the legal notice, the certification and one button that files every ready row in one transaction."""
from __future__ import annotations

import logging

from bot import spreadsheet
from bot.bulk import (
    Checked,
    check,
    digest_of,
    file_batch,
    outcome_lines,
    read,
    result_document,
    template_views,
)
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.views import View
from bot.dialogs.actions import BULK_CERTIFY, BULK_DROP, BULK_FILE, BULK_RECEIPTS
from bot.domain.answers import aware, local_today
from bot.domain.records import BatchStatus
from bot.domain.roles import Permission
from bot.i18n import N_, render, t, tn
from bot.presentation.request_text import CERTIFY, LEGAL_NOTICE, box
from bot.spreadsheet import Unreadable
from bot.storage import batch_store
from bot.usecases import requests as cases

log = logging.getLogger(__name__)
router = Router("bulk")
FILED_SHOWN = 20  # tickets listed in the chat after filing


@router.command("bulk", menu=N_("File many requests from a spreadsheet"),
                help=N_("/bulk: the spreadsheet to file many requests at once; send it back filled in"),
                needs=Permission.FILE)
def bulk(turn: Turn) -> list[View]:
    return template_views(turn)


def _decision_view(batch) -> View:
    """The legal notice, the certification and one button that files every ready row."""
    count = len(batch.ready_lines)
    lines = [t(LEGAL_NOTICE), t(CERTIFY, box=box(batch.certified))]
    rows = [[BULK_CERTIFY.button(t(N_("{box} I certify the data are correct"), box=box(batch.certified)), batch.id,
                                 batch.version)],
            [BULK_FILE.button(tn("✅ File {count} request", "✅ File {count} requests", count, count=count), batch.id,
                              batch.version)],
            [BULK_DROP.button(t(N_("Do not file")), batch.id, batch.version)]]
    return View(lines, rows)


# --- the chat: a spreadsheet sent, the certification, filing ------------------------------------------------------

def _announced(turn: Turn) -> View | None:
    problem = spreadsheet.announced_problem(turn.inp.upload.filename or "", turn.inp.upload.size or 0)
    return View([t(N_("⚠ {error}"), error=problem)]) if problem is not None else None


@router.upload(needs=Permission.FILE, check=_announced, accepts=spreadsheet.is_spreadsheet)
def upload(turn: Turn) -> list[View]:
    sent = turn.inp.upload
    data, filename = sent.data or b"", sent.filename or "requests.csv"
    try:
        sheet = read(filename, data)
        checked = check(turn, sheet)
    except Unreadable as why:
        return [View([t(N_("⚠ {error}"), error=why.message)])]
    digest = digest_of(data)
    before = batch_store.filed_as(turn.session, turn.member.organisation_id, digest)
    if before is not None:  # the same file again: its tickets, nothing filed twice
        tickets = batch_store.tickets_of(turn.session, before)
        return [View([t(N_("This file was filed on {date}: {count} requests, nothing is filed twice. Here it is with "
                           "their tickets."), date=local_today(aware(before.filed_at)), count=len(tickets))],
                     document=result_document(checked, filename, turn.lang, tickets))]
    ready = [row.line for row in checked.ready]
    batch = batch_store.open_batch(turn.session, turn.member, digest, filename, data, ready, turn.now)
    log.info("spreadsheet of %d rows checked for member %s: %d ready", len(checked.rows), turn.member.id, len(ready))
    views = [View(outcome_lines(checked), document=result_document(checked, filename, turn.lang))]
    if ready:
        views.append(_decision_view(batch))
    else:
        views.append(View([t(N_("No row is ready to be filed: correct the rows the file marks, and send it again."))]))
    return views


def _batch(turn: Turn, batch_id: int, version: int, lock: bool = False):
    """The member's file that the button speaks of, if it still waits and the button is its latest."""
    batch = batch_store.batch_of(turn.session, turn.member, batch_id, lock=lock)
    if batch is None or batch.status == BatchStatus.DROPPED:
        return None, View([t(N_("This file is no longer waiting to be filed: send it again to check it."))],
                          replace=True)
    if batch.status == BatchStatus.FILED:
        tickets = batch_store.tickets_of(turn.session, batch)
        return None, View([tn("This file has been filed already: {count} request.",
                              "This file has been filed already: {count} requests.", len(tickets),
                              count=len(tickets))], replace=True)
    if version != batch.version:
        return None, View([t(N_("That button belongs to an earlier message: use the latest one."))])
    return batch, None


@router.action(BULK_CERTIFY, needs=Permission.FILE)
def certify(turn: Turn, batch_id: int, version: int) -> View:
    batch, refusal = _batch(turn, batch_id, version)
    if refusal is not None:
        return refusal
    batch.certified = not batch.certified
    batch.version += 1
    turn.session.add(batch)
    count = len(batch.ready_lines)
    view = _decision_view(batch)
    view.lines.insert(0, tn("{count} request ready to be filed.", "{count} requests ready to be filed.", count,
                            count=count))
    view.replace = True
    return view


@router.action(BULK_DROP, needs=Permission.FILE)
def drop(turn: Turn, batch_id: int, version: int) -> View:
    batch, refusal = _batch(turn, batch_id, version)
    if refusal is not None:
        return refusal
    batch.status, batch.content, batch.version = BatchStatus.DROPPED, None, batch.version + 1
    turn.session.add(batch)
    return View([t(N_("Nothing was filed. Send the file again when it is ready."))], replace=True)


@router.action(BULK_FILE, needs=Permission.FILE, durable=True)
def file(turn: Turn, batch_id: int, version: int) -> list[View]:
    batch, refusal = _batch(turn, batch_id, version, lock=True)
    if refusal is not None:
        return [refusal]
    if not batch.certified:
        view = _decision_view(batch)
        view.lines.insert(0, t(N_("⚠ Tick \"I certify the data are correct\" before you file.")))
        return [view]
    outcome = file_batch(turn, batch)
    if isinstance(outcome, Checked):  # something changed since the check: nothing filed, the new check shown
        return [View([t(N_("Since the check, some rows changed (a request filed meanwhile, a school removed): nothing "
                           "was filed. Here is the file checked again."), ), *outcome_lines(outcome)],
                     document=result_document(outcome, batch.filename, turn.lang)),
                *([_decision_view(batch)] if outcome.ready else [])]
    checked, tickets = outcome
    listed = [t(N_("Line {line}: {worker}, ticket {ticket}"), line=row.line,
                worker=f"{row.answers['last_name'].upper()} {row.answers['first_name'][:1]}.", ticket=tickets[row.line])
              for row in checked.ready[:FILED_SHOWN]]
    lines = [tn("{count} request filed. Each has its ticket, in the file and below; /status shows each one and its "
                "acknowledgement.", "{count} requests filed. Each has its ticket, in the file and below; /status shows "
                "each one and its acknowledgement.", len(tickets), count=len(tickets)), "", *listed]
    if len(tickets) > FILED_SHOWN:
        lines.append(t(N_("… and the others: see the file.")))
    button = [[BULK_RECEIPTS.button(t(N_("📄 Their acknowledgements (ZIP of PDFs)")), batch.id)]]
    return [View(lines, replace=True), View([], button, document=result_document(checked, batch.filename, turn.lang,
                                                                                  tickets))]


@router.action(BULK_RECEIPTS, needs=Permission.FOLLOW)
def receipts(turn: Turn, batch_id: int) -> View:
    """The acknowledgements of every request a file of the member's filed, in one ZIP."""
    batch = batch_store.batch_of(turn.session, turn.member, batch_id)
    if batch is None or batch.status != BatchStatus.FILED:
        return View([t(N_("This file has not been filed: there is no acknowledgement to send."))])
    filed = batch_store.requests_of(turn.session, batch)
    stem = render(t(N_("acknowledgements")), turn.lang)
    document = cases.receipts(turn.session, turn.member, filed, turn.lang, f"{stem}-{batch.filed_at:%Y-%m-%d}.zip")
    return View([tn("The acknowledgement of the {count} request filed from \"{name}\", one PDF each.",
                    "The acknowledgements of the {count} requests filed from \"{name}\", one PDF each.", len(filed),
                    count=len(filed), name=batch.filename)], document=document)



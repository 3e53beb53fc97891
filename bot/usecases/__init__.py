"""What the product does, written once for every channel: the chat, the Mini App, the command line and the
spreadsheet intake call these functions and only word their answers.

Each use case checks the member's permission from the role matrix (bot/domain/roles.py), works in the caller's
transaction (it never commits), writes its audit line (the request's history is the audit line of a filing, a
modification and a status change) and queues its notifications. A refusal is an exception of `common`, which each
channel words in its own way. `requests`: a request's life; `organisations`: membership, invitations and schools.
"""

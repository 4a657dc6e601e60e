"""The privacy mailbox: requests that arrive by e-mail (an input channel of its own, as
paperless-ngx keeps its mail app apart).

Modules, lowest first:

- ``parse``: a raw message into what staff may see (sender, subject, text, HTML sanitised
  with nh3, attachments) and whether it was sent automatically (RFC 3834, lists, bounces).
  Pure: imports nothing of ours but the references' alphabet.
- ``classify``: the request type suggested by the words of a message (nb, da, en). Pure.
- ``fetch``: the rule that reads the folder over IMAP and saves each message exactly once
  (models, crypto); the "test connection" check; the backoff of a failing server.
- ``triage``: what staff do with a saved message (make it a request through
  ``intake.register_request``, attach it, mark it not a request), the automatic attachment of
  replies that carry a reference, the reminders of untouched mail and the purge. It sits
  above ``intake`` in the import contract.
"""

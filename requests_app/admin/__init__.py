"""The staff side: the Django admin, scoped to the organisations a user belongs to.

Changes of status, assignee and due date go through the services (``casework.workflow``),
never a plain field save, so the event log records every one of them and every rule is
checked where the change is made. Importing the modules registers their admins.

Modules: ``base`` (scoping), ``organisations`` (organisations, members, systems, reply
templates), ``records`` (Art. 30), ``requests`` (the queue and a request's page), ``steps``
(the request's own pages: extend, ask, complete, refuse, forward, register), ``outcomes``,
``packages``, ``suppression``, ``outbox``, ``identity`` (eID brokers, verified names),
``setup`` (invitations, the guided page, catalogue, branding, the privacy-policy link and
test request), ``mailbox`` (the privacy mailbox and its triage queue).
"""

from requests_app.admin import (  # noqa: F401
    identity,
    mailbox,
    organisations,
    outbox,
    records,
    requests,
    setup,
    suppression,
)

"""Working a request: the workflow (the only status changes), the checklist of systems, the
conversation with the requester, and reply templates."""

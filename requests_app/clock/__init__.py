"""The legal clock (``legal``: due dates, extension, pause, today in the organisation's time zone)
and the reminders that keep it (``reminders``)."""

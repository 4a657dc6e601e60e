"""A company sets itself up without a developer: invitations by e-mail, the guided page that
creates an organisation, systems from a catalogue, records of processing from templates,
branding, and the text and link for the privacy policy.

Modules: ``invitations`` (who may invite whom, the single-use link), ``organisations``
(creating one from its country's defaults, the privacy-policy snippet), ``catalogue`` (the
services small Nordic companies use), ``record_templates`` (records of processing for the
common purposes), ``branding`` (colour contrast, logo). Each rule is one function with
``actor=``; the admin pages and the staff views call them.
"""

"""Strong identity (GDPR Art. 12(6)) with BankID, MitID and other national electronic
identities, through an OpenID Connect broker. Modules, lowest first: ``methods`` and
``names`` (pure), ``configuration`` (an organisation's broker), ``broker`` (the OpenID
Connect client: Authlib), ``verification`` (what a verification records and does to the
request)."""

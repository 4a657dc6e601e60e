"""Reports for compliance leads: an app without models, reading the requests of
``requests_app``. Modules, lowest first: ``expressions`` (database functions), ``filters``
(who sees which organisations, the page's form), ``querysets`` (the populations counted),
``figures`` (one small class per table), ``charts`` (SVG), ``exports`` (CSV, XLSX, PDF), and
``views``."""

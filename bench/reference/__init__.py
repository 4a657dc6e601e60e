"""A bare Django project, the yardstick of the public benchmark (``bench/scenarios/public.py``).

Same Django, same gunicorn settings as the portal, nothing else: no middleware, no apps, no
templates. Its two views are the fastest a Django page can be: ``hello`` returns a plain
response, ``insert`` writes one row in autocommit. A portal page measured against them in the
same run tells how much of its time is ours rather than the machine's.
"""

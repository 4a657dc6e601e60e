"""Pagination that never counts a whole large table."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

#: Rows counted at most; a queue longer than this shows "10000+" pages' worth.
COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    """Counts at most ``COUNT_CAP + 1`` rows (``SELECT COUNT(*) FROM (… LIMIT n)``), so a
    list page over a million requests costs the same as one over ten thousand. Past the cap
    the last pages are simply not offered; filters narrow the list instead."""

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: COUNT_CAP + 1].count()

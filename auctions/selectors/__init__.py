"""Reads shared by several interfaces, by topic; `selectors.results.event_totals(...)`.

- `catalogue`: the lots and counts the public browses;
- `participants`: applications, admission, who may bid, results notices' recipients;
- `results`: awards, totals, lots with their results, errata, bid logs;
- `breakdowns`: the results dashboard's figures;
- `visibility`: who may see what before the results are public.
"""

from auctions.selectors import breakdowns, catalogue, participants, results, visibility

__all__ = ["breakdowns", "catalogue", "participants", "results", "visibility"]

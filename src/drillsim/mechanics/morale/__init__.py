"""Morale: units break and withdraw past loss thresholds; capture of raid targets and their flight
(docs/mechanics/morale.md)."""

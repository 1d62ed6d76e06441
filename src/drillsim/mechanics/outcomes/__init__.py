"""Outcomes: the scenario's measures of effectiveness, kept up to date during a run and finished at its end
(docs/mechanics/outcomes.md)."""

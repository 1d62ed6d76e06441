"""Orders: phases started by triggers, orders that arrive after command delays, tasks begun and re-aimed at
the side's picture, routes and steering (docs/mechanics/orders.md)."""

from drillsim.mechanics.orders.triggers import Facts, TriggerState

__all__ = ["Facts", "TriggerState"]

"""Movement: speed by terrain class, slope and road, river crossings only at crossings, and the march of
each element along its route (docs/mechanics/movement.md)."""

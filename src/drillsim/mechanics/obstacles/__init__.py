"""Obstacles: minefields and blocks that delay and hurt units crossing them (docs/mechanics/obstacles.md)."""

"""Resupply by carriers: trucks or helicopters on a resupply task load ammunition at a depot, carry it to
the units that ask, hand it over and come back. See docs/mechanics/supply.md."""

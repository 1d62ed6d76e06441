"""Air: strike sorties, aircraft endurance and turnaround (docs/mechanics/air.md)."""

"""Air defence: ground units detect aircraft, engage them within their weapons' envelopes, damage or bring
them down; aircraft that know of a threat ring climb above it or keep out of it.
See docs/mechanics/air-defence.md."""

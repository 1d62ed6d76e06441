"""Interoperability: results out as geographic files and DIS PDUs, orders of battle in from MSDL.

:func:`export_result` writes a result directory's tracks, located events and scenario features in WGS84
longitude/latitude as GeoJSON, KML, CSV or GeoPackage. :func:`replay_dis` sends a recorded replication as
IEEE 1278.1 (DIS version 7) Entity State, Fire and Detonation PDUs over UDP or writes them to a pcap
capture; :class:`DisStream` sends a running simulation's events the same way while it runs
(``drillsim run --dis``). :func:`import_msdl` turns a Military Scenario Definition Language file
(SISO-STD-007-2008) into a drillsim scenario. See docs/interop.md.
"""

from drillsim.interop.dis_replay import DisReplay, DisStream, replay_dis
from drillsim.interop.export import EXPORT_FORMATS, ExportSummary, export_result
from drillsim.interop.orbat import MsdlImport, import_msdl

__all__ = [
    "EXPORT_FORMATS",
    "DisReplay",
    "DisStream",
    "ExportSummary",
    "MsdlImport",
    "export_result",
    "import_msdl",
    "replay_dis",
]

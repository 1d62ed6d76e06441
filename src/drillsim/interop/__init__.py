"""Interoperability: results out as geographic files, orders of battle in from MSDL.

:func:`export_result` writes a result directory's tracks, located events and scenario features in WGS84
longitude/latitude as GeoJSON, KML, CSV or GeoPackage. :func:`import_msdl` turns a Military Scenario
Definition Language file (SISO-STD-007-2008) into a drillsim scenario. See docs/interop.md.
"""

from drillsim.interop.export import EXPORT_FORMATS, ExportSummary, export_result
from drillsim.interop.orbat import MsdlImport, import_msdl

__all__ = ["EXPORT_FORMATS", "ExportSummary", "MsdlImport", "export_result", "import_msdl"]

"""A capture file (libpcap format, microsecond timestamps) of UDP datagrams, written without sending them.

Each datagram is wrapped in synthetic Ethernet II, IPv4 and UDP headers (RFC 791, RFC 768; checksums
computed), from and to ``127.0.0.1``, so that Wireshark and tshark read the file as if the datagrams had
been captured on the wire. The file header is the classic one (magic ``0xa1b2c3d4``, version 2.4, link
type 1, Ethernet), written little-endian as most capture tools do.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

__all__ = ["LOOPBACK", "PcapWriter", "udp_frame"]

LOOPBACK = bytes([127, 0, 0, 1])

_FILE_HEADER = struct.Struct("<IHHiIII")
_RECORD_HEADER = struct.Struct("<IIII")
_ETHERNET = struct.Struct(">6s6sH")
_IPV4 = struct.Struct(">BBHHHBBH4s4s")
_UDP = struct.Struct(">HHHH")
_SNAPLEN = 65535
_LINKTYPE_ETHERNET = 1
_ETHERTYPE_IPV4 = 0x0800
_PROTOCOL_UDP = 17


def _checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071): ones' complement of the ones' complement sum of 16-bit words."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f">{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return int(~total & 0xFFFF)


def udp_frame(payload: bytes, *, port: int, identification: int = 0) -> bytes:
    """``payload`` as one Ethernet frame: IPv4 from and to 127.0.0.1, UDP from and to ``port``."""
    udp_length = _UDP.size + len(payload)
    pseudo = LOOPBACK + LOOPBACK + struct.pack(">BBH", 0, _PROTOCOL_UDP, udp_length)
    udp_sum = _checksum(pseudo + _UDP.pack(port, port, udp_length, 0) + payload) or 0xFFFF
    udp = _UDP.pack(port, port, udp_length, udp_sum) + payload
    total = 20 + len(udp)
    fields = (0x45, 0, total, identification & 0xFFFF, 0x4000, 64, _PROTOCOL_UDP)
    ip_sum = _checksum(_IPV4.pack(*fields, 0, LOOPBACK, LOOPBACK))
    ip = _IPV4.pack(*fields, ip_sum, LOOPBACK, LOOPBACK)
    return _ETHERNET.pack(b"\0" * 6, b"\0" * 6, _ETHERTYPE_IPV4) + ip + udp


class PcapWriter:
    """Writes UDP datagrams to an open binary file, one capture record each."""

    def __init__(self, stream: BinaryIO, *, port: int) -> None:
        self._stream = stream
        self._port = port
        self._count = 0
        stream.write(_FILE_HEADER.pack(0xA1B2C3D4, 2, 4, 0, 0, _SNAPLEN, _LINKTYPE_ETHERNET))

    @property
    def count(self) -> int:
        """Datagrams written so far."""
        return self._count

    def write(self, payload: bytes, *, epoch_s: float) -> None:
        """Add ``payload`` captured at ``epoch_s`` seconds after 1970-01-01T00:00:00Z."""
        frame = udp_frame(payload, port=self._port, identification=self._count)
        micros = round(epoch_s * 1e6)
        seconds, fraction = divmod(micros, 1_000_000)
        self._stream.write(_RECORD_HEADER.pack(seconds, fraction, len(frame), len(frame)))
        self._stream.write(frame)
        self._count += 1

"""Websocket framing of server frames, done once per message instead of once per socket."""

from __future__ import annotations

import struct

FIN_TEXT = 0x81


def text_frame(payload: str) -> bytes:
    """An unmasked, uncompressed, final text frame (RFC 6455 5.2), ready for transport.write.

    Our sockets never negotiate compression (compress=False), so any socket can take it.
    """
    data = payload.encode()
    length = len(data)
    if length < 126:
        header = struct.pack("!BB", FIN_TEXT, length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", FIN_TEXT, 126, length)
    else:
        header = struct.pack("!BBQ", FIN_TEXT, 127, length)
    return header + data

"""Reading the QR codes the gateway hands out: the base64 PNG decoded, its code read by zxing-cpp."""

from __future__ import annotations

import base64

import png
import zxingcpp


def qr_text(base64_png: str) -> str:
    """The text of the one QR code in the image; fails when there is none, or more than one."""
    width, height, rows, info = png.Reader(bytes=base64.b64decode(base64_png, validate=True)).asDirect()
    planes, top = info["planes"], 2 ** info["bitdepth"] - 1
    grey = bytearray()
    for row in rows:
        grey.extend(value * 255 // top for value in row[::planes])  # the first plane of each pixel
    (found,) = zxingcpp.read_barcodes(memoryview(bytes(grey)).cast("B", (height, width)))
    assert found.format == zxingcpp.BarcodeFormat.QRCode
    return str(found.text)

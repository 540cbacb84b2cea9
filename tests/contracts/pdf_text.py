"""Which characters a PDF can show: read from the ToUnicode maps of its embedded fonts
(no PDF library needed)."""

import re
import zlib


def pdf_characters(pdf: bytes) -> set[str]:
    characters = set()
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            data = zlib.decompress(match.group(1))
        except zlib.error:
            continue
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
            for code in re.findall(rb"<[0-9a-fA-F]+>\s*<([0-9a-fA-F]+)>", block):
                text = bytes.fromhex(code.decode()).decode("utf-16-be", errors="ignore")
                characters.update(text)
    return characters

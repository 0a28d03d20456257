"""Hostile and runaway documents, generated: zip bombs in a DOCX (an honest header and a lying
one; `zip_bomb` builds them for any zip-based format), and long narrative text without a
sentence end (TXT and DOCX). Used by the tests and by
bench/hostile.py."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from tests.support.samples import SAMPLES

DOCX = SAMPLES / "000_954316b1df943981.docx"
MB = 2**20
# one paragraph of budget prose with figures and clause marks but no 。 (run on for ever)
PROSE = ("本部门2026年一般公共预算财政拨款支出预算1,234.56万元，比上年增加12.34万元，增长1.01%，"
         "主要用于保障机构正常运转和完成重点工作任务，其中基本支出987.65万元，项目支出246.91万元；")


def docx_parts() -> dict[str, bytes]:
    with zipfile.ZipFile(DOCX) as z:
        return {name: z.read(name) for name in z.namelist()}


def body_split(xml: bytes) -> tuple[bytes, bytes]:
    """The sample's document.xml split where paragraphs can be inserted (before <w:sectPr)."""
    at = xml.rindex(b"<w:sectPr")
    return xml[:at], xml[at:]


def docx_bomb(inflated_mb: int, *, lie: bool = False) -> bytes:
    """The sample DOCX whose word/document.xml inflates to `inflated_mb` MB of valid XML
    (the same paragraph repeated: ~1 MB of zip per GB). `lie`: its headers (local and central)
    declare 1 KB instead, with the CRC of the first KB — zipfile trusts the declared size."""
    head, tail = body_split(docx_parts()["word/document.xml"])
    para = b"<w:p><w:r><w:t>" + PROSE.encode() * 20 + b"</w:t></w:r></w:p>"
    others = {k: v for k, v in docx_parts().items() if k != "word/document.xml"}
    return zip_bomb(others, "word/document.xml", (head, para, tail), inflated_mb, lie=lie)


def zip_bomb(parts: dict[str, bytes], name: str, xml: tuple[bytes, bytes, bytes],
             inflated_mb: int, *, lie: bool = False) -> bytes:
    """A zip of `parts` plus `name`: xml = (head, unit, tail), the unit repeated until the
    entry inflates to exactly `inflated_mb` MB, compressed as a stream (never held whole)."""
    head, unit, tail = xml
    block = unit * (MB // len(unit) + 1)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = [comp.compress(head)]
    crc, produced = zlib.crc32(head), len(head)
    prefix = head
    while produced + len(block) <= inflated_mb * MB:
        data.append(comp.compress(block))
        crc, produced = zlib.crc32(block, crc), produced + len(block)
        if len(prefix) < 1024:
            prefix += block
    tail = b" " * (inflated_mb * MB - produced - len(tail)) + tail  # exactly inflated_mb MB
    data.append(comp.compress(tail) + comp.flush())
    crc, size = zlib.crc32(tail, crc), produced + len(tail)
    deflated = b"".join(data)
    if lie:
        size, crc = 1024, zlib.crc32(prefix[:1024])
    return _zip_with_raw(parts, name, deflated, crc, size)


def _zip_with_raw(parts: dict[str, bytes], name: str, deflated: bytes, crc: int,
                  size: int) -> bytes:
    """A zip of `parts` plus the entry `name` whose deflate data, CRC and size are given as
    they are (written by hand: zipfile would compute them)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for part, data in parts.items():
            z.writestr(part, data)
    z_bytes = out.getvalue()
    eocd = z_bytes.rindex(b"PK\x05\x06")
    cd_size, cd_offset = struct.unpack("<II", z_bytes[eocd + 12 : eocd + 20])
    entries = struct.unpack("<H", z_bytes[eocd + 10 : eocd + 12])[0]
    body, central = z_bytes[:cd_offset], z_bytes[cd_offset : cd_offset + cd_size]
    fname = name.encode()
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(deflated),
                        size, len(fname), 0) + fname
    central_entry = struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc,
                                len(deflated), size, len(fname), 0, 0, 0, 0, 0x20 << 16,
                                len(body)) + fname
    new_cd_offset = len(body) + len(local) + len(deflated)
    new_central = central + central_entry
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, entries + 1, entries + 1,
                      len(new_central), new_cd_offset, 0)
    return body + local + deflated + new_central + end


def zip_of(parts: dict[str, bytes]) -> bytes:
    """A zip (a DOCX, an XLSX) of `parts`, name → bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def grid_span_docx(span: int, rows: int = 2) -> bytes:
    """The sample DOCX with a one-column table whose cells each span `span` columns."""
    parts = docx_parts()
    head, tail = body_split(parts["word/document.xml"])
    row = (b'<w:tr><w:tc><w:tcPr><w:gridSpan w:val="%d"/></w:tcPr>' % span
           + b"<w:p><w:r><w:t>x</w:t></w:r></w:p></w:tc></w:tr>")
    parts["word/document.xml"] = (head + b'<w:tbl><w:tblGrid><w:gridCol w:w="100"/></w:tblGrid>'
                                  + row * rows + b"</w:tbl>" + tail)
    return zip_of(parts)


def many_entries_docx(entries: int) -> bytes:
    """The sample DOCX plus `entries` empty files."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for name, data in docx_parts().items():
            z.writestr(name, data)
        for i in range(entries):
            z.writestr(f"customXml/x{i}.bin", b"")
    return out.getvalue()


def run_on_text(kb: int) -> str:
    """`kb` KB (UTF-8) of narrative prose without a single 。, one paragraph per line."""
    line = PROSE * 4
    n = kb * 1024 // len(line.encode()) + 1
    return "一、部门预算情况说明\n" + "\n".join(line for _ in range(n)) + "\n"


def run_on_docx(kb: int) -> bytes:
    """The sample DOCX with its body replaced by ~`kb` KB of text in paragraphs, no 。."""
    parts = docx_parts()
    head, tail = body_split(parts["word/document.xml"])
    head = head[: head.index(b"<w:body>") + len(b"<w:body>")]
    paras = b"".join(b"<w:p><w:r><w:t>" + line.encode() + b"</w:t></w:r></w:p>"
                     for line in run_on_text(kb).splitlines())
    parts["word/document.xml"] = head + paras + tail
    return zip_of(parts)

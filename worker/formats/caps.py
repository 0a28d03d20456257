"""How much a document may make us read: caps that turn a hostile or runaway file into a
rejection with a reason (DocumentRejected, data: failed once, never retried) instead of a worker
tied up for minutes or gigabytes of memory.

A zip-based document (DOCX) is checked from its directory before anything is inflated: the
entry count (from the end-of-central-directory record, before the directory itself is parsed,
then from the parsed directory), the total its entries say they inflate to, and each XML part's
size (python-docx holds ~20× an XML part in memory). Then `defuse_zip` inflates every entry as a
stream cut at the size its header declares — a lying header (a few KB declared, a gigabyte of
deflate data) inflates at most one byte more, and is rejected as a corrupt or hostile zip —
into an uncompressed copy, which is what the reader opens: it never inflates anything itself.
Text (TXT, DOCX, workbooks) is capped in characters, a workbook in cells: an XLSX's are counted
in its (stored, uncompressed) sheet XML before openpyxl builds an object per cell.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
import zlib
from dataclasses import dataclass

from worker.errors import DocumentRejected
from worker.settings import Settings

MB = 2**20
_CHUNK = MB  # inflate this much at a time
_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
_XML = (".xml", ".rels")


@dataclass(frozen=True, slots=True)
class Caps:
    unzipped_mb: float  # all entries of a zip-based document, inflated
    zip_entries: int
    xml_mb: float  # one XML part, inflated
    text_chars: int  # the text of a TXT, DOCX or workbook
    cells: int  # a workbook's cells (XLSX, XLS), and one sheet's filled rows × columns

    @classmethod
    def from_settings(cls, settings: Settings) -> Caps:
        return cls(settings.max_unzipped_mb, settings.max_zip_entries, settings.max_xml_mb,
                   settings.max_text_chars, settings.max_cells)

    @classmethod
    def defaults(cls) -> Caps:
        return cls(*(Settings.default(name) for name in (
            "max_unzipped_mb", "max_zip_entries", "max_xml_mb", "max_text_chars", "max_cells")))


def check_text(chars: int, caps: Caps) -> None:
    if chars > caps.text_chars:
        raise DocumentRejected(
            f"文本过长：超过 {caps.text_chars:,} 字符的上限 (text longer than the limit of "
            f"{caps.text_chars:,} characters, BUDGETLENS_MAX_TEXT_CHARS)")


def check_cells(cells: int, caps: Caps, what: str) -> None:
    """`what`: 工作簿 / 工作表 «name», the thing that holds `cells`."""
    if cells > caps.cells:
        raise DocumentRejected(
            f"{what}单元格过多：{cells:,} 个，上限 {caps.cells:,} ({cells:,} cells, above the "
            f"limit of {caps.cells:,}, BUDGETLENS_MAX_CELLS)")


_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")


def xlsx_cells(z: zipfile.ZipFile) -> int:
    """The cells an XLSX's worksheets hold, counted as `<c …>` elements in their XML (~0.2 s
    for a 40 MB part of 2.2M cells): `z` is the defused, uncompressed copy, so reading it inflates nothing."""
    sheets = (i for i in z.infolist() if i.filename.startswith("xl/worksheets/")
              and i.filename.endswith(".xml"))
    return sum(_cells_in(z.read(i)) for i in sheets)


def _cells_in(xml: bytes) -> int:
    if b"<worksheet" in xml[:4096]:  # unprefixed, as Excel, WPS and openpyxl write it: 4× faster
        return sum(xml.count(tag) for tag in (b"<c ", b"<c>", b"<c/>"))
    return sum(1 for _ in _CELL_TAG.finditer(xml))  # a namespace prefix: <x:c …>


def defuse_zip(data: bytes, caps: Caps, kind: str) -> bytes:
    """The zip `data` re-packed uncompressed (ZIP_STORED) after the checks of the module
    docstring: reading it inflates nothing. Raises DocumentRejected naming `kind` (DOCX)."""
    _check_count(_declared_entries(data), caps, kind)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            _check_count(len(z.infolist()), caps, kind)  # the end record may lie
            # one entry per name, the last one as zipfile reads it
            infos = {i.filename: i for i in z.infolist() if not i.is_dir()}
            _check_sizes(list(infos.values()), caps, kind)
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
                for info in infos.values():
                    _copy(z, info, dst, kind)
    except (zipfile.BadZipFile, EOFError, zlib.error, ValueError) as exc:
        raise DocumentRejected(f"损坏的 {kind} 文件 (corrupt {kind}: {exc})") from exc
    except (RuntimeError, NotImplementedError) as exc:  # encrypted, unknown compression
        raise DocumentRejected(f"无法读取的 {kind} 文件 (unreadable {kind}: {exc})") from exc
    return out.getvalue()


def _copy(z: zipfile.ZipFile, info: zipfile.ZipInfo, dst: zipfile.ZipFile, kind: str) -> None:
    """The entry, at most its declared size, inflated a chunk at a time into `dst`; deflate data
    past the declared size is never inflated, but its first byte is asked for, so that a header
    that lies (a few KB declared, a gigabyte of deflate data) is rejected as such rather than
    handing the reader a cut-off part."""
    probe = copy.copy(info)
    probe.file_size += 1  # zipfile yields at most this: one byte past the declared size
    del probe.CRC  # checked here, of the declared bytes (zipfile would check all it yields)
    left, crc = info.file_size, 0
    with z.open(probe) as src, dst.open(zipfile.ZipInfo(info.filename), "w") as out:
        while left > 0 and (chunk := src.read(min(_CHUNK, left))):
            out.write(chunk)
            crc, left = zlib.crc32(chunk, crc), left - len(chunk)
        past = src.read(1)
    if past:
        raise DocumentRejected(
            f"{kind} 中的 {info.filename} 解压后超过压缩包头声明的 {info.file_size:,} 字节："
            f"损坏或恶意构造的压缩包 ({info.filename} inflates past the {info.file_size:,} bytes "
            f"its zip header declares: a corrupt or hostile zip)")
    if left:
        raise zipfile.BadZipFile(f"{info.filename} inflates to {info.file_size - left:,} of the "
                                 f"{info.file_size:,} bytes its header declares")
    if crc != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")


def _check_count(entries: int | None, caps: Caps, kind: str) -> None:
    if entries is not None and entries > caps.zip_entries:
        raise DocumentRejected(
            f"{kind} 压缩包条目过多：{entries:,} 个，上限 {caps.zip_entries:,} (the zip holds "
            f"{entries:,} entries, above the limit of {caps.zip_entries:,}, "
            "BUDGETLENS_MAX_ZIP_ENTRIES)")


def _check_sizes(infos: list[zipfile.ZipInfo], caps: Caps, kind: str) -> None:
    for info in infos:
        if info.filename.lower().endswith(_XML) and info.file_size > caps.xml_mb * MB:
            raise DocumentRejected(
                f"{kind} 中的 {info.filename} 解压后 {info.file_size / MB:,.0f} MB，超过 XML 上限 "
                f"{caps.xml_mb:g} MB ({info.filename} inflates to {info.file_size / MB:,.0f} MB, "
                f"above the limit of {caps.xml_mb:g} MB for one XML part, BUDGETLENS_MAX_XML_MB)")
    total = sum(i.file_size for i in infos)
    if total > caps.unzipped_mb * MB:
        raise DocumentRejected(
            f"{kind} 解压后 {total / MB:,.0f} MB，超过上限 {caps.unzipped_mb:g} MB (the zip "
            f"inflates to {total / MB:,.0f} MB, above the limit of {caps.unzipped_mb:g} MB, "
            "BUDGETLENS_MAX_UNZIPPED_MB)")


def _declared_entries(data: bytes) -> int | None:
    """The entry count the end-of-central-directory record declares (ZIP64 too), read before
    zipfile builds an object per entry; None when there is no such record (zipfile says why)."""
    at = data.rfind(_EOCD, max(0, len(data) - _EOCD_SIZE - 0xFFFF))
    if at < 0 or len(data) < at + _EOCD_SIZE:
        return None
    total = int.from_bytes(data[at + 10 : at + 12], "little")
    loc = at - 20
    if total != 0xFFFF or loc < 0 or data[loc : loc + 4] != _ZIP64_LOCATOR:
        return total
    rec = int.from_bytes(data[loc + 8 : loc + 16], "little")
    if data[rec : rec + 4] != _ZIP64_EOCD:
        return None
    return int.from_bytes(data[rec + 32 : rec + 40], "little")

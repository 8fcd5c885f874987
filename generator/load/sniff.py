"""What a file holds when it is not what its extension says, for the reader's message.

One reading for every reader (xlsx_book, docx_doc, pdf_doc): a clerk who saved a web page
as .xlsx, or renamed a Word file to .pdf, is told what the file really is.
"""

from __future__ import annotations

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # compound document: .xls, .doc, encrypted .xlsx
_NOT_THE_FORMAT = {"xlsx": "文件内容不是 Excel 格式", "docx": "文件内容不是 Word 格式",
                   "pdf": "文件内容不是 PDF 格式"}


def content_kind(data: bytes, expected: str) -> str:
    """What ``data`` looks like, said for a file that should be ``expected``
    ("xlsx", "docx" or "pdf") and is not."""
    head = data[:4096]
    low = head.lower()
    if expected != "pdf" and data.startswith(b"%PDF"):
        return "文件内容是 PDF 文档"
    if expected == "pdf" and data.startswith(b"PK"):
        return "文件内容是压缩包（可能是 Word 文档或工作簿，请改用正确的扩展名）"
    if expected != "xlsx" and data.startswith(OLE_MAGIC):
        return ("这是旧版 Word（.doc）文件或设置了打开密码的文档" if expected == "docx"
                else "文件内容是旧版 Word/Excel 文件")
    if expected == "xlsx":
        if data.startswith((b"<html", b"<!DOCTYPE", b"<?xml")) or b"<table" in low:
            return "文件内容是网页或 XML 文本（可能是从网站导出的“假 xlsx”）"
    elif b"<html" in low or b"<!doctype" in low:
        return "文件内容是网页，请把扩展名改为 .html"
    if not data.strip():
        return "文件是空的"
    if b"\x00" not in head:
        return "文件内容是纯文本"
    return _NOT_THE_FORMAT[expected]

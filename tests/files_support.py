"""Files of every kind the upload accepts and refuses, made in code, and datasets holding
them (tests/test_files.py, test_downloads.py, test_manifest.py)."""

from __future__ import annotations

import io
import zipfile

from flask.testing import FlaskClient
from rdflib import Literal, URIRef

from repository import Repository
from repository.files.deposit import FilePlaces
from repository.files.distributions import add_file
from repository.files.intake import take_in
from tests.oai_support import dataset
from vocab.namespaces import DCAT, VCARD

ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"
MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
 manifest:version="1.2"><manifest:file-entry manifest:full-path="/"
 manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry
 manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"""


def text_pdf(text: str = "Taiwan national language resources: a report of the corpus.") -> bytes:
    """A one-page PDF whose page shows ``text`` (ASCII) in Helvetica, with a correct xref."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


def scanned_pdf() -> bytes:
    """A one-page PDF with nothing to extract (as a scan without OCR is)."""
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ])


def _pdf(objects: list[bytes]) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def odt(text: str = "臺灣客語的廣播逐字稿", *, extra: dict[str, bytes] | None = None,
        mimetype: str = ODT_MIMETYPE) -> bytes:
    """An ODF text package (``mimetype`` first and stored, as ODF requires) whose body is
    ``text``; ``extra`` adds entries (macros, a bomb)."""
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:text><text:p>{text}</text:p></office:text></office:body>'
               '</office:document-content>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        package.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        package.writestr("META-INF/manifest.xml", MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        for name, data in (extra or {}).items():
            package.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


MACRO = (b'<?xml version="1.0" encoding="UTF-8"?><script:module '
         b'xmlns:script="http://openoffice.org/2000/script" script:name="Module1" '
         b'script:language="StarBasic">Sub Main\nShell("calc")\nEnd Sub</script:module>')

CSV_ROWS = "地名,語言,筆數\n臺北,臺灣台語,12\n苗栗,客語,7\n花蓮,阿美語,3\n"
XML_TEXT = ('<?xml version="1.0" encoding="UTF-8"?><entries><entry lang="nan">'
            'Tâi-gí</entry><entry lang="hak">客語</entry></entries>')
JSON_TEXT = '{"entries": [{"lang": "nan", "name": "臺灣台語"}, {"lang": "hak", "name": "客語"}]}'
#: An executable's first bytes (MZ header and its zero padding).
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(240)


def with_files(repo: Repository, local_id: str, files: dict[str, bytes], **options):
    """The dataset ``local_id`` with ``files`` added (stored in the home's file store, their
    text kept)."""
    record = dataset(repo, local_id, f"語料 {local_id}", **options)
    places = FilePlaces.of(repo.config)
    subject = repo.ids.resource(local_id)
    contact = URIRef(f"{subject}#contact")
    record.graph.add((subject, DCAT.contactPoint, contact))
    record.graph.add((contact, VCARD.fn, Literal("語料窗口", lang="zh-Hant-TW")))
    record.graph.add((contact, VCARD.hasEmail, URIRef("mailto:corpus@example.org")))
    for name, data in files.items():
        add_file(record.graph, subject, repo.ids.base, local_id,
                 take_in(places.store, [data], name, texts=places.texts))
    return record


def get(client: FlaskClient, path: str, **headers: str):
    """The response to GET ``path``, read whole and closed (the file it streamed with it)."""
    response = client.get(path, headers=headers)
    response.get_data()
    response.close()
    return response

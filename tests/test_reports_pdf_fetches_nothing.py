"""The annual report's PDF fetches nothing: WeasyPrint may open only ``data:`` URLs, like the
access package's cover, so a ``file:`` URL cannot put a server file into the PDF and an
``http:`` URL cannot make the server call another host.

The template is replaced by one with such URLs (a second template directory, searched first);
the page and the PDF are otherwise the real ones.
"""

from __future__ import annotations

import base64
import http.server
import io
import threading

import pytest
from pypdf import PdfReader

# A 1×1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def _images(pdf: bytes) -> int:
    count = 0
    for page in PdfReader(io.BytesIO(pdf)).pages:
        xobjects = page.get("/Resources", {}).get("/XObject", {})
        count += sum(1 for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image")
    return count


@pytest.fixture
def http_server():
    """A server on 127.0.0.1 that serves the PNG and counts the requests it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


@pytest.fixture
def annual_template(settings, tmp_path):
    """Makes ``reports/reports_annual.html`` the given HTML for this test."""

    def _use(html: str):
        (tmp_path / "reports").mkdir(exist_ok=True)
        (tmp_path / "reports" / "reports_annual.html").write_text(html)
        settings.TEMPLATES = [{**settings.TEMPLATES[0],
                               "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]

    return _use


def _annual_pdf(admin_client) -> bytes:
    response = admin_client.get("/staff/reports/annual.pdf", {"year": "2024"})
    assert response.status_code == 200, response.content[:500]
    return response.content


def test_a_data_url_image_is_drawn(admin_client, org_no, annual_template):
    """The control: the counting below sees an image when one is allowed."""
    annual_template(f'<p>x</p><img src="data:image/png;base64,{base64.b64encode(PNG).decode()}">')

    assert _images(_annual_pdf(admin_client)) == 1


def test_a_file_url_in_the_html_is_not_fetched(admin_client, org_no, annual_template, tmp_path):
    secret = tmp_path / "server-secret.png"
    secret.write_bytes(PNG)
    annual_template(f'<p>x</p><img src="{secret.as_uri()}">'
                    f'<link rel="stylesheet" href="{secret.as_uri()}">')

    assert _images(_annual_pdf(admin_client)) == 0


def test_an_http_url_in_the_html_is_not_fetched(admin_client, org_no, annual_template,
                                                http_server):
    base, hits = http_server
    annual_template(f'<p>x</p><img src="{base}/pixel.png">'
                    f'<link rel="stylesheet" href="{base}/style.css">'
                    '<img src="/relative.png">')

    assert _images(_annual_pdf(admin_client)) == 0
    assert hits == []

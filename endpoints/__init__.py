"""The web faces of the repository, one Flask blueprint each (see docs/architecture.md)."""

from pathlib import Path

#: The stylesheet and scripts of the pages, served by Flask's static route (``/static/…``):
#: the Content-Security-Policy allows no inline style or script.
STATIC_FOLDER = Path(__file__).resolve().parent / "static"

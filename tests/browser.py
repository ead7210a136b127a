"""Headless Chromium for the report tests, and a reader of the report's DOM (sections, figures)."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


def chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    """Run Chromium headless on a local file with a throw-away profile."""
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )


def dump_dom(page: Path, profile: Path) -> str:
    """The DOM as Chromium built it from the page (what a reader's browser shows)."""
    return chromium(page, profile, "--dump-dom").stdout


def print_pdf(page: Path, profile: Path, pdf: Path) -> int:
    """Print the page as the print CSS lays it out; returns the number of pages."""
    chromium(page, profile, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))


@dataclass
class ReportDom:
    sections: dict[str, str] = field(default_factory=dict)  # id -> h2 text
    metrics: dict[str, str] = field(default_factory=dict)  # data-metric -> text
    dates: dict[str, str] = field(default_factory=dict)  # data-date -> text
    date_labels: list[str] = field(default_factory=list)  # data-date in page order, repeats kept
    missing: list[str] = field(default_factory=list)  # tables said to be not yet published
    svgs: dict[str, int] = field(default_factory=dict)  # section id -> number of charts
    texts: dict[str, str] = field(default_factory=dict)  # section id -> its whole text


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.dom = ReportDom()
        self.section: str | None = None
        self.capture: list[tuple[str, str, int]] = []  # (kind, key, depth) being read
        self.buffers: dict[tuple[str, str], list[str]] = {}
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.depth += 1
        if tag == "section":
            self.section = a.get("id")
            self.dom.svgs[self.section] = 0
            self.dom.texts[self.section] = ""
        if tag == "svg" and self.section:
            self.dom.svgs[self.section] += 1
        if tag == "h2" and self.section:
            self._start("h2", self.section)
        if "data-metric" in a:
            self._start("metric", a["data-metric"])
        if "data-date" in a:
            self._start("date", a["data-date"])
            self.dom.date_labels.append(a["data-date"])
        if "data-missing" in a:
            self.dom.missing.append(a["data-missing"])

    def _start(self, kind: str, key: str) -> None:
        self.capture.append((kind, key, self.depth))
        self.buffers[(kind, key)] = []

    def handle_endtag(self, tag):
        if tag == "section":
            self.section = None
        while self.capture and self.capture[-1][2] >= self.depth:
            kind, key, _ = self.capture.pop()
            text = " ".join("".join(self.buffers.pop((kind, key))).split())
            target = {"h2": self.dom.sections, "metric": self.dom.metrics, "date": self.dom.dates}
            target[kind][key] = text
        self.depth -= 1

    def handle_data(self, data):
        for kind, key, _ in self.capture:
            self.buffers[(kind, key)].append(data)
        if self.section:
            self.dom.texts[self.section] += data


def read_report(html: str) -> ReportDom:
    reader = _Reader()
    reader.feed(html)
    return reader.dom


def plain(text: str) -> str:
    """No-break spaces as plain spaces, for comparing with expected strings."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")

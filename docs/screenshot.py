"""Take the README screenshot of a running portal: ``docs/screenshot-portal.png`` (1280×900).

Usage (with the demo data loaded and a server running, see docs/developers/frontend.md)::

    RATHAUS_DATA_DIR=/tmp/shot rathaus migrate && RATHAUS_DATA_DIR=/tmp/shot rathaus loaddemo
    RATHAUS_DATA_DIR=/tmp/shot rathaus runserver 127.0.0.1:8055 &
    python docs/screenshot.py http://127.0.0.1:8055/

Uses the system Chromium (Debian package ``chromium``), never a browser downloaded by Playwright.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent / "screenshot-portal.png"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default="http://127.0.0.1:8055/")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    args = parser.parse_args(argv)

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 1
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": args.height}, locale="de-DE")
        response = page.goto(args.url, wait_until="networkidle")
        if response is None or not response.ok:
            print(f"{args.url} answered {response.status if response else 'nothing'}", file=sys.stderr)
            return 1
        page.evaluate("document.fonts.ready")
        page.screenshot(path=str(args.out))
        browser.close()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

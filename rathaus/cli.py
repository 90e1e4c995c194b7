"""The ``rathaus`` console command: Django's management commands plus ``serve``.

rathaus migrate | rathaus loaddemo | rathaus serve [addr:port] | rathaus <any manage.py command>
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rathaus.settings.embedded")
    args = list(sys.argv if argv is None else ["rathaus", *argv])
    if len(args) > 1 and args[1] == "serve":
        args = [args[0], "serve_rathaus", *args[2:]]
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()

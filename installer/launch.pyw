"""Start menu and file-type launcher of the installed program (run by Python\\pythonw.exe).

The packages are in ..\\pkgs (the embeddable Python's ._pth file names that folder).
A double-clicked .icsync or .icack opens the program's window; the package itself is then
loaded from «Обмен с региональным центром».
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "pkgs"))

from app.cli import main  # noqa: E402

EXCHANGE_SUFFIXES = (".icsync", ".icack")

if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) == 1 and args[0].lower().endswith(EXCHANGE_SUFFIXES):
        args = []
    sys.exit(main(args))

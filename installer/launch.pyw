"""Start menu and file-type launcher of the installed program (run by Python\\pythonw.exe).

The packages are in ..\\pkgs (the embeddable Python's ._pth file names that folder).
A double-clicked .icsync or .icack opens the program's window with that file loaded in
«Обмен с региональным центром» (``ic FILE.icsync``, app/cli.py).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "pkgs"))

from app.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The web chat from a checkout: ``python app.py [--port N ...]`` is ``qa serve [--port N ...]`` (see qa/web)."""

import sys

from qa.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))

"""What the chapter's scripts share. Importing this package loads nothing heavy.

A script's first line imports it, so a Ctrl-C is one line from here on (common/signals.py), not
a traceback from the middle of the script's first imports. Before the handler is set, Python is
starting, or importing the signal module the handler needs."""
import signal  # first: the handler needs it (and it imports enum, functools, collections: milliseconds)
import os
import sys

if os.path.dirname(os.path.abspath(sys.argv[0])) == os.path.dirname(os.path.dirname(os.path.abspath(__file__))):
    from common.signals import stop_quietly_on_signals

    stop_quietly_on_signals()
del signal

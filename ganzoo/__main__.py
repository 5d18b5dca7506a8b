"""``python -m ganzoo`` is the ``ganzoo`` command (``torchrun -m ganzoo`` needs it)."""

from ganzoo.cli import main

if __name__ == "__main__":
    main()

"""``python -m skvideo_clf.cli``: the ``skvideo-clf`` command."""

import sys

from . import main

sys.exit(main())

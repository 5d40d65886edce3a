"""``demo``: ``compare --protocol demo`` on the embedded synthetic set.

The ``demo`` protocol file (``skvideo_clf/protocols/builtin/demo.toml``) holds the rows (the
CNN-ResBiLSTM paper's Table I, then three baselines of the hybrid framework's Table 2), the
paper's numbers, CNN-LSTM as the baseline, its sizes and its data set; compare runs it,
prints its table and writes its report, as for any protocol.
"""

from __future__ import annotations

from ._compare import cmd_compare


def cmd_demo(args):
    args.protocol, args.config, args.data_dir, args.split_dir = "demo", None, None, None
    args.rows_flag = "--models"
    return cmd_compare(args)

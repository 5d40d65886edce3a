"""``demo``: ``compare --protocol demo`` on the embedded synthetic set.

The ``demo`` protocol (:data:`~skvideo_clf.protocols.PROTOCOLS`) holds the rows (seed 000's
Table I, then seed 004's baselines), seed 000's Table I as the paper's numbers, CNN-LSTM as
the baseline, its configurations (:func:`~skvideo_clf.protocols.demo_config`) and its data
(:func:`~skvideo_clf.protocols.demo_dataset`); compare runs it, prints its table and writes
its report, as for any protocol.
"""

from __future__ import annotations

from ._compare import cmd_compare


def cmd_demo(args):
    args.protocol, args.config, args.data_dir, args.split_dir = "demo", None, None, None
    args.rows_flag = "--models"
    return cmd_compare(args)

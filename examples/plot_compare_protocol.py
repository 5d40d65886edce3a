"""
One command, one paper's comparison: ``skvideo-clf compare``
============================================================

``skvideo-clf compare DATA_DIR --protocol NAME`` runs the rows of a paper's table on a
class-folder dataset, every row on the same group-aware folds, with one shared frame cache,
and prints each row's scores, the paper's numbers and a paired comparison with the
baseline row. Here: two rows of the CNN-ResBiLSTM paper's Table I (CNN-LSTM, and CNN-LSTM with
class
weighting) on a few synthetic imbalanced videos written to disk, with the bootstrapping CNN paper's
hand-made colour histograms instead of InceptionV3 so that it runs in seconds.
"""

# %%
# A class-folder dataset: ``root/<class>/v_<class>_gYY_cZZ.avi``, imbalanced 8 / 4 / 3.
import tempfile
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt

from skvideo_clf.cli import main
from skvideo_clf.datasets import make_video_classification

tmp = Path(tempfile.mkdtemp())
make_video_classification([8, 4, 3], n_frames=8, frame_size=(32, 32), clips_per_group=1,
                          output_dir=tmp / "videos", random_state=0)

# %%
# The comparison. Rerunning the same command would reuse every finished (row, fold) in
# the report folder and every cached frame.
main(["compare", str(tmp / "videos"), "--protocol", "resbilstm-table1", "--rows", "1,2",
      "--quick", "--backbone", "lowlevel:hsv", "--epochs", "20", "--device", "cpu",
      "--n-bootstrap", "500", "--quiet", "-o", str(tmp / "report")])

# %%
# The report folder holds README.md, CSV, JSON, per-row evaluation reports and this plot.
print(sorted(p.name for p in (tmp / "report").iterdir()))
fig, ax = plt.subplots(figsize=(8, 3))
ax.imshow(mpimg.imread(tmp / "report" / "comparison.png"))
ax.axis("off")
plt.show()

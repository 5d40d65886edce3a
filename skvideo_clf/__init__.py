"""skvideo-clf: scikit-learn compatible video classification on imbalanced data.

Subpackages are imported on use (``from skvideo_clf.features import ...``) so that
``import skvideo_clf`` stays light and does not import torch.
"""

__version__ = "0.1.0.dev0"

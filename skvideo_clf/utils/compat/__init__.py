"""Every use of a private name of scikit-learn, imbalanced-learn, skorch and torch.

One module per dependency: :mod:`~skvideo_clf.utils.compat.sklearn`,
:mod:`~skvideo_clf.utils.compat.imblearn`, :mod:`~skvideo_clf.utils.compat.skorch` and
:mod:`~skvideo_clf.utils.compat.torch`. The rest of the library reaches those private names
(``sklearn.utils._param_validation``, ``imblearn.utils._validation``, skorch's internal
attributes, ``torch.storage._load_from_bytes``) through these modules only, and
``tests/utils/test_compat.py`` checks each assumption against the installed version, so an
upgrade that breaks one fails there, by name.

This package imports none of them: importing ``compat.sklearn`` does not import torch.
The modules are public to the library's layers, not a user API.
"""

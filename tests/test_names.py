"""No internal file ids of the papers and no line numbers of their text files in what users read.

Users have the papers, not the project's plain-text copies of them: the package's source
(docstrings, messages, comments), its protocol files, the docs, the examples and the README
name a paper by its title (or short title) and its section, table or equation. A random
seed (``random_state=0``, ``seed=0``, ``torch.manual_seed(0)``) is not a paper's id.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: "seed 000", "Seed 004's", "seeds 001 and 002", "seed003", "shared/seeds/..."
PAPER_ID = re.compile(r"\bseeds? ?0\d\d\b|shared/seeds", re.IGNORECASE)
#: "line 341", "lines 465-466", "(894-895)", "(lines 505-506;", a quote's "(883)"; not a
#: config file's own "grid.toml, line 4" nor a shape "(768, 17, 17)"
LINE_REF = re.compile(r"(?<!toml, )\blines? \d{2,4}(?:-\d{2,4})?\b"
                      r"|\(\d{3,4}-\d{3,4}[);,:]|[\"']\s*\(\d{3,4}\)")


def _public_files():
    files = [*sorted((ROOT / "skvideo_clf").rglob("*.py")),
             *sorted((ROOT / "skvideo_clf").rglob("*.toml")),
             *sorted((ROOT / "examples").glob("*.py")), ROOT / "README.md"]
    docs = ROOT / "docs"
    files += [p for p in sorted(docs.rglob("*.rst"))
              if not {"_build", "generated", "auto_examples"} & set(p.parts)]
    return [p for p in files if p.is_file()]


def _hits(pattern, text):
    return [(text.count("\n", 0, m.start()) + 1, m.group(0)) for m in pattern.finditer(text)]


@pytest.mark.parametrize("pattern", [PAPER_ID, LINE_REF], ids=["paper-id", "line-number"])
def test_no_paper_file_ids_or_line_numbers_in_public_text(pattern):
    found = []
    for path in _public_files():
        found += [f"{path.relative_to(ROOT)}:{line}: {hit!r}"
                  for line, hit in _hits(pattern, path.read_text(encoding="utf-8"))]
    assert not found, "cite the paper's title and section, table or equation:\n" + \
        "\n".join(found)


@pytest.mark.parametrize("text, bad", [
    ("the paper's net (seed 000, lines 505-506)", True),
    ("Seed 004's motion stream", True),
    ("see shared/seeds/003_x.txt", True),
    ('"stopped after 150K iterations" (883)', True),
    ("lambda (894-895) chosen", True),
    ("random_state=0, seed=0, torch.manual_seed(0), np.random.seed(1)", False),
    ("grid.toml, line 12: rows[0].C: unknown key", False),
    ("(768, 17, 17) maps, (324) components", False),
    ("Charte et al. (2015); 40..400 videos; Table 3.1; Section IV-B", False),
])
def test_the_patterns_flag_citations_and_spare_random_seeds(text, bad):
    assert bool(PAPER_ID.search(text) or LINE_REF.search(text)) is bad

"""Regenerate the book's bundled CJK font: a subset of Noto Sans CJK SC with only the glyphs the book uses.

The book quotes its Chinese source notes (book/errata.md, book/gan-network.md, ...). On a
machine without a CJK font those characters render as empty boxes, so the book ships its own:
_static/fonts/gan-edu-cjk-{regular,bold}.woff2, used by _static/gan-edu.css through
@font-face rules with a CJK-only unicode-range. Both files are committed: building the book
needs nothing from this script.

Run it (``make cjk-font``) after adding a CJK character to book/*.md, notebooks/*.ipynb,
_toc.yml or _config.yml; tests/browser/test_layout.py fails until you do. The source font is
Debian's fonts-noto-cjk (Noto Sans CJK SC, SIL Open Font License 1.1): the installed
/usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc when present, else the package fetched with
``apt-get download`` into a temporary folder and unpacked there (nothing is installed), or
the folder given with ``--source DIR``. Needs fontTools and brotli (both in the dev extras).

    python scripts/cjk_font.py            # rewrite the two woff2 files
    python scripts/cjk_font.py --check    # exit 1 when a character the book uses is missing
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FONT_DIR = ROOT / "_static" / "fonts"
OUTPUTS = {"regular": FONT_DIR / "gan-edu-cjk-regular.woff2", "bold": FONT_DIR / "gan-edu-cjk-bold.woff2"}
SOURCES = {"regular": "NotoSansCJK-Regular.ttc", "bold": "NotoSansCJK-Bold.ttc"}
SYSTEM_FONTS = Path("/usr/share/fonts/opentype/noto")
SC_FACE = "Noto Sans CJK SC"  # the collection's face for Simplified Chinese (index 2 in Debian's)

# The code points treated as CJK: the same list as the unicode-range of the @font-face rules
# in _static/gan-edu.css (tests/browser/test_layout.py checks that they agree).
CJK_RANGES = [
    (0x2E80, 0x2FDF),    # CJK radicals, Kangxi radicals
    (0x3000, 0x303F),    # CJK symbols and punctuation (、。「」 ...)
    (0x3040, 0x30FF),    # kana
    (0x3100, 0x312F),    # bopomofo
    (0x3190, 0x31FF),    # kanbun, bopomofo extended, CJK strokes, katakana extension
    (0x3200, 0x33FF),    # enclosed CJK, CJK compatibility
    (0x3400, 0x4DBF),    # CJK unified ideographs extension A
    (0x4E00, 0x9FFF),    # CJK unified ideographs
    (0xF900, 0xFAFF),    # CJK compatibility ideographs
    (0xFE30, 0xFE4F),    # CJK compatibility forms
    (0xFF00, 0xFFEF),    # half-width and full-width forms (，：（） ...)
    (0x20000, 0x3134F),  # extensions B-G
]
CJK = re.compile("[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in CJK_RANGES) + "]")


def unicode_range() -> str:
    """The CSS unicode-range value for CJK_RANGES."""
    return ", ".join(f"U+{lo:X}-{hi:X}" for lo, hi in CJK_RANGES)


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def book_sources(root: Path = ROOT) -> list[Path]:
    """The files whose text the book renders: pages, notebooks, table of contents, config."""
    return (sorted((root / "book").glob("*.md")) + sorted((root / "notebooks").glob("*.ipynb"))
            + [root / "_toc.yml", root / "_config.yml"])


def used_characters(root: Path = ROOT) -> dict[str, list[str]]:
    """Every CJK character in the book's sources, with the files that use it (relative paths)."""
    found: dict[str, set[str]] = {}
    for path in book_sources(root):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":  # parsed, so that \\uXXXX escapes and outputs count too
            text = "\n".join(_strings(json.loads(text)))
        for char in CJK.findall(text):
            found.setdefault(char, set()).add(str(path.relative_to(root)))
    return {char: sorted(files) for char, files in sorted(found.items())}


def font_characters(path: Path) -> set[str]:
    """The characters a font file maps to a glyph (reading woff2 needs brotli)."""
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        return {chr(code) for code in font.getBestCmap()}


def _source_dir(given: Path | None, workdir: Path) -> Path:
    if given is not None:
        return given
    if all((SYSTEM_FONTS / name).is_file() for name in SOURCES.values()):
        return SYSTEM_FONTS
    print("fetching Debian's fonts-noto-cjk with apt-get download (about 57 MB; nothing is installed)")
    subprocess.run(["apt-get", "download", "fonts-noto-cjk"], cwd=workdir, check=True)
    deb = next(workdir.glob("fonts-noto-cjk_*.deb"))
    subprocess.run(["dpkg-deb", "-x", str(deb), str(workdir / "root")], check=True)
    print(f"source package: {deb.name}")
    return workdir / "root" / SYSTEM_FONTS.relative_to("/")


def _face_index(collection: Path) -> int:
    from fontTools.ttLib import TTCollection

    with TTCollection(str(collection), lazy=True) as fonts:
        for index, font in enumerate(fonts):
            if font["name"].getDebugName(1) == SC_FACE:
                return index
    raise SystemExit(f"{collection}: no face named {SC_FACE!r}")


def subset(source: Path, output: Path, characters: str) -> None:
    from fontTools import subset as ftsubset

    options = ftsubset.Options()
    options.flavor = "woff2"
    options.font_number = _face_index(source)
    options.layout_features = ["*"]        # keep vertical forms, locl, etc. for the kept glyphs
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # with the copyright and licence entries
    options.hinting = False
    options.desubroutinize = True          # compresses better in woff2
    options.notdef_outline = True
    font = ftsubset.load_font(str(source), options)
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    font.recalcTimestamp = False           # the same input gives the same bytes
    output.parent.mkdir(parents=True, exist_ok=True)
    ftsubset.save_font(font, str(output), options)
    font.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, help=f"folder with {' and '.join(SOURCES.values())}")
    parser.add_argument("--check", action="store_true", help="only check the committed fonts")
    args = parser.parse_args(argv)

    used = used_characters()
    if args.check:
        status = 0
        for weight, path in OUTPUTS.items():
            missing = sorted(set(used) - font_characters(path)) if path.is_file() else sorted(used)
            for char in missing:
                print(f"{path.relative_to(ROOT)}: missing {char} (U+{ord(char):04X}, used in {', '.join(used[char])})")
            status |= bool(missing)
        print(f"{len(used)} CJK characters used by the book; " + ("fonts incomplete: run `make cjk-font`" if status else "all in both fonts"))
        return status

    with tempfile.TemporaryDirectory() as work:
        source_dir = _source_dir(args.source, Path(work))
        text = "".join(used)
        for weight, output in OUTPUTS.items():
            subset(source_dir / SOURCES[weight], output, text)
            print(f"{output.relative_to(ROOT)}: {len(used)} characters, {output.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

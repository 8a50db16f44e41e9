#!/usr/bin/env python3
"""The PDF peer of `appeal letters --format pdf` for benches/side-by-side.sh: typesets each text
letter `appeal letters --format txt` wrote with Typst (the `typst` package from PyPI), one compile
and one PDF file per letter, in one process per core.

usage: typst_letters.py TXT_DIR OUT_DIR FONT_FILE... [--jobs N] [--fresh]

Every letter gets the same text as appeal's PDF of it (the .txt is appeal's own rendering of the
template) and the same font files (the ones appeal embeds: DejaVu Sans and its bold, as fc-match
finds them). What differs from appeal, so the comparison stays honest:
- Each process keeps one `typst.Compiler`, so fonts are read once per process and Typst's
  memoisation (comemo) reuses whatever layout is the same from one letter to the next: that is
  Typst at its best. `--fresh` calls `typst.compile()` per letter instead, a new compiler each
  time (fonts read again, nothing reused), as a script calling it per letter naively would.
- The page is laid out by letter.typ, close to appeal's layout but simpler: no fold marks, page
  numbers or running head, which appeal draws. Both write a tagged PDF 1.7 with XMP metadata,
  the title and the language, and subsets of the same two fonts; the files are of a size
  (33-34 KB from Typst, 35-37 KB from appeal for a Russian letter).
- Reading the .txt letters (about 2-3 KB each) is inside the timed run; writing them is not
  (appeal's own text run made them beforehand).
"""
import multiprocessing
import os
import shutil
import sys
import tempfile

import typst

HERE = os.path.dirname(os.path.abspath(__file__))
compiler = None
fresh = None


def start(font_dir, fresh_each):
    """Makes this process's compiler: the template, and only the given fonts."""
    global compiler, fresh
    if fresh_each:
        fresh = font_dir
        return
    compiler = typst.Compiler(os.path.join(HERE, "letter.typ"), font_paths=[font_dir],
                              ignore_system_fonts=True, sys_inputs=sample_inputs())


def sample_inputs():
    return {"lang": "en", "sender": "", "return_line": "", "recipient": "", "date": "",
            "subject": "", "body": ""}


def inputs(text, lang):
    """Parts a text letter into the blocks appeal's templates write, in order, each ended by a
    blank line: the sender, the addressee, the date, then the body, whose first paragraph is the
    subject line."""
    sender, recipient, date, body = text.split("\n\n", 3)
    subject, _, rest = body.partition("\n\n")
    return {
        "lang": lang,
        "sender": sender,
        "return_line": " · ".join(sender.split("\n")[:-1]),
        "recipient": recipient,
        "date": date,
        "subject": subject,
        "body": rest,
    }


def typeset(job):
    src, dst = job
    with open(src, encoding="utf-8") as f:
        text = f.read()
    lang = src.rsplit(".", 2)[-2]
    if fresh:
        typst.compile(os.path.join(HERE, "letter.typ"), output=dst, format="pdf", font_paths=[fresh],
                      ignore_system_fonts=True, sys_inputs=inputs(text, lang))
    else:
        compiler.compile(output=dst, format="pdf", sys_inputs=inputs(text, lang))
    return 1


def main():
    args = sys.argv[1:]
    jobs = os.cpu_count() or 1
    fresh_each = "--fresh" in args
    if fresh_each:
        args.remove("--fresh")
    if "--jobs" in args:
        i = args.index("--jobs")
        jobs = int(args[i + 1])
        del args[i:i + 2]
    if len(args) < 3:
        sys.exit(__doc__)
    txt_dir, out_dir, fonts = args[0], args[1], args[2:]
    font_dir = tempfile.mkdtemp(prefix="typst-fonts-")
    try:
        for font in fonts:
            os.symlink(os.path.abspath(font), os.path.join(font_dir, os.path.basename(font)))
        work = []
        for root, _, files in os.walk(txt_dir):
            target = os.path.join(out_dir, os.path.relpath(root, txt_dir))
            letters = [name for name in files if name.endswith(".txt")]
            if letters:
                os.makedirs(target, exist_ok=True)
            for name in letters:
                work.append((os.path.join(root, name), os.path.join(target, name[:-4] + ".pdf")))
        with multiprocessing.Pool(jobs, initializer=start, initargs=(font_dir, fresh_each)) as pool:
            written = sum(pool.imap_unordered(typeset, work, chunksize=16))
    finally:
        shutil.rmtree(font_dir)
    print(f"{written} letter(s) written to {out_dir}")


if __name__ == "__main__":
    main()

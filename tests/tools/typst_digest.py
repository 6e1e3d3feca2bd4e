#!/usr/bin/env python3
"""typst_digest.py BULLETIN.xml OUT.typ - writes the content of a digest made
by mkdigest.py as one Typst document (A4, 3 columns, Noto Serif, headings,
leads, paragraphs and figures) so that tests/bench.sh can time Typst on the
same text as bantin. Only for the benchmark: not a converter for real use.
Python 3 standard library only."""

import os
import re
import sys
import xml.etree.ElementTree as ET


def esc(s):
    s = re.sub(r"\s+", " ", s).strip()
    return re.sub(r'([\\#*_`$<>@\[\]=/~"-])', r"\\\1", s)


def text_of(el):
    return "".join(el.itertext())


def article_xml(path, out):
    root = ET.parse(path).getroot()
    meta = root.find("meta")
    title = meta.findtext("title", "") if meta is not None else ""
    out.append("== %s\n" % esc(title))
    lead = root.find("lead")
    if lead is not None:
        out.append("*%s*\n" % esc(text_of(lead)))
    body = root.find("body")
    for el in body.iter() if body is not None else []:
        if el.tag == "p":
            out.append(esc(text_of(el)) + "\n")
        elif el.tag == "img" and el.get("src"):
            src = os.path.join(os.path.dirname(path), el.get("src"))
            out.append('#figure(image("%s", width: 100%%))\n' % src)
        elif el.tag == "h2":
            out.append("=== %s\n" % esc(text_of(el)))


def article_txt(path, out):
    paras = [p for p in re.split(r"\n\s*\n", open(path, encoding="utf-8").read()) if p.strip()]
    lines = paras[0].strip().split("\n")
    out.append("== %s\n" % esc(lines[0]))
    rest = [" ".join(lines[1:])] if len(lines) > 1 else []
    for p in rest + paras[1:]:
        out.append(esc(p) + "\n")


def main():
    src, dst = sys.argv[1], sys.argv[2]
    root = ET.parse(src).getroot()
    out = ['#set page(paper: "a4", margin: 15mm, columns: 3)\n',
           '#set text(font: "Noto Serif", size: 9.5pt, lang: "vi")\n',
           "#set par(justify: true)\n",
           "= %s\n" % esc(root.findtext("title", ""))]
    base = os.path.dirname(os.path.abspath(src))
    for sec in root.findall("section"):
        out.append("#heading(level: 1)[%s]\n" % esc(sec.get("title", "")))
        for a in sec.findall("article"):
            p = os.path.join(base, a.get("href"))
            (article_txt if p.endswith(".txt") else article_xml)(p, out)
    with open(dst, "w", encoding="utf-8") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()

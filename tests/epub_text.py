#!/usr/bin/env python3
"""epub_text.py EPUB EXPECTED.txt - every paragraph of EXPECTED (split at
blank lines, NFC, whitespace collapsed) must appear in the text of the
EPUB's XHTML documents. Prints the missing ones; exit 1 if any."""
import re, sys, unicodedata, zipfile
from html.parser import HTMLParser

class Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
    def handle_starttag(self, tag, attrs):
        if tag in ("p", "li", "h1", "h2", "h3", "div", "figcaption", "br", "blockquote"):
            self.parts.append("\n")
    def handle_data(self, data):
        self.parts.append(data)

def norm(s):
    s = unicodedata.normalize("NFC", s).replace("\u00a0", " ")
    return re.sub(r"\s+", " ", s).strip()

z = zipfile.ZipFile(sys.argv[1])
text = []
for name in z.namelist():
    if name.endswith(".xhtml"):
        t = Text(); t.feed(z.read(name).decode("utf-8"))
        text.append(norm(" ".join("".join(t.parts).split("\n"))))
alltext = "\n".join(text)
paras = [norm(p) for p in re.split(r"\n\s*\n", open(sys.argv[2], encoding="utf-8").read()) if p.strip()]
missing = [p for p in paras if p not in alltext]
for p in missing:
    print("missing:", p[:100])
print("%d of %d paragraphs found" % (len(paras) - len(missing), len(paras)))
sys.exit(1 if missing or not paras else 0)

#!/usr/bin/env python3
"""html_cases.py BANTIN: checks `bantin import` on the saved pages in
tests/html/NAME/ (source.html, expected.html, expected-metadata.json) and
its refusals of bad pages. Prints one "ok NAME" or "FAIL NAME: why" line
per check; exit 0 when every check ran.

A case passes when the imported article has exactly the expected title,
source name and url, date (publishedTime), authors (byline, ", "-joined),
credit, section and lead (excerpt), and its body blocks (p, h2, li,
blockquote p, figure with its src and caption) equal expected.html's in
kind, order and text (expected.html opens with the lead as <p
class="lead">, as html-score reads it, and that one is skipped). The
imported XML must pass `bantin check`, and a
build of three pages must succeed. Bad pages (tests/errors/html-*.html
and a page over 64 MiB) must fail with exit 1 and write no file."""
import json, os, re, shutil, subprocess, sys, tempfile, unicodedata
import xml.etree.ElementTree as ET
import html.parser

def nfc(s):
    return unicodedata.normalize('NFC', re.sub(r'\s+', ' ', s or '')).strip()

class Expected(html.parser.HTMLParser):
    """Blocks of expected.html as (kind, text) pairs."""
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks, self.stack, self.cur = [], [], None
    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)
        if tag == 'p' and dict(attrs).get('class') == 'lead':
            return  # the lead: checked as the excerpt, not a body block
        if tag in ('p', 'h2', 'li', 'figcaption'):
            kind = 'quote' if 'blockquote' in self.stack[:-1] else tag
            self.cur = [kind, '']
        if tag == 'img':
            self.blocks.append(('img', dict(attrs).get('src', '')))
    def handle_endtag(self, tag):
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        if self.cur and tag in ('p', 'h2', 'li', 'figcaption') and \
                (tag == self.cur[0] or self.cur[0] == 'quote'):
            self.blocks.append((self.cur[0], nfc(self.cur[1])))
            self.cur = None
    def handle_data(self, d):
        if self.cur is not None:
            self.cur[1] += d

def got_blocks(body):
    out = []
    def text(e):
        return nfc(''.join(e.itertext()))
    for e in body:
        if e.tag in ('p', 'h2'):
            out.append((e.tag, text(e)))
        elif e.tag == 'blockquote':
            out += [('quote', text(p)) for p in e]
        elif e.tag in ('ul', 'ol'):
            out += [('li', text(li)) for li in e]
        elif e.tag == 'figure':
            for k in e:
                if k.tag == 'img':
                    out.append(('img', k.get('src')))
                elif k.tag == 'figcaption':
                    out.append(('figcaption', text(k)))
    return out

def main():
    bantin = os.path.abspath(sys.argv[1])
    here = os.path.dirname(os.path.abspath(__file__))
    cases = os.path.join(here, 'html')
    tmp = tempfile.mkdtemp(prefix='html-cases.')
    n_ok = n_bad = 0
    def report(ok, name, why=''):
        nonlocal n_ok, n_bad
        print(('ok %s' % name) if ok else ('FAIL %s: %s' % (name, why)))
        n_ok += ok
        n_bad += not ok
    names = sorted(d for d in os.listdir(cases) if os.path.isfile(os.path.join(cases, d, 'source.html')))
    for name in names:
        d = os.path.join(cases, name)
        exp = json.load(open(os.path.join(d, 'expected-metadata.json'), encoding='utf-8'))
        out = os.path.join(d, 'imported.tmp.xml')
        r = subprocess.run([bantin, 'import', os.path.join(d, 'source.html'), '-o', out],
                           capture_output=True, text=True)
        if r.returncode != 0:
            report(False, 'html/' + name, 'import exit %d: %s' % (r.returncode, r.stderr[:300]))
            continue
        try:
            c = subprocess.run([bantin, 'check', out], capture_output=True, text=True)
            root = ET.parse(out).getroot()
        finally:
            os.unlink(out)
        if c.returncode != 0:
            report(False, 'html/' + name, 'imported XML fails check: ' + c.stderr[:300])
            continue
        meta = root.find('meta')
        def field(tag):
            e = meta.find(tag)
            return nfc(''.join(e.itertext())) if e is not None else None
        src = meta.find('source')
        lead = root.find('lead')
        got = {'title': field('title'),
               'byline': ', '.join(nfc(''.join(a.itertext())) for a in meta.findall('author')) or None,
               'publishedTime': field('date'), 'siteName': field('source'),
               'url': src.get('url') if src is not None else None,
               'credit': field('credit'), 'section': field('section'),
               'excerpt': nfc(''.join(lead.itertext())) if lead is not None else None}
        why = ['%s: got %r, expected %r' % (k, got[k], exp.get(k))
               for k in got if (exp.get(k) or None) != got[k]]
        p = Expected()
        p.feed(open(os.path.join(d, 'expected.html'), encoding='utf-8').read())
        gb = got_blocks(root.find('body'))
        if gb != p.blocks:
            why.append('body differs: got %r, expected %r' % (gb, p.blocks))
        report(not why, 'html/' + name, '; '.join(why))
    # three pages build a bulletin (PDF + EPUB)
    three = [os.path.join(cases, n, 'source.html') for n in names[:3]]
    r = subprocess.run([bantin, 'build', '--allow-outside', '-o', os.path.join(tmp, 'b')] + three,
                       capture_output=True, text=True)
    outs = os.listdir(os.path.join(tmp, 'b')) if os.path.isdir(os.path.join(tmp, 'b')) else []
    report(r.returncode == 0 and len(outs) == 2, 'html/build-three-pages', r.stderr[:300] + ' ' + str(outs))
    # a manifest of every case's saved page builds a bulletin whose
    # typography meets the samples' goals (typo-metrics, when the shared
    # tools are there)
    tm = os.path.join(here, '..', '..', 'shared', 'tools', 'typo-metrics')
    if os.access(tm, os.X_OK):
        man = os.path.join(tmp, 'man')
        os.makedirs(man)
        refs = []
        for i, n in enumerate(names):
            # each page in its own folder, with its NAME_files folder
            dst = 'p%02d' % i
            shutil.copytree(os.path.join(cases, n), os.path.join(man, dst))
            refs.append('    <article href="%s/source.html"/>' % dst)
        with open(os.path.join(man, 'bulletin.xml'), 'w', encoding='utf-8') as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n<bulletin>\n  <title>Trang web đã lưu</title>\n'
                    '  <date>2026-11-27</date>\n  <section title="Thời sự">\n%s\n  </section>\n</bulletin>\n'
                    % '\n'.join(refs))
        r = subprocess.run([bantin, 'build', '-q', os.path.join(man, 'bulletin.xml')],
                           capture_output=True, text=True)
        pdf = os.path.join(man, 'bulletin.pdf')
        why = [] if r.returncode == 0 and os.path.isfile(pdf) else ['build: ' + r.stderr[:300]]
        if not why:
            m = subprocess.run([tm, '--json', '--no-ink', pdf], capture_output=True, text=True)
            try:
                s = json.loads(m.stdout)['summary']
                v = dict(kv.split('=', 1) for kv in s.split() if '=' in kv)
                num = lambda k: float(v[k].rstrip('%'))
                for k, lim in (('overfull', 0), ('widows', 0), ('orphans', 0), ('trackmax', 0.02),
                               ('expandmax', 2.0), ('loose', 5.0), ('gapp95', 2.0)):
                    if num(k) > lim:
                        why.append('%s=%s (at most %s)' % (k, v[k], lim))
            except (ValueError, KeyError) as e:
                why.append('typo-metrics: %r %s' % (e, m.stderr[:200]))
        report(not why, 'html/manifest-typography', '; '.join(why))
    else:
        print('SKIP (optional) html/manifest-typography: ../shared/tools absent')
    # bad pages: exit 1, nothing written
    errs = os.path.join(here, 'errors')
    big = os.path.join(tmp, 'big.html')
    with open(big, 'wb') as f:
        f.write(b'<html><body><p>x</p>')
        f.truncate(64 * 1024 * 1024 + 1)
    bad = [os.path.join(errs, f) for f in sorted(os.listdir(errs)) if f.startswith('html-') and f.endswith('.html')] + [big]
    for page in bad:
        out = os.path.join(tmp, 'out.xml')
        r = subprocess.run([bantin, 'import', page, '-o', out], capture_output=True, text=True)
        name = 'html/import-refuses-' + os.path.basename(page)
        ok = r.returncode == 1 and not os.path.exists(out) and ': error: ' in r.stderr
        if ok and page == big:
            ok = 'larger than 64 MiB' in r.stderr
        report(ok, name, 'exit %d, stderr %r, wrote %s' % (r.returncode, r.stderr[:200], os.path.exists(out)))
    leftovers = [f for f in os.listdir(tmp) if f.startswith('out.xml')]
    report(not leftovers, 'html/import-leaves-no-temp-file', str(leftovers))
    return 0

if __name__ == '__main__':
    sys.exit(main())

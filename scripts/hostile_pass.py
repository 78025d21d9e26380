#!/usr/bin/env python3
"""A hostile pass over the CLI: seeded mutants of the std-lib methods (edge
numbers, huge strings and lists, stray brackets, NUL, non-ASCII) through
`check --format json`, `show`, `fmt --check` and `bench --steps 1`, plus files
of random bytes. Counts crashes (exit >= 100, a signal or "panicked"), hangs
(20 s) and rejections without an E-code; all three must be 0.

    python3 scripts/hostile_pass.py BIN [SEED] [MUTANTS] [BENCHED]
"""
import glob, random, subprocess, os, json, sys, tempfile
random.seed(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
BIN = sys.argv[1]
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
methods = sorted(glob.glob(os.path.join(here, 'methods', '*.icon')))
corpus = sorted(glob.glob(os.path.join(here, 'fuzz', 'corpus', 'hostile', '*.icon')))
methods += corpus
texts = [open(m).read() for m in methods]
EDGE = ['0', '-1', '1e309', '4294967296', '99999999999999', 'nan', 'inf', '-0.0', '1e-320',
        '"' + 'a'*5000 + '"', '[' + ','.join(['1']*2000) + ']', '((((((((((', '->', 'on', '""', '@', '\u00e9', '\x00']
def mutate(t):
    t = list(t)
    for _ in range(random.randint(1, 4)):
        op = random.random()
        if not t: break
        i = random.randrange(len(t))
        if op < 0.3:
            del t[i:i + random.randint(1, 8)]
        elif op < 0.6:
            t[i:i] = list(random.choice(EDGE))
        elif op < 0.8:
            j = random.randrange(len(t)); t[i:i] = t[j:j + random.randint(1, 40)]
        else:
            s = ''.join(t); nums = [k for k in range(len(s)) if s[k].isdigit()]
            if nums:
                k = random.choice(nums); t[k:k+1] = list(random.choice(EDGE[:9]))
    return ''.join(t)
d = tempfile.mkdtemp(prefix='iconc-hostile-')
stats = {'inputs': 0, 'crash': 0, 'hang': 0, 'uncoded': 0, 'ok': 0, 'rejected': 0}
bad = []
def run(args, path):
    stats['inputs'] += 1
    try:
        r = subprocess.run([BIN] + args + [path], capture_output=True, timeout=20)
    except subprocess.TimeoutExpired:
        stats['hang'] += 1; bad.append(('hang', args, path)); return
    code = r.returncode
    err = r.stderr.decode('utf-8', 'replace') + r.stdout.decode('utf-8', 'replace')
    if code < 0 or code >= 100 or 'panicked' in err:
        stats['crash'] += 1; bad.append(('crash', args, path, code, err[-300:])); return
    if code == 0 or 'would reformat' in err:
        stats['ok'] += 1; return code
    if '[E0' in err or '"code": "E' in err or 'error[E0' in err or 'E0' in err:
        stats['rejected'] += 1
        return code
    else:
        stats['uncoded'] += 1; bad.append(('uncoded', args, path, code, err[-300:]))
N = int(sys.argv[3]) if len(sys.argv) > 3 else 600
# The reproducers themselves first, unmutated, through every command.
for p in corpus:
    for args in (['check', '--format', 'json'], ['show'], ['fmt', '--check'], ['inspect', '--batch', '/dev/null', '--out', os.path.join(d, 'o.npz')]):
        run(args, p)
for k in range(N):
    t = mutate(random.choice(texts))
    p = f'{d}/m{k}.icon'
    open(p, 'w', encoding='utf-8', errors='replace').write(t)
    run(['check', '--format', 'json'], p)
    if k % 3 == 0: run(['show'], p)
    if k % 5 == 0: run(['fmt', '--check'], p)
benched = 0
for k in range(N):
    p = f'{d}/m{k}.icon'
    if benched >= int(sys.argv[4] if len(sys.argv) > 4 else 0): break
    r = subprocess.run([BIN, 'check', p], capture_output=True)
    if r.returncode == 0:
        run(['bench', '--steps', '1', '--warmup', '0'], p); benched += 1
print('benched', benched)
for k in range(N // 3):
    p = f'{d}/b{k}.icon'
    open(p, 'wb').write(os.urandom(random.randint(0, 3000)))
    run(['check'], p)
print(json.dumps(stats))
for b in bad[:10]: print(b)
sys.exit(1 if stats['crash'] or stats['hang'] or stats['uncoded'] else 0)

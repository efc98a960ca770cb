#!/usr/bin/env python3
"""Fill the KEYS section of spoord.yml(5) from `spoord --config-reference`.

usage: config-keys.py SPOORD TEMPLATE OUTPUT
       config-keys.py --keys SPOORD          (print the key paths, one a line)

The reference is commented YAML: every key is one comment line
"# <doc> (<type>, default <value>, <bounds>, reloadable: yes|no)" followed by
the key's own line, indented by its depth ("  - " opens the first key of a
list entry).  The line `.\\" @CONFIG_KEYS@` of TEMPLATE becomes one tagged
paragraph per key, in the order of the schema, so the page cannot drift
from the daemon.  Anything the parser does not understand is an error: a
build that fails here means the reference format changed, not the docs.
"""
import re
import subprocess
import sys

MARKER = '.\\" @CONFIG_KEYS@'
KEY_LINE = re.compile(r'^(?P<indent> *)(?P<dash>- )?(?P<key>[A-Za-z0-9_]+):(?: (?P<value>.*))?$')


def split_trailer(comment):
    """'doc (a, b (c), d)' -> ('doc', 'a, b (c), d'): the last balanced group."""
    if not comment.endswith(')'):
        raise ValueError('no "(type, default, ...)" at the end of: ' + comment)
    depth = 0
    for i in range(len(comment) - 1, -1, -1):
        if comment[i] == ')':
            depth += 1
        elif comment[i] == '(':
            depth -= 1
            if depth == 0:
                return comment[:i].rstrip(), comment[i + 1:-1]
    raise ValueError('unbalanced parentheses in: ' + comment)


def split_top(text):
    """Split on ', ' outside (), [] and {}."""
    parts, depth, cur = [], 0, ''
    i = 0
    while i < len(text):
        c = text[i]
        if c in '([{':
            depth += 1
        elif c in ')]}':
            depth -= 1
        if depth == 0 and text.startswith(', ', i):
            parts.append(cur)
            cur = ''
            i += 2
            continue
        cur += c
        i += 1
    parts.append(cur)
    return parts


def parse(reference):
    """-> list of dicts: path, doc, type, default, limits[], reloadable."""
    keys, stack, comment = [], [], None   # stack: (column, path, is_list)
    for n, line in enumerate(reference.splitlines(), 1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith('#'):
            comment = stripped[1:].strip()
            continue
        m = KEY_LINE.match(line)
        if not m:
            raise ValueError('line %d: not a key: %s' % (n, line))
        if comment is None:
            continue                      # the header's commented lines only
        col = len(m.group('indent')) + (2 if m.group('dash') else 0)
        while stack and stack[-1][0] >= col:
            stack.pop()
        if m.group('dash'):
            if not stack:
                raise ValueError('line %d: list entry without a parent key' % n)
            stack[-1] = (stack[-1][0], stack[-1][1], True)
        if stack:
            parent = stack[-1]
            path = parent[1] + ('[].' if parent[2] else '.') + m.group('key')
        else:
            path = m.group('key')
        stack.append((col, path, False))
        doc, trailer = split_trailer(comment)
        comment = None
        entry = {'path': path, 'doc': doc, 'type': '', 'default': None, 'limits': [], 'reloadable': None}
        for i, part in enumerate(split_top(trailer)):
            if part.startswith('reloadable: '):
                entry['reloadable'] = part[len('reloadable: '):]
            elif part.startswith('default '):
                entry['default'] = part[len('default '):]
            elif i == 0:
                entry['type'] = part
            else:
                entry['limits'].append(part)
        if entry['reloadable'] not in ('yes', 'no') or not entry['type']:
            raise ValueError('line %d: no type or no "reloadable: yes|no" for %s' % (n, path))
        keys.append(entry)
    if not keys:
        raise ValueError('no keys in the reference')
    return keys


def roff(text, literal=False):
    """Escape text for one roff line; literal: a value typed as is (minus
    signs, not hyphens)."""
    text = text.replace('\\', '\\e')
    if literal:
        text = text.replace('-', '\\-')
    if text[:1] in ('.', "'"):
        text = '\\&' + text
    return text


def sentence(text):
    return text if text.endswith('.') else text + '.'


def render(keys):
    out = []
    for k in keys:
        out.append('.TP')
        out.append('.B ' + roff(k['path'], literal=True))
        out.append(roff(sentence(k['doc'])))
        facts = '\\fIType:\\fR ' + roff(k['type'])
        if k['default'] is not None:
            facts += '; \\fIdefault:\\fR \\fB' + roff(k['default'], literal=True) + '\\fR'
        for lim in k['limits']:
            facts += '; ' + roff(lim, literal=True)
        facts += '; \\fIreloaded by SIGHUP:\\fR ' + k['reloadable'] + '.'
        out.append('.br')
        out.append(facts)
    return '\n'.join(out) + '\n'


def reference(spoord):
    return subprocess.run([spoord, '--config-reference'], check=True, capture_output=True,
                          text=True).stdout


def main(argv):
    if len(argv) == 3 and argv[1] == '--keys':
        for k in parse(reference(argv[2])):
            print(k['path'])
        return 0
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    spoord, template, output = argv[1:]
    keys = parse(reference(spoord))
    with open(template, encoding='utf-8') as f:
        text = f.read()
    if text.count(MARKER + '\n') != 1:
        raise SystemExit('%s: needs the line %s exactly once' % (template, MARKER))
    text = text.replace(MARKER + '\n', render(keys))
    with open(output, 'w', encoding='utf-8') as f:
        f.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))

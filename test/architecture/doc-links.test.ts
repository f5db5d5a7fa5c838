/**
 * The documentation's relative links lead somewhere: every `[text](path)` and `[text](path#anchor)` in the
 * repository's own Markdown (README.md, CONTRIBUTING.md, docs/, bench/) names a file that exists and, with an
 * anchor, a heading of that file (GitHub's anchors: lower case, punctuation dropped, spaces to hyphens, `-1`, `-2`…
 * for repeated headings). Moving a section between files then fails here until every link to it follows.
 * Links inside code (fenced blocks, `inline code`) and to other sites are not links of the docs and are skipped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

/** The text of a Markdown file outside code: fenced blocks blanked line by line, inline code spans removed. */
function proseOf(markdown: string): string[] {
  let fence: string | null = null;
  return markdown.split('\n').map((line) => {
    const f = /^\s*(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (fence === null) fence = f[1]![0]!;
      else if (f[1]![0] === fence) fence = null;
      return '';
    }
    return fence === null ? line.replace(/(`+)[^`]*?\1/g, '') : '';
  });
}

/** GitHub's anchor for a heading text (github-slugger's rule), without the suffix for repeats. */
function slug(heading: string): string {
  const text = heading
    .replace(/`([^`]*)`/g, '$1')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Every anchor a file offers: one per heading (repeats suffixed -1, -2…), outside fenced code. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const f = /^\s*(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (fence === null) fence = f[1]![0]!;
      else if (f[1]![0] === fence) fence = null;
      continue;
    }
    const h = fence === null ? /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line) : null;
    if (!h) continue;
    const base = slug(h[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Relative link targets of a Markdown file, with the line they are on. */
function linksOf(markdown: string): { line: number; target: string }[] {
  const out: { line: number; target: string }[] = [];
  const lines = proseOf(markdown);
  lines.forEach((line, i) => {
    for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:…
      out.push({ line: i + 1, target });
    }
  });
  return out;
}

const markdownFiles = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f && !f.includes('node_modules') && existsSync(join(ROOT, f)))
  .filter((f) => !f.startsWith('examples/') || f === 'examples/web/README.md');

describe('relative links in the documentation', () => {
  it('the checker reads headings and links as GitHub does', () => {
    expect(slug('Next to your own `User`, `Call`, `users`…: the schema prefix')).toBe('next-to-your-own-user-call-users-the-schema-prefix');
    expect(slug('Frontends on another origin (CORS)')).toBe('frontends-on-another-origin-cors');
    expect(slug('Node 24')).toBe('node-24');
    expect([...anchorsOf('# A\n## B\n```\n# not a heading\n```\n## B\n')]).toEqual(['a', 'b', 'b-1']);
    expect(linksOf('see [x](a.md#b) and `[y](c.md)`\n```\n[z](d.md)\n```\n[w](https://e.example)').map((l) => l.target)).toEqual(['a.md#b']);
  });

  it('covers the front door and the docs', () => {
    expect(markdownFiles).toEqual(expect.arrayContaining(['README.md', 'CONTRIBUTING.md', 'docs/architecture.md', 'docs/configuration.md']));
  });

  it.each(markdownFiles)('%s: every relative link names an existing file and heading', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const broken: string[] = [];
    for (const { line, target } of linksOf(text)) {
      const [path, anchor] = target.split('#', 2) as [string, string | undefined];
      const resolved = path === '' ? join(ROOT, file) : join(dirname(join(ROOT, file)), decodeURIComponent(path));
      const where = `${file}:${line} → ${target}`;
      if (!existsSync(resolved)) {
        broken.push(`${where}: no file ${relative(ROOT, resolved)}`);
        continue;
      }
      if (anchor === undefined || anchor === '') continue;
      if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) {
        broken.push(`${where}: an anchor into a file that is not Markdown`);
        continue;
      }
      if (!anchorsOf(readFileSync(resolved, 'utf8')).has(anchor)) broken.push(`${where}: no heading #${anchor} in ${relative(ROOT, resolved)}`);
    }
    expect(broken).toEqual([]);
  });
});

/**
 * Rule text without its embedded tests, for commands that only match (scan,
 * trace): `tokenwatch.tests` holds whole audit events and is most of a
 * built-in rule's YAML, and parsing YAML is most of a scan's start-up. The
 * lines of each `tests:` block under a top-level `tokenwatch:` become blank
 * and the key `tests: []`, so every other line keeps its number (diagnostics
 * still name the right line). Flow-style `tests: [...]` is left alone.
 */
const TOP_KEY = /^[^\s#-]/;
const EXTENSION = /^tokenwatch:\s*(#.*)?$/;
const TESTS = /^(\s+)tests:\s*(#.*)?$/;

function indentOf(line: string): number {
  let i = 0;
  while (i < line.length && line.charCodeAt(i) === 0x20) i++;
  return i;
}

export function withoutTests(text: string): string {
  if (!text.includes('tests:')) return text;
  const lines = text.split('\n');
  let inExtension = false;
  let cut = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (cut >= 0) {
      const blank = line.trim() === '';
      const ind = indentOf(line);
      // deeper lines, and a block sequence written at the key's own indent (`tests:\n- name: …`)
      if (blank || ind > cut || (ind === cut && (line[ind] === '-' && (line.length === ind + 1 || line[ind + 1] === ' ')))) {
        lines[i] = line.endsWith('\r') ? '\r' : '';
        continue;
      }
      cut = -1;
    }
    if (TOP_KEY.test(line) || line.startsWith('---')) inExtension = EXTENSION.test(line.replace(/\r$/, ''));
    else if (inExtension) {
      const m = TESTS.exec(line.replace(/\r$/, ''));
      if (m) {
        lines[i] = `${m[1]}tests: []${line.endsWith('\r') ? '\r' : ''}`;
        cut = m[1]!.length;
      }
    }
  }
  return lines.join('\n');
}

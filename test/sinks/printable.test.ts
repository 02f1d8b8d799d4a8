import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printable, printableDeep } from '../../src/sinks/printable.js';

test('printable: control characters and line or direction changers are shown as escapes, the rest left as it is', () => {
  assert.equal(printable('dev\u001b[2Jci@example.com'), 'dev\\x1b[2Jci@example.com');
  assert.equal(printable('kubectl\u001b]0;pwned\u0007/1.0\r\nFAKE'), 'kubectl\\x1b]0;pwned\\x07/1.0\\x0d\\x0aFAKE');
  // C1's CSI (a one-byte ESC [ to some terminals), DEL, NUL, tab
  assert.equal(printable('a\u009b2Jb\u007fc\u0000d\te'), 'a\\x9b2Jb\\x7fc\\x00d\\x09e');
  // a right-to-left override and isolates reorder what follows; line separators break lines
  assert.equal(printable('user\u202egpj.exe\u2066x\u2069\u2028'), 'user\\u202egpj.exe\\u2066x\\u2069\\u2028');
  // ordinary text, accents and other scripts are untouched (the same string)
  const plain = 'system:serviceaccount:prod:app — é 漢字 kubectl/v1.31.0 (linux/amd64)';
  assert.equal(printable(plain), plain);
  // a global regular expression's state does not carry over between calls
  assert.equal(printable('\u001b'), '\\x1b');
  assert.equal(printable('\u001b'), '\\x1b');
});

test('printableDeep: every string of plain data, keys too; numbers, booleans and null kept', () => {
  const x = { user: 'a\u001bb', groups: ['ok', 'c\rd'], n: 3, t: true, none: null, nested: { 'k\u0007': ['e\u202ef'] } };
  assert.deepEqual(printableDeep(x), { user: 'a\\x1bb', groups: ['ok', 'c\\x0dd'], n: 3, t: true, none: null, nested: { 'k\\x07': ['e\\u202ef'] } });
  // the input is not changed
  assert.equal(x.user, 'a\u001bb');
});

import t from 'tap';
import { inputText, middleCut, oneLine, quoteInput } from '../../lib/errors';

t.test('inputText: one line, bounded, with the length when cut', async (t) => {
  t.equal(inputText('CAP_FOO'), 'CAP_FOO', 'short and plain: as it is');
  t.equal(inputText('a\nb\r\tc\u001b\u2028'), 'a\\nb\\r\\tc\\u001b\\u2028', 'control characters and line separators escaped');
  t.equal(inputText('x'.repeat(1 << 20)), `${'x'.repeat(128)}... (1048576 characters)`, 'a 1 MiB input: its first 128 characters');
  t.equal(inputText(`${'x'.repeat(9)}\u{1F600}`, 10), `${'x'.repeat(9)}... (11 characters)`, 'never half a surrogate pair');
  t.equal(quoteInput('a"b\\c'), '"a\\"b\\\\c"', 'quoted: quotes and backslashes escaped');
  t.equal(quoteInput('y'.repeat(20), 5), '"yyyyy..." (20 characters)');
});

t.test('middleCut and oneLine: context and cause kept', async (t) => {
  const msg = `context: ${'i'.repeat(100000)}: the cause`;
  const cut = middleCut(msg, 1000);
  t.ok(cut.length <= 1000, 'bounded');
  t.ok(cut.startsWith('context: '), 'the start stays');
  t.ok(cut.endsWith(': the cause'), 'the end stays');
  t.equal(middleCut('short'), 'short');
  t.equal(oneLine('a\nb\r\nc\rd'), 'a\\nb\\nc\\u000dd', 'one line');
});

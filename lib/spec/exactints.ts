/**
 * JSON.parse rounds integers above 2^53, but a few config fields are uint64
 * (seccomp argument values such as 0xffffffffffffffff). This scanner reads
 * the exact digits of such literals back from the config text, by JSON
 * pointer. It expects text that JSON.parse already accepted.
 */

const LITERAL = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null/y;

function escape(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Every integer literal of `text` that a JS number cannot hold exactly, by JSON pointer ("/linux/seccomp/..."). */
export function exactIntegers(text: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  const path: (string | number)[] = [];
  let i = 0;
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const str = (): string => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const obj = c === '{';
      i++;
      ws();
      if (text[i] === (obj ? '}' : ']')) {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        ws();
        if (obj) {
          path.push(str());
          ws();
          i++; // ':'
        } else {
          path.push(n);
        }
        value();
        path.pop();
        ws();
        if (text[i++] !== ',') return; // '}' or ']'
      }
    }
    if (c === '"') {
      str();
      return;
    }
    LITERAL.lastIndex = i;
    const m = LITERAL.exec(text);
    if (!m) throw new SyntaxError(`unexpected character at ${i}`);
    i += m[0].length;
    if (/^-?\d+$/.test(m[0]) && !Number.isSafeInteger(Number(m[0]))) {
      out.set(path.length ? '/' + path.map(escape).join('/') : '', BigInt(m[0]));
    }
  };
  value();
  return out;
}

import { isIP } from 'node:net';
import { parseV4 } from './enrichment/address-class';
import type { Column } from './flow-header';

/**
 * Reads the AWS fields of one clean line `s[from, end)` into `r` and returns true, or returns
 * false when the line is anything but clean — then the caller reads it again with the general
 * path, which gives the exact dead-letter reason (or accepts what this one leaves to it, such as
 * runs of spaces or IPv6 with a zone). Clean means: ASCII (the caller checked), fields separated
 * by exactly one space, no leading or trailing white space, the header's field count, numbers of
 * at most 15 digits within their ranges, IP addresses.
 */
export type LineParser = (s: string, from: number, end: number, r: Record<string, unknown>) => boolean;

const MAX_FAST_DIGITS = 15; // every 15-digit number is a safe integer; longer ones take the general path

function isAddress(s: string, from: number, to: number): boolean {
  return parseV4(s, from, to) >= 0 || isIP(s.substring(from, to)) !== 0;
}

/**
 * Generates the parser of one header's column order, once per file. Why generated: one
 * straight-line function with constant property names keeps every store monomorphic, where a
 * loop over columns with `r[name] = …` is a keyed store into an 80-property object per field.
 * Returns null for headers with fields we do not know (their values go to `extra`; the general
 * path handles them). Field names come from our own schema table (JSON-quoted), never from input.
 */
export function compileLineParser(
  columns: readonly Column[],
  ranges: Readonly<Record<string, readonly [number, number]>>,
): LineParser | null {
  if (columns.length === 0 || columns.some((c) => !c.known)) {
    return null;
  }
  const lines = [
    'let p = from, e = 0, n = 0, d = 0;',
    // Leading / trailing white space (the general path trims it).
    'if (s.charCodeAt(from) <= 32 || s.charCodeAt(end - 1) <= 32) return false;',
  ];
  columns.forEach((col, i) => {
    if (!col.known) {
      return;
    }
    const { name, type } = col.field;
    const prop = `r[${JSON.stringify(name)}]`;
    if (i === columns.length - 1) {
      // The last field runs to the end of the line: any space left means too many fields.
      lines.push("e = s.indexOf(' ', p); if (e !== -1 && e < end) return false; e = end;");
    } else {
      lines.push("e = s.indexOf(' ', p); if (e === -1 || e >= end) return false;");
    }
    lines.push('if (e === p) return false;');
    let value: string;
    switch (type) {
      case 'string':
        value = `${prop} = s.substring(p, e);`;
        break;
      case 'address':
        value = `if (!isAddress(s, p, e)) return false; ${prop} = s.substring(p, e);`;
        break;
      case 'int':
      case 'long': {
        const range = ranges[name];
        value = [
          `if (e - p > ${MAX_FAST_DIGITS}) return false;`,
          'n = 0;',
          'for (let i = p; i < e; i++) { d = s.charCodeAt(i) - 48; if (d < 0 || d > 9) return false; n = n * 10 + d; }',
          range ? `if (n < ${range[0]} || n > ${range[1]}) return false;` : '',
          `${prop} = n;`,
        ].join(' ');
        break;
      }
    }
    // '-' is null (the record starts with every field null).
    lines.push(`if (e !== p + 1 || s.charCodeAt(p) !== 45) { ${value} }`);
    lines.push('p = e + 1;');
  });
  lines.push('return true;');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- see above: our own field names, built once per file.
  const factory = new Function(
    'isAddress',
    `return function parseLine(s, from, end, r) {\n${lines.join('\n')}\n};`,
  ) as (a: typeof isAddress) => LineParser;
  return factory(isAddress);
}

/**
 * A byte-level scanner for one JSON document of the shape `{"Records":[…], …}`, pushed in chunks split
 * anywhere. It follows the grammar of the wrapper itself (top-level value, members, commas, colons)
 * and cuts out each element of the top-level `Records` array (and every other value) as bytes,
 * tracking strings, escapes and bracket nesting across chunks; each value is then read with
 * `JSON.parse`, which checks its grammar. So the per-byte work in JavaScript is a boundary search,
 * the parsing is V8's, and memory holds one value at a time (arrays in the wrapper are read element
 * by element, whatever member they are).
 *
 * The input must be valid UTF-8, checked by the caller: values are decoded with `toString('utf8')`.
 */

/** What happens to the values the scanner completes. */
export interface ScannerSink {
  /** An element of the top-level `Records` array, parsed, with its original bytes. */
  element(value: unknown, bytes: Buffer): void;
  /** A syntax error; the scanner stops. `message` says what and where. */
  syntaxError(message: string): void;
}

/** A value longer than this is refused as a syntax error (CloudTrail caps a record at 1 MB). */
export const MAX_VALUE_BYTES = 32 * 1024 * 1024;

const enum State {
  /** Before the top-level value: byte order mark, whitespace. */
  Start,
  /** After `{`: a key or `}`. */
  KeyOrEnd,
  /** After `,` in an object: a key. */
  Key,
  /** After a key: `:`. */
  Colon,
  /** After `:`: a value. */
  MemberValue,
  /** After a member's value: `,` or `}`. */
  CommaOrObjectEnd,
  /** After `[`: an element or `]`. */
  ElementOrEnd,
  /** After `,` in an array: an element. */
  Element,
  /** After an element: `,` or `]`. */
  CommaOrArrayEnd,
  /** After the top-level value: whitespace only. */
  End,
  /** Inside a value being cut out (see `Capture`). */
  Capture,
  /** After a syntax error. */
  Failed,
}

const enum Capture {
  /** An object or array: ends at its closing bracket. */
  Container,
  /** A string: ends at its closing quote. */
  String,
  /** A number or literal: ends before the next delimiter. */
  Scalar,
}

/** What the completed capture is: an element of Records, of another array, a key, a member's or the top-level value. */
const enum Role {
  Record,
  OtherElement,
  Key,
  Member,
  TopLevel,
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const isSpace = (c: number): boolean => c === SPACE || c === LF || c === CR || c === TAB;
const endsScalar = (c: number): boolean =>
  isSpace(c) || c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c === COLON;

/** How a parsed JSON value is described in messages. */
export function describeJson(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export class JsonRecordsScanner {
  private state = State.Start;
  /** Open containers of the wrapper: true for an object, false for an array. At most two deep. */
  private readonly frames: boolean[] = [];
  /** The open array is the top-level `Records` member. */
  private inRecords = false;
  private key = '';
  private bomChecked = false;

  // The value being cut out.
  private capture = Capture.Scalar;
  private role = Role.TopLevel;
  private parts: Buffer[] = [];
  private captured = 0;
  /** Open brackets inside the captured container, as their closing byte. */
  private readonly nesting: number[] = [];
  private inString = false;
  private escaped = false;

  /** What the top-level value is ('an object', 'an array', …), null before it starts. */
  topLevel: string | null = null;
  /** What the top-level `Records` member is, null while none was seen. */
  records: string | null = null;
  /** Bytes read so far (for messages). */
  offset = 0;

  constructor(
    private readonly sink: ScannerSink,
    private readonly maxValueBytes = MAX_VALUE_BYTES,
  ) {}

  get failed(): boolean {
    return this.state === State.Failed;
  }

  /** Scans `buf`, whole UTF-8 characters only. */
  push(buf: Buffer): void {
    const n = buf.length;
    let i = 0;
    if (!this.bomChecked && n > 0) {
      this.bomChecked = true;
      if (n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
        i = 3;
      }
    }
    while (i < n && this.state !== State.Failed) {
      if (this.state === State.Capture) {
        i = this.scanCapture(buf, i);
        continue;
      }
      const c = buf[i]!;
      if (isSpace(c)) {
        i++;
        continue;
      }
      i = this.structural(buf, i, c);
    }
    this.offset += n;
  }

  /** The input is complete: ends a scalar still open, reports anything unfinished. */
  end(): void {
    if (this.state === State.Capture && this.capture === Capture.Scalar) {
      this.complete(null, 0, 0);
    }
    switch (this.state) {
      case State.End:
      case State.Failed:
        return;
      case State.Start:
        this.fail('no JSON value in the file');
        return;
      case State.KeyOrEnd:
      case State.Key:
      case State.Colon:
      case State.MemberValue:
      case State.CommaOrObjectEnd:
      case State.ElementOrEnd:
      case State.Element:
      case State.CommaOrArrayEnd:
      case State.Capture:
        this.fail('the file ends inside the JSON');
        return;
    }
  }

  private fail(message: string): void {
    this.state = State.Failed;
    this.parts = [];
    this.sink.syntaxError(message);
  }

  private unexpected(c: number, at: number, expected: string): number {
    this.fail(
      `unexpected ${JSON.stringify(String.fromCharCode(c))} at byte ${this.offset + at}, ${expected}`,
    );
    return at + 1;
  }

  /** One non-whitespace byte outside a captured value. Returns where to go on. */
  private structural(buf: Buffer, i: number, c: number): number {
    switch (this.state) {
      case State.Start:
        if (c === OPEN_BRACE) {
          this.topLevel = 'an object';
          return this.open(true, i, State.KeyOrEnd);
        }
        if (c === OPEN_BRACKET) {
          this.topLevel = 'an array';
          return this.open(false, i, State.ElementOrEnd);
        }
        return this.startCapture(buf, i, c, Role.TopLevel);
      case State.KeyOrEnd:
        if (c === CLOSE_BRACE) {
          return this.close(i);
        }
        return c === QUOTE
          ? this.startCapture(buf, i, c, Role.Key)
          : this.unexpected(c, i, 'expected a key or }');
      case State.Key:
        return c === QUOTE ? this.startCapture(buf, i, c, Role.Key) : this.unexpected(c, i, 'expected a key');
      case State.Colon:
        if (c !== COLON) {
          return this.unexpected(c, i, 'expected :');
        }
        this.state = State.MemberValue;
        return i + 1;
      case State.MemberValue:
        if (c === OPEN_BRACKET && this.frames.length === 1) {
          // An array member of the top-level object: read element by element.
          if (this.key === 'Records') {
            this.records = 'an array';
            this.inRecords = true;
          }
          return this.open(false, i, State.ElementOrEnd);
        }
        return this.startCapture(buf, i, c, Role.Member);
      case State.CommaOrObjectEnd:
        if (c === COMMA) {
          this.state = State.Key;
          return i + 1;
        }
        return c === CLOSE_BRACE ? this.close(i) : this.unexpected(c, i, 'expected , or }');
      case State.ElementOrEnd:
        if (c === CLOSE_BRACKET) {
          return this.close(i);
        }
        return this.startCapture(buf, i, c, this.inRecords ? Role.Record : Role.OtherElement);
      case State.Element:
        return this.startCapture(buf, i, c, this.inRecords ? Role.Record : Role.OtherElement);
      case State.CommaOrArrayEnd:
        if (c === COMMA) {
          this.state = State.Element;
          return i + 1;
        }
        return c === CLOSE_BRACKET ? this.close(i) : this.unexpected(c, i, 'expected , or ]');
      case State.End:
        return this.unexpected(c, i, 'expected the end of the file after the JSON value');
      case State.Capture:
      case State.Failed:
        return i + 1;
    }
  }

  private open(object: boolean, i: number, next: State): number {
    this.frames.push(object);
    this.state = next;
    return i + 1;
  }

  private close(i: number): number {
    this.frames.pop();
    this.inRecords = false;
    this.afterValue();
    return i + 1;
  }

  /** Where the grammar goes after a value in the current container. */
  private afterValue(): void {
    const depth = this.frames.length;
    if (depth === 0) {
      this.state = State.End;
    } else {
      this.state = this.frames[depth - 1] ? State.CommaOrObjectEnd : State.CommaOrArrayEnd;
    }
  }

  private startCapture(buf: Buffer, i: number, c: number, role: Role): number {
    this.role = role;
    this.parts = [];
    this.captured = 0;
    this.inString = false;
    this.escaped = false;
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      this.capture = Capture.Container;
    } else if (c === QUOTE) {
      this.capture = Capture.String;
    } else if (endsScalar(c)) {
      return this.unexpected(c, i, 'expected a value');
    } else {
      this.capture = Capture.Scalar;
    }
    this.state = State.Capture;
    return this.scanCapture(buf, i);
  }

  /**
   * Looks for the end of the captured value from `start`. The hot loop: strings are skipped to their
   * closing quote, brackets are matched by kind so that a mismatch is found where it is. What is
   * inside a string (raw control characters, bad escapes) is JSON.parse's to refuse.
   */
  private scanCapture(buf: Buffer, start: number): number {
    const n = buf.length;
    let i = start;
    if (this.capture === Capture.Scalar) {
      while (
        i < n &&
        !endsScalar(buf[i]!) &&
        buf[i] !== QUOTE &&
        buf[i] !== OPEN_BRACE &&
        buf[i] !== OPEN_BRACKET
      ) {
        i++;
      }
      return i < n ? this.complete(buf, start, i) : this.keep(buf, start, n);
    }
    let inString = this.inString;
    let escaped = this.escaped;
    const nesting = this.nesting;
    if (this.capture === Capture.String && this.captured === 0 && this.parts.length === 0 && !inString) {
      // The opening quote.
      inString = true;
      i++;
    }
    while (i < n) {
      if (inString) {
        if (escaped) {
          // The byte after a backslash that ended the previous buffer.
          escaped = false;
          i++;
          continue;
        }
        // Strings are most of a record: jump to the next quote (memchr), then look back for the
        // backslashes before it; an odd run escapes it.
        const q = buf.indexOf(QUOTE, i);
        if (q === -1) {
          let k = n;
          while (k > i && buf[k - 1] === BACKSLASH) {
            k--;
          }
          escaped = (n - k) % 2 === 1;
          i = n;
          break;
        }
        let k = q;
        while (k > i && buf[k - 1] === BACKSLASH) {
          k--;
        }
        i = q + 1;
        if ((q - k) % 2 === 1) {
          continue;
        }
        inString = false;
        if (this.capture === Capture.String) {
          this.inString = false;
          return this.complete(buf, start, i);
        }
        continue;
      }
      const c = buf[i++]!;
      if (c === QUOTE) {
        inString = true;
      } else if (c === OPEN_BRACE) {
        nesting.push(CLOSE_BRACE);
      } else if (c === OPEN_BRACKET) {
        nesting.push(CLOSE_BRACKET);
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (nesting.pop() !== c) {
          // A bracket of the wrong kind: JSON.parse of the text so far names the error.
          nesting.length = 0;
          return this.complete(buf, start, i);
        }
        if (nesting.length === 0) {
          return this.complete(buf, start, i);
        }
      }
    }
    this.inString = inString;
    this.escaped = escaped;
    return this.keep(buf, start, n);
  }

  /** The value goes on past this buffer: keeps its bytes so far. */
  private keep(buf: Buffer, start: number, end: number): number {
    if (end > start) {
      this.parts.push(buf.subarray(start, end));
      this.captured += end - start;
      if (this.captured > this.maxValueBytes) {
        this.fail(`a JSON value longer than ${this.maxValueBytes} bytes at byte ${this.offset + start}`);
      }
    }
    return end;
  }

  /** The value ends at `end` of `buf` (null: at the end of the input). */
  private complete(buf: Buffer | null, start: number, end: number): number {
    if (buf && end > start) {
      this.parts.push(buf.subarray(start, end));
    }
    const parts = this.parts;
    this.parts = [];
    this.nesting.length = 0;
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    const text = bytes.toString('utf8');
    const role = this.role;
    this.afterValue();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      this.fail(`${(err as Error).message}, in the value that ends at byte ${this.offset + end}`);
      return end;
    }
    switch (role) {
      case Role.Record:
        this.sink.element(value, bytes);
        break;
      case Role.Key:
        this.key = value as string;
        this.state = State.Colon;
        break;
      case Role.Member:
        if (this.frames.length === 1 && this.key === 'Records') {
          this.records = describeJson(value);
        }
        break;
      case Role.TopLevel:
        this.topLevel = describeJson(value);
        break;
      case Role.OtherElement:
        break;
    }
    return end;
  }
}

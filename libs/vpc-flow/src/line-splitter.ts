/**
 * Splits a byte stream into lines ('\n', with an optional '\r' before it), keeping the partial
 * last line across chunks. Works on bytes so that a multi-byte character split between chunks
 * is joined before it is decoded.
 */
export class LineSplitter {
  private rest: Buffer | null = null;

  /** Calls `onLine` for every complete line in `chunk` (without its terminator). */
  push(chunk: Buffer, onLine: (line: Buffer) => void): void {
    let data = chunk;
    if (this.rest) {
      data = Buffer.concat([this.rest, chunk]);
      this.rest = null;
    }
    let start = 0;
    let nl = data.indexOf(10, start);
    while (nl !== -1) {
      const end = nl > start && data[nl - 1] === 13 ? nl - 1 : nl;
      onLine(data.subarray(start, end));
      start = nl + 1;
      nl = data.indexOf(10, start);
    }
    if (start < data.length) {
      // Copy so that the (possibly large) chunk is not kept alive by a small remainder.
      this.rest = Buffer.from(data.subarray(start));
    }
  }

  /** The last line when the input does not end with a newline. */
  end(onLine: (line: Buffer) => void): void {
    if (this.rest && this.rest.length > 0) {
      const rest = this.rest;
      onLine(rest.length > 0 && rest[rest.length - 1] === 13 ? rest.subarray(0, rest.length - 1) : rest);
    }
    this.rest = null;
  }
}

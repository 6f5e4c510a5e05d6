/**
 * The tokens of stream-json's parser when it packs values and streams none of them
 * (`parser({ packValues: true, streamValues: false })`). Numbers come as their JSON text.
 */
export type JsonToken =
  | { name: 'startObject' }
  | { name: 'endObject' }
  | { name: 'startArray' }
  | { name: 'endArray' }
  | { name: 'keyValue'; value: string }
  | { name: 'stringValue'; value: string }
  | { name: 'numberValue'; value: string }
  | { name: 'nullValue' }
  | { name: 'trueValue' }
  | { name: 'falseValue' };

type Container = Record<string, unknown> | unknown[];

/**
 * Sets an own property, as JSON.parse does: a plain assignment of `__proto__` would replace the
 * prototype instead (and lose the member), and `__proto__` is a legal key in CloudTrail's free-form
 * members (a tag key, for instance).
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/**
 * Builds one JSON value from tokens, giving the same result as JSON.parse of its text.
 * stream-json's own Assembler assigns keys plainly (see `setOwn`), hence this one.
 */
export class JsonValueAssembler {
  private readonly open: Container[] = [];
  /** For each open container but the outermost, the key it goes under in its parent. */
  private readonly parentKeys: string[] = [];
  private key = '';
  private value: unknown = undefined;

  /** True while a container is open, i.e. between the first and the last token of a value. */
  get busy(): boolean {
    return this.open.length > 0;
  }

  /** Feeds one token; true when it completes the value, which `take()` then hands over. */
  consume(token: JsonToken): boolean {
    switch (token.name) {
      case 'startObject':
        return this.start({});
      case 'startArray':
        return this.start([]);
      case 'endObject':
      case 'endArray':
        return this.end();
      case 'keyValue':
        this.key = token.value;
        return false;
      case 'stringValue':
        return this.save(token.value);
      case 'numberValue':
        return this.save(Number(token.value));
      case 'nullValue':
        return this.save(null);
      case 'trueValue':
        return this.save(true);
      case 'falseValue':
        return this.save(false);
    }
  }

  take(): unknown {
    const value = this.value;
    this.value = undefined;
    return value;
  }

  private start(container: Container): false {
    if (this.open.length > 0) {
      this.parentKeys.push(this.key);
    }
    this.open.push(container);
    return false;
  }

  private end(): boolean {
    const done = this.open.pop();
    if (this.open.length === 0) {
      this.value = done;
      return true;
    }
    this.key = this.parentKeys.pop() ?? '';
    return this.save(done);
  }

  private save(value: unknown): boolean {
    const parent = this.open[this.open.length - 1];
    if (parent === undefined) {
      this.value = value;
      return true;
    }
    if (Array.isArray(parent)) {
      parent.push(value);
    } else {
      setOwn(parent, this.key, value);
    }
    return false;
  }
}

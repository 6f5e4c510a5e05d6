/**
 * CRC-64-AVRO ("Rabin") fingerprint, as defined by the Avro specification
 * (section "Schema Fingerprints"). Written here because avsc only offers hashes from node:crypto,
 * and single-object encoding requires exactly this 64-bit fingerprint of the canonical form.
 */
const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;

const TABLE: bigint[] = (() => {
  const table: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) {
      fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n) & MASK);
    }
    table.push(fp & MASK);
  }
  return table;
})();

/** Fingerprint of `text` (the schema's Parsing Canonical Form) as 8 little-endian bytes. */
export function rabinFingerprint(text: string): Buffer {
  let fp = EMPTY;
  for (const byte of Buffer.from(text, 'utf8')) {
    fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(byte)) & 0xffn)]!;
  }
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(fp & MASK);
  return out;
}

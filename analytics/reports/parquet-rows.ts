/**
 * The number of rows a Parquet file holds, read from its footer: `PAR1`, the file metadata
 * (Thrift compact protocol), its length as 4 bytes little-endian, `PAR1`. FileMetaData's
 * field 3 is num_rows (i64); fields 1 (version) and 2 (the schema) come before it and are
 * skipped. Enough to audit how many rows a report wrote, without a Parquet library.
 */
export function parquetRowCount(file: Uint8Array): number {
  const bytes = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== 'PAR1' || bytes.toString('latin1', bytes.length - 4) !== 'PAR1') {
    throw new Error('not a Parquet file');
  }
  const length = bytes.readUInt32LE(bytes.length - 8);
  const start = bytes.length - 8 - length;
  if (start < 4) throw new Error('Parquet footer length out of range');
  const reader = new CompactReader(bytes.subarray(start, bytes.length - 8));
  let fieldId = 0;
  for (;;) {
    const header = reader.byte();
    const type = header & 0x0f;
    if (type === STOP) break;
    const delta = header >> 4;
    fieldId = delta === 0 ? reader.zigzag() : fieldId + delta;
    if (fieldId === 3 && type === I64) return reader.zigzag();
    reader.skip(type);
  }
  throw new Error('Parquet footer has no num_rows');
}

const STOP = 0;
const TRUE = 1;
const FALSE = 2;
const BYTE = 3;
const I16 = 4;
const I32 = 5;
const I64 = 6;
const DOUBLE = 7;
const BINARY = 8;
const LIST = 9;
const SET = 10;
const MAP = 11;
const STRUCT = 12;

class CompactReader {
  private at = 0;
  constructor(private readonly bytes: Buffer) {}

  byte(): number {
    if (this.at >= this.bytes.length) throw new Error('Parquet footer truncated');
    return this.bytes[this.at++]!;
  }

  varint(): bigint {
    let value = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value;
      shift += 7n;
      if (shift > 70n) throw new Error('Parquet footer varint too long');
    }
  }

  zigzag(): number {
    const v = this.varint();
    return Number((v >> 1n) ^ -(v & 1n));
  }

  advance(n: number): void {
    if (n < 0 || this.at + n > this.bytes.length) throw new Error('Parquet footer truncated');
    this.at += n;
  }

  skip(type: number): void {
    switch (type) {
      case TRUE:
      case FALSE:
        return;
      case BYTE:
        return this.advance(1);
      case I16:
      case I32:
      case I64:
        this.varint();
        return;
      case DOUBLE:
        return this.advance(8);
      case BINARY:
        return this.advance(Number(this.varint()));
      case LIST:
      case SET: {
        const header = this.byte();
        const size = header >> 4 === 15 ? Number(this.varint()) : header >> 4;
        const element = header & 0x0f;
        for (let i = 0; i < size; i++) this.skipElement(element);
        return;
      }
      case MAP: {
        const size = Number(this.varint());
        if (size === 0) return;
        const types = this.byte();
        for (let i = 0; i < size; i++) {
          this.skipElement(types >> 4);
          this.skipElement(types & 0x0f);
        }
        return;
      }
      case STRUCT: {
        for (;;) {
          const header = this.byte();
          const fieldType = header & 0x0f;
          if (fieldType === STOP) return;
          if (header >> 4 === 0) this.zigzag();
          this.skip(fieldType);
        }
      }
      default:
        throw new Error(`Parquet footer has an unknown Thrift type ${type}`);
    }
  }

  /** Inside a collection a boolean is one byte, not folded into a field header. */
  private skipElement(type: number): void {
    if (type === TRUE || type === FALSE) this.advance(1);
    else this.skip(type);
  }
}

import { crc32 } from 'node:zlib';

/**
 * One journal record on disk: [payload length: uint32 LE][CRC-32 of the payload: uint32 LE][payload].
 * A crash can leave a record half written and a disk can return garbage: the length and checksum let
 * the reader find where the intact records end.
 */
export const RECORD_HEADER_BYTES = 8;
/** Longer than any write command can produce (the wire protocol caps a message at 48 MB). */
const MAX_RECORD_BYTES = 64 * 1024 * 1024;

export function encodeRecord(payload: Buffer): Buffer {
  if (payload.length === 0 || payload.length > MAX_RECORD_BYTES) {
    throw new RangeError(`A journal record must hold 1 to ${MAX_RECORD_BYTES} bytes`);
  }
  const record = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  record.writeUInt32LE(payload.length, 0);
  record.writeUInt32LE(crc32(payload), 4);
  payload.copy(record, RECORD_HEADER_BYTES);
  return record;
}

export interface DecodedJournal {
  payloads: Buffer[];
  /** Bytes from the start of the file that hold intact records. */
  validBytes: number;
  /** Why decoding stopped before the end of the data, if it did. */
  damage?: string;
}

/** Reads records until the data ends or a record is torn or corrupt; nothing after that is trusted. */
export function decodeJournal(data: Buffer): DecodedJournal {
  const payloads: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    const damage = recordDamage(data, offset);
    if (damage) return { payloads, validBytes: offset, damage };
    const length = data.readUInt32LE(offset);
    payloads.push(data.subarray(offset + RECORD_HEADER_BYTES, offset + RECORD_HEADER_BYTES + length));
    offset += RECORD_HEADER_BYTES + length;
  }
  return { payloads, validBytes: offset };
}

function recordDamage(data: Buffer, offset: number): string | undefined {
  if (data.length - offset < RECORD_HEADER_BYTES) return `torn record header at byte ${offset}`;
  const length = data.readUInt32LE(offset);
  // A zero length is what a crash leaves when the file was extended but its bytes never written.
  if (length === 0 || length > MAX_RECORD_BYTES) return `invalid record length ${length} at byte ${offset}`;
  const end = offset + RECORD_HEADER_BYTES + length;
  if (end > data.length) return `torn record at byte ${offset} (${end - data.length} bytes missing)`;
  const payload = data.subarray(offset + RECORD_HEADER_BYTES, end);
  if (crc32(payload) !== data.readUInt32LE(offset + 4)) return `checksum mismatch at byte ${offset}`;
  return undefined;
}

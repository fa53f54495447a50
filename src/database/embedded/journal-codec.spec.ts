import { decodeJournal, encodeRecord, RECORD_HEADER_BYTES } from './journal-codec.js';

const records = ['{"op":"put"}', '{"op":"del"}', 'ünïcödé'].map((text) => Buffer.from(text));
const journal = () => Buffer.concat(records.map(encodeRecord));

describe('journal codec', () => {
  it('reads back every record it wrote', () => {
    const decoded = decodeJournal(journal());
    expect(decoded.payloads.map(String)).toEqual(records.map(String));
    expect(decoded.validBytes).toBe(journal().length);
    expect(decoded.damage).toBeUndefined();
  });

  it('reads an empty journal as no records', () => {
    expect(decodeJournal(Buffer.alloc(0))).toEqual({ payloads: [], validBytes: 0 });
  });

  it.each([1, 4, RECORD_HEADER_BYTES, RECORD_HEADER_BYTES + 3])(
    'keeps the intact records when the last one lost its last %i bytes',
    (lost) => {
      const data = journal();
      const decoded = decodeJournal(data.subarray(0, data.length - lost));
      expect(decoded.payloads.map(String)).toEqual(records.slice(0, 2).map(String));
      expect(decoded.validBytes).toBe(data.length - encodeRecord(records[2]).length);
      expect(decoded.damage).toMatch(/torn|invalid/);
    },
  );

  it('stops at a record whose payload does not match its checksum', () => {
    const data = journal();
    data[data.length - 1] ^= 0xff;
    const decoded = decodeJournal(data);
    expect(decoded.payloads).toHaveLength(2);
    expect(decoded.damage).toMatch(/checksum mismatch/);
  });

  it('stops at a zero-filled tail instead of reading empty records', () => {
    const decoded = decodeJournal(Buffer.concat([journal(), Buffer.alloc(64)]));
    expect(decoded.payloads).toHaveLength(3);
    expect(decoded.validBytes).toBe(journal().length);
    expect(decoded.damage).toMatch(/invalid record length 0/);
  });

  it('refuses to write an empty record', () => {
    expect(() => encodeRecord(Buffer.alloc(0))).toThrow(RangeError);
  });
});

// RecordIO decoding, as the master's streams send it: each record is
// "<length>\n<bytes>", length in bytes (not characters). Chunks may split a
// record anywhere, including inside a UTF-8 sequence.

export class RecordIODecoder {
  constructor() {
    this.buffer = new Uint8Array(0);
    this.text = new TextDecoder();
  }

  // Takes the next chunk (Uint8Array) and returns the records it completes,
  // as strings. Throws on a malformed length.
  push(chunk) {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer, 0);
    joined.set(chunk, this.buffer.length);
    const records = [];
    let start = 0;
    for (;;) {
      const newline = joined.indexOf(10, start);
      if (newline < 0) break;
      const header = this.text.decode(joined.subarray(start, newline));
      if (!/^\d+$/.test(header)) throw new Error('bad RecordIO length: ' + JSON.stringify(header.slice(0, 40)));
      const length = Number(header);
      if (joined.length < newline + 1 + length) break;
      records.push(this.text.decode(joined.subarray(newline + 1, newline + 1 + length)));
      start = newline + 1 + length;
    }
    this.buffer = joined.slice(start);
    return records;
  }
}

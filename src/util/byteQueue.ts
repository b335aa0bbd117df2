/** Input chunks of any size (1 byte to many MB), read back as contiguous byte ranges without quadratic copying. */
export class ByteQueue {
  private readonly chunks: Buffer[] = [];
  private offset = 0; // into chunks[0]
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The first n bytes (n ≤ length): a view when they lie in one chunk, else a copy. */
  peek(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0];
    if (first.length - this.offset >= n) return first.subarray(this.offset, this.offset + n);
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    let start = this.offset;
    for (let i = 0; written < n; i++, start = 0) {
      const chunk = this.chunks[i];
      written += chunk.copy(out, written, start, Math.min(chunk.length, start + n - written));
    }
    return out;
  }

  skip(n: number): void {
    this.length -= n;
    let consumed = 0;
    while (n > 0) {
      const available = this.chunks[consumed].length - this.offset;
      if (n < available) {
        this.offset += n;
        break;
      }
      n -= available;
      consumed += 1;
      this.offset = 0;
    }
    this.chunks.splice(0, consumed);
  }
}

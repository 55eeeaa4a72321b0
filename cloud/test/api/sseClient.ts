/** One block of a text/event-stream (fields as sent; `comment` for `:` lines). */
export interface SseBlock {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/**
 * A minimal server-sent-events reader over fetch, for tests: collects every block the server
 * sends (parsed per the WHATWG `text/event-stream` rules that matter here) until closed.
 */
export class SseStream {
  readonly blocks: SseBlock[] = [];
  private readonly ac = new AbortController();
  status = 0;
  private done: Promise<void> = Promise.resolve();

  static async open(url: string, headers: Record<string, string>): Promise<SseStream> {
    const s = new SseStream();
    const res = await fetch(url, { headers, signal: s.ac.signal });
    s.status = res.status;
    if (!res.body) return s;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    s.done = (async () => {
      let buf = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buf += value;
          let i = buf.indexOf('\n\n');
          while (i >= 0) {
            s.blocks.push(parseBlock(buf.slice(0, i)));
            buf = buf.slice(i + 2);
            i = buf.indexOf('\n\n');
          }
        }
      } catch {
        // aborted by close()
      }
    })();
    return s;
  }

  /** Events with an `event:` field (not comments or `retry:`). */
  get events(): SseBlock[] {
    return this.blocks.filter((b) => b.event !== undefined);
  }

  async close(): Promise<void> {
    this.ac.abort();
    await this.done;
  }
}

function parseBlock(text: string): SseBlock {
  const b: SseBlock = {};
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) b.comment = line.slice(1).trim();
    else {
      const at = line.indexOf(':');
      const field = at < 0 ? line : line.slice(0, at);
      const value = at < 0 ? '' : line.slice(at + 1).replace(/^ /, '');
      if (field === 'id' || field === 'event') b[field] = value;
      else if (field === 'data') b.data = b.data === undefined ? value : `${b.data}\n${value}`;
    }
  }
  return b;
}

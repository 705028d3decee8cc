/**
 * `src/api`'s client reads streamed answers with `for await` over `response.body`; Safari's ReadableStream is
 * not async-iterable yet, so give it the standard iterator (a reader loop) where it is missing.
 */
const proto = ReadableStream.prototype as unknown as Partial<AsyncIterable<unknown>>;
if (typeof proto[Symbol.asyncIterator] !== 'function') {
  proto[Symbol.asyncIterator] = async function* (this: ReadableStream<unknown>) {
    const reader = this.getReader();
    let finished = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          finished = true;
          return;
        }
        yield value;
      }
    } finally {
      // Leaving the loop early cancels the stream, as the standard iterator does (it aborts the download).
      if (!finished) await reader.cancel();
      reader.releaseLock();
    }
  };
}

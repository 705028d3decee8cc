/** Newline-delimited JSON, the streaming format of Ollama's API. */

/** Encode one value as an NDJSON line. */
export function ndjsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/**
 * Decode a byte stream of NDJSON into parsed values. Blank lines are skipped; a trailing line without newline
 * is still parsed; a malformed line throws `SyntaxError` naming the line.
 */
export async function* parseNdjson(stream: AsyncIterable<Uint8Array>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line !== '') yield parseLine(line);
      newline = buffer.indexOf('\n');
    }
  }
  buffer += decoder.decode();
  if (buffer.trim() !== '') yield parseLine(buffer.trim());
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (err) {
    throw new SyntaxError(`malformed NDJSON line: ${line.slice(0, 200)}`, { cause: err });
  }
}

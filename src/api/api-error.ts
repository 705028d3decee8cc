/** Failure of a call made through the typed client: HTTP status plus the server's message. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  /**
   * @param status HTTP status, or 0 when the server could not be reached.
   * @param code The server's error code when it sent one (OpenAI shape), or `SERVER_UNREACHABLE`.
   */
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The message (and code) of an error answer's body in either dialect: Ollama's `{"error":"…"}` or OpenAI's
 * `{"error":{"message":"…","code":"…"}}`; undefined for a body that is neither (HTML from a proxy, empty).
 */
export function errorBodyMessage(text: string): { message: string; code?: string } | undefined {
  try {
    const body = JSON.parse(text) as { error?: string | { message?: string; code?: string } };
    if (typeof body.error === 'string') return { message: body.error };
    if (body.error && typeof body.error.message === 'string') {
      return { message: body.error.message, code: body.error.code };
    }
  } catch {
    // Not JSON: the caller falls back to the text or the status line.
  }
  return undefined;
}

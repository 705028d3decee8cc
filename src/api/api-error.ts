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

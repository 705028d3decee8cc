/** Renders `docs/errors.md` from {@link errorCatalog}; a test keeps the file in step. */
import { errorCatalog, type ErrorCode } from './errors.js';

/** The Markdown document listing every error code with its HTTP status. */
export function renderErrorDocs(): string {
  const codes = Object.keys(errorCatalog) as ErrorCode[];
  return [
    '# Error codes',
    '',
    '<!-- Generated from src/core/errors.ts by `npm run docs`; a test fails when it is stale. -->',
    '',
    'Every failure carries one of these codes. Ollama-dialect routes answer `{"error": "<message>"}`;',
    'OpenAI-dialect routes (`/v1/*`) answer `{"error": {"message", "type", "code"}}` with `code` below.',
    '',
    '| Code | HTTP status | Meaning |',
    '| --- | --- | --- |',
    ...codes.map((c) => `| \`${c}\` | ${errorCatalog[c].status} | ${errorCatalog[c].description} |`),
    '',
  ].join('\n');
}

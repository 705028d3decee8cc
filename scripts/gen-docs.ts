/** Regenerates docs/config.md and docs/errors.md from their sources of truth. */
import { writeFileSync } from 'node:fs';
import { renderConfigDocs } from '../src/config/index.js';
import { renderErrorDocs } from '../src/core/error-docs.js';

writeFileSync(new URL('../docs/config.md', import.meta.url), renderConfigDocs());
writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorDocs());

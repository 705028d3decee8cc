/**
 * Where the built web console lies: `dist/web`, which `vite build` writes. Both `corral serve` and
 * `corral gateway` serve it, so its place is computed once, here: from `src/http/console/` under tsx and from
 * `dist/http/console/` once compiled, three folders up is the package root either way.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The console build folder (`index.html`, `assets/`); it may be absent (the console then says to build it). */
export const CONSOLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'web');

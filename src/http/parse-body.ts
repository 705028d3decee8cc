/** Reads and validates a JSON request body; every failure is a 400 that names the field. */
import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError } from '../core/index.js';

/** `c`'s JSON body (`{}` when empty); throws `INVALID_REQUEST` when it is not JSON. */
export async function readJsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return text.trim() === '' ? {} : JSON.parse(text);
  } catch (err) {
    throw new AppError('INVALID_REQUEST', `invalid JSON body: ${(err as Error).message}`, { cause: err });
  }
}

/** Parse `c`'s JSON body with `schema`; throws `INVALID_REQUEST` with the field path on any problem. */
export async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const json = await readJsonBody(c);
  const result = schema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((i) =>
      i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message,
    );
    throw new AppError('INVALID_REQUEST', `invalid request: ${problems.join('; ')}`, {
      details: { issues: result.error.issues },
    });
  }
  return result.data;
}

/** Parse `c`'s query string with `schema`; throws `INVALID_REQUEST` naming the parameter on any problem. */
export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const result = schema.safeParse(c.req.query());
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new AppError('INVALID_REQUEST', `invalid query: ${problems.join('; ')}`, {
      details: { issues: result.error.issues },
    });
  }
  return result.data;
}

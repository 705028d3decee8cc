/** Every answer carries the console's security headers; OpenAI clients get their error shape on 401. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { CORRAL_AUTH: 'on' } });
});
afterAll(async () => {
  await t?.close();
});

it('sends nosniff, no framing, no referrer and a same-origin CSP', async () => {
  const res = await t.app.request('/api/version');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
  expect(res.headers.get('strict-transport-security')).toBeNull();
});

it('answers a keyless OpenAI request with an OpenAI-shaped 401', async () => {
  const res = await t.json('POST', '/v1/chat/completions', { model: 'x', messages: [] });
  expect(res.status).toBe(401);
  const body = (await res.json()) as { error: { message: string; code: string } };
  expect(body.error.message).toMatch(/authentication required/);
});

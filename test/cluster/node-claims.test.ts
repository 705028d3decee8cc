/**
 * A joined node's id belongs to the join credential it first joined with, on both dialects: another valid
 * credential is refused, a revoked, expired or deleted one (or a disabled user) yields the id, and concurrent
 * first claims leave exactly one holder.
 */
import { describe, expect, it } from 'vitest';
import { ANONYMOUS, LOCAL_PRINCIPAL, type Principal } from '../../src/auth/index.js';
import { NodeClaims } from '../../src/cluster/gateway/node-claims.js';
import { isAppError } from '../../src/core/index.js';
import { testDatabases } from '../helpers/test-databases.js';
import { unique, useDatabase } from '../db/use-database.js';

describe.each(testDatabases)('node claims on $kind', (tdb) => {
  describe.skipIf(!tdb.available)('claims', () => {
    const db = useDatabase(tdb);
    const claims = () => new NodeClaims({ cluster: db().cluster, apiKeys: db().apiKeys, users: db().users });
    const keyPrincipal = (id: string): Principal => ({ ...ANONYMOUS, kind: 'key', id, role: 'node' });
    const newKey = async (o: { expiresAt?: Date; userId?: string } = {}) => {
      const id = unique('k').slice(-12);
      await db().apiKeys.create({
        id,
        name: unique('join'),
        userId: o.userId ?? null,
        role: 'node',
        secretHash: 'x'.repeat(64),
        expiresAt: o.expiresAt ?? null,
        rateLimitPerMinute: null,
        maxConcurrent: null,
      });
      return keyPrincipal(id);
    };
    const refused = async (p: Promise<void>) => {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      return isAppError(err, 'FORBIDDEN');
    };

    it('binds an id to the first key, refuses another valid key, and lets the holder back in', async () => {
      const node = unique('node');
      const [first, second] = [await newKey(), await newKey()];
      await claims().check(node, first);
      expect(await refused(claims().check(node, second))).toBe(true);
      await claims().check(node, first);
      expect(await db().cluster.nodeClaim(node)).toBe(`key:${first.id}`);
    });

    it('hands the id on when the holder can no longer authenticate', async () => {
      const revokedNode = unique('node');
      const revoked = await newKey();
      await claims().check(revokedNode, revoked);
      await db().apiKeys.revoke(revoked.id, new Date());
      const next = await newKey();
      await claims().check(revokedNode, next);
      expect(await db().cluster.nodeClaim(revokedNode)).toBe(`key:${next.id}`);
      expect(await refused(claims().check(revokedNode, revoked))).toBe(true);

      const expiringNode = unique('node');
      const expired = await newKey({ expiresAt: new Date(Date.now() + 60_000) });
      await claims().check(expiringNode, expired);
      const later = new NodeClaims({
        cluster: db().cluster,
        apiKeys: db().apiKeys,
        users: db().users,
        now: () => new Date(Date.now() + 120_000),
      });
      await later.check(expiringNode, await newKey());

      const userNode = unique('node');
      const user = await db().users.create({ name: unique('u'), role: 'admin', passwordHash: null });
      const owned = await newKey({ userId: user.id });
      await claims().check(userNode, owned);
      expect(await refused(claims().check(userNode, await newKey()))).toBe(true);
      await db().users.update(user.id, { disabled: true });
      await claims().check(userNode, await newKey());
    });

    it('leaves one holder when two keys claim a fresh id at once, and binds nothing without credentials', async () => {
      const node = unique('node');
      const keys = [await newKey(), await newKey(), await newKey()];
      const outcomes = await Promise.allSettled(keys.map((k) => claims().check(node, k)));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const holder = await db().cluster.nodeClaim(node);
      expect(keys.map((k) => `key:${k.id}`)).toContain(holder);

      const open = unique('node');
      await claims().check(open, LOCAL_PRINCIPAL); // auth off: there is no credential to bind to
      expect(await db().cluster.nodeClaim(open)).toBeUndefined();
      await claims().check(open, await newKey());
    });
  });
});

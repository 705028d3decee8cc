import { describe, expect, it } from 'vitest';
import {
  CLUSTER_SECRET_HEADER,
  issueRelayTicket,
  nodeCallHeaders,
  relayTicketValid,
  relayUrl,
  secretMatches,
} from './relay-auth.js';

describe('relay auth', () => {
  it.each([
    ['http://gw:11434/api/cluster/relay/n1/api/generate', true],
    ['http://gw:11434/api/cluster/relay/n1', true],
    ['http://node:11434/api/generate', false],
    ['http://node:11434/x/api/cluster/relay/n1', false],
    ['not a url', false],
  ])('sends the cluster secret to %s: %s', (url, sent) => {
    expect(nodeCallHeaders(url, 's3cret')).toEqual(sent ? { [CLUSTER_SECRET_HEADER]: 's3cret' } : {});
    expect(nodeCallHeaders(url, undefined)).toEqual({});
  });

  it('builds relay URLs under the gateway URL', () => {
    expect(relayUrl('http://gw:1/', 'abc-1')).toBe('http://gw:1/api/cluster/relay/abc-1');
  });

  it('accepts only tickets signed with the secret for that node and that URL', () => {
    const ticket = issueRelayTicket('secret', 'n1', 'http://gw/api/cluster/relay/n1');
    expect(relayTicketValid('secret', 'n1', ticket)).toBe(true);
    expect(relayTicketValid('other', 'n1', ticket)).toBe(false);
    expect(relayTicketValid('secret', 'n2', ticket)).toBe(false);
    expect(relayTicketValid('secret', 'n1', { ...ticket, url: 'http://evil/api/cluster/relay/n1' })).toBe(
      false,
    );
    expect(relayTicketValid('secret', 'n1', { ...ticket, signature: '00' })).toBe(false);
  });

  it('compares secrets exactly', () => {
    expect(secretMatches('abc', 'abc')).toBe(true);
    expect(secretMatches('abd', 'abc')).toBe(false);
    expect(secretMatches('abcd', 'abc')).toBe(false);
    expect(secretMatches(undefined, 'abc')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { parseToolCall, toolCallSchema } from './forced-tool-call.js';

const weather = { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } };
const time = { name: 'time' };

describe('forced tool calls', () => {
  it('builds one schema per tool, oneOf for several', () => {
    expect(toolCallSchema([weather])).toEqual({
      type: 'object',
      properties: { name: { const: 'weather' }, arguments: weather.parameters },
      required: ['name', 'arguments'],
    });
    const both = toolCallSchema([weather, time]) as { oneOf: Array<{ properties: { arguments: unknown } }> };
    expect(both.oneOf).toHaveLength(2);
    expect(both.oneOf[1]!.properties.arguments).toEqual({ type: 'object', additionalProperties: true });
  });

  it.each([
    ['{"name":"weather","arguments":{"city":"Oslo"}}', { name: 'weather', arguments: { city: 'Oslo' } }],
    ['{"name":"time","arguments":[]}', { name: 'time', arguments: {} }],
    ['{"name":"other","arguments":{}}', undefined],
    ['{"name":"weather","argu', undefined],
    ['"weather"', undefined],
    ['null', undefined],
  ])('parses %s', (text, expected) => {
    expect(parseToolCall(text, [weather, time])).toEqual(expected);
  });
});

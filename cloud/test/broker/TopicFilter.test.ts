import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  filterCovers,
  filterMatchesTopic,
  isValidFilter,
  isValidTopicName,
} from '../../src/broker/TopicFilter.js';

const level = fc.constantFrom('a', 'b', 'releve', 'v1', '', '$SYS', 'x y');
const filterLevel = fc.oneof(level, fc.constant('+'));
/** Random well-formed filters: levels, `+`, an optional trailing `#`. */
const filterArb = fc
  .tuple(fc.array(filterLevel, { minLength: 1, maxLength: 5 }), fc.boolean())
  .map(([ls, hash]) => (hash ? [...ls, '#'] : ls).join('/'));
const topicArb = fc.array(level, { minLength: 1, maxLength: 6 }).map((ls) => ls.join('/'));

describe('filterMatchesTopic (MQTT 3.1.1 §4.7)', () => {
  it.each([
    ['sport/tennis/player1/#', 'sport/tennis/player1', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
    ['sport/#', 'sport', true],
    ['sport/tennis/+', 'sport/tennis/player1', true],
    ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
    ['sport/+', 'sport', false],
    ['sport/+', 'sport/', true],
    ['+/+', '/finance', true],
    ['/+', '/finance', true],
    ['+', '/finance', false],
    ['#', '$SYS/broker', false],
    ['+/monitor/Clients', '$SYS/monitor/Clients', false],
    ['$SYS/#', '$SYS/monitor/Clients', true],
    ['$SYS/monitor/+', '$SYS/monitor/Clients', true],
  ])('%s vs %s → %s', (filter, topic, expected) => {
    expect(filterMatchesTopic(filter, topic)).toBe(expected);
  });
});

describe('filterCovers', () => {
  it.each([
    ['releve/v1/trucks/#', 'releve/v1/trucks/+/lifts', true],
    ['releve/v1/trucks/t1/cmd/#', 'releve/v1/trucks/t1/cmd/config', true],
    ['releve/v1/trucks/t1/cmd/#', 'releve/v1/trucks/+/cmd/config', false],
    ['releve/v1/trucks/t1/cmd/#', 'releve/v1/trucks/t1/#', false],
    ['a/+', 'a/#', false],
    ['a/#', 'a', true],
    ['#', '$SYS/#', false],
    ['+/b', '+/b', true],
  ])('%s covers %s → %s', (outer, inner, expected) => {
    expect(filterCovers(outer, inner)).toBe(expected);
  });

  it('is sound: a covered filter matches no topic the outer filter misses', () => {
    fc.assert(
      fc.property(filterArb, filterArb, topicArb, (outer, inner, topic) => {
        if (filterCovers(outer, inner) && filterMatchesTopic(inner, topic)) {
          expect(filterMatchesTopic(outer, topic)).toBe(true);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('every filter covers itself and a topic name covers exactly the same topic', () => {
    fc.assert(
      fc.property(filterArb, topicArb, (f, t) => {
        expect(filterCovers(f, f)).toBe(true);
        expect(filterCovers(t, t)).toBe(true);
        expect(filterCovers(f, t)).toBe(filterMatchesTopic(f, t));
      }),
    );
  });
});

describe('validity', () => {
  it('rejects misplaced wildcards in filters and any wildcard in topic names', () => {
    expect(isValidFilter('a/#/b')).toBe(false);
    expect(isValidFilter('a/b#')).toBe(false);
    expect(isValidFilter('a+/b')).toBe(false);
    expect(isValidFilter('')).toBe(false);
    expect(isValidFilter('+/+/#')).toBe(true);
    expect(isValidTopicName('a/+/b')).toBe(false);
    expect(isValidTopicName('a/#')).toBe(false);
    expect(isValidTopicName('a/b')).toBe(true);
  });
});

/**
 * MQTT 3.1.1 topic filter matching (OASIS MQTT 3.1.1, §4.7 "Topic Names and Topic Filters").
 *
 * - levels are separated by `/`; empty levels are levels;
 * - `+` matches exactly one level, `#` (last level only) matches the parent level and any
 *   number of child levels ([MQTT-4.7.1-2]: `sport/#` also matches `sport`);
 * - a filter starting with a wildcard does not match a topic starting with `$` ([MQTT-4.7.2-1]).
 *
 * Pure code: no I/O.
 */

/** True when `topic` (a topic name, no wildcards) is matched by `filter`. */
export function filterMatchesTopic(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * True when every topic that `inner` matches is also matched by `outer`: a subscription to
 * `inner` can never receive anything `outer` does not cover. Used to check a SUBSCRIBE
 * against the read grants of an ACL (stricter than Mosquitto, which compares wildcards as if
 * they were plain characters: there `foo/+` would cover a subscription to `foo/#`).
 */
export function filterCovers(outer: string, inner: string): boolean {
  const o = outer.split('/');
  const n = inner.split('/');
  const innerFirst = n[0] ?? '';
  if ((outer.startsWith('+') || outer.startsWith('#')) && innerFirst.startsWith('$')) return false;
  for (let i = 0; i < o.length; i++) {
    const ol = o[i];
    if (ol === '#') return true;
    if (i >= n.length) return false;
    const nl = n[i];
    if (nl === '#') return false; // inner reaches any depth here; only `#` covers that
    if (ol === '+') continue; // covers a literal level and `+`
    if (nl === '+' || nl !== ol) return false;
  }
  return o.length === n.length;
}

/** True when `filter` is a well-formed MQTT topic filter ([MQTT-4.7.1-2], [MQTT-4.7.1-3]). */
export function isValidFilter(filter: string): boolean {
  if (filter.length === 0 || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i] ?? '';
    if (l.includes('#') && (l !== '#' || i !== levels.length - 1)) return false;
    if (l.includes('+') && l !== '+') return false;
  }
  return true;
}

/** True when `topic` may be used in a PUBLISH: non-empty, no wildcard, no NUL ([MQTT-3.3.2-2]). */
export function isValidTopicName(topic: string): boolean {
  return topic.length > 0 && !topic.includes('+') && !topic.includes('#') && !topic.includes('\u0000');
}

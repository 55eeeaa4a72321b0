/**
 * Text joined into one flat string at once. A template literal of 13 characters or more is a
 * rope (a V8 ConsString: one object per `+`), and a billing run keeps such texts (sub-articles,
 * review details) for hundreds of thousands of lines until they are written: every rope
 * survives young-generation collections piece by piece, and comparing or encoding it makes a
 * flat copy besides. Joined, each text is one object from the start (a million-lift run spends
 * about a third less time collecting garbage while pricing).
 */
export function flatText(...parts: (string | number)[]): string {
  return parts.join('');
}

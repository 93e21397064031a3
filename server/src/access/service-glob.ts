/**
 * Compiles service globs (`orders`, `orders-*`, `*`) into one matcher. Only `*` is special:
 * it matches any run of characters, including none. Everything else matches itself, so a
 * glob can never widen into a regular expression.
 */
export function compileServiceGlobs(globs: readonly string[]): (service: string) => boolean {
  if (globs.length === 0) return () => false;
  const alternatives = globs.map((glob) =>
    glob
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))
      .join('.*'),
  );
  const pattern = new RegExp(`^(?:${alternatives.join('|')})$`, 's');
  return (service) => pattern.test(service);
}

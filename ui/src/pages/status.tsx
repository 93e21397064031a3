/** What a page shows before its data is there: loading, or why not. */
export function Status({ error, what }: { error: string | undefined; what: string }) {
  if (error)
    return (
      <p role="alert" class="bad">
        Could not load {what}: {error}
      </p>
    );
  return <p class="muted">Loading {what}…</p>;
}

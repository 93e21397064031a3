/** One CLI command: takes its arguments, returns an exit code (0 ok, 1 failure, 2 usage). */
export type Command = (argv: string[]) => Promise<number>;

/** Thrown by a command for a usage mistake: printed with the usage, exit 2. */
export class UsageError extends Error {}

/**
 * A git object that could not be read: missing, corrupt, or a blob over the file size
 * limit. It fails only the documents that use the object; nothing remembers it, so a
 * later read tries again. The message names the object (and its file, once known) and
 * never a server path.
 */
export class ObjectReadError extends Error {
  constructor(
    /** The object id (or revision) that was asked for. */
    readonly oid: string,
    /** What is wrong, as the end of a sentence: `is missing`. */
    readonly reason: string,
    /** Repository-relative file the object is, when the caller knows it. */
    readonly file?: string,
  ) {
    super(
      file === undefined
        ? `git object ${oid} ${reason}`
        : `${file} cannot be read: git object ${oid} ${reason}`,
    );
    this.name = 'ObjectReadError';
  }

  /** The same failure, naming the file the object is. */
  inFile(file: string): ObjectReadError {
    return new ObjectReadError(this.oid, this.reason, file);
  }
}

/** A blob bigger than `HOTCONF_MAX_FILE_BYTES`: refused from its header, its body never held. */
export class ObjectTooLargeError extends ObjectReadError {
  constructor(
    oid: string,
    /** The blob's size in bytes. */
    readonly size: number,
    /** The limit it exceeds. */
    readonly limit: number,
    file?: string,
  ) {
    super(oid, `is ${formatBytes(size)}, over the ${formatBytes(limit)} limit`, file);
    this.name = 'ObjectTooLargeError';
    if (file !== undefined) {
      this.message = `${file} is ${formatBytes(size)}, over the ${formatBytes(limit)} limit for a config file (HOTCONF_MAX_FILE_BYTES)`;
    }
  }

  override inFile(file: string): ObjectReadError {
    return new ObjectTooLargeError(this.oid, this.size, this.limit, file);
  }
}

/** `5242880` → `5 MB`, `1536` → `1.5 KB` (binary units, as the setting reads them). */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : Number(value.toFixed(1))} ${units[unit]}`;
}

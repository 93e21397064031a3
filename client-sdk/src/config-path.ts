/** Recursion budget of {@link ConfigPath}: nesting deeper than this is not offered. */
type Depth = [never, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

/**
 * Every dotted path into a document of type `T`, for `onKey` and typed reads: `'db'`,
 * `'db.pool'`, `'db.pool.max'`; array elements as `'hosts.0'` or `'hosts[0]'`. A map with
 * an index signature (`features: {[flag: string]: boolean}`) takes any key, and an untyped
 * document (`ConfigObject`) any string.
 */
export type ConfigPath<T, D extends number = 10> = [D] extends [never]
  ? never
  : T extends readonly (infer E)[]
    ? `${number}` | `[${number}]` | SubPath<'', E, Depth[D]>
    : T extends object
      ? string extends keyof T
        ? string
        : { [K in keyof T & string]: K | SubPath<K, NonNullable<T[K]>, Depth[D]> }[keyof T & string]
      : never;

/** Paths below `key` into `V`, with the right separator (`.` for keys, none for `[0]`). */
type SubPath<K extends string, V, D extends number> = V extends readonly (infer E)[]
  ? | `${K}.${number}`
    | `${K}[${number}]`
    | (E extends object ? `${K}.${number}.${ConfigPath<E, D>}` : never)
  : V extends object
    ? K extends ''
      ? ConfigPath<V, D>
      : `${K}.${ConfigPath<V, D>}`
    : never;

/**
 * The type of the value at `path` in `T` (`undefined` included where the path may be
 * absent). `unknown` where `T` does not say (untyped documents, unknown paths).
 */
export type ConfigValue<T, P extends string> = string extends P
  ? unknown
  : P extends `${infer K}[${infer I}]${infer R}`
    ? ConfigValue<T, `${K}.${I}${R}`>
    : P extends `${infer K}.${infer R}`
      ? Step<T, K> extends infer V
        ? [V] extends [undefined]
          ? undefined
          : ConfigValue<NonNullable<V>, R> | (undefined extends V ? undefined : never)
        : never
      : Step<T, P>;

/** The value one key or index below `T`. */
type Step<T, K extends string> = T extends readonly (infer E)[]
  ? K extends `${number}`
    ? E | undefined
    : undefined
  : T extends object
    ? string extends keyof T
      ? T[string] | undefined
      : K extends keyof T
        ? T[K]
        : unknown
    : undefined;

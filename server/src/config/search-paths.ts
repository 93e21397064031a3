/**
 * `HOTCONF_SEARCH_PATH`, read as Spring Cloud Config reads `search-paths`
 * (`AbstractScmAccessor#getSearchLocations`): a comma-separated list of folders relative
 * to the repository root, with `{application}`, `{profile}` and `{label}` filled in per
 * request and `*` matching within one folder name. The top level is always searched
 * first, and a later location beats an earlier one (Spring hands them to Spring Boot as
 * `spring.config.location`, where the last location wins), so files in a search folder
 * rank above top-level files.
 */

const PLACEHOLDER = /\{(application|profile|label)\}/g;
const ALLOWED = /^[A-Za-z0-9._*{}@+ -]+$/;
/** Folders nested deeper than this are not searched: a bound on the tree walk. */
const MAX_DEPTH = 8;
/** Folder levels a `{label}` with `/` may fill (`feature/team/x`). */
const MAX_LABEL_LEVELS = 3;
/** More entries than this is a mistake, not a layout. */
const MAX_ENTRIES = 32;

/**
 * A checked `HOTCONF_SEARCH_PATH`. Folders are named relative to the repository root
 * (or the folder `HOTCONF_REPO` names), '' for the top level and otherwise ending in `/`.
 */
export class SearchPath {
  /** The entries as segments, `/`-separated, without leading `./` or trailing `/`. */
  readonly entries: readonly string[];
  private readonly memo = new Map<string, (folder: string) => boolean>();

  private constructor(entries: string[]) {
    this.entries = entries;
  }

  /**
   * Checks and reads a setting value; undefined or blank means the top level only.
   * @param setting the name to put in messages.
   * @throws TypeError naming the setting and the entry for an absolute path, `..`, `**`,
   *   an unknown `{placeholder}` or a character a folder name may not have.
   */
  static parse(value: string | undefined, setting = 'HOTCONF_SEARCH_PATH'): SearchPath {
    const entries: string[] = [];
    for (const raw of (value ?? '').split(',')) {
      const entry = raw.trim();
      if (!entry) continue;
      const bad = (why: string) =>
        new TypeError(
          `${setting} entry "${entry}" ${why}: each entry must be a folder inside the repository, like config or {application}`,
        );
      if (entry.startsWith('/') || entry.startsWith('\\') || /^[A-Za-z]:/.test(entry))
        throw bad('is absolute');
      const segments = entry.split('/').filter((s) => s !== '' && s !== '.');
      if (segments.includes('..')) throw bad('leaves the repository (..)');
      if (segments.some((s) => s.includes('**')))
        throw bad('uses **, which hotconf does not search (use * for one folder level)');
      if (segments.length > MAX_DEPTH) throw bad(`is more than ${MAX_DEPTH} folders deep`);
      for (const s of segments) {
        if (!ALLOWED.test(s) || /[{}]/.test(s.replace(PLACEHOLDER, '')))
          throw bad('has a character or placeholder hotconf does not know');
      }
      if (segments.length > 0) entries.push(segments.join('/'));
    }
    if (entries.length > MAX_ENTRIES)
      throw new TypeError(`${setting} has more than ${MAX_ENTRIES} entries`);
    return new SearchPath([...new Set(entries)]);
  }

  /** True when an entry names a folder after the application (`{application}`, `svc-{application}`). */
  get hasApplicationFolders(): boolean {
    return this.entries.some((e) => e.includes('{application}'));
  }

  /** True when only the top level is searched. */
  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /**
   * What the snapshot reader walks: per entry, one pattern per folder level, each
   * placeholder read as "any name" (its value is known only per request).
   */
  treePatterns(): RegExp[][] {
    const out: RegExp[][] = [];
    for (const entry of this.entries) {
      const segments = entry.split('/');
      out.push(segments.map((s) => segmentPattern(s.replace(PLACEHOLDER, '*'))));
      // A label may hold `/` (`release/1.0`): a folder that is exactly `{label}` may then be
      // up to MAX_LABEL_LEVELS folders deep, as Spring fills the path with the label as is.
      const at = segments.indexOf('{label}');
      for (let extra = 1; at >= 0 && extra < MAX_LABEL_LEVELS; extra++) {
        const widened = [
          ...segments.slice(0, at),
          ...Array<string>(extra + 1).fill('*'),
          ...segments.slice(at + 1),
        ];
        if (widened.length <= MAX_DEPTH)
          out.push(widened.map((s) => segmentPattern(s.replace(PLACEHOLDER, '*'))));
      }
    }
    return out;
  }

  /**
   * The locations of one request in Spring's order, lowest precedence first: the top
   * level, then each entry with each profile filled in. Entries may still hold `*`.
   * An entry needing `{label}` is left out when no label is given.
   * @param own only the entries that name a folder after the application alone.
   */
  locations(
    application: string,
    profiles: readonly string[],
    label?: string,
    own = false,
  ): string[] {
    const out = new Set<string>(['']);
    for (const entry of own ? this.ownEntries() : this.entries) {
      for (const profile of profiles.length > 0 ? profiles : ['default']) {
        if (label === undefined && entry.includes('{label}')) continue;
        const value = entry.replace(PLACEHOLDER, (_m, name: string) =>
          name === 'application' ? application : name === 'profile' ? profile : (label ?? ''),
        );
        // A label with `/` or `..` must not reach outside the folder it fills (Spring's isInvalidPath).
        if (value.split('/').some((s) => s === '..' || s === '')) continue;
        out.add(`${value}/`);
      }
    }
    return [...out];
  }

  /**
   * The folders of a snapshot that one request searches, HIGHEST precedence first ('' —
   * the top level — last). `available` is every folder holding config files, sorted.
   */
  folders(
    available: readonly string[],
    application: string,
    profiles: readonly string[],
    label?: string,
    own = false,
  ): string[] {
    if (this.isEmpty) return [''];
    const known = new Set(available);
    const found = new Set<string>(['']);
    for (const location of this.locations(application, profiles, label, own)) {
      if (location === '') continue;
      if (!location.includes('*')) {
        if (known.has(location)) found.add(location);
        continue;
      }
      const pattern = folderPattern(location);
      // Spring lists a wildcard's matches in name order; each is a location of its own.
      for (const folder of available) if (pattern.test(folder)) found.add(folder);
    }
    return [...found].reverse();
  }

  /**
   * Entries that name a folder after the application alone (`{application}`,
   * `apps/{application}`: no `*`, `{profile}` or `{label}`): such a folder existing makes
   * the application known on the native API, as a file named after it does.
   */
  private ownEntries(): string[] {
    return this.entries.filter(
      (e) =>
        e.includes('{application}') &&
        !e.includes('*') &&
        !e.includes('{profile}') &&
        !e.includes('{label}'),
    );
  }

  /**
   * A test of whether a folder is searched for one request, whatever the snapshot: what
   * decides that a change to `orders/orders.yml` reaches `orders` and nobody else.
   */
  folderTest(application: string, profiles: readonly string[], label?: string) {
    const key = `${application}\0${profiles.join(',')}\0${label ?? ''}`;
    let test = this.memo.get(key);
    if (!test) {
      const locations = this.locations(application, profiles, label);
      const exact = new Set(locations.filter((l) => !l.includes('*')));
      const patterns = locations.filter((l) => l.includes('*')).map(folderPattern);
      test = (folder) => exact.has(folder) || patterns.some((p) => p.test(folder));
      if (this.memo.size > 50_000) this.memo.clear();
      this.memo.set(key, test);
    }
    return test;
  }

  /**
   * git pathspecs (relative to the top level) covering every file that can feed one
   * request, from its file names: what history walks. git's `*` also crosses `/`, so a
   * pathspec may match more than the folder; history then sees a commit that changed
   * nothing served and leaves it out.
   */
  pathspecs(
    names: readonly string[],
    application: string,
    profiles: readonly string[],
    label?: string,
  ): string[] {
    return this.locations(application, profiles, label).flatMap((l) => names.map((n) => l + n));
  }
}

/** The folder part of a snapshot file key ('' at the top level, else ending in `/`). */
export function folderOf(file: string): string {
  return file.slice(0, file.lastIndexOf('/') + 1);
}

/** The name part of a snapshot file key (`orders/orders.yml` → `orders.yml`). */
export function baseNameOf(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

function segmentPattern(segment: string): RegExp {
  return new RegExp(`^${segment.split('*').map(escape).join('[^/]*')}$`);
}

function folderPattern(location: string): RegExp {
  return new RegExp(`^${location.split('*').map(escape).join('[^/]*')}$`);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

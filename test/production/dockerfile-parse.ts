/** One Dockerfile instruction, continuation lines joined. */
export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, ENV… */
  keyword: string;
  /** Everything after the keyword, on one line. */
  args: string;
  line: number;
}

/** The instructions from one FROM to the next. */
export interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/**
 * Parses a Dockerfile into stages: comments and blank lines dropped, `\` continuations
 * joined (comment lines inside a continuation are skipped, as BuildKit does).
 */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = i + 1;
    let line = lines[i] as string;
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      i++;
      const next = lines[i] as string;
      line = line.replace(/\\\s*$/, ' ') + (/^\s*#/.test(next) ? '' : next.trim());
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile line ${first}: cannot parse ${JSON.stringify(line)}`);
    const keyword = (m[1] as string).toUpperCase();
    const args = (m[2] as string).replace(/\s+/g, ' ').trim();
    if (keyword === 'FROM') {
      const [from, as, name] = args.split(' ');
      stages.push({
        from: from as string,
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        instructions: [],
      });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage) throw new Error(`Dockerfile line ${first}: ${keyword} before FROM`);
    stage.instructions.push({ keyword, args, line: first });
  }
  return stages;
}

/** The instructions of a stage with this keyword. */
export function all(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** `ENV A=1 B=2` (and the legacy `ENV A 1`) of a stage, merged in order. */
export function envOf(stage: Stage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { args } of all(stage, 'ENV')) {
    if (!args.includes('=')) {
      const [k, ...v] = args.split(' ');
      out[k as string] = v.join(' ');
      continue;
    }
    for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
      const raw = m[2] as string;
      out[m[1] as string] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    }
  }
  return out;
}

/** The JSON (exec) form of CMD / ENTRYPOINT / HEALTHCHECK CMD; throws on the shell form. */
export function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string'))
    throw new Error(`not an exec form: ${args}`);
  return parsed as string[];
}

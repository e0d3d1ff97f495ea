/**
 * A timeline of what a test did to the system and what it saw (kills, restarts, gates, completions), in seconds
 * since the suite began and wall-clock time, printed for the record: a kill test's story is its order of events.
 */
export interface Timeline {
  mark(what: string): void;
  /** The lines so far, one per mark. */
  lines(): string[];
}

export function startTimeline(): Timeline {
  const began = Date.now();
  const marks: string[] = [];
  return {
    mark(what) {
      const now = Date.now();
      const line = `+${((now - began) / 1000).toFixed(1).padStart(6)} s  ${new Date(now).toISOString().slice(11, 23)}  ${what}`;
      marks.push(line);
      console.log(`      [timeline] ${line}`);
    },
    lines: () => [...marks],
  };
}

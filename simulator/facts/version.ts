/**
 * CUCM release numbers as the simulator reads them. The simulator's own parser (it imports nothing from the product):
 * "14.0.1.13900-155" is 14.0 SU3, "12.5" is 12.5, "15" is 15.0.
 */

export interface SimVersion {
  major: number;
  minor: number;
  /** Service update, from the build (…1X900 is SU X); 0 for a base release or a bare "14". */
  su: number;
  /** As given. */
  full: string;
}

/** Anything with a major and minor release (a bare `{major, minor}` counts as the base release, SU 0). */
export interface VersionLike {
  major: number;
  minor: number;
  su?: number;
}

/**
 * Cisco numbers a service update's build 1X900 for SU X (12.5(1)SU3 is 12.5.1.13900-152, FN70613 in
 * docs/reference/cucm-interfaces.md §6; 14SU3 is 14.0.1.13900-155 by the same rule); base releases are 10000. Builds outside that pattern (engineering specials) count as the base release.
 */
function serviceUpdate(build: string | undefined): number {
  const match = /^1(\d)900$/.exec(build ?? '');
  return match ? Number(match[1]) : 0;
}

export function parseVersion(text: string): SimVersion {
  const trimmed = text.trim();
  const match = /^(\d{1,2})(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(?:-\d+)?(?:SU(\d+))?/i.exec(trimmed);
  if (!match) throw new Error(`"${text}" is not a CUCM version (expected e.g. 14.0.1.13900-155)`);
  const su = match[5] !== undefined ? Number(match[5]) : serviceUpdate(match[4]);
  return { major: Number(match[1]), minor: Number(match[2] ?? 0), su, full: trimmed };
}

/** At least major.minor, and at least SU `su` when the release is exactly major.minor. */
export function atLeast(v: VersionLike, major: number, minor = 0, su = 0): boolean {
  if (v.major !== major) return v.major > major;
  if (v.minor !== minor) return v.minor > minor;
  return (v.su ?? 0) >= su;
}

/**
 * The releases whose behaviour the simulator's tables describe, each with a build to simulate it by. The builds are
 * examples in Cisco's numbering (above).
 */
export const RELEASES = {
  '10.5': '10.5.2.10000-5',
  '11.0': '11.0.1.10000-10',
  '11.5': '11.5.1.10000-6',
  '12.0': '12.0.1.10000-10',
  '12.5': '12.5.1.10000-22',
  '14': '14.0.1.10000-20',
  '14SU3': '14.0.1.13900-155',
  '15': '15.0.1.10000-34',
} as const;

export const RELEASES_SOURCE =
  "the releases are those TN 214231 and the other tables tell apart (ref §6); the build numbers follow Cisco's SU numbering (FN70613: 12.5(1)SU3 is 12.5.1.13900-152, ref §6), the exact builds are a guess";

export type Release = keyof typeof RELEASES;

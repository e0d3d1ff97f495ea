/**
 * Which AXL schema versions a node answers. Cisco's AXL versioning guidelines (DevNet, "AXL Versioning",
 * https://developer.cisco.com/docs/axl/#!axl-versioning , paraphrased: the page's words were not retrievable here):
 * a CUCM release supports the AXL schema of its own release and of the previous two major releases, and a request
 * that names no version (no SOAPAction version, no versioned namespace) is answered with the oldest schema the node
 * supports. Any other version is refused with axlcode 5003.
 *
 * The schema versions are those Cisco published (the AXL Toolkit's schema folders, as pgiralt/axltoolkit,
 * Cloverhound/AXLRuby and ciscoaxl ship them: reference section 4.1). "Major release" is the first number: 14.0's
 * previous two major releases are 12 (12.0, 12.5) and 11 (11.0, 11.5), as there was no 13.
 */
const AXL_SCHEMA_VERSIONS = [
  '8.0',
  '8.5',
  '9.0',
  '9.1',
  '10.0',
  '10.5',
  '11.0',
  '11.5',
  '12.0',
  '12.5',
  '14.0',
  '15.0',
] as const;

const major = (v: string) => Number(v.split('.')[0]);
const minor = (v: string) => Number(v.split('.')[1] ?? 0);
const notAfter = (a: string, b: string) => major(a) < major(b) || (major(a) === major(b) && minor(a) <= minor(b));

/** The schema versions a node of `release` (e.g. "14.0.1.13900-155") answers, oldest first. */
export function supportedAxlVersions(release: string): string[] {
  const own = `${major(release)}.${minor(release)}`;
  const majors = [...new Set(AXL_SCHEMA_VERSIONS.map(major))].filter((m) => m <= major(own));
  const kept = new Set(majors.slice(-3));
  return AXL_SCHEMA_VERSIONS.filter((v) => kept.has(major(v)) && notAfter(v, own));
}

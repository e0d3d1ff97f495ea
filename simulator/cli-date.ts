/**
 * The date format of the CUCM OS CLI, e.g. `Fri Mar 06 19:45:13 CET 2015` (`show ctl`'s "last modified" line,
 * TN-118893) and `Fri Feb 04 15:31:39 PST 2022` (`show cert own`'s validity, reference section 1.3). The simulated
 * nodes run in UTC.
 */
export function formatCliDate(d: Date): string {
  const [wd, day, mon, year, time] = d.toUTCString().replace(',', '').split(' ');
  return `${wd} ${mon} ${day} ${time} UTC ${year}`;
}

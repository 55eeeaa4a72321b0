import { mayCall, type RouteId } from '../auth/accessTable.js';
import type { Role } from '../auth/roles.js';

/** A page of the web interface for signed-in people. */
export interface WebPage {
  id: 'dispatch' | 'beacons' | 'billing';
  path: string;
  /** Dictionary key of its title (and navigation label). */
  titleKey: string;
  /** Its script under `/assets/pages/`. */
  script: string;
  /**
   * Every API route the page calls. Who may open the page is derived from these and
   * `auth/accessTable.ts` (the one source of roles): a role may open a page only when it may
   * call every route the page uses, so a page never shows a role data its API would refuse.
   */
  uses: readonly RouteId[];
}

/** The pages, in navigation order. */
export const WEB_PAGES: readonly WebPage[] = [
  {
    id: 'dispatch',
    path: '/dispatch',
    titleKey: 'nav.dispatch',
    script: 'dispatch.js',
    uses: ['whoami', 'listTrucks', 'listLifts', 'events'],
  },
  {
    id: 'beacons',
    path: '/beacons',
    titleKey: 'nav.beacons',
    script: 'beacons.js',
    uses: [
      'whoami',
      'listBeaconFleet',
      'getBeaconFleetEntry',
      'listGatewayFleet',
      'listFleetAlerts',
      'getBeaconAvailability',
      'events',
    ],
  },
  {
    id: 'billing',
    path: '/billing',
    titleKey: 'nav.billing',
    script: 'billing.js',
    uses: [
      'whoami',
      'billingRunPeriod',
      'billingReview',
      'billingExport',
      'householdStatement',
      'citizenLink',
      'revokeCitizenLink',
      'events',
    ],
  },
];

/** Whether a role may open a page (it may call every route the page uses). */
export function mayOpen(page: WebPage, role: Role): boolean {
  return page.uses.every((r) => mayCall(r, role));
}

/** The pages a role may open, in navigation order. */
export function pagesFor(role: Role): WebPage[] {
  return WEB_PAGES.filter((p) => mayOpen(p, role));
}

/** Where a role lands after signing in: its first page. */
export function homeOf(role: Role): string {
  return pagesFor(role)[0]?.path ?? '/login';
}

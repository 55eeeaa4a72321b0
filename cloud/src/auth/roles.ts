import { z } from 'zod';

/**
 * Who a bearer token speaks for. Every HTTP route lists the roles allowed to call it in
 * `accessTable.ts`; a token carries exactly one role.
 *
 * - `dispatcher`: runs the collection rounds (trucks, lifts, truck events);
 * - `beacon-operator`: the delegated operator of the beacon network (beacons, gateways,
 *   their events) and NOTHING about households, bins or lifts;
 * - `billing`: the billing office (lifts and accounts, to compute charges);
 * - `admin`: runs the platform (everything, including dead letters and metrics).
 */
export const Role = z.enum(['dispatcher', 'beacon-operator', 'billing', 'admin']).describe('API role');
export type Role = z.infer<typeof Role>;

/** Every role, in a stable order (the role-matrix test and the OpenAPI document iterate it). */
export const ROLES: readonly Role[] = Role.options;

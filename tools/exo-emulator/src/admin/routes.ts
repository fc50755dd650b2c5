/** The server's own admin routes (clock, faults, info); relative to `/_admin`. */
import type { ShiftableClock } from '../clock.js';
import { FaultPlanError, parseFaultPlan, type FaultInjector } from '../faults.js';
import { jsonResponse } from '../identity/entra-errors.js';
import type { EmulatorRequest, Route } from '../types.js';

/** What the core admin routes act on. */
export interface CoreAdminContext {
  readonly clock: ShiftableClock;
  readonly faults: FaultInjector;
  readonly info: () => Record<string, unknown>;
}

function parseJson(request: EmulatorRequest): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(request.body.toString('utf8') || '{}') };
  } catch {
    return { ok: false };
  }
}

/** Builds the core admin routes. */
export function createCoreAdminRoutes(context: CoreAdminContext): Route[] {
  const clockState = () => ({ now: context.clock.now().toISOString(), offsetSeconds: context.clock.offsetSeconds() });
  return [
    { method: 'GET', path: '/info', handler: async () => jsonResponse(200, context.info()) },
    { method: 'GET', path: '/clock', handler: async () => jsonResponse(200, clockState()) },
    {
      method: 'POST',
      path: '/clock',
      handler: async (request) => {
        const body = parseJson(request);
        const shift = body.ok && body.value !== null && typeof body.value === 'object' ? (body.value as { shiftSeconds?: unknown }).shiftSeconds : undefined;
        if (typeof shift !== 'number' || !Number.isFinite(shift)) return jsonResponse(400, { error: 'Send JSON {"shiftSeconds": <number>}, e.g. {"shiftSeconds": 3700} to move one hour and a bit forward.' });
        context.clock.shift(shift);
        return jsonResponse(200, clockState());
      },
    },
    { method: 'GET', path: '/faults', handler: async () => jsonResponse(200, { plan: context.faults.plan(), stats: context.faults.stats() }) },
    {
      method: 'POST',
      path: '/faults',
      handler: async (request) => {
        const body = parseJson(request);
        if (!body.ok) return jsonResponse(400, { error: 'The fault plan is not valid JSON.' });
        try {
          context.faults.configure(parseFaultPlan(body.value));
        } catch (error) {
          if (error instanceof FaultPlanError) return jsonResponse(400, { error: error.message });
          throw error;
        }
        return jsonResponse(200, { plan: context.faults.plan() });
      },
    },
    {
      method: 'DELETE',
      path: '/faults',
      handler: async () => {
        context.faults.clear();
        return jsonResponse(200, { plan: context.faults.plan() });
      },
    },
  ];
}

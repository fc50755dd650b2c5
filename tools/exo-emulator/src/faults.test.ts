import { describe, expect, it } from 'vitest';
import { FaultPlanError, createFaultInjector, parseFaultPlan, parseFaultSpec, parseLatencySpec, type FaultDecision } from './faults.js';

const request = (path: string, method = 'POST') => ({ method, url: new URL(`https://127.0.0.1${path}`) });

function run(seed: string, count: number): (FaultDecision | undefined)[] {
  const faults = createFaultInjector({ seed, plan: { latency: { minMs: 0, maxMs: 100 }, rules: [{ kind: 'http-503', probability: 0.3 }] } });
  return Array.from({ length: count }, () => faults.decide(request('/adminapi/beta/x/InvokeCommand')));
}

describe('fault injection', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    expect(run('a', 50)).toEqual(run('a', 50));
    expect(run('a', 50)).not.toEqual(run('b', 50));
    const statuses = run('a', 200).filter((decision) => decision?.kind === 'status').length;
    expect(statuses).toBeGreaterThan(30);
    expect(statuses).toBeLessThan(90);
  });

  it('memoises the decision per request so the Exchange half sees what the server saw', () => {
    const faults = createFaultInjector({ seed: 's', plan: { rules: [{ kind: 'shell-lost', pathPrefix: '/powershell-liveid', count: 1 }] } });
    const first = request('/PowerShell-LiveID');
    expect(faults.decide(first)).toEqual({ kind: 'shell-lost', delayMs: 0 });
    expect(faults.decide(first)).toEqual({ kind: 'shell-lost', delayMs: 0 });
    expect(faults.decide(request('/PowerShell-LiveID'))).toBeUndefined();
    expect(faults.stats()[0]).toMatchObject({ fired: 1 });
  });

  it('honours after, count, method and path filters and Retry-After defaults', () => {
    const faults = createFaultInjector({ seed: 's', plan: { rules: [{ kind: 'http-429', after: 2, count: 2, method: 'POST', pathPrefix: '/adminapi' }] } });
    const kinds = Array.from({ length: 6 }, () => faults.decide(request('/adminapi/x')));
    expect(kinds.map((decision) => decision?.kind ?? 'none')).toEqual(['none', 'none', 'status', 'status', 'none', 'none']);
    expect(kinds[2]).toEqual({ kind: 'status', delayMs: 0, status: 429, retryAfterSeconds: 2 });
    expect(faults.decide(request('/adminapi/x', 'GET'))).toBeUndefined();
    expect(faults.decide(request('/organizations/oauth2/v2.0/token'))).toBeUndefined();
  });

  it('configure restarts the sequence and clear removes everything', () => {
    const faults = createFaultInjector({ seed: 's' });
    faults.configure({ seed: 'x', latency: 25 });
    expect(faults.decide(request('/a'))).toEqual({ kind: 'latency', delayMs: 25 });
    faults.clear();
    expect(faults.decide(request('/a'))).toBeUndefined();
  });

  it('parses --fault and --latency and names the mistake', () => {
    expect(parseFaultSpec('http-429:p=0.5,retry-after=3,path=/adminapi,count=2')).toEqual({ kind: 'http-429', probability: 0.5, retryAfterSeconds: 3, pathPrefix: '/adminapi', count: 2 });
    expect(parseFaultSpec('reset')).toEqual({ kind: 'reset' });
    expect(() => parseFaultSpec('http-418')).toThrow(/"kind" must be one of reset, http-500/);
    expect(() => parseFaultSpec('reset:p=2')).toThrow(/probability/);
    expect(() => parseFaultSpec('reset:bogus=1')).toThrow(/unknown option 'bogus'/);
    expect(parseLatencySpec('10-200')).toEqual({ minMs: 10, maxMs: 200 });
    expect(parseLatencySpec('50')).toBe(50);
    expect(() => parseLatencySpec('fast')).toThrow(FaultPlanError);
    expect(() => parseFaultPlan({ rules: [{ kind: 'reset', extra: 1 }] })).toThrow(/unknown field 'extra'/);
    expect(() => parseFaultPlan([])).toThrow(/JSON object/);
  });
});

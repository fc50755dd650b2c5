import { describe, expect, it } from 'vitest';
import {
  RPS_DISABLED_TEXT,
  buildRemotePowerShellNotEnabledText,
  buildRunspaceBudgetText,
  buildSessionCapText,
  parseServiceRefusal,
} from './service-texts.js';

// Verbatim from exchange-online-connection.md §3.1, §3.2, §3.4 (what admins saw).
const OBSERVED_CAP =
  'Processing data from remote server outlook.office365.com failed with the following error message: [AuthZRequestId=8feccdea-493c-4c12-85dd-d185232cc0be][FailureCategory=AuthZ-AuthorizationException] Fail to create a runspace because you have exceeded the maximum number of connections allowed : 3 for the policy party : MaxConcurrency. Please close existing runspace and try again.';
const OBSERVED_BUDGET =
  'Processing data from remote server outlook.office365.com failed with the following error message: [AuthZRequestId=1][FailureCategory=AuthZ-AuthorizationException] Fail to create runspace because you have exceeded your budget to create runspace. Please wait for 2 seconds.';
const OBSERVED_ACCESS_DENIED =
  'Connecting to remote server outlook.office365.com failed with the following error message : Access is denied. For more information, see the about_Remote_Troubleshooting Help topic.';

describe('parseServiceRefusal', () => {
  it('recognises the texts admins reported', () => {
    expect(parseServiceRefusal(OBSERVED_CAP)).toEqual({ kind: 'session-cap', limit: 3 });
    expect(parseServiceRefusal(OBSERVED_BUDGET)).toEqual({ kind: 'runspace-budget', waitSeconds: 2 });
    expect(parseServiceRefusal(OBSERVED_ACCESS_DENIED)).toEqual({ kind: 'access-denied' });
  });

  it('recognises what the builders (and so the emulator) produce', () => {
    expect(parseServiceRefusal(buildSessionCapText(5, 'abc'))).toEqual({ kind: 'session-cap', limit: 5 });
    expect(buildSessionCapText(3, 'x')).toBe(
      '[AuthZRequestId=x][FailureCategory=AuthZ-AuthorizationException] Fail to create a runspace because you have exceeded the maximum number of connections allowed : 3 for the policy party : MaxConcurrency. Please close existing runspace and try again.',
    );
    expect(parseServiceRefusal(buildRunspaceBudgetText(7))).toEqual({ kind: 'runspace-budget', waitSeconds: 7 });
    expect(parseServiceRefusal(RPS_DISABLED_TEXT)).toEqual({ kind: 'rps-disabled' });
    expect(parseServiceRefusal(buildRemotePowerShellNotEnabledText('a@b.c'))).toEqual({ kind: 'remote-powershell-disabled' });
  });

  it('tells the tenant-wide switch-off from a per-user refusal', () => {
    expect(parseServiceRefusal('Remote PowerShell has been blocked for your organization.')).toEqual({ kind: 'rps-disabled' });
    expect(parseServiceRefusal('RPS is disabled for this tenant')).toEqual({ kind: 'rps-disabled' });
    expect(parseServiceRefusal('EAP.GetInitialSessionStateCore user bob@contoso.com is not allowed to use remote Powershell, access denied')).toEqual({
      kind: 'remote-powershell-disabled',
    });
    expect(parseServiceRefusal('Remote PowerShell is disabled for the user bob.')).toBeUndefined();
    expect(parseServiceRefusal("The operation couldn't be performed because object 'x' couldn't be found.")).toBeUndefined();
  });
});

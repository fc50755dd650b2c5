import { describe, expect, it } from 'vitest';
import { CLOUD_ENVIRONMENTS, createEmulatorEnvironment, getCloudEnvironment, resolveCloudEnvironment } from './clouds.js';
import { isExopsError } from './errors.js';

describe('clouds', () => {
  it('holds the documented endpoints', () => {
    expect(CLOUD_ENVIRONMENTS.O365Default.rpsConnectionUri).toBe('https://outlook.office365.com/powershell-liveid/');
    expect(CLOUD_ENVIRONMENTS.O365GermanyCloud.restBaseUrl).toBeUndefined();
    expect(CLOUD_ENVIRONMENTS.O365USGovDoD.restBaseUrl).toBe('https://outlook-dod.office365.us');
    expect(CLOUD_ENVIRONMENTS.O365China.supportsMfa).toBe(false);
  });

  it('finds environments case-insensitively and lists the valid ones otherwise', () => {
    expect(getCloudEnvironment('o365germanycloud').name).toBe('O365GermanyCloud');
    try {
      getCloudEnvironment('Mars');
      expect.unreachable();
    } catch (e) {
      expect(isExopsError(e) && e.remedy).toContain('O365USGovGCCHigh');
    }
  });

  it('applies overrides and refuses non-https ones', () => {
    const env = resolveCloudEnvironment(CLOUD_ENVIRONMENTS.O365Default, {
      connectionUri: 'https://outlook.office.de/PowerShell-LiveID',
      authority: 'https://login.microsoftonline.de/common/',
    });
    expect(env.rpsConnectionUri).toBe('https://outlook.office.de/PowerShell-LiveID');
    expect(env.authority).toBe('https://login.microsoftonline.de/common');
    expect(() => resolveCloudEnvironment(env, { connectionUri: 'http://x/' })).toThrow(/scheme must be https/);
    expect(() => resolveCloudEnvironment(env, { authority: 'not a uri' })).toThrow(/Invalid --authority/);
  });

  it('describes the emulator on one origin', () => {
    const env = createEmulatorEnvironment('https://127.0.0.1:4443');
    expect(env.rpsConnectionUri).toBe('https://127.0.0.1:4443/powershell-liveid/');
    expect(env.restBaseUrl).toBe('https://127.0.0.1:4443');
  });
});

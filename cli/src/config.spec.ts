import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { configDir, readCredentials, writeCredentials } from './config';

describe('the config directory', () => {
  it('is SLIPWAY_CONFIG_DIR when set, whatever XDG_CONFIG_HOME and HOME are', () => {
    expect(configDir({ SLIPWAY_CONFIG_DIR: '/srv/slipway', XDG_CONFIG_HOME: '/xdg', HOME: '/home/ann' })).toBe(
      '/srv/slipway',
    );
  });

  it('is slipway in XDG_CONFIG_HOME without SLIPWAY_CONFIG_DIR', () => {
    expect(configDir({ XDG_CONFIG_HOME: '/xdg', HOME: '/home/ann' })).toBe('/xdg/slipway');
    expect(configDir({ SLIPWAY_CONFIG_DIR: '', XDG_CONFIG_HOME: '/xdg/', HOME: '/home/ann' })).toBe('/xdg/slipway');
  });

  it('is ~/.config/slipway of HOME without either', () => {
    expect(configDir({ HOME: '/home/ann' })).toBe('/home/ann/.config/slipway');
    expect(configDir({ XDG_CONFIG_HOME: '', HOME: '/home/ann' })).toBe('/home/ann/.config/slipway');
  });

  it('ignores a relative XDG_CONFIG_HOME, as the XDG specification asks', () => {
    expect(configDir({ XDG_CONFIG_HOME: 'config', HOME: '/home/ann' })).toBe('/home/ann/.config/slipway');
    expect(configDir({ XDG_CONFIG_HOME: './.config', HOME: '/home/ann' })).toBe('/home/ann/.config/slipway');
  });

  it("is in the user's home directory when HOME is not set", () => {
    expect(configDir({})).toBe(path.join(homedir(), '.config', 'slipway'));
  });

  it('is made private (0700) with the credentials file (0600) in it at the first login', () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'slipway-xdg-'));
    try {
      const xdg = path.join(scratch, 'nested');
      const env = { XDG_CONFIG_HOME: xdg };
      const file = writeCredentials({ apiUrl: 'http://localhost:3000/graphql', apiToken: 'spw_token' }, env);
      expect(file).toBe(path.join(xdg, 'slipway', 'credentials.json'));
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
      expect(readCredentials(env)).toEqual({ apiUrl: 'http://localhost:3000/graphql', apiToken: 'spw_token' });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

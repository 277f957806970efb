import { parseRepositoryUrl } from './repository-url';

describe('parseRepositoryUrl', () => {
  it.each([
    ['https://github.com/acme/site.git', 'https'],
    ['ssh://git@gitlab.example.com:2222/acme/site.git', 'ssh'],
    ['git@github.com:acme/site.git', 'ssh'],
  ])('accepts %s', (url, kind) => {
    expect(parseRepositoryUrl(url, false)).toEqual({ url, kind });
  });

  it('accepts a local path or file:// only when local repositories are allowed', () => {
    expect(parseRepositoryUrl('/srv/repos/site', true)).toEqual({ url: 'file:///srv/repos/site', kind: 'local' });
    expect(parseRepositoryUrl('file:///srv/repos/../repos/site', true)).toEqual({
      url: 'file:///srv/repos/site',
      kind: 'local',
    });
    expect(() => parseRepositoryUrl('/srv/repos/site', false)).toThrow(
      expect.objectContaining({ reason: 'LOCAL_REPOSITORY_NOT_ALLOWED' }),
    );
  });

  it.each([
    ['ext::sh -c touch% /tmp/pwned', 'remote helper'],
    ['ext::sh', 'remote helper without spaces'],
    ['fd::3', 'file-descriptor transport'],
    ['--upload-pack=touch /tmp/pwned', 'an option'],
    ['-oProxyCommand=x', 'an option'],
    ['git@-oProxyCommand=x:repo', 'an option as host'],
    ['ssh://-oProxyCommand=x/repo', 'an option as host'],
    ['http://example.com/repo.git', 'plain http'],
    ['git://example.com/repo.git', 'git protocol'],
    ['https://user:secret@example.com/repo.git', 'credentials'],
    ['https://example.com/', 'no path'],
    ['https://example.com/repo\n.git', 'a control character'],
    ['', 'nothing'],
  ])('refuses %s (%s)', (url) => {
    expect(() => parseRepositoryUrl(url, true)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });
});

import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { nativePasswordHash } from './mysql.engine';
import { scramVerifier } from './postgres.engine';

describe('password verifiers sent instead of passwords', () => {
  it('makes the MariaDB mysql_native_password hash', () => {
    // SELECT PASSWORD('password') on MariaDB.
    expect(nativePasswordHash('password')).toBe('*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19');
  });

  it('makes a SCRAM-SHA-256 verifier a client proof checks against (RFC 5802)', () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const verifier = scramVerifier('pencil', salt, 4096);
    const match = /^SCRAM-SHA-256\$4096:([^$]+)\$([^:]+):(.+)$/.exec(verifier);
    expect(match).not.toBeNull();
    expect(match![1]).toBe(salt.toString('base64'));
    // What a client holding the password proves: H(ClientKey) is the stored key.
    const salted = pbkdf2Sync('pencil', salt, 4096, 32, 'sha256');
    const clientKey = createHmac('sha256', salted).update('Client Key').digest();
    expect(match![2]).toBe(createHash('sha256').update(clientKey).digest('base64'));
    // RFC 7677's example: the server signature of that exchange is made with this server key.
    const serverKey = Buffer.from(match![3]!, 'base64');
    const authMessage =
      'n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    expect(createHmac('sha256', serverKey).update(authMessage).digest('base64')).toBe(
      '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
    );
  });

  it('salts each verifier afresh', () => {
    expect(scramVerifier('same')).not.toBe(scramVerifier('same'));
  });
});

import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { KeyRotationService } from './common/crypto/key-rotation.service';
import { ConfigValidationError, loadConfig } from './config/app-config';

const USAGE = `Usage: node dist/maintenance.js <command>

Commands:
  rotate-encryption-key [--max-documents N]
      Re-encrypts every stored secret under the current key of ENCRYPTION_KEYS (see
      ENCRYPTION_KEY_CURRENT). Resumes where an interrupted run stopped; prints a JSON report.
      When "complete" is true, the other keys may leave ENCRYPTION_KEYS.
`;

/** Operators' commands, run against the same configuration as the API and workers. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'rotate-encryption-key') {
    process.stderr.write(USAGE);
    return command === '--help' || command === undefined ? 0 : 64;
  }
  const limitAt = rest.indexOf('--max-documents');
  const maxDocuments = limitAt === -1 ? undefined : Number(rest[limitAt + 1]);
  if (maxDocuments !== undefined && !(Number.isInteger(maxDocuments) && maxDocuments >= 0)) {
    process.stderr.write('--max-documents takes a whole number\n');
    return 64;
  }
  const config = loadConfig(process.env);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, { serve: false }), {
    logger: ['error', 'warn'],
  });
  try {
    const report = await app.get(KeyRotationService).rotate({ maxDocuments });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.complete ? 0 : 2;
  } finally {
    await app.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);

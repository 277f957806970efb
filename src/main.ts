import 'reflect-metadata';
import { ConfigValidationError, loadConfig } from './config/app-config';
import { startApp } from './bootstrap';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  await startApp(config);
}

main().catch((error: unknown) => {
  process.stderr.write(`Slipway failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

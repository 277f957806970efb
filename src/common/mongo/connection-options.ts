import type { MongooseModuleOptions } from '@nestjs/mongoose';
import type { AppConfig } from '../../config/app-config';

/**
 * Connection settings that bound every wait on MongoDB by `MONGODB_TIMEOUT_MS`: finding a server
 * and connecting to it, Mongoose's queue while disconnected, and (through the driver's heartbeat,
 * which gives up on a server that stops answering) a server that is paused mid-request. Requests
 * then fail with an error the error mapper turns into SERVICE_UNAVAILABLE.
 */
export function mongooseOptions(config: AppConfig): MongooseModuleOptions & { bufferTimeoutMS: number } {
  const timeout = config.MONGODB_TIMEOUT_MS;
  return {
    autoIndex: true,
    serverSelectionTimeoutMS: timeout,
    connectTimeoutMS: timeout,
    bufferTimeoutMS: timeout,
    heartbeatFrequencyMS: Math.min(10_000, Math.max(500, Math.round(timeout / 2))),
    // A single operation that runs this long has a server that is not answering.
    socketTimeoutMS: Math.max(30_000, timeout * 6),
  };
}

/** Structured logs (pino). Secrets are redacted by path, wherever they appear in a logged object. */
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'soc-reminders' },
      redact: {
        paths: ['*.password', '*.MicrosoftAppPassword', '*.microsoftAppPassword', '*.authorization', '*.Authorization', 'req.headers.authorization', '*.token', '*.databaseUrl'],
        censor: '[redacted]',
      },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}

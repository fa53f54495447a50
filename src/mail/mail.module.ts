import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { MailService } from './mail.service.js';
import { MAILER, type Mailer } from './mailer.js';
import { OutboxMailer } from './outbox.mailer.js';
import { SmtpMailer } from './smtp.mailer.js';

@Module({
  providers: [
    {
      provide: MAILER,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>): Mailer => {
        const mail = config.get('mail', { infer: true });
        const { smtpUrl } = mail;
        if (smtpUrl) return new SmtpMailer({ ...mail, smtpUrl });
        // The outbox prints the links only in development (`npm start`): they hold tokens.
        const logLinks = config.get('app.env', { infer: true }) === 'development';
        return new OutboxMailer(mail.outboxDir, mail.from, logLinks);
      },
    },
    MailService,
  ],
  exports: [MailService, MAILER],
})
export class MailModule {}

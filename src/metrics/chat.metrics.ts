import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Counter, Gauge } from 'prom-client';
import { ChatGateway } from '../chat/chat.gateway.js';
import { MESSAGE_SENT } from '../messages/message.events.js';
import { MetricsRegistry } from './metrics-registry.js';

@Injectable()
export class ChatMetrics {
  private readonly messagesSent: Counter;

  constructor({ registry }: MetricsRegistry, gateway: ChatGateway) {
    const registers = [registry];
    new Gauge({
      name: 'chat_auth_sockets_connected',
      help: 'Chat sockets connected to this instance (with several instances, sum them).',
      registers,
      collect() {
        this.set(gateway.connectedSockets);
      },
    });
    this.messagesSent = new Counter({
      name: 'chat_auth_messages_sent_total',
      help: 'Chat messages stored and handed to delivery by this instance.',
      registers,
    });
  }

  @OnEvent(MESSAGE_SENT)
  countMessage(): void {
    this.messagesSent.inc();
  }
}

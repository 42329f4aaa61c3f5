import type { AppEvent, AppEventOf, AppEventType } from '../shared/events.js';
import { createLogger } from '../logging/logger.js';

const log = createLogger('events');

type Handler<E> = (event: E) => void;

/** Typed in-process publish/subscribe; a throwing subscriber never affects the others. */
export class EventBus {
  private readonly all = new Set<Handler<AppEvent>>();
  private readonly byType = new Map<AppEventType, Set<Handler<AppEvent>>>();

  /** Delivers `event` synchronously to every subscriber. */
  emit(event: AppEvent): void {
    const typed = this.byType.get(event.type);
    for (const h of [...this.all, ...(typed ?? [])]) {
      try {
        h(event);
      } catch (err) {
        log.error('event subscriber failed', { type: event.type, err });
      }
    }
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  onAny(handler: Handler<AppEvent>): () => void {
    this.all.add(handler);
    return () => this.all.delete(handler);
  }

  /** Subscribes to one event type; returns the unsubscribe function. */
  on<T extends AppEventType>(type: T, handler: Handler<AppEventOf<T>>): () => void {
    let set = this.byType.get(type);
    if (!set) this.byType.set(type, (set = new Set()));
    const h = handler as Handler<AppEvent>;
    set.add(h);
    return () => set.delete(h);
  }
}

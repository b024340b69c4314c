/**
 * A small typed event bus: one failing listener cannot break the others or the emitter.
 * Listener errors are reported to `onListenerError` (logged by the composition root).
 */
export type Listener<T> = (payload: T) => void;

export class TypedBus<Events extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  constructor(private readonly onListenerError: (event: string, err: unknown) => void = () => {}) {}

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const l of set) {
      try {
        (l as Listener<Events[K]>)(payload);
      } catch (err) {
        this.onListenerError(String(event), err);
      }
    }
  }
}

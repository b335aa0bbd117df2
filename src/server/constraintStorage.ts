/** Route storage for a Fastify constraint whose values are matched exactly (one handler per value). */
export function exactValueStorage() {
  const handlers = new Map<string, unknown>();
  return {
    get: (value: string) => (handlers.get(value) ?? null) as never,
    set: (value: string, store: unknown) => void handlers.set(value, store),
  };
}
